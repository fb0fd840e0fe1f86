"""Pages through Streamlit's AppTest, on the sample district (SQLite) and on an empty database."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.db.database import Database
from geo.db.schema import upgrade
from tests.e2e.signin import signed_in

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture
def app_on(monkeypatch):
    def run(url: str) -> AppTest:
        monkeypatch.setenv("DATABASE_URL", url)
        from dashboard.data import database

        database.clear()
        at = signed_in(AppTest.from_file(APP, default_timeout=60))
        at.run()
        assert not at.exception, at.exception
        return at

    return run


def test_the_overview_shows_the_kpis_of_the_sample_district(app_on, sample_databases):
    at = app_on(sample_databases.get("sqlite").url)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["受理事件"] == "48,022"
    assert metrics["办结率"].endswith("%")
    assert set(metrics) == {"受理事件", "已办结", "办结率", "满意率", "在办", "超期"}


def test_the_overview_switches_to_english(app_on, sample_databases):
    at = app_on(sample_databases.get("sqlite").url)
    at.sidebar.radio[0].set_value("en").run()
    assert "Received" in [m.label for m in at.metric]


def test_the_overview_on_an_empty_database_says_what_to_do(app_on, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade(Database(url))
    at = app_on(url)
    assert "gridgov load-sample" in at.info[0].value


def test_the_overviews_rates_carry_their_definition_and_say_what_closure_counts(app_on, sample_databases):
    at = app_on(sample_databases.get("sqlite").url)
    helps = {m.label: m.proto.help for m in at.metric}
    assert helps["办结率"].startswith("办结率 = 已办结 ÷ 应办。应办 = 受理 − 不予受理 − 缓办中")
    assert helps["满意率"].startswith("满意率 =（满意 + 基本满意）")
    assert helps["受理事件"] == ""
    note = "\n".join(c.value for c in at.caption)
    assert "受理 48,022 − 不予受理与缓办中 1,815 = 应办 46,207，其中已办结 45,782" in note
