"""Layer import end to end on both backends: every bad input gives its exact message and changes nothing;
a good layer previews its diff, applies as a new layout version and can be restored."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS
from sqlalchemy import func, select

from cli import main as gridgov
from geo.db.models import Building, Case, CaseEvent, CaseGridAssignment, Grid, GridLayout, Street
from geo.domain.actors import Actor
from geo.domain.datums import wgs84_to_bd09, wgs84_to_gcj02
from geo.domain.vocabulary import Role
from geo.read.layouts import active_layout
from geo.usecases.recut import apply_regrid
from loaders import archive
from loaders.layer_import import LayerSpec, MappingMemory, layout_history, restore_layout, run_layer_import
from tests.integration.factories import add_case, add_layout
from tests.layer_files import (
    datav_geojson,
    gbk_named_zip,
    grid_frame,
    sample_grids,
    shifted,
    square,
    write_shapefile,
    zip_shapefile,
)

ACTOR = Actor("analyst", Role.ANALYST)
CELLS = {"G1": square(0, 0), "G2": square(1, 0), "G3": square(0, 1), "G4": square(1, 1)}


@pytest.fixture
def district(db):
    """Four unit-square grids (active layout) with one case in each."""
    with db.transaction() as session:
        _, grids = add_layout(session, CELLS, name="v1")
        for code, grid in grids.items():  # the attributes tests.layer_files.grid_frame writes
            grid.name, grid.member_name, grid.member_phone = f"第{code}网格", "张三", "13800000000"
        for n, geom in enumerate(CELLS.values()):
            c = geom.centroid
            add_case(session, None, number=f"C{n}", lon=c.x + 0.0002, lat=c.y + 0.0002)
    with db.transaction() as session:
        apply_regrid(session, active_layout(session).id, ACTOR, datetime.now(UTC))
    return db


def state(db) -> dict:
    """Everything an import could change."""
    with db.session() as s:
        return {
            "layouts": s.execute(select(GridLayout.id, GridLayout.is_active).order_by(GridLayout.id)).all(),
            "grids": s.scalar(select(func.count()).select_from(Grid)),
            "cases": s.execute(select(Case.id, Case.grid_id, Case.version).order_by(Case.id)).all(),
            "events": s.scalar(select(func.count()).select_from(CaseEvent)),
            "assignments": s.scalar(select(func.count()).select_from(CaseGridAssignment)),
            "buildings": s.scalar(select(func.count()).select_from(Building)),
        }


def run(db, path, tmp_path, apply=False, **spec):
    spec.setdefault("kind", "grids")
    return run_layer_import(path, LayerSpec(**spec), db, apply, ACTOR, memory=MappingMemory(tmp_path / "m.json"))


def survey_zip(tmp_path, cells=CELLS, name="grids.zip", frame=None, **options):
    shp = write_shapefile(frame if frame is not None else grid_frame(cells), tmp_path / "src" / name, **options)
    return zip_shapefile(shp, tmp_path / name, inside="海勃湾区网格")


def only(report, kind):
    found = [p for p in report.problems if p.kind == kind]
    assert len(found) == 1, report.problems
    return found[0]


# ---------------------------------------------------------------- the round trip


def test_the_same_grids_from_a_gbk_survey_shapefile_preview_as_zero_changes(district, tmp_path):
    before = state(district)
    report = run(district, survey_zip(tmp_path), tmp_path)
    assert report.status == "ok", report.to_json()
    assert report.encoding.value == "GBK" and report.crs.value == "EPSG:4545"
    assert report.counts | {} == {"features": 4, "accepted": 4, "dropped": 0, "added": 0, "removed": 0,
                                   "changed": 0, "unchanged": 4}
    assert report.diff["cases_moving"] == 0
    assert report.mapping == {"code": "网格编码", "name": "网格名称", "member_name": "网格员",
                              "member_phone": "联系电话"}
    assert state(district) == before


def test_the_sample_districts_survey_shapefile_round_trips_with_zero_changes(sample_db, tmp_path):

    from tests.conftest import REPO

    before = state(sample_db)
    report = run(sample_db, REPO / "sample_data" / "grids_survey_office.zip", tmp_path)
    assert report.status == "ok", [p.message for p in report.problems]
    assert report.problems == []
    assert (report.encoding.value, report.crs.value) == ("GBK", "EPSG:4545")
    assert (report.counts["unchanged"], report.counts["changed"], report.counts["added"],
            report.counts["removed"]) == (435, 0, 0, 0)
    assert report.diff["cases_moving"] == 0
    assert state(sample_db) == before


# ---------------------------------------------------------------- bad inputs: exact message, nothing changed


@pytest.mark.parametrize("skip, message", [
    (".shx", ("The shapefile 网格.shp has no 网格.shx (index) beside it; upload .shp, .shx and .dbf together (and "
              ".prj, .cpg if you have them).")),
    (".dbf", ("The shapefile 网格.shp has no 网格.dbf (attributes) beside it; upload .shp, .shx and .dbf together "
              "(and .prj, .cpg if you have them).")),
])
def test_a_shapefile_missing_a_sidecar_is_unusable_and_changes_nothing(district, tmp_path, skip, message):
    shp = write_shapefile(grid_frame(CELLS), tmp_path / "src")
    before = state(district)
    report = run(district, zip_shapefile(shp, tmp_path / "g.zip", skip=(skip,)), tmp_path, apply=True)
    assert (report.status, report.exit_code) == ("unusable", 1)
    assert [(p.kind, p.message) for p in report.problems] == [("unreadable", message)]
    assert state(district) == before


def test_a_truncated_shp_is_unusable_and_changes_nothing(district, tmp_path):
    shp = write_shapefile(grid_frame(CELLS), tmp_path / "src")
    size = shp.stat().st_size
    shp.write_bytes(shp.read_bytes()[:200])
    before = state(district)
    report = run(district, zip_shapefile(shp, tmp_path / "g.zip"), tmp_path, apply=True)
    assert report.status == "unusable"
    assert report.problems[0].message == (f"网格.shp is truncated: its header says {size:,} bytes, the file has 200. "
                                          "Export the layer again.")
    assert state(district) == before


def test_no_prj_needs_a_decision_with_candidates_from_the_coordinates(district, tmp_path):
    before = state(district)
    report = run(district, survey_zip(tmp_path, prj=False), tmp_path, apply=True)
    assert (report.status, report.exit_code) == ("needs_decision", 2)
    question = report.questions[0]
    assert question.key == "crs"
    assert question.text == "The layer has no .prj (no CRS is declared). Choose the CRS the coordinates are in."
    assert [c for c, _ in question.choices] == ["EPSG:4545", "EPSG:2381", "EPSG:2433"]
    assert state(district) == before
    answered = run(district, survey_zip(tmp_path, prj=False, name="again.zip"), tmp_path, crs="EPSG:4545")
    assert answered.status == "ok" and answered.counts["unchanged"] == 4


def test_lon_lat_declared_as_gauss_kruger_is_detected_as_outside_china(district, tmp_path):
    shp = write_shapefile(grid_frame(CELLS), tmp_path / "src", crs=None)  # lon/lat written …
    shp.with_suffix(".prj").write_text(CRS.from_epsg(4545).to_wkt("WKT1_ESRI"))
    before = state(district)
    report = run(district, zip_shapefile(shp, tmp_path / "g.zip"), tmp_path, apply=True)  # … declared EPSG:4545
    assert report.status == "needs_decision"
    mismatch = only(report, "crs_mismatch")
    assert mismatch.message.startswith("The coordinates (106.8, 39.67) … (106.802, 39.672) do not fit EPSG:4545: "
                                       "under it the layer lies at ")
    assert mismatch.message.endswith(", outside China.")
    assert report.questions[0].default == "EPSG:4490"
    assert state(district) == before


def test_a_cpg_contradicted_by_gbk_bytes_asks_for_the_encoding_with_samples(district, tmp_path):
    before = state(district)
    report = run(district, survey_zip(tmp_path, cpg="UTF-8"), tmp_path, apply=True)
    assert report.status == "needs_decision"
    question = next(q for q in report.questions if q.key == "encoding")
    assert question.samples["GBK"][:2] == ["网格编码", "网格名称"]
    assert only(report, "mojibake_risk").severity == "warning"
    assert state(district) == before
    assert run(district, survey_zip(tmp_path, cpg="UTF-8", name="b.zip"), tmp_path, encoding="GBK").status == "ok"


def test_a_bow_tie_polygon_is_repaired_keeping_polygon_type(district, tmp_path):
    x, y = square(1, 0).bounds[:2]
    bow_tie = shapely.Polygon([(x, y), (x + 0.001, y + 0.001), (x + 0.001, y), (x, y + 0.001)])
    report = run(district, survey_zip(tmp_path, CELLS | {"G2": bow_tie}), tmp_path)
    problem = only(report, "invalid_geometry")
    assert problem.message == "feature 2 (code G2) was invalid (Self-intersection[106.8015 39.6705]); repaired, still a polygon."
    assert problem.severity == "warning"
    assert (problem.location.lon, problem.location.lat) == pytest.approx((106.8015, 39.6705), abs=1e-6)
    assert report.counts["accepted"] == 4
    changed = {c["code"]: c for c in report.diff["changed"]}
    assert changed["G2"]["geometry"] is True


def test_an_empty_geometry_is_dropped_with_its_reason(district, tmp_path):
    frame = grid_frame(CELLS)
    frame.loc[2, "geometry"] = None
    report = run(district, survey_zip(tmp_path, frame=frame), tmp_path)
    assert only(report, "empty_geometry").message == "feature 3 (code G3) has no geometry: dropped."
    assert (report.counts["dropped"], report.diff["removed"]) == (1, ["G3"])
    assert report.diff["cases_moving"] == 1


def test_overlaps_and_gaps_are_reported_with_their_locations(district, tmp_path):
    notched = square(1, 1).difference(shapely.box(106.801, 39.671, 106.8013, 39.6713))  # G1 fills part of it
    cells = CELLS | {"G1": square(0, 0, size=1.2), "G4": notched}
    report = run(district, survey_zip(tmp_path, cells), tmp_path)
    overlaps = [p for p in report.problems if p.kind in ("overlap", "sliver")]
    assert [p.feature for p in (o.location for o in overlaps)] == ["G1|G2", "G1|G3"]
    assert overlaps[0].message.startswith("Grids G1 and G2 overlap by ")
    gap = only(report, "gap")
    assert gap.message.startswith("Gap of ") and gap.message.endswith(" m² between grids G1, G2, G3, G4.")
    assert 106.8 < gap.location.lon < 106.802 and 39.67 < gap.location.lat < 39.672
    assert report.status == "ok"  # topology problems are shown, not blocking


def test_duplicate_codes_make_the_layer_unusable_and_change_nothing(district, tmp_path):
    frame = grid_frame(CELLS)
    frame.loc[3, "网格编码"] = "G1"
    before = state(district)
    report = run(district, survey_zip(tmp_path, frame=frame), tmp_path, apply=True)
    assert report.status == "unusable"
    assert only(report, "duplicate_code").message == ("Code 'G1' is used by 2 features with different attributes "
                                                      "or overlapping shapes; each code must be unique.")
    assert state(district) == before


def test_a_malformed_code_is_an_error(district, tmp_path):
    frame = grid_frame(CELLS)
    frame.loc[0, "网格编码"] = "G 1"
    report = run(district, survey_zip(tmp_path, frame=frame), tmp_path)
    assert only(report, "malformed_code").message == ("Code 'G 1' is malformed: use letters, digits, '-', '_' or '.', "
                                                      "at most 64 characters.")


def test_a_grid_far_outside_the_district_is_an_error(district, tmp_path):
    cells = CELLS | {"G5": shapely.box(106.9, 39.7, 106.901, 39.701)}
    report = run(district, survey_zip(tmp_path, cells), tmp_path)
    assert only(report, "outside_district").message == ("G5 lies wholly outside the district (wrong CRS or wrong "
                                                        "file?).")
    assert report.status == "unusable"


def test_an_oversized_upload_is_refused_and_changes_nothing(district, tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDGOV_MAX_UPLOAD_MB", "0.001")  # ≈ 1 kB
    path = survey_zip(tmp_path)
    before = state(district)
    report = run(district, path, tmp_path, apply=True)
    assert [(p.kind, p.message) for p in report.problems] == [("oversize", (
        f"The upload is {path.stat().st_size / archive.MB:.1f} MB; the limit is 0 MB. Split the layer or remove "
        "unneeded files (e.g. .sbn, .xml) and upload again."))]
    assert state(district) == before


def test_a_zip_bomb_is_refused_and_changes_nothing(district, tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("grid.dbf", b"\0" * (30 * archive.MB))
    before = state(district)
    report = run(district, path, tmp_path, apply=True)
    assert report.problems[0].kind == "zip_bomb"
    assert report.problems[0].message.startswith("The zip member 'grid.dbf' expands ")
    assert state(district) == before


def test_a_zip_slip_member_is_refused_and_changes_nothing(district, tmp_path):
    path = survey_zip(tmp_path)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("../../evil.shp", b"x")
    before = state(district)
    report = run(district, path, tmp_path, apply=True)
    assert [(p.kind, p.message) for p in report.problems] == [("zip_slip", (
        "The zip member '../../evil.shp' points outside the upload folder (zip slip); the archive was refused and "
        "nothing was extracted."))]
    assert state(district) == before


def test_chinese_gbk_file_names_in_the_zip_are_read(district, tmp_path):
    shp = write_shapefile(grid_frame(CELLS), tmp_path / "src", name="grid")
    files = sorted(shp.parent.iterdir())
    path = gbk_named_zip(files, tmp_path / "g.zip", {f.name: f"海勃湾区网格/网格{f.suffix}" for f in files})
    report = run(district, path, tmp_path)
    assert report.status == "ok" and report.counts["unchanged"] == 4


def test_an_unknown_field_column_is_a_plain_error(district, tmp_path):
    report = run(district, survey_zip(tmp_path), tmp_path, fields={"code": "编码"})
    assert report.problems[0].message == ("--field code=编码: the layer has no column '编码'; its columns are 网格编码, "
                                          "网格名称, 网格员, 联系电话")


# ---------------------------------------------------------------- field mapping, datums


def test_a_missing_code_column_is_asked_and_the_answer_is_remembered_per_source(district, tmp_path):
    frame = grid_frame(CELLS).rename(columns={"网格编码": "WG_ID"})
    report = run(district, survey_zip(tmp_path, frame=frame, name="office.zip"), tmp_path)
    assert report.status == "needs_decision"
    assert report.questions[0].key == "field:code" and ("WG_ID", "WG_ID") in report.questions[0].choices
    assert run(district, tmp_path / "office.zip", tmp_path, fields={"code": "WG_ID"}).status == "ok"
    again = run(district, tmp_path / "office.zip", tmp_path)
    assert again.status == "ok" and again.mapping["code"] == "WG_ID"


@pytest.mark.parametrize("datum, forward", [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_grids_drawn_on_a_chinese_web_map_are_converted_to_wgs84(district, tmp_path, datum, forward):
    def shift(coords):
        return np.column_stack(forward(coords[:, 0], coords[:, 1]))

    frame = grid_frame(CELLS)
    frame = frame.set_geometry(shapely.transform(frame.geometry.to_numpy(), shift), crs="EPSG:4326")
    path = tmp_path / "grids.geojson"
    frame.to_file(path, driver="GeoJSON")
    report = run(district, path, tmp_path, datum=datum)
    assert report.status == "ok", report.to_json()
    assert report.counts["unchanged"] == 4  # back within 5 cm of the WGS84 squares


# ---------------------------------------------------------------- GCJ-02 outlines taken as WGS 84


def gcj02_sample_grids(tmp_path, *, prj: bool, name: str = "gcj.zip"):
    """The sample district's grids as a web map hands them out: lon/lat shifted to GCJ-02, UTF-8 (short Chinese
    field names: a DBF name holds 10 bytes)."""
    frame = shifted(sample_grids(), wgs84_to_gcj02).rename(columns={
        "community_code": "社区", "member_name": "姓名", "member_phone": "电话"})
    shp = write_shapefile(frame, tmp_path / name.removesuffix(".zip"), crs="EPSG:4326", encoding="UTF-8", cpg="UTF-8",
                          prj=prj)
    return zip_shapefile(shp, tmp_path / name)


@pytest.mark.parametrize("prj", [True, False], ids=["with_prj", "without_prj"])
def test_gcj02_grids_are_recognised_against_the_layout_and_read_back_onto_it(sample_db, tmp_path, prj):
    before = state(sample_db)
    report = run(sample_db, gcj02_sample_grids(tmp_path, prj=prj), tmp_path)
    assert report.status == "ok", report.to_json()
    assert report.datum.value == "gcj02" and report.datum.msg == "datum_fit"
    assert report.datum.params["reference"] == {"msg": "reference_grids", "params": {}}
    assert report.datum.params["gcj02"] < 1 < 50 < report.datum.params["wgs84"]
    detected = only(report, "datum_detected")
    assert detected.severity == "warning" and 380 < detected.params["offset"] < 460
    assert detected.message.startswith("The layer fits the current grid layout only as GCJ-02 (a web map's datum): "
                                       "read as WGS 84 it would sit ")
    assert (report.counts["unchanged"], report.counts["changed"], report.diff["cases_moving"]) == (435, 0, 0)
    assert state(sample_db) == before


def test_a_gcj02_street_is_recognised_against_the_district_outline(district, tmp_path):
    """No streets to compare with edge by edge: the layer's outline is compared with the district's."""
    street = gpd.GeoDataFrame({"code": ["S01"], "name": ["第一街道"]}, crs="EPSG:4326",
                              geometry=[shapely.union_all(list(CELLS.values()))])
    path = tmp_path / "street.geojson"
    shifted(street, wgs84_to_gcj02).to_file(path, driver="GeoJSON")
    report = run(district, path, tmp_path, kind="streets")
    assert report.status == "ok", report.to_json()
    assert (report.datum.value, report.datum.params["reference"]["msg"]) == ("gcj02", "reference_district")
    assert report.diff["added"] == ["S01"] and not [p for p in report.problems if p.kind == "outside_district"]


def test_lon_lat_without_prj_and_without_a_reference_asks_the_datum_with_a_preview_per_choice(db, tmp_path):
    before = state(db)
    report = run(db, gcj02_sample_grids(tmp_path, prj=False), tmp_path, apply=True)
    assert (report.status, report.exit_code) == ("needs_decision", 2)
    assert [q.key for q in report.questions] == ["datum"]
    question = report.questions[0]
    assert [c for c, _ in question.choices] == ["wgs84", "gcj02", "bd09"] and question.default == "wgs84"
    assert question.msg == "datum_question_no_prj" and 380 < question.params["gcj02"] < 460
    assert report.crs.value == "EPSG:4326" and report.datum.value is None
    assert {"datum:wgs84", "datum:gcj02", "datum:bd09"} <= set(report.geojson)
    assert state(db) == before
    answered = run(db, gcj02_sample_grids(tmp_path, prj=False, name="again.zip"), tmp_path, datum="gcj02",
                   apply=True)
    assert answered.status == "applied", answered.to_json()
    with db.session() as s:
        stored = dict(s.execute(select(Grid.code, Grid.geom)).all())
    original = sample_grids().set_index("code").geometry
    worst = max(shapely.hausdorff_distance(stored[c], original[c]) for c in original.index)
    assert worst < 1e-6  # degrees: back on the WGS 84 grids to about 0.1 m


def test_a_wgs84_prj_without_a_reference_is_taken_as_declared(db, tmp_path):
    report = run(db, gcj02_sample_grids(tmp_path, prj=True), tmp_path)
    assert report.status == "ok" and report.datum.value == "wgs84", report.to_json()
    assert report.datum.evidence == (
        "WGS 84 lon/lat as the file declares (EPSG:4326); no reference settled it otherwise")


def test_a_datav_export_asks_its_datum_and_proposes_adcode_as_the_code(db, tmp_path):
    frame = shifted(grid_frame(CELLS).rename(columns={"网格名称": "name"}), wgs84_to_gcj02)
    path = datav_geojson(frame, tmp_path / "海勃湾区.json")
    report = run(db, path, tmp_path, kind="streets")
    assert report.status == "needs_decision"
    questions = {q.key: q for q in report.questions}
    assert set(questions) == {"field:code", "datum"}
    assert questions["datum"].default == "gcj02" and questions["datum"].msg == "datum_question_web"
    assert questions["field:code"].default == "adcode"
    assert questions["field:code"].text == ("Which column holds the code? adcode looks like it (its name says "
                                            "code): confirm it or choose another.")
    assert report.mapping["name"] == "name"
    answered = run(db, path, tmp_path, kind="streets", datum="gcj02", fields={"code": "adcode"}, apply=True)
    assert answered.status == "applied", answered.to_json()
    assert answered.extra["applied"] == {"inserted": 4, "updated": 0}


def test_unique_whole_numbers_are_proposed_as_the_code_but_a_row_counter_is_not(db, tmp_path):
    frame = grid_frame(CELLS).drop(columns=["网格编码"]).assign(FID=[1, 2, 3, 4], QH=[1503021, 1503027, 1503033,
                                                                                       1503040])
    report = run(db, survey_zip(tmp_path, frame=frame), tmp_path)
    question = report.questions[0]
    assert (question.key, question.default, question.params["why"]["msg"]) == ("field:code", "QH", "code_why_unique")


# ---------------------------------------------------------------- code pages, kinds, databases


def test_a_latin1_cpg_is_trusted_when_its_text_reads_correctly(db, tmp_path):
    frame = grid_frame(CELLS)[["geometry"]].assign(code=["CI", "SN", "CM", "BJ"],
                                                   name=["Côte d'Ivoire", "Sénégal", "Cameroun", "Bénin"])
    shp = write_shapefile(frame, tmp_path / "src", name="countries", encoding="ISO-8859-1", cpg="ISO-8859-1")
    report = run(db, zip_shapefile(shp, tmp_path / "countries.zip"), tmp_path, kind="streets", apply=True)
    assert report.status == "applied", report.to_json()
    assert (report.encoding.value, report.encoding.certain) == ("ISO-8859-1", True)
    assert not [p for p in report.problems if p.kind == "mojibake_risk"]
    with db.session() as s:
        assert sorted(s.scalars(select(Street.name)).all()) == ["Bénin", "Cameroun", "Côte d'Ivoire", "Sénégal"]


@pytest.mark.parametrize("kind", ["buildings", "grids"])
def test_a_point_layer_offered_as_areas_is_refused_and_changes_nothing(district, tmp_path, kind):
    frame = grid_frame(CELLS)
    frame = frame.set_geometry(shapely.centroid(frame.geometry.to_numpy()))
    before = state(district)
    report = run(district, survey_zip(tmp_path, frame=frame), tmp_path, kind=kind, apply=True)
    assert (report.status, report.exit_code) == ("unusable", 1)
    assert [(p.kind, p.msg) for p in report.problems] == [("not_areas", "layer_not_areas")]
    assert report.problems[0].message == (f"The layer holds Point geometries, not polygons: {kind} must be areas. "
                                          "Choose a polygon layer (points such as case locations are imported as "
                                          "cases).")
    assert state(district) == before


def test_an_import_into_a_database_never_initialised_says_to_run_init_db(tmp_path, monkeypatch, capsys):
    from geo.db.database import Database

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = Database(url)
    report = run(fresh, survey_zip(tmp_path), tmp_path)
    fresh.dispose()
    expected = ("The database has not been initialised (it has no GridGov tables): run gridgov init-db, then import "
                "again.")
    assert [(p.kind, p.message) for p in report.problems] == [("no_schema", expected)]
    monkeypatch.setenv("DATABASE_URL", url)
    assert gridgov(["import", "layer", str(survey_zip(tmp_path, name="b.zip")), "--kind", "grids", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["problems"][0]["message"] == expected


def test_problems_carry_message_keys_with_parameters_in_the_json_report(district, tmp_path):
    frame = grid_frame(CELLS)
    frame.loc[0, "网格编码"] = "G 1"
    report = json.loads(run(district, survey_zip(tmp_path, frame=frame), tmp_path).to_json())
    problem = next(p for p in report["problems"] if p["kind"] == "malformed_code")
    assert (problem["msg"], problem["params"]) == ("malformed_code", {"code": "'G 1'", "limit": 64})


# ---------------------------------------------------------------- apply, history, restore


def test_applying_a_recut_makes_a_new_layout_version_and_moves_cases_with_history(district, tmp_path):
    recut = {"G1": square(0, 0), "G2": shapely.box(106.801, 39.67, 106.802, 39.672), "G3": square(0, 1)}
    preview = run(district, survey_zip(tmp_path, recut), tmp_path)
    assert preview.diff["removed"] == ["G4"] and preview.diff["changed"][0]["code"] == "G2"
    assert preview.diff["moved_cases"] == [{"number": "C3", "old_grid": "G4", "new_grid": "G2"}]
    applied = run(district, survey_zip(tmp_path, recut, name="b.zip"), tmp_path, apply=True)
    assert (applied.status, applied.exit_code) == ("applied", 0)
    assert applied.extra["applied"]["cases_moved"] == 1
    with district.session() as s:
        layouts = s.execute(select(GridLayout.id, GridLayout.is_active).order_by(GridLayout.id)).all()
        assert [a for _, a in layouts] == [False, True]
        moved = s.scalar(select(Case).where(Case.number == "C3"))
        assert s.get(Grid, moved.grid_id).code == "G2"
        assert s.scalar(select(func.count()).select_from(CaseGridAssignment).where(
            CaseGridAssignment.case_id == moved.id)) == 2
        assert s.scalars(select(CaseEvent.note_params).where(CaseEvent.case_id == moved.id,
                                                             CaseEvent.action == "regrid")
                         .order_by(CaseEvent.id)).all() == ['{"new":"G4","old":"—"}', '{"new":"G2","old":"G4"}']
    history = layout_history(district)
    assert [(h["is_active"], h["grids"]) for h in history] == [(True, 3), (False, 4)]
    restored = restore_layout(district, history[1]["id"], ACTOR)
    assert restored.status == "applied" and restored.extra["applied"]["cases_moved"] == 1
    assert [h["is_active"] for h in layout_history(district)] == [False, True]


def test_restoring_a_layout_that_does_not_exist_is_a_plain_error(district):
    report = restore_layout(district, 999, ACTOR)
    assert report.status == "unusable"
    assert report.problems[0].message.startswith(
        "Cannot restore layout 999: LookupError: grid layout 999 does not exist (server log reference ")


def test_buildings_are_upserted_by_code_and_placed_in_grids(district, tmp_path):
    frame = grid_frame({"B1": square(0, 0, 0.3), "B2": square(1, 1, 0.3)})
    frame = frame.rename(columns={"网格编码": "code"}).assign(地址=["一号楼", "二号楼"], 户数=[12, 30])
    path = survey_zip(tmp_path, frame=frame[["code", "地址", "户数", "geometry"]])
    report = run(district, path, tmp_path, apply=True, kind="buildings")
    assert report.status == "applied", report.to_json()
    assert report.mapping == {"code": "code", "address": "地址", "households": "户数"}
    with district.session() as s:
        rows = s.execute(select(Building.code, Building.address, Building.households, Grid.code)
                         .join(Grid, Grid.id == Building.grid_id).order_by(Building.code)).all()
    assert [tuple(r) for r in rows] == [("B1", "一号楼", 12, "G1"), ("B2", "二号楼", 30, "G4")]
    again = run(district, path, tmp_path, kind="buildings")
    assert again.counts["unchanged"] == 2


# ---------------------------------------------------------------- the command line


def test_the_cli_prints_one_json_report_and_exits_by_status(district, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", district.url)
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
    good, no_prj = survey_zip(tmp_path), survey_zip(tmp_path, prj=False, name="noprj.zip")
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 broken")
    for path, code, status in ((good, 0, "ok"), (no_prj, 2, "needs_decision"), (broken, 1, "unusable")):
        assert gridgov(["import", "layer", str(path), "--kind", "grids", "--dry-run", "--json"]) == code
        assert json.loads(capsys.readouterr().out)["status"] == status
    assert gridgov(["import", "layer", str(good), "--kind", "parks", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["problems"][0]["message"] == (
        "kind 'parks' is not one of grids, buildings, communities, streets")


def test_applying_an_unchanged_layer_works_when_no_case_moves(district, tmp_path):
    applied = run(district, survey_zip(tmp_path), tmp_path, apply=True)
    assert applied.status == "applied", applied.to_json()
    assert applied.extra["applied"]["cases_moved"] == 0
    assert [h["is_active"] for h in layout_history(district)] == [True, False]


def test_a_first_layout_applies_on_a_database_without_cases(db, tmp_path):
    applied = run(db, survey_zip(tmp_path), tmp_path, apply=True)
    assert applied.status == "applied", applied.to_json()
    assert applied.counts["added"] == 4
