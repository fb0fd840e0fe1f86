"""The case map in headless Chromium on the loaded sample: offline, click a case, act, see the timeline grow."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from geo.db.database import Database
from geo.db.models import Case, CaseDispatch, Department
from tests.e2e.browser import FOLIUM_IFRAME, assert_all_local, save_screenshot, sign_in

pytestmark = pytest.mark.browser
PANEL = ".st-key-case_map_panel"


def _reported_case(url: str) -> str:
    db = Database(url)
    with db.session() as s:
        number = s.scalar(select(Case.number).where(Case.status == "reported").order_by(Case.id))
    db.dispose()
    return number


def open_case_map(page, server, username="supervisor", query=""):
    sign_in(page, server.url + "/case_map" + query, username)
    # Right after signing in, elements of the previous run linger (stale) until the new run replaces them.
    page.wait_for_function(f"document.querySelectorAll({FOLIUM_IFRAME!r}).length === 1", timeout=90_000)
    frame = page.frame_locator(FOLIUM_IFRAME)
    # Drawn; attached, not visible: opened on a linked case, the map is zoomed in and its first shape may lie
    # outside the view.
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=90_000)
    return frame


def test_a_supervisor_clicks_a_case_accepts_it_and_sees_the_timeline_grow(streamlit_server, page,
                                                                          sample_sqlite_copy):
    server = streamlit_server("dashboard/app.py", env={"DATABASE_URL": sample_sqlite_copy, "GRIDGOV_TILE_URL": None})
    frame = open_case_map(page, server)
    page.get_by_text("符合条件 48,022").wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    save_screenshot(page, "case_map-district", full_page=False)

    # Search one reported case, click its marker, accept it.
    number = _reported_case(sample_sqlite_copy)
    search = page.get_by_label("搜索编号 / 描述 / 地址")
    search.fill(number)
    search.press("Enter")
    page.get_by_text(re.compile(r"符合条件 1\b")).wait_for(timeout=60_000)
    frame.locator("path.gg-case").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    frame.locator("path.gg-case").first.click(force=True)
    panel = page.locator(PANEL)
    panel.get_by_text(number).wait_for(timeout=60_000)
    panel.get_by_text("办理过程 (1)").wait_for(timeout=30_000)
    assert "****" in panel.inner_text()  # the reporter's phone is masked

    page.get_by_role("button", name="执行: 受理").click()
    panel.get_by_text("办理过程 (2)").wait_for(timeout=60_000)
    assert "已完成：受理" in panel.inner_text()
    page.wait_for_timeout(1000)
    save_screenshot(page, "case_map-case-panel", full_page=False)

    # Zoomed in (from a grid's load panel): individual cases and buildings; click one of them.
    search.fill("")
    search.press("Enter")
    page.get_by_text("符合条件 48,022").wait_for(timeout=60_000)
    # The action button scrolled the page a little; the user brings the map back into view and clicks a grid.
    page.locator(FOLIUM_IFRAME).scroll_into_view_if_needed()
    box = page.locator(FOLIUM_IFRAME).bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    panel.get_by_text("网格负荷").wait_for(timeout=60_000)
    page.get_by_role("button", name="放大到该网格").click()
    frame.locator("path.gg-case").nth(5).wait_for(timeout=60_000)
    frame.locator("path.gg-case").nth(5).click(force=True)
    panel.get_by_text("办理过程").wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    save_screenshot(page, "case_map-zoomed-in", full_page=False)

    assert_all_local(page.network)


def _cases_of_departments(url: str) -> tuple[int, str]:
    """(cases whistled to 城管 (code CGJ), a case number whistled only to other departments)."""
    db = Database(url)
    with db.session() as s:
        cgj = s.scalar(select(Department.id).where(Department.code == "CGJ"))
        own = s.scalar(select(func.count(func.distinct(CaseDispatch.case_id))).where(CaseDispatch.department_id == cgj))
        theirs = s.scalar(select(Case.number).join(CaseDispatch, CaseDispatch.case_id == Case.id)
                          .where(CaseDispatch.department_id != cgj,
                                 ~Case.id.in_(select(CaseDispatch.case_id).where(CaseDispatch.department_id == cgj)))
                          .order_by(Case.id))
    db.dispose()
    return own, theirs


def test_a_department_user_sees_only_its_cases_and_cannot_open_another_departments_case(
        streamlit_server, page, sample_sqlite_copy):
    own, theirs = _cases_of_departments(sample_sqlite_copy)
    server = streamlit_server("dashboard/app.py", env={"DATABASE_URL": sample_sqlite_copy, "GRIDGOV_TILE_URL": None})
    open_case_map(page, server, username="dept_cgj", query=f"?case={theirs}")
    page.get_by_text(f"未找到事件 {theirs}").first.wait_for(timeout=60_000)  # by URL: refused, nothing revealed
    page.get_by_text(f"符合条件 {own:,}").first.wait_for(timeout=60_000)  # the whole map holds only its cases
    search = page.get_by_label("搜索编号 / 描述 / 地址")
    search.fill(theirs)  # by number: no match
    search.press("Enter")
    page.get_by_text("没有符合条件的事件").first.wait_for(timeout=60_000)
    save_screenshot(page, "case_map-department-scope", full_page=False)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "部门绩效" not in nav and "图层导入" not in nav  # pages beyond the role are not offered
    assert_all_local(page.network)


def _case_with_a_long_story(url: str) -> str:
    """A reported case re-categorised a dozen times: a timeline of 13 events."""
    from datetime import UTC, datetime

    from geo.db.models import Category
    from geo.domain.actors import Actor
    from geo.domain.vocabulary import Role
    from geo.usecases.case_actions import perform

    db = Database(url)
    with db.transaction() as s:
        case = s.scalars(select(Case).where(Case.status == "reported").order_by(Case.id)).first()
        number, case_id = case.number, case.id
        categories = s.scalars(select(Category.id).order_by(Category.id).limit(12)).all()
        for category_id in categories:
            version = s.get(Case, case_id).version
            perform(s, case_id, "change_category", Actor("值班长", Role.SUPERVISOR), version, datetime.now(UTC),
                    category_id=category_id)
    db.dispose()
    return number


def test_the_action_button_stays_in_view_at_1080p_however_long_the_story(streamlit_server, page, sample_sqlite_copy):
    number = _case_with_a_long_story(sample_sqlite_copy)
    server = streamlit_server("dashboard/app.py", env={"DATABASE_URL": sample_sqlite_copy, "GRIDGOV_TILE_URL": None})
    open_case_map(page, server, query=f"?case={number}")
    panel = page.locator(PANEL)
    panel.get_by_text("办理过程 (13)").wait_for(timeout=60_000)
    button = page.get_by_role("button", name="执行: 受理")
    box = button.bounding_box()
    save_screenshot(page, "case_map-long-story", full_page=False)
    assert box["y"] + box["height"] <= 1080, f"the action button is below the fold at y={box['y']:.0f}"
    assert "类别 " in panel.inner_text() and "route" not in panel.inner_text()  # notes in words, translated
