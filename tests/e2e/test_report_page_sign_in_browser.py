"""The phone page signs a grid member in with the dashboard's own accounts, end to end in headless Chromium at
360 × 640 against ``gridgov serve`` (dashboard and API in one server) on a private copy of the sample: the
page links to the dashboard's sign-in, which brings the browser back to the page with its session cookie,
and the report that follows is the grid member's, in their grid. Screenshots in test-artifacts/."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from geo.db.database import Database
from geo.db.models import Case, CaseReporter, Grid, User
from samples.accounts import demo_password
from tests.conftest import sqlite_copy
from tests.e2e.browser import NetworkLog, assert_all_local, save_screenshot, start_streamlit
from tests.e2e.test_report_page_browser import PHONE, noisy_photo

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(sample_databases, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report_sign_in")
    url = sqlite_copy(sample_databases, folder / "sample.db")
    server = start_streamlit("dashboard/app.py", env={"DATABASE_URL": url, "GRIDGOV_TILE_URL": None,
                                                      "GRIDGOV_DATA_DIR": str(folder)})
    yield server, url
    server.stop()


def _member_grid(url: str) -> tuple[str, float, float]:
    """The demo grid member's grid and a position inside it (a sample case placed there, clear of edges)."""
    db = Database(url)
    try:
        with db.session() as s:
            code = s.scalar(select(User.grid_codes).where(User.username == "gridmember")).split(";")[0]
            lon, lat = s.execute(select(Case.lon, Case.lat).join(Grid, Grid.id == Case.grid_id)
                                 .where(Grid.code == code, Case.snapped.is_(False), Case.near_boundary.is_(False))
                                 .order_by(Case.id)).first()
        return code, lon, lat
    finally:
        db.dispose()


def test_a_grid_member_signs_in_from_the_page_and_reports_into_their_grid(served, browser):
    server, url = served
    code, lon, lat = _member_grid(url)
    context = browser.new_context(viewport=PHONE, geolocation={"latitude": lat, "longitude": lon},
                                  permissions=["geolocation"], is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.network = NetworkLog().attach(page)
        page.goto(f"{server.url}/api/report/", wait_until="domcontentloaded")
        page.locator("#sign-in").click()
        page.get_by_label("用户名").fill("gridmember", timeout=90_000)
        page.get_by_label("密码").fill(demo_password())
        save_screenshot(page, "report-page-sign-in-360x640", full_page=False)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{server.url}/api/report/", timeout=90_000)  # back on the page, cookie and all
        page.wait_for_function("document.getElementById('category').options.length > 2", timeout=30_000)
        page.wait_for_function("document.getElementById('where').textContent.includes('您的网格')", timeout=30_000)
        assert page.locator("#who-text").inner_text().startswith("网格员 网格员 上报")
        page.set_input_files("#photo", files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": noisy_photo()}])
        page.wait_for_function("document.getElementById('photo-info').textContent.includes('KB')")
        page.fill("#description", "楼道堆放杂物，影响通行")
        page.click("#submit")
        page.wait_for_selector("#duplicate-list li button, #result:has-text('GG')", timeout=30_000)
        if page.is_visible("#report-anyway"):  # the sample has open cases nearby
            page.click("#report-anyway")
        page.wait_for_function("document.getElementById('result').textContent.includes('GG')", timeout=30_000)
        save_screenshot(page, "report-page-signed-in-sent-360x640", full_page=False)
        number = page.locator("#result").inner_text().split()[-1]
        assert_all_local(page.network)
    finally:
        context.close()
    db = Database(url)
    try:
        with db.session() as s:
            case = s.scalar(select(Case).where(Case.number == number))
            assert (case.source, s.get(Grid, case.grid_id).code) == ("grid_member", code)
            assert s.scalar(select(CaseReporter.name).where(CaseReporter.case_id == case.id)) == "网格员"
    finally:
        db.dispose()
