"""The datum of lon/lat layers (reference fit, web-export attributes) and the code column proposed."""

import numpy as np
import pytest

from geo.domain.datums import wgs84_to_bd09, wgs84_to_gcj02
from loaders.import_messages import msg
from loaders.layer_datum import Reference, edge_points, fit, looks_like_web_export, resolve_datum
from loaders.layer_fields import propose_code
from tests.layer_files import grid_frame, shifted, square

CELLS = {f"G{i}{j}": square(i, j) for i in range(3) for j in range(3)}
WGS84 = grid_frame(CELLS)


@pytest.mark.parametrize("datum, forward", [("wgs84", None), ("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_the_reading_that_lays_the_edges_on_the_reference_is_found(datum, forward):
    layer = shifted(WGS84, forward) if forward else WGS84
    result = fit(*edge_points(layer.geometry.to_numpy()), WGS84.geometry.to_numpy())
    assert result.datum == datum and result.median_m[datum] < 0.1
    assert (result.offset_m > 300) == (datum != "wgs84")


def test_a_reference_elsewhere_decides_nothing():
    far = shifted(WGS84, lambda x, y: (x + 0.5, y))
    assert fit(*edge_points(far.geometry.to_numpy()), WGS84.geometry.to_numpy()).datum is None


def test_without_a_fitting_reference_an_undeclared_datum_is_asked_with_three_previews():
    layer = shifted(WGS84, wgs84_to_gcj02).geometry.to_numpy()
    found = resolve_datum(layer, chosen=None, undeclared=True, web=False, references=[])
    assert found.datum is None and found.question.key == "datum" and found.question.default == "wgs84"
    assert sorted(found.previews) == ["datum:bd09", "datum:gcj02", "datum:wgs84"]
    declared = resolve_datum(layer, chosen=None, undeclared=False, web=False, references=[], declared_as="EPSG:4326")
    assert declared.datum == "wgs84" and declared.question is None
    fitted = resolve_datum(layer, chosen=None, undeclared=True, web=False,
                           references=[Reference(msg("reference_grids"), WGS84.geometry.to_numpy())])
    assert fitted.datum == "gcj02" and [k for k, _ in fitted.warnings] == ["datum_detected"]


def test_attributes_of_a_datav_export_are_recognised():
    assert looks_like_web_export(["adcode", "name"])
    assert looks_like_web_export(["name", "center", "childrenNum"])
    assert not looks_like_web_export(["网格编码", "name", "level"])


def test_an_obvious_code_column_is_proposed_and_a_row_counter_is_not():
    frame = WGS84.assign(FID=np.arange(1, 10), QHDM=[f"15030200{i}" for i in range(9)])[["FID", "QHDM", "geometry"]]
    assert propose_code(frame, ["FID", "QHDM"]) == ("QHDM", msg("code_why_unique"))
    assert propose_code(frame.rename(columns={"QHDM": "区划代码"}), ["FID", "区划代码"])[0] == "区划代码"
    assert propose_code(frame[["FID", "geometry"]], ["FID"]) is None
