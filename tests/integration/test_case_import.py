"""Case imports end to end on both backends: a hotline export in, cases placed and logged, a row report out."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import openpyxl
import pytest
import shapely
from sqlalchemy import func, select

from cli import main as gridgov
from geo.db.models import Building, Case, CaseEvent, CaseGridAssignment, Grid
from geo.domain.actors import Actor
from geo.domain.datums import wgs84_to_gcj02
from geo.domain.h3_keys import location_key_of
from geo.domain.vocabulary import Role
from loaders.case_import import CaseImportSpec, run_case_import
from tests.integration.factories import (
    STEP,
    X0,
    Y0,
    add_case,
    add_departments_and_category,
    add_layout,
    square,
)

ANALYST = Actor("analyst", Role.ANALYST)
NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
HEADER = "工单编号,诉求内容,事件类型,来源,联系人,联系电话,经度,纬度,事发地址,受理时间,状态,办结时间"
IN_G00 = (round(X0 + 0.0005, 7), round(Y0 + 0.0005, 7))  # inside grid G00, not in a building
IN_G10 = (round(X0 + STEP + 0.0005, 7), round(Y0 + 0.0005, 7))
GOOD = [
    f"A1,井盖缺失,井盖缺失破损,12345,张三,13800000000,{IN_G00[0]},{IN_G00[1]},,2026-03-05 14:30,处理中,",
    f"A2,井盖破损,JG,小程序,李四,13900000000,{IN_G10[0]},{IN_G10[1]},,2026/3/5 15:00,已办结,2026/3/6 09:00",
]


@pytest.fixture
def world(db):
    """Two unit-square grids G00 and G10, one category (JG 井盖缺失破损), a building in each grid."""
    with db.transaction() as session:
        add_layout(session, {"G00": square(0, 0), "G10": square(1, 0)})
        add_departments_and_category(session)
        for code, address, i in (("B1", "北环路177号3栋", 0), ("B2", "人民路5号1栋", 1)):
            building = Building(code=code, address=address, households=10)
            building.set_geometry(shapely.box(X0 + i * STEP + 0.0001, Y0 + 0.0001, X0 + i * STEP + 0.0003,
                                              Y0 + 0.0003))
            session.add(building)
    return db


def write(tmp_path, lines, name="export.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode(encoding))
    return path


def run(db, path, apply=True, **spec):
    return run_case_import(path, CaseImportSpec(**spec), db, apply=apply, actor=ANALYST, now=NOW)


def counts(db) -> tuple[int, int, int]:
    with db.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) for t in (Case, CaseGridAssignment,
                                                                                   CaseEvent))


def cases_by_ref(db) -> dict[str, Case]:
    with db.session() as session:
        rows = session.execute(select(Case, Grid.code).outerjoin(Grid, Grid.id == Case.grid_id)).all()
        return {case.source_ref: (case, code) for case, code in rows}


def only(report, kind):
    found = [p for p in report.problems if p.kind == kind]
    assert len(found) == 1, report.problems
    return found[0]


def messages(report, kind=None) -> list[str]:
    return [p.message for p in report.problems if kind is None or p.kind == kind]


def test_a_clean_export_is_imported_placed_logged_and_numbered(world, tmp_path):
    report = run(world, write(tmp_path, GOOD))
    assert report.status == "applied" and report.exit_code == 0
    assert report.counts["imported"] == 2 and report.counts["placed_by_coordinates"] == 2
    cases = cases_by_ref(world)
    assert {ref: code for ref, (_, code) in cases.items()} == {"A1": "G00", "A2": "G10"}
    a1, a2 = cases["A1"][0], cases["A2"][0]
    assert (a1.status, a1.source, a1.reporter_name) == ("whistled", "hotline_12345", "张三")
    assert a1.reported_at == datetime(2026, 3, 5, 6, 30, tzinfo=UTC)  # 14:30 Shanghai
    assert (a2.status, a2.source) == ("closed", "resident_app")
    assert a2.closed_at == datetime(2026, 3, 6, 1, 0, tzinfo=UTC)  # imported closed cases keep their times
    assert a1.number == "IM20260310000001" and a2.number == "IM20260310000002"
    assert counts(world) == (2, 2, 2)
    assert [a1.h3_key, a2.h3_key] == [location_key_of(*IN_G00), location_key_of(*IN_G10)]  # hotspots count on it
    with world.session() as session:
        event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == a1.id)).one()
    assert (event.action, event.to_status, event.actor) == ("import", "whistled", "analyst")
    assert (event.note, event.note_key) == ("", "imported")
    assert json.loads(event.note_params) == {"source": "export.csv", "by": "coordinates", "unassigned": False,
                                             "snapped": False, "near_boundary": False}


def test_a_dry_run_reports_the_rows_and_changes_nothing(world, tmp_path):
    report = run(world, write(tmp_path, GOOD), apply=False)
    assert report.status == "ok" and report.counts["to_import"] == 2 and report.counts["imported"] == 0
    assert [(r["row"], r["outcome"], r["placed_by"], r["grid"]) for r in report.extra["rows"]] == [
        (2, "to_import", "coordinates", "G00"), (3, "to_import", "coordinates", "G10")]
    assert counts(world) == (0, 0, 0)


def test_importing_the_same_file_again_adds_nothing(world, tmp_path):
    path = write(tmp_path, GOOD)
    run(world, path)
    again = run(world, path)
    assert again.status == "applied" and again.counts["imported"] == 0 and again.counts["already_imported"] == 2
    assert messages(again, "already_imported")[0] == "row 2: source id 'A1' is already imported (case " \
                                                     "IM20260310000001): skipped"
    assert counts(world) == (2, 2, 2)


def test_bad_rows_are_rejected_with_their_reason_and_row_while_good_rows_import(world, tmp_path):
    bad = [
        f"A3,x,JG,12345,,,{IN_G00[0]},{IN_G00[1]},,昨天下午,,",
        f"A4,x,JG,12345,,,{IN_G00[0]},{IN_G00[1]},,2026-03-05 14:30,已办结,2026-03-05 10:00",
        f"A6,x,JG,12345,,,abc,{IN_G00[1]},,2026-03-05 14:30,,",
        f"A7,x,JG,12345,,,{IN_G00[0]},{IN_G00[1]},,2026-02-30 10:00,,",
        f"A8,x,JG,12345,,,{IN_G00[0]},{IN_G00[1]},,2026-03-05 14:30,已办结,",
    ]
    report = run(world, write(tmp_path, GOOD + bad))
    assert report.status == "applied" and report.counts["imported"] == 2 and report.counts["rejected"] == 5
    assert report.counts["closed_before_reported"] == 1
    rejected = [(p.row, p.kind, p.message) for p in report.problems if p.severity == "warning"]
    accepted = "(accepted: 2026-03-05 14:30, 2026/3/5 14:30, 2026年3月5日 14时30分, 20260305143000, an Excel serial number)"
    assert rejected == [
        (4, "bad_time", f"row 4: 受理时间 '昨天下午' is not a time {accepted}"),
        (5, "closed_before_opened", ("row 5: closed before it was reported: closed 2026-03-05 10:00, reported "
                                     "2026-03-05 14:30")),
        (6, "bad_coordinates", "row 6: coordinates are not numbers: lon 'abc', lat '39.6705'"),
        (7, "bad_time", f"row 7: 受理时间 '2026-02-30 10:00' is not a time {accepted}"),
        (8, "closed_without_time", ("row 8: status '已办结' is closed but there is no closing time (map one: "
                                    "--column closed_at=办结时间)")),
    ]
    assert set(cases_by_ref(world)) == {"A1", "A2"}


def test_each_unknown_word_is_asked_once_and_nothing_is_written_until_it_is_answered(world, tmp_path):
    words = [
        f"A5,x,飞机噪音,12345,,,{IN_G00[0]},{IN_G00[1]},,2026-03-05 14:30,,",
        f"A9,x,JG,信鸽,,,{IN_G00[0]},{IN_G00[1]},,2026-03-05 14:30,,",
        f"A10,x,JG,12345,,,{IN_G00[0]},{IN_G00[1]},,2026-03-05 14:30,已飞走,",
        f"A11,x,飞机噪音,12345,,,{IN_G00[0]},{IN_G00[1]},,2026-03-05 15:30,,",
    ]
    report = run(world, write(tmp_path, GOOD + words))
    assert (report.status, report.exit_code) == ("needs_decision", 2)
    assert [(q.key, q.default) for q in report.questions] == [
        ("category:飞机噪音", "待分类"), ("status:已飞走", "待分类"), ("source:信鸽", "待分类")]
    category = report.questions[0]
    assert category.text == ("Their category '飞机噪音' (2 rows) is not one of ours: map it to one of our categories, "
                             "or to 待分类 (uncategorised: the center triages those cases).")
    assert [c for c, _ in category.choices] == ["JG", "待分类"]
    assert only(report, "unknown_category").message.startswith("2 rows (4, 7 …): unknown category '飞机噪音'; ")
    assert report.counts["unknown_words"] == 4 and counts(world) == (0, 0, 0)
    answered = run(world, write(tmp_path, GOOD + words), category_map={"飞机噪音": "待分类"},
                   status_map={"已飞走": "待分类"}, source_map={"信鸽": "待分类"})
    assert answered.status == "applied" and answered.counts["imported"] == 6
    cases = cases_by_ref(world)
    assert cases["A5"][0].category_id is None and cases["A9"][0].source == "hotline_12345"
    assert cases["A10"][0].status == "reported"


def test_a_category_mapping_table_rescues_their_names(world, tmp_path):
    line = f"A5,x,井盖问题,12345,,,{IN_G00[0]},{IN_G00[1]},,2026-03-05 14:30,,"
    report = run(world, write(tmp_path, [line]), category_map={"井盖问题": "JG"})
    assert report.counts["imported"] == 1
    assert cases_by_ref(world)["A5"][0].category_id is not None


def test_duplicate_source_ids_in_the_file_keep_the_first_row(world, tmp_path):
    report = run(world, write(tmp_path, GOOD + [GOOD[0].replace("张三", "王五")]))
    assert report.counts["imported"] == 2 and report.counts["duplicates_in_file"] == 1
    assert messages(report, "duplicate_in_file") == ["row 4: duplicate source id 'A1' (first in row 2): skipped"]
    assert cases_by_ref(world)["A1"][0].reporter_name == "张三"


def test_source_ids_already_in_the_database_are_skipped(world, tmp_path):
    with world.transaction() as session:
        add_case(session, None, number="GG1").source_ref = "A2"
    report = run(world, write(tmp_path, GOOD))
    assert report.counts["imported"] == 1 and report.counts["already_imported"] == 1
    assert messages(report, "already_imported") == ["row 3: source id 'A2' is already imported (case GG1): skipped"]


def test_a_gbk_export_is_detected_and_read_without_mojibake(world, tmp_path):
    report = run(world, write(tmp_path, GOOD, encoding="gbk"))
    assert report.encoding.value == "gbk" and report.encoding.certain
    assert report.mapping["reported_at"] == "受理时间"
    assert cases_by_ref(world)["A1"][0].description == "井盖缺失"


def test_an_excel_export_with_date_cells_and_numbers_is_read(world, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["A1", "井盖缺失", "JG", "12345", "张三", 13800000000, IN_G00[0], IN_G00[1], "",
                  datetime(2026, 3, 5, 14, 30), "已办结", 46087.375])  # serial 46087.375 = 2026-03-06 09:00
    book.save(tmp_path / "export.xlsx")
    report = run(world, tmp_path / "export.xlsx")
    assert report.counts["imported"] == 1, report.problems
    case = cases_by_ref(world)["A1"][0]
    assert case.reporter_phone == "13800000000"
    assert (case.reported_at, case.closed_at) == (datetime(2026, 3, 5, 6, 30, tzinfo=UTC),
                                                  datetime(2026, 3, 6, 1, 0, tzinfo=UTC))


def test_address_only_rows_are_placed_by_building_and_the_rest_queued_for_manual_placement(world, tmp_path):
    lines = ["B1,x,JG,12345,,,,,北环路１７７号 3号楼2单元501,2026-03-05 14:30,,",
             "B2,x,JG,12345,,,,,人民路5号1栋,2026-03-05 14:30,,",
             "B3,x,JG,12345,,,,,幸福路9号,2026-03-05 14:30,,",
             "B4,x,JG,12345,,,,,,2026-03-05 14:30,,"]
    report = run(world, write(tmp_path, lines))
    assert (report.counts["placed_by_address"], report.counts["not_placed"], report.counts["imported"]) == (2, 2, 4)
    assert messages(report, "not_placed") == [
        "row 4: no coordinates, and address '幸福路9号' matches no building: goes to the manual-placement queue",
        "row 5: no coordinates and no address: goes to the manual-placement queue"]
    cases = cases_by_ref(world)
    assert (cases["B1"][1], cases["B2"][1], cases["B3"][1], cases["B4"][1]) == ("G00", "G10", None, None)
    assert cases["B1"][0].building_id is not None and cases["B1"][0].lon is not None
    assert cases["B3"][0].lon is None and cases["B3"][0].grid_id is None  # kept, never dropped
    assert cases["B1"][0].h3_key == location_key_of(cases["B1"][0].lon, cases["B1"][0].lat)
    assert cases["B3"][0].h3_key is None


def test_gcj02_coordinates_are_converted_before_placement(world, tmp_path):
    lon, lat = wgs84_to_gcj02(IN_G00[0], IN_G00[1])  # a few hundred metres off: outside both grids as is
    line = f"C1,x,JG,小程序,,,{float(lon):.8f},{float(lat):.8f},,2026-03-05 14:30,,"
    report = run(world, write(tmp_path, [line]), datum="gcj02")
    case, code = cases_by_ref(world)["C1"]
    assert code == "G00" and abs(case.lon - IN_G00[0]) < 1e-7, report.problems


def test_coordinates_outside_every_grid_go_to_the_unassigned_queue(world, tmp_path):
    line = "C2,x,JG,12345,,,106.9,39.9,,2026-03-05 14:30,,"
    report = run(world, write(tmp_path, [line]))
    assert messages(report, "not_placed") == [("row 2: coordinates (106.900000, 39.900000) are outside every grid: "
                                               "goes to the manual-placement queue")]
    case, code = cases_by_ref(world)["C2"]
    assert code is None and case.lon == 106.9


def test_a_file_without_a_time_column_is_refused_and_changes_nothing(world, tmp_path):
    path = tmp_path / "no_time.csv"
    path.write_text("工单编号,诉求内容\nA1,井盖缺失\n", encoding="utf-8")
    report = run(world, path)
    assert report.status == "unusable" and report.exit_code == 1
    assert report.problems[0].message.startswith("no column for reported_at (the time the case was reported); "
                                                 "map one, e.g. --column reported_at=受理时间")
    assert counts(world) == (0, 0, 0)


def test_an_uncertain_encoding_asks_and_imports_nothing(world, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(("工单编号,受理时间,诉求内容\nA1,2026-03-05 14:30,Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e\n")
                     .encode("utf-8").replace("Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e".encode(),
                                              "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e".encode("latin-1")))
    report = run(world, path)
    assert report.status == "needs_decision" and report.exit_code == 2
    assert report.questions[0].key == "encoding" and "gbk" in report.questions[0].samples
    assert counts(world) == (0, 0, 0)


def test_a_failure_half_way_through_the_writes_leaves_nothing_behind(world, tmp_path, monkeypatch):
    import geo.usecases.bulk_intake

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(geo.usecases.bulk_intake, "_log_block", fail)  # after the cases are inserted
    report = run(world, write(tmp_path, GOOD))
    assert report.status == "unusable"
    assert report.problems[0].message.startswith("Cannot use the input: RuntimeError: disk full (server log reference ")
    assert counts(world) == (0, 0, 0)


def test_every_row_rejected_makes_the_file_unusable(world, tmp_path):
    report = run(world, write(tmp_path, [f"A3,x,JG,12345,,,{IN_G00[0]},{IN_G00[1]},,昨天下午,,"]))
    assert report.status == "unusable" and counts(world) == (0, 0, 0)


def test_garbage_is_reported_never_raised(world, tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook")
    report = run(world, path)
    assert report.status == "unusable"
    assert report.problems[0].message.startswith("export.xlsx is not a readable .xlsx workbook")


def test_the_cli_prints_one_json_report_and_exits_by_status(world, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", world.url)
    path = write(tmp_path, GOOD)
    assert gridgov(["import", "cases", str(path), "--dry-run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "ok" and report["counts"]["to_import"] == 2 and counts(world) == (0, 0, 0)
    assert gridgov(["import", "cases", str(path), "--json", "--column", "reported_at=受理时间"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["imported"] == 2
    assert gridgov(["import", "cases", str(path), "--json", "--column", "when=受理时间"]) == 1
    assert "unknown role 'when'" in json.loads(capsys.readouterr().out)["problems"][0]["message"]
    assert gridgov(["import", "cases", str(tmp_path / "missing.csv"), "--json", "--datum", "mars"]) == 1
    assert "unknown datum 'mars'" in capsys.readouterr().out


def test_unknown_words_are_listed_and_status_and_source_tables_rescue_them(world, tmp_path):
    line = f"D1,x,JG,市长信箱,,,{IN_G00[0]},{IN_G00[1]},,2026-03-05 14:30,已归档,2026-03-06 10:00"
    report = run(world, write(tmp_path, [line]), apply=False)
    assert report.extra["unknown_words"] == {"status": {"已归档": 1}, "source": {"市长信箱": 1}}
    report = run(world, write(tmp_path, [line]), source_map={"市长信箱": "hotline_12345"},
                 status_map={"已归档": "closed"})
    assert report.counts["imported"] == 1 and cases_by_ref(world)["D1"][0].status == "closed"
    assert run(world, write(tmp_path, [line]), status_map={"已归档": "archived"}).problems[0].message == (
        "status mapping '已归档' → 'archived': 'archived' is not a status (reported, accepted, whistled, "
        "reported_in, answered, closed, rated, rejected, rework, deferred, reopened)")


# ---------------------------------------------------------------- a hotline export in another shape (US 311)

US_ROWS = 3000


def us_answers() -> dict:
    """What an analyst answers for the 311 export: two categories mapped, ten to triage, three words."""
    from tests.case_files import CATEGORIES

    categories = {word: "待分类" for word in CATEGORIES} | {"Single Streetlight Issue": "JG", "Bulky Items": "JG"}
    return {"category_map": categories, "status_map": {"Pending": "待分类"},
            "source_map": {"Driver Self Report": "grid_member", "Email": "hotline_12345", "Walk-in": "待分类"}}


def test_a_us_311_export_is_understood_and_asks_each_unknown_word_once(world, tmp_path):
    from tests.case_files import CATEGORIES, write_us_311

    report = run(world, write_us_311(tmp_path / "311.csv", US_ROWS), apply=False)
    assert (report.status, report.exit_code) == ("needs_decision", 2)
    assert report.mapping == {"source_ref": "SRNumber", "category": "RequestType", "source": "RequestSource",
                              "lon": "Longitude", "lat": "Latitude", "address": "Address",
                              "reported_at": "CreatedDate", "closed_at": "ClosedDate", "status": "Status"}
    assert report.extra["time_format"]["value"] == "month-first"
    asked = {q.key: q.params["n"] for q in report.questions}
    assert asked == {f"category:{c}": US_ROWS // 12 for c in CATEGORIES} | {
        "status:Pending": 990, "source:Driver Self Report": 429, "source:Email": 429, "source:Walk-in": 428}
    assert report.counts["unknown_words"] == US_ROWS - 30  # the 30 closed before reported are rejected first
    assert len(report.problems) <= 60  # grouped by kind and value, not one line per row
    assert counts(world) == (0, 0, 0)


def test_a_us_311_export_imports_with_the_answers_and_reports_the_figures(world, tmp_path, monkeypatch, capsys):
    from tests.case_files import write_us_311

    monkeypatch.setenv("DATABASE_URL", world.url)
    path = write_us_311(tmp_path / "311.csv", US_ROWS)
    answers = us_answers()
    options = [f"--category={w}={o}" for w, o in answers["category_map"].items()]
    options += [f"--status-word={w}={o}" for w, o in answers["status_map"].items()]
    options += [f"--source-word={w}={o}" for w, o in answers["source_map"].items()]
    assert gridgov(["import", "cases", str(path), "--json", *options]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "applied"
    figures = {k: report["counts"][k] for k in ("rows", "imported", "rejected", "placed_by_address",
                                                "without_coordinates", "outside_district", "closed_before_reported")}
    assert figures == {"rows": 3000, "imported": 2970, "rejected": 30, "placed_by_address": 240,
                       "without_coordinates": 240, "outside_district": 90, "closed_before_reported": 30}
    assert len(report["problems"]) <= 60
    cases = cases_by_ref(world)
    first = cases["1-1000000001"][0]  # 01/06/2018 05:19:29 PM Los Angeles time, read here as Shanghai time
    assert first.reported_at == datetime(2018, 1, 6, 9, 19, 29, tzinfo=UTC)
    assert (first.status, first.source) == ("accepted", "grid_member")


def test_dates_that_do_not_tell_day_from_month_are_asked(world, tmp_path):
    from tests.case_files import write_us_311

    path = write_us_311(tmp_path / "311.csv", 12, start=datetime(2018, 1, 6, 10, 18, 29))  # all within 01/06–01/09
    report = run(world, path, apply=False, **us_answers())
    assert [q.key for q in report.questions] == ["time_format"]
    question = report.questions[0]
    assert question.choices == [("month-first", "month-first: 01/06/2018 10:18:29 AM → 2018-01-06"),
                                ("day-first", "day-first: 01/06/2018 10:18:29 AM → 2018-06-01")]
    answered = run(world, path, time_format="day-first", **us_answers())
    assert answered.status == "applied", answered.problems
    assert cases_by_ref(world)["1-1000000001"][0].reported_at.month == 6


def test_a_time_pattern_can_be_given_for_any_other_layout(world, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("工单编号,受理时间,经度,纬度\nT1,05-Mar-2026 14:30," + f"{IN_G00[0]},{IN_G00[1]}\n", encoding="utf-8")
    assert run(world, path, apply=False).counts["rejected"] == 1
    report = run(world, path, time_format="%d-%b-%Y %H:%M")
    assert report.status == "applied" and report.extra["time_format"]["value"] == "%d-%b-%Y %H:%M"
    assert cases_by_ref(world)["T1"][0].reported_at == datetime(2026, 3, 5, 6, 30, tzinfo=UTC)


def test_a_case_import_into_a_database_never_initialised_says_to_run_init_db(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    assert gridgov(["import", "cases", str(write(tmp_path, GOOD)), "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert [(p["kind"], p["msg"]) for p in problems] == [("no_schema", "no_schema")]
    assert problems[0]["message"].endswith("run gridgov init-db, then import again.")
