"""The bundling page through AppTest on a private copy of the sample: a supervisor bundles the first candidate,
finds the bundle in the list with its cases, and the case panel names the bundle."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from geo.db.database import Database
from geo.db.models import Bundle, Case
from geo.usecases.bundle_actions import make_bundle
from tests.e2e.signin import SUPERVISOR, signed_in

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture
def sample_url(sample_sqlite_copy, monkeypatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sample_sqlite_copy)
    monkeypatch.setattr("streamlit_folium.st_folium", lambda fig, **kwargs: {})
    from dashboard.data import database

    database.clear()
    return sample_sqlite_copy


def open_page(page: str) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=90), SUPERVISOR)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_a_supervisor_bundles_the_first_candidate_and_finds_it_in_the_list(sample_url):
    at = open_page("views/bundles.py")
    candidates = at.dataframe[0].value
    assert list(candidates.columns) == ["类别", "地点", "件数", "网格数", "最早上报", "最近上报"]
    at.session_state["bundle_candidates_0"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    n = int(candidates.iloc[0]["件数"])
    assert at.button(key="bundle_make").label == f"打包所选 {n} 件"
    at.button(key="bundle_make").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == f"已打包 #1：{n} 件。"

    at.button_group[0].set_value("bundles").run()
    assert at.dataframe[0].value.iloc[0]["件数"] == n
    at.session_state["bundle_list"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert len(at.dataframe[1].value) == n  # the bundle's cases
    assert at.button(key="bundle_whistle").label.startswith("整包吹哨（")
    assert at.button(key="bundle_close").label == f"整包办结（{n} 件）"


def test_the_case_panel_names_the_bundle_and_lists_its_cases(sample_url):
    db = Database(sample_url)
    with db.session() as s:
        ids = s.scalars(select(Case.id).where(Case.status == "reported").order_by(Case.id).limit(2)).all()
    make_bundle(db, list(ids), "测试打包 *不是粗体*", SUPERVISOR, datetime.now(UTC))
    with db.session() as s:
        number = s.get(Case, ids[0]).number
        assert s.scalar(select(Bundle.title)) == "测试打包 *不是粗体*"
    db.dispose()
    at = open_page("views/case_map.py")
    at.session_state["case_map_map"] = {"last_object_clicked_tooltip": f"● {number} 类别 · 待受理",
                                        "last_object_clicked": {"lat": 39.67, "lng": 106.82}}
    at.run()
    text = "\n".join(m.value for m in at.markdown)
    assert "**所属打包**: #1「测试打包 &#42;不是粗体&#42;」· 2 件" in text
    assert f"[{number}](case_map?case={number})" in text
