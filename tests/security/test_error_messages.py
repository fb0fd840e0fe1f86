"""A database error during an import reaches the user as what failed and a log reference — never SQL text,
never the statement's parameters (the rows being written: reporters' and grid members' names and phones).

The error is provoked for real: a unique index the import's rows violate (on PostGIS, after load-sample, the
sequences did the same: "duplicate key … (id)=(1)", printed with every row's name and phone)."""

import logging

import pyogrio
import pytest
from sqlalchemy import text

from cli import main as gridgov
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from loaders.case_import import CaseImportSpec, run_case_import
from loaders.layer_import import LayerSpec, run_layer_import
from tests.integration.factories import X0, Y0, add_case, add_departments_and_category, add_layout, square
from tests.layer_files import grid_frame
from tests.layer_files import square as layer_square

ANALYST = Actor("analyst", Role.ANALYST)
PERSONAL = ("张三", "李四", "13800000000", "13900000000")
CSV = ("工单编号,诉求内容,事件类型,联系人,联系电话,经度,纬度,受理时间\n"
       f"A1,井盖缺失,井盖缺失破损,张三,13800000000,{X0 + 0.0005},{Y0 + 0.0005},2026-03-05 14:30\n"
       f"A2,井盖破损,井盖缺失破损,李四,13900000000,{X0 + 0.0005},{Y0 + 0.0005},2026-03-05 15:00\n")


def _assert_safe(message: str) -> None:
    assert "server log reference" in message.lower(), message
    for leak in ("[SQL", "INSERT", "[parameters", "VALUES", *PERSONAL):
        assert leak not in message, (leak, message)


@pytest.fixture
def refusing_db(db):
    """A district whose cases table refuses a second case with the same reporter phone."""
    with db.transaction() as s:
        add_layout(s, {"G00": square(0, 0)})
        _, category = add_departments_and_category(s)
        add_case(s, category, number="OLD", reporter_phone="13900000000")
    with db.engine.begin() as conn:
        conn.execute(text("CREATE UNIQUE INDEX ux_test_reporter_phone ON cases (reporter_phone)"))
        conn.execute(text("CREATE UNIQUE INDEX ux_test_member_phone ON grids (member_phone)"))
    yield db
    with db.engine.begin() as conn:  # PostGIS: the next test gets the same (truncated) tables
        conn.execute(text("DROP INDEX ux_test_reporter_phone"))
        conn.execute(text("DROP INDEX ux_test_member_phone"))


def test_a_database_error_in_a_case_import_names_no_sql_and_no_reporter(refusing_db, tmp_path, caplog):
    path = tmp_path / "export.csv"
    path.write_text(CSV, encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="gridgov.errors"):
        report = run_case_import(path, CaseImportSpec(), refusing_db, apply=True, actor=ANALYST)
    assert report.status == "unusable"
    message = " ".join(p.message for p in report.problems)
    _assert_safe(message)
    assert "the database refused it" in message
    assert "13900000000" in caplog.text  # the details are in the server's log, for the administrator


def test_the_command_line_prints_no_sql_either(refusing_db, tmp_path, monkeypatch, capsys):
    path = tmp_path / "export.csv"
    path.write_text(CSV, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", refusing_db.url)
    monkeypatch.setenv("GRIDGOV_ERROR_LOG", str(tmp_path / "errors.log"))
    assert gridgov(["import", "cases", str(path)]) == 1
    printed = capsys.readouterr()
    _assert_safe(printed.out + printed.err)
    assert "13900000000" in (tmp_path / "errors.log").read_text(encoding="utf-8")


def test_a_database_error_in_a_layer_import_names_no_grid_member(refusing_db, tmp_path):
    path = tmp_path / "grids.geojson"
    frame = grid_frame({"G00": layer_square(0, 0), "G10": layer_square(1, 0)})  # both: 张三, 13800000000
    pyogrio.write_dataframe(frame, path)
    report = run_layer_import(path, LayerSpec(kind="grids"), refusing_db, apply=True, actor=ANALYST)
    assert report.status == "unusable"
    _assert_safe(" ".join(p.message for p in report.errors))


def test_any_command_that_fails_prints_a_reference_not_a_traceback(refusing_db, tmp_path, monkeypatch, capsys):
    import geo.usecases.sweep

    def failing_sweep(session, now, **kwargs):  # a statement the database refuses, parameters and all
        session.execute(text("INSERT INTO cases (number, source, reporter_name, reporter_phone, description, "
                             "address, status, reported_at, snapped, near_boundary, rework_count, reject_reason, "
                             "version) VALUES ('X', 'hotline_12345', :name, :phone, '', '', 'reported', :at, "
                             "false, false, 0, '', 1)"), {"name": "李四", "phone": "13900000000", "at": now})

    monkeypatch.setattr(geo.usecases.sweep, "sweep", failing_sweep)
    monkeypatch.setenv("DATABASE_URL", refusing_db.url)
    monkeypatch.setenv("GRIDGOV_ERROR_LOG", str(tmp_path / "errors.log"))
    assert gridgov(["sweep"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: gridgov sweep failed: the database refused it") and "Traceback" not in err
    _assert_safe(err)


def test_a_page_that_fails_shows_neither_the_message_nor_the_traceback(tmp_path):
    """Streamlit's client.showErrorDetails = "none" (.streamlit/config.toml): an uncaught error's text, which
    for a database error holds the SQL and its parameters, stays in the server's log."""
    from streamlit.testing.v1 import AppTest

    page = tmp_path / "failing_page.py"
    page.write_text("raise RuntimeError(\"[SQL: INSERT INTO cases …] [parameters: ('张三', '13800000000')]\")\n")
    at = AppTest.from_file(str(page), default_timeout=30)
    at.run()
    shown = " ".join(str(e.value) + " ".join(e.stack_trace) for e in at.exception)
    assert at.exception and "张三" not in shown and "[SQL" not in shown
