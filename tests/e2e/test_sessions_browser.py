"""Sign-in that survives a reload, tabs and deep links; sign-out, disabling and kiosk revocation that end it;
the residents' rating link; never a traceback — in headless Chromium against ``gridgov serve`` (the one
ASGI server of dashboard/asgi.py) on a private copy of the sample district. Screenshots in test-artifacts/."""

from __future__ import annotations

import re
import socket
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from geo.db.database import Database
from geo.db.models import Case
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases.accounts import create_kiosk_token, revoke_kiosk_token, set_disabled
from geo.usecases.case_actions import perform
from tests.conftest import sqlite_copy
from tests.e2e.browser import (
    FOLIUM_IFRAME,
    assert_all_local,
    free_port,
    new_page,
    save_screenshot,
    sign_in,
    start_streamlit,
)

pytestmark = pytest.mark.browser
ADMIN = Actor("admin", Role.ADMIN)
PANEL = ".st-key-case_map_panel"
REFRESH_S = 3
SIGNED_IN = "当前用户"


@pytest.fixture(scope="module")
def district(sample_databases, tmp_path_factory):
    """One server for the module on its own copy of the sample (tests use different accounts)."""
    folder = tmp_path_factory.mktemp("sessions")
    url = sqlite_copy(sample_databases, folder / "sample.db")
    server = start_streamlit("dashboard/app.py", env={
        "DATABASE_URL": url, "GRIDGOV_TILE_URL": None, "GRIDGOV_DATA_DIR": str(folder),
        "GRIDGOV_SCREEN_REFRESH_S": str(REFRESH_S), "GRIDGOV_SCREEN_AS_OF": None})
    yield server, url
    server.stop()


def _in_db(url, change):
    db = Database(url)
    try:
        with db.transaction() as s:
            return change(s)
    finally:
        db.dispose()


def _signed_in(page) -> None:
    page.get_by_text(SIGNED_IN).first.wait_for(timeout=90_000)


def _sign_in_form(page) -> None:
    page.get_by_role("button", name=re.compile("^(登录|Sign in)$")).wait_for(timeout=90_000)


def test_a_reload_and_a_new_tab_stay_signed_in_with_an_httponly_cookie(district, page):
    server, _ = district
    page.goto(server.url, wait_until="domcontentloaded")
    page.get_by_label("用户名").wait_for(timeout=90_000)
    save_screenshot(page, "sessions-sign-in", full_page=False)
    sign_in(page, server.url, "supervisor")
    page.reload(wait_until="domcontentloaded")
    _signed_in(page)
    page.wait_for_timeout(1500)
    save_screenshot(page, "sessions-after-reload", full_page=False)
    assert page.get_by_label("密码").count() == 0

    other = page.context.new_page()
    other.goto(server.url + "/case_map", wait_until="domcontentloaded")
    _signed_in(other)
    cookie = next(c for c in page.context.cookies() if c["name"] == "gridgov_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert page.evaluate("() => document.cookie").find("gridgov_session") == -1  # not readable by scripts


def test_signing_out_in_one_tab_signs_out_the_other(district, page):
    server, _ = district
    sign_in(page, server.url, "admin")
    other = page.context.new_page()
    other.goto(server.url, wait_until="domcontentloaded")
    _signed_in(other)

    page.get_by_role("button", name="退出登录").click()
    _sign_in_form(page)
    other.get_by_text("English").click()  # any click reruns the other tab: it asks to sign in again
    _sign_in_form(other)
    assert other.get_by_text("signed out").count() >= 1
    other.reload(wait_until="domcontentloaded")
    _sign_in_form(other)


def test_disabling_the_account_ends_its_session(district, page):
    server, url = district
    sign_in(page, server.url, "analyst")
    _in_db(url, lambda s: set_disabled(s, "analyst", True, ADMIN, datetime.now(UTC)))
    page.get_by_text("English").click()
    _sign_in_form(page)
    page.reload(wait_until="domcontentloaded")
    _sign_in_form(page)


def _answered_case(url) -> str:
    return _in_db(url, lambda s: s.scalar(select(Case.number).where(Case.status == "answered").order_by(Case.id)))


def test_a_case_link_opened_before_sign_in_lands_on_the_case_zoomed_in(district, page):
    server, url = district
    number = _answered_case(url)
    sign_in(page, f"{server.url}/case_map?case={number}", "supervisor")
    page.locator(PANEL).get_by_text(number).wait_for(timeout=90_000)
    assert page.url.endswith(f"/case_map?case={number}")  # the link survived the cookie round trip
    lon, lat = _in_db(url, lambda s: s.execute(select(Case.lon, Case.lat).where(Case.number == number)).one())
    # Drawn (zoomed in, the first shape may lie outside the view, so it is attached but not visible).
    page.frame_locator(FOLIUM_IFRAME).locator("path.leaflet-interactive").first.wait_for(state="attached",
                                                                                        timeout=60_000)
    page.wait_for_function(f"""() => [...document.querySelectorAll({FOLIUM_IFRAME!r})].some(f => {{
        const m = f.contentWindow.map; if (!m) return false; const c = m.getCenter();
        return m.getZoom() >= 16 && Math.abs(c.lat - {lat}) < 1e-4 && Math.abs(c.lng - {lon}) < 1e-4; }})""",
                           timeout=60_000)  # the map zoomed to the case
    # The map's assets still come from dashboard/static on the one server.
    leaflet = page.network.matching(r"/app/static/leaflet-1\.9\.3/leaflet\.js$")
    assert leaflet and all(r.status == 200 for r in leaflet)
    assert_all_local(page.network)


def test_the_rating_link_from_the_case_panel_rates_once_on_a_phone(district, page, browser):
    server, url = district
    number = _answered_case(url)

    def close(s):
        case = s.scalar(select(Case).where(Case.number == number))
        perform(s, case.id, "close", Actor("值班长", Role.SUPERVISOR), case.version, datetime.now(UTC))

    _in_db(url, close)
    sign_in(page, f"{server.url}/case_map?case={number}", "supervisor")
    link_box = page.locator(".st-key-case_map_rating_link")
    link_box.get_by_text("/rate/").wait_for(timeout=90_000)
    link = re.search(r"http://\S+/rate/\S+", link_box.inner_text()).group(0)
    assert link_box.locator("img").count() == 1  # the QR code
    save_screenshot(page, "sessions-rating-link-in-panel", full_page=False)

    phone = browser.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, locale="zh-CN")
    try:
        resident = phone.new_page()
        resident.goto(link, wait_until="domcontentloaded")
        resident.get_by_text(number).wait_for(timeout=30_000)
        assert resident.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        save_screenshot(resident, "sessions-rating-page-360x640", full_page=False)
        resident.get_by_label("满意", exact=True).check()
        resident.get_by_label(re.compile("意见或建议")).fill("处理及时，谢谢")
        resident.get_by_role("button", name="提交评价").click()
        resident.get_by_text("您的评价已记录").wait_for(timeout=30_000)
        save_screenshot(resident, "sessions-rating-thanks-360x640", full_page=False)
        resident.goto(link, wait_until="domcontentloaded")
        resident.get_by_text("已经评价过了").wait_for(timeout=30_000)
        assert resident.get_by_role("button", name="提交评价").count() == 0
    finally:
        phone.close()
    rated = _in_db(url, lambda s: s.scalar(select(Case.status).where(Case.number == number)))
    assert rated == "rated"


def test_a_revoked_kiosk_token_sends_the_wall_to_the_sign_in_page(district, page):
    server, url = district
    token = _in_db(url, lambda s: create_kiosk_token(s, "测试大屏", ADMIN, datetime.now(UTC)))
    page.goto(f"{server.url}/big_screen?embed=true&kiosk={token}", wait_until="domcontentloaded")
    page.locator('[data-testid="gg-feed-case"]').first.wait_for(timeout=90_000)
    _in_db(url, lambda s: revoke_kiosk_token(s, "测试大屏", ADMIN, datetime.now(UTC)))
    _sign_in_form(page)
    assert page.locator('[data-testid="gg-feed"]').count() == 0


class Relay:
    """A TCP relay in front of PostgreSQL, off until ``up()``: while off, connecting is refused — a database
    server that is down, then comes back."""

    def __init__(self, host: str, port: int):
        self.target, self.port, self._listener = (host, port), free_port(), None

    def up(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()


def test_a_screen_switched_on_during_an_outage_shows_the_banner_and_recovers(tmp_path, browser):
    """PostgreSQL behind a relay that is off when the wall is switched on, then comes back."""
    from sqlalchemy import make_url as parse

    from geo.db.schema import upgrade
    from tests.conftest import _fresh_postgres_database, _postgis_url

    url = _fresh_postgres_database(_postgis_url(), "outage")
    db = Database(url)
    upgrade(db)
    db.dispose()
    token = _in_db(url, lambda s: create_kiosk_token(s, "大屏", ADMIN, datetime.now(UTC)))
    real = parse(url)
    relay = Relay(real.host or "127.0.0.1", real.port or 5432)
    through_relay = real.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    server = start_streamlit("dashboard/app.py", env={
        "DATABASE_URL": through_relay, "GRIDGOV_TILE_URL": None, "GRIDGOV_DATA_DIR": str(tmp_path),
        "GRIDGOV_SCREEN_REFRESH_S": str(REFRESH_S), "GRIDGOV_SCREEN_AS_OF": None})
    page = new_page(browser)
    try:
        page.goto(f"{server.url}/big_screen?embed=true&kiosk={token}", wait_until="domcontentloaded")
        page.locator('[data-testid="gg-db-down"]').wait_for(timeout=90_000)
        text = page.locator("body").inner_text()
        assert "数据库连接中断" in text and "Traceback" not in text and str(relay.port) not in text
        save_screenshot(page, "sessions-screen-db-down", full_page=False)
        relay.up()
        page.locator('[data-testid="gg-db-down"]').wait_for(state="detached", timeout=(6 * REFRESH_S + 30) * 1000)
        page.get_by_text("尚未加载网格图层").wait_for(timeout=30_000)  # the (empty) district's own figures
    finally:
        page.context.close()
        server.stop()
        relay.close()


def test_a_page_error_shows_a_reference_and_no_traceback(tmp_path, browser):
    """A database without tables: signing in fails inside the page."""
    server = start_streamlit("dashboard/app.py", env={
        "DATABASE_URL": f"sqlite:///{tmp_path / 'no-schema.db'}", "GRIDGOV_DATA_DIR": str(tmp_path)})
    page = new_page(browser)
    try:
        page.goto(server.url, wait_until="domcontentloaded")
        page.get_by_label("用户名").fill("supervisor", timeout=90_000)
        page.get_by_label("密码").fill("whatever password")
        page.get_by_role("button", name="登录").click()
        message = page.get_by_text("错误编号")
        message.wait_for(timeout=60_000)
        reference = re.search(r"错误编号 (\S+)。", message.inner_text()).group(1)
        text = page.locator("body").inner_text()
        assert "Traceback" not in text and "OperationalError" not in text and "no such table" not in text
        save_screenshot(page, "sessions-page-error", full_page=False)
        log = server.log_tail(20_000)
        assert f"error {reference}" in log and "Traceback" in log and "no such table: users" in log
    finally:
        page.context.close()
        server.stop()
