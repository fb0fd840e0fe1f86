"""Signing in to the dashboard (AppTest on dashboard/app.py with a real accounts table)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.db.database import Database
from geo.db.schema import upgrade
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases.accounts import Binding, add_user
from tests.integration.factories import add_departments_and_category

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
PASSWORD = "a long enough password"


@pytest.fixture
def app(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'accounts.db'}"
    db = Database(url)
    upgrade(db)
    with db.transaction() as s:
        add_departments_and_category(s)
        admin = Actor("admin", Role.ADMIN)
        add_user(s, "wang", PASSWORD, "supervisor", admin, datetime.now(UTC), display_name="王主任")
        add_user(s, "li", PASSWORD, "department", admin, datetime.now(UTC), display_name="李工",
                 binding=Binding(department="SZ"))
    monkeypatch.setenv("DATABASE_URL", url)
    from dashboard.data import database

    database.clear()

    def run(username: str | None = None, password: str = PASSWORD) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        if username is not None:
            at.text_input[0].input(username)
            at.text_input[1].input(password)
            at.button[0].click().run()
        assert not at.exception, at.exception
        return at

    return run


def test_without_signing_in_only_the_form_is_shown(app):
    at = app()
    assert [b.label for b in at.button] == ["登录"]
    assert not at.metric


def test_a_wrong_password_is_refused_with_one_message(app):
    at = app("wang", "not the password")
    assert at.error[0].value == "用户名或密码错误，或账号已停用。"


def test_a_supervisor_signs_in_and_sees_the_overview(app):
    at = app("wang")
    assert "当前用户: 王主任 · 中心值班长" in at.sidebar.caption[0].value
    assert "gridgov load-sample" in at.info[0].value  # the overview page ran (this district has no grids yet)


def test_five_failures_lock_the_account_with_a_message(app):
    for _ in range(5):
        app("li", "wrong password!")
    at = app("li")
    assert "账号已锁定" in at.error[0].value


def test_an_idle_session_is_signed_out(app, monkeypatch):
    at = app("wang")
    monkeypatch.setenv("GRIDGOV_SESSION_TIMEOUT_MIN", "0")
    at.run()
    assert "长时间未操作" in at.warning[0].value
    assert [b.label for b in at.button] == ["登录"]


def test_a_display_name_starting_with_kiosk_does_not_escape_the_idle_timeout(app, monkeypatch):
    from dashboard.data import database

    with database().transaction() as s:
        add_user(s, "wall", PASSWORD, "supervisor", Actor("admin", Role.ADMIN), datetime.now(UTC),
                 display_name="kiosk:大屏")
    at = app("wall")
    assert "kiosk:大屏" in at.sidebar.caption[0].value
    monkeypatch.setenv("GRIDGOV_SESSION_TIMEOUT_MIN", "0")
    at.run()
    assert "长时间未操作" in at.warning[0].value
    assert [b.label for b in at.button] == ["登录"]


def test_disabling_the_account_signs_its_open_tab_out_at_the_next_run(app):
    from dashboard.data import database
    from geo.usecases.accounts import set_disabled

    at = app("wang")
    with database().transaction() as s:
        set_disabled(s, "wang", True, Actor("admin", Role.ADMIN), datetime.now(UTC))
    at.run()
    assert "请重新登录" in at.warning[0].value
    assert [b.label for b in at.button] == ["登录"]


def test_signing_out_ends_the_session_on_the_server(app):
    from sqlalchemy import select

    from dashboard.data import database
    from geo.db.models import UserSession

    at = app("wang")
    at.button(key="sign_out").click().run()
    assert [b.label for b in at.button] == ["登录"]
    with database().session() as s:
        assert s.scalar(select(UserSession.end_reason)) == "sign_out"


def test_a_signed_in_tab_whose_database_goes_away_says_so_instead_of_a_traceback(app, monkeypatch):
    from dashboard.data import database

    at = app("wang")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://gridgov:gridgov@127.0.0.1:1/nowhere")
    database.clear()
    at.run()
    assert not at.exception
    assert "数据库暂时无法连接" in at.warning[0].value
    assert "127.0.0.1" not in "".join(w.value for w in at.warning)
