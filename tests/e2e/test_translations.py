"""Every page in Chinese on the sample, as the role that uses it: no raw catalogue key and no English word in
the visible text (labels, options, tables, messages, tooltips, the case timeline). A small allowlist holds proper
names, units and codes."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from dashboard.i18n import STRINGS
from geo.db.database import Database
from geo.db.models import Case, CaseEvent, Category, Department
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases.bundle_actions import make_bundle
from geo.usecases.case_actions import perform
from geo.usecases.intake import NewCase, report_case
from tests.e2e.signin import signed_in

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
SUPERVISOR, ADMIN = Actor("值班长", Role.SUPERVISOR), Actor("管理员", Role.ADMIN)
#: Words that stay as they are in Chinese text: the product's and methods' names, units, formats, datums and
#: file types.
ALLOWED = {"GridGov", "km", "mi", "CSV", "Excel", "xlsx", "csv", "html", "PDF", "WGS", "GCJ", "BD", "CGCS",
           "EPSG", "GPS", "GBK", "UTF", "DataV", "Shapefile", "GeoJSON", "GeoPackage", "zip", "prj", "Wilson",
           "Gi", "FDR", "Getis-Ord", "Benjamini", "Hochberg", "z", "p", "Language", "English", "gpkg", "geojson", "json", "H3", "AMap",
           "Mann", "Kendall",  # a test's proper names, like Wilson's
           "docs", "hotspots", "md"}  # the method note's path (docs/hotspots.md), named as it is on disk
#: Table columns shown as they are: identifiers people chose (account names) and the audit log's own record
#: (evidence, kept verbatim).
IDENTIFIERS = {"用户名", "操作人", "对象", "详情（原始记录）"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-]*")
KEY = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


@pytest.fixture
def sample_url(sample_sqlite_copy, monkeypatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sample_sqlite_copy)
    monkeypatch.setattr("streamlit_folium.st_folium", lambda fig, **kwargs: {})
    from dashboard.data import database

    database.clear()
    return sample_sqlite_copy


def _visible(markup: str) -> str:
    """What a reader sees of a markdown/HTML string: no style or script, no tags, no link targets."""
    markup = re.sub(r"<(style|script)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    markup = re.sub(r"<[^>]+>", " ", markup)
    markup = re.sub(r"\]\([^)]*\)", "] ", markup)
    return html.unescape(markup)


def visible_text(at: AppTest) -> list[str]:
    """Every string the page shows or shows on hover."""
    texts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error", "success"):
        texts += [_visible(str(e.value)) for e in getattr(at, kind)]
    for kind in ("button", "selectbox", "multiselect", "radio", "text_input", "number_input", "date_input", "toggle",
                 "checkbox", "segmented_control", "button_group", "expander", "tabs", "metric"):
        for e in getattr(at, kind):
            texts += [str(getattr(e, "label", "") or ""), str(getattr(e.proto, "help", "") or "")]
            texts += [str(o) for o in getattr(e, "options", []) or []]
    texts += [str(m.value) for m in at.metric]
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns) if frame.proto.columns else {}
        for column in frame.value.columns:
            shown = config.get(str(column), {})
            header = shown.get("label") or str(column)
            texts += [header, str(shown.get("help", ""))]
            if (shown.get("type_config", {}).get("type") != "link" and header not in IDENTIFIERS
                    and frame.value[column].dtype == object):
                texts += [str(v) for v in frame.value[column].head(50) if isinstance(v, str)]
    for button in at.get("download_button"):
        texts.append(str(button.proto.label))
    return texts


def untranslated(at: AppTest) -> list[str]:
    found = set()
    for text in visible_text(at):
        found |= {k for k in KEY.findall(text) if k in STRINGS or k.count("_") >= 2}
        found |= {w for w in WORD.findall(text) if not re.search(r"\d", w) and w not in ALLOWED}
    return sorted(found)


def open_page(page: str, actor: Actor = SUPERVISOR) -> AppTest:
    at = signed_in(AppTest.from_file(APP, default_timeout=120), actor)
    at.run()
    if page:
        at.switch_page(f"views/{page}").run()
    assert not at.exception, at.exception
    return at


def _case_with_every_kind_of_note(url: str) -> str:
    """A case reported, accepted, whistled to a lead and a co-department, re-categorised and bundled, plus an
    import event in the old English wording."""
    db = Database(url)
    now = datetime.now(UTC)
    with db.transaction() as s:
        near = s.execute(select(Case.lon, Case.lat).where(Case.grid_id.is_not(None)).limit(1)).one()
        categories = s.scalars(select(Category.id).order_by(Category.id).limit(2)).all()
        departments = s.scalars(select(Department.id).order_by(Department.id).limit(2)).all()
        case = report_case(s, NewCase(source="resident_app", lon=near.lon, lat=near.lat, category_id=categories[0],
                                      datum="gcj02"), SUPERVISOR)
        number, case_id = case.number, case.id
        other = report_case(s, NewCase(source="hotline_12345", lon=near.lon, lat=near.lat,
                                       category_id=categories[1]), SUPERVISOR).id
        s.execute(insert(CaseEvent), [{"case_id": case_id, "at": now, "role": "analyst",
                                       "action": "import", "to_status": "reported", "actor": "数据分析员",
                                       "note": "imported from 12345.csv; grid id 3 by coordinates (snapped)"}])
        for action, params in (("accept", {"tier": "lead_department", "note": "请尽快处理"}),
                               ("whistle", {"lead_department_id": departments[0],
                                            "co_department_ids": (departments[1],)}),
                               ("change_category", {"category_id": categories[1]})):
            perform(s, case_id, action, SUPERVISOR, s.get(Case, case_id).version, now, **params)
    make_bundle(db, [case_id, other], "同类事件集中处置", SUPERVISOR, now)
    db.dispose()
    return number


PAGES = [("", SUPERVISOR), ("case_map.py", SUPERVISOR), ("queue.py", SUPERVISOR), ("bundles.py", SUPERVISOR),
         ("hotspots.py", SUPERVISOR), ("grid_load.py", SUPERVISOR), ("department_load.py", SUPERVISOR),
         ("upload_layers.py", ADMIN), ("upload_cases.py", ADMIN), ("big_screen.py", SUPERVISOR),
         ("audit.py", ADMIN), ("volunteers.py", SUPERVISOR)]


@pytest.mark.parametrize("page, actor", PAGES, ids=[p or "overview" for p, _ in PAGES])
def test_every_page_reads_in_chinese(sample_url, page, actor):
    assert untranslated(open_page(page, actor)) == []


def test_the_case_panel_and_its_timeline_read_in_chinese(sample_url):
    number = _case_with_every_kind_of_note(sample_url)
    at = open_page("case_map.py")
    at.session_state["case_map_map"] = {"last_object_clicked_tooltip": f"● {number} 类别 · 待受理",
                                        "last_object_clicked": {"lat": 39.67, "lng": 106.82}}
    at.run()
    text = "\n".join(visible_text(at))
    assert f"{number}" in text and "导入自 12345.csv，按坐标定位，已吸附到最近网格" in text
    assert "分级：部门牵头办理 — 请尽快处理" in text and "并入打包 #1「同类事件集中处置」" in text
    assert untranslated(at) == []


def test_a_sample_cases_story_reads_in_chinese(sample_url):
    db = Database(sample_url)
    with db.session() as s:
        number = s.scalar(select(Case.number).where(Case.status == "rated", Case.rework_count > 0).limit(1))
    db.dispose()
    at = open_page("case_map.py")
    at.session_state["case_map_map"] = {"last_object_clicked_tooltip": f"● {number} 类别 · 已评价",
                                        "last_object_clicked": {"lat": 39.67, "lng": 106.82}}
    at.run()
    assert any("办理过程" in text for text in visible_text(at))
    assert untranslated(at) == []


@pytest.mark.parametrize("page, actor", PAGES, ids=[p or "overview" for p, _ in PAGES])
def test_every_page_in_english_shows_no_raw_key(sample_url, page, actor):
    at = open_page(page, actor)
    at.session_state["lang"] = "en"  # the sidebar switch's key (a switched-to page runs without app.py's preamble)
    at.run()
    assert not at.exception, at.exception
    keys = sorted({k for text in visible_text(at) for k in KEY.findall(text) if k in STRINGS})
    assert keys == []
