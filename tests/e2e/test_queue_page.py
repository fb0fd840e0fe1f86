"""The work-queue page 我的待办 through AppTest on a private copy of the sample: who lands on it, counts, one
action on several ticked cases with an outcome per case."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from geo.db.database import Database
from geo.db.models import Case
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases.case_actions import perform
from tests.e2e.signin import SUPERVISOR, signed_in

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture
def sample_url(sample_sqlite_copy, monkeypatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sample_sqlite_copy)
    from dashboard.data import database

    database.clear()
    return sample_sqlite_copy


def sign_in_at_root(username: str) -> AppTest:
    from samples.accounts import demo_password

    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(demo_password())
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def open_queue(actor: Actor = SUPERVISOR) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=90), actor)
    at.run()
    at.switch_page("views/queue.py").run()
    assert not at.exception, at.exception
    return at


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


@pytest.mark.parametrize("username", ["dept_cgj", "gridmember"])
def test_departments_and_grid_members_land_on_their_work(sample_url, username):
    at = sign_in_at_root(username)
    assert _titles(at) == ["我的待办"]


def test_a_supervisor_still_lands_on_the_overview(sample_url):
    at = sign_in_at_root("supervisor")
    assert "受理事件" in [m.label for m in at.metric]


def test_the_supervisor_sees_each_queue_with_its_count(sample_url):
    at = open_queue()
    options = at.button_group[0].options
    labels = list(options)
    assert labels[0].startswith("待受理 · ") and labels[-1].startswith("返工 · ")
    assert len(labels) == 10


def test_ticked_cases_take_one_action_and_each_conflict_is_reported(sample_url):
    at = open_queue()
    at.session_state["queue_table_new_0"] = {"selection": {"rows": [0, 1], "columns": []}}  # two rows ticked
    at.run()
    button = at.button(key="queue_bulk_do")
    assert button.label == "对选中的 2 件执行：受理"
    db = Database(sample_url)
    first = at.dataframe[0].value.iloc[1, 0]  # the second ticked case changes under the supervisor's eyes
    with db.transaction() as s:
        case = s.scalars(select(Case).where(Case.number == first)).one()
        perform(s, case.id, "reject", Actor("other", Role.SUPERVISOR), case.version, datetime.now(UTC), reason="重复")
    button.click().run()
    assert not at.exception, at.exception
    assert "受理：已完成 1 件，未执行 1 件。" in at.warning[0].value
    outcome = at.dataframe[0].value
    assert outcome.iloc[0].tolist()[:2] == [first, "冲突：打开后已被他人修改，请刷新后重试"]
    db.dispose()
