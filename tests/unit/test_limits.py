"""loaders.limits: the scans that bound what an upload may ask of the parsers (small files, exact counts)."""

import zipfile

import pyogrio
import pytest
import shapely

from loaders import limits
from tests.layer_files import grid_frame, square, write_shapefile


def write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def test_an_ordinary_export_passes(tmp_path):
    csv = write(tmp_path / "a.csv", "工单编号,内容\r\nA1,井盖缺失\r\nA2,\"多行\r\n描述\"\r\n", "gbk")
    assert limits.case_file_problem(csv) is None


def test_too_many_columns_on_the_header_line_are_refused(tmp_path):
    csv = write(tmp_path / "wide.csv", ";".join(f"c{i}" for i in range(501)) + "\n1\n")
    assert "501 columns" in str(limits.case_file_problem(csv))


def test_a_header_line_longer_than_a_line_may_be_still_gets_its_columns_counted(tmp_path):
    csv = write(tmp_path / "wide.csv", ",".join("x" * 600 for _ in range(800)) + "\n1\n")
    assert "800 columns" in str(limits.case_file_problem(csv))


def test_a_long_line_is_refused_naming_it(tmp_path):
    csv = write(tmp_path / "long.csv", "a,b\n1,2\n3," + "x" * (limits.MAX_LINE_BYTES + 1) + "\n")
    assert "line 3 of long.csv is longer than 256 KB" in str(limits.case_file_problem(csv))


def test_rows_are_counted_once_per_crlf(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 3)
    assert limits.case_file_problem(write(tmp_path / "ok.csv", "a\r\n1\r\n2\r\n3\r\n")) is None
    assert "5 lines" in str(limits.case_file_problem(write(tmp_path / "more.csv", "a\r\n1\r\n2\r\n3\r\n4")))


def test_cells_are_rows_times_columns(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELLS", 10)
    assert "4 rows × 3 columns" in str(limits.case_file_problem(write(tmp_path / "c.csv", "a,b,c\n1,2,3\n1,2,3\n1,2,3\n")))


def _workbook(path, sheet_xml: str):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


def test_a_workbook_row_with_too_many_cells_is_refused(tmp_path):
    cells = "".join(f"<c><v>{i}</v></c>" for i in range(600))
    assert "600 columns" in str(limits.case_file_problem(_workbook(tmp_path / "w.xlsx", f"<sheetData><row>{cells}</row>")))


def test_a_workbook_cell_far_to_the_right_counts_as_that_many_columns(tmp_path):
    xml = '<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row>'
    assert "16,384 columns" in str(limits.case_file_problem(_workbook(tmp_path / "w.xlsx", xml)))


def test_a_workbook_bomb_is_refused_by_its_declared_size(tmp_path):
    problem = str(limits.case_file_problem(_workbook(tmp_path / "bomb.xlsx", " " * (20 * limits.MB))))
    assert "unpacks to 20 MB" in problem and "100×" in problem


def test_geojson_counts_features_and_their_positions(tmp_path):
    path = tmp_path / "g.geojson"
    frame = grid_frame({"A": square(0, 0), "B": shapely.Polygon(shapely.get_coordinates(square(1, 0).buffer(0.0004)))})
    pyogrio.write_dataframe(frame, path)
    features, widest, total = limits._geojson_counts(path)
    exact = shapely.get_num_coordinates(frame.geometry.values)
    assert features == 2 and exact.max() <= widest <= exact.max() + 2 and exact.sum() <= total <= exact.sum() + 6


@pytest.mark.parametrize("name", ["MAX_FEATURES", "MAX_FEATURE_VERTICES", "MAX_VERTICES"])
def test_each_layer_limit_refuses_a_shapefile_a_geopackage_and_a_geojson(tmp_path, monkeypatch, name):
    frame = grid_frame({f"G{i}": square(i, 0) for i in range(3)})
    shp = write_shapefile(frame, tmp_path / "shp")
    gpkg, geojson = tmp_path / "g.gpkg", tmp_path / "g.geojson"
    pyogrio.write_dataframe(frame, gpkg)
    pyogrio.write_dataframe(frame, geojson)
    for path in (shp, gpkg, geojson):
        assert limits.layer_problem(path) is None
    monkeypatch.setattr(limits, name, 2)
    for path in (shp, gpkg, geojson):
        assert limits.layer_problem(path) is not None
