"""Hostile strings typed into the dashboard's forms (AppTest on the real app, on both backends): the sign-in
name, the case map's search box, a note on the case panel. Each ends in the page's own message or in the
text stored as typed — never an exception, never SQL or a traceback on the page."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from geo.db.models import Case, CaseEvent, Category
from geo.read.audit_log import audit_log
from geo.usecases.accounts import add_user
from tests.e2e.signin import SUPERVISOR, signed_in
from tests.integration.factories import add_case
from tests.security.hostile import ADMIN, HOSTILE, assert_clear, make_small_district

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
MAP_KEY = "case_map_map"


@pytest.fixture
def app_db(db, tmp_path, monkeypatch):
    """The small district with a supervisor account and one reported case, served to AppTest."""
    make_small_district(db, tmp_path)
    with db.transaction() as s:
        add_user(s, "wang", "a long enough password", "supervisor", ADMIN, datetime.now(UTC), display_name="王主任")
        category = s.scalar(select(Category).where(Category.code == "JG"))
        for i in range(len(HOSTILE)):
            add_case(s, category, number=f"C{i}")
    monkeypatch.setenv("DATABASE_URL", db.url)
    from dashboard.data import database

    database.clear()
    yield db
    database.clear()


def _page_text(at: AppTest) -> str:
    return "\n".join(html.unescape(e.value) for e in (*at.error, *at.warning, *at.info, *at.markdown))


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_sign_in_name_is_refused_with_the_one_message_and_audited(app_db, name):
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.text_input[0].input(HOSTILE[name])
    at.text_input[1].input("not the password")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["用户名或密码错误，或账号已停用。"]
    with app_db.session() as s:
        failed = audit_log(s, ADMIN, action="sign_in_failed")
    assert len(failed) == 1  # recorded, whatever the name


def _case_map(actor=SUPERVISOR) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=90), actor)
    at.run()
    at.switch_page("views/case_map.py").run()
    assert not at.exception, at.exception
    return at


def test_hostile_searches_on_the_case_map_find_nothing_or_are_refused_clearly(app_db):
    at = _case_map()
    for name, value in HOSTILE.items():
        at.sidebar.text_input(key="case_map_f_text").input(value).run()
        assert not at.exception, (name, at.exception)
        for error in at.error:
            assert_clear(error.value)
        assert at.error or "没有符合条件的事件" in _page_text(at), name


def test_a_hostile_reason_typed_on_the_case_panel_is_recorded_as_typed_or_refused_by_the_panel(app_db):
    """Each string rejects its own case (C0, C1 …) through the panel's reason box and button."""
    at = _case_map()
    for i, (name, value) in enumerate(HOSTILE.items()):
        with app_db.session() as s:
            case_id = s.scalar(select(Case.id).where(Case.number == f"C{i}"))
        at.session_state[MAP_KEY] = {"last_object_clicked_tooltip": f"● C{i} 类别 · 待受理",
                                     "last_object_clicked": {"lat": 39.67, "lng": 106.82 + i / 1000}}
        at.run()
        at.radio(key=f"case_map_action_{case_id}").set_value("reject").run()
        at.text_input(key=f"case_map_in_reason_reject_{case_id}").input(value).run()
        at.button(key="case_map_do").click().run()
        assert not at.exception, (name, at.exception)
        with app_db.session() as s:
            notes = list(s.scalars(select(CaseEvent.note).where(CaseEvent.case_id == case_id,
                                                                CaseEvent.action == "reject")))
        if name in ("control", "nul"):
            assert notes == [] and any("control characters" in html.unescape(e.value) for e in at.error), name
        else:
            assert notes == [value], name
