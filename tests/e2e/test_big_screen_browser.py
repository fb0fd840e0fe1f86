"""The big screen in headless Chromium on a loaded sample district: it refreshes by itself without reloading
the map, a case reported meanwhile appears in the feed and pulses on the map, nothing leaves localhost, and it
fits 1920x1080 and 3840x2160 without scrolling (screenshots in test-artifacts/)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from geo.db.database import Database
from geo.db.models import Case, Category
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role, Source
from geo.usecases.intake import NewCase, report_case
from tests.e2e.browser import FOLIUM_IFRAME, assert_all_local, assert_no_failed_requests, save_screenshot

pytestmark = pytest.mark.browser

REFRESH_S = 3
SCREEN = "/big_screen?embed=true"
AS_OF = '[data-testid="gg-as-of"]'


@pytest.fixture
def sample_copy(sample_sqlite_copy) -> str:
    """A sample district of our own (the test writes a case into it)."""
    return sample_sqlite_copy


@pytest.fixture
def kiosk_token(sample_copy) -> str:
    """The wall screen runs on a kiosk token, not a person's sign-in."""
    from geo.usecases.accounts import create_kiosk_token

    db = Database(sample_copy)
    with db.transaction() as s:
        token = create_kiosk_token(s, "指挥中心大屏", Actor("admin", Role.ADMIN), datetime.now(UTC))
    db.dispose()
    return token


@pytest.fixture
def screen_server(streamlit_server, sample_copy):
    return streamlit_server(
        "dashboard/app.py",
        env={
            "DATABASE_URL": sample_copy,
            "GRIDGOV_TILE_URL": None,
            "GRIDGOV_SCREEN_REFRESH_S": str(REFRESH_S),
            "GRIDGOV_SCREEN_AS_OF": None,
        },
    )


def _wait_for_refreshes(page, count: int, timeout_s: float = 60) -> None:
    """Each refresh reads the database as of a new instant, written into the as-of stamp's data-at."""
    seen = {page.locator(AS_OF).get_attribute("data-at")}
    deadline = time.monotonic() + timeout_s
    while len(seen) <= count:
        assert time.monotonic() < deadline, f"only {len(seen) - 1} refreshes in {timeout_s} s"
        time.sleep(0.5)
        seen.add(page.locator(AS_OF).get_attribute("data-at"))


def _report_a_case(url: str) -> str:
    db = Database(url)
    with db.transaction() as s:
        inside = s.execute(select(Case.lon, Case.lat).where(Case.grid_id.is_not(None)).limit(1)).one()
        category = s.scalars(select(Category).order_by(Category.id)).first()
        case = report_case(
            s,
            NewCase(
                source=Source.HOTLINE,
                lon=inside.lon,
                lat=inside.lat,
                category_id=category.id,
                reporter_name="测试人",
                reporter_phone="13900000000",
                description="楼道堆物",
            ),
            Actor("browser test", Role.SUPERVISOR),
        )
        number = case.number
    db.dispose()
    return number


def _open(page, server, token: str) -> None:
    page.goto(server.url + SCREEN + "&kiosk=" + token, wait_until="domcontentloaded")
    page.locator('[data-testid="gg-feed-case"]').first.wait_for(timeout=60_000)
    frame = page.frame_locator(FOLIUM_IFRAME)
    frame.locator(".leaflet-overlay-pane canvas").first.wait_for(timeout=60_000)  # grids and dots (canvas)


def _fits_the_viewport(page) -> bool:
    return page.evaluate(
        "() => document.scrollingElement.scrollHeight <= window.innerHeight + 1 && "
        "document.scrollingElement.scrollWidth <= window.innerWidth + 1"
    )


def test_the_screen_refreshes_in_place_and_shows_a_new_case(screen_server, sample_copy, kiosk_token, page):
    _open(page, screen_server, kiosk_token)
    map_frame = page.frame_locator(FOLIUM_IFRAME)
    map_frame.locator("body").evaluate("() => { window.__ggMounted = 'first'; }")
    _wait_for_refreshes(page, 2)

    number = _report_a_case(sample_copy)
    page.locator('[data-testid="gg-feed"]').get_by_text(number).wait_for(timeout=(4 * REFRESH_S + 20) * 1000)
    map_frame.locator(".gg-fresh").first.wait_for(state="attached", timeout=30_000)

    # The map was refreshed through its live layer, never reloaded: the marker set on first load survives.
    assert map_frame.locator("body").evaluate("() => window.__ggMounted") == "first"
    assert "测试人" not in page.content() and "楼道堆物" not in page.content()
    assert page.locator('[data-testid="stSidebar"]').is_hidden()
    assert page.get_by_text("Page not found").count() == 0  # the kiosk URL resolves to the big screen itself
    assert _fits_the_viewport(page)
    save_screenshot(page, "big-screen-1920x1080", full_page=False)
    assert_all_local(page.network)
    # A deep link makes Streamlit probe /big_screen/_stcore/… before /_stcore/…; those 404s are its own.
    assert_no_failed_requests(page.network, ignore=r"/big_screen/_stcore/")


def test_the_screen_fits_a_4k_wall(screen_server, kiosk_token, browser):
    context = browser.new_context(viewport={"width": 3840, "height": 2160})
    try:
        page = context.new_page()
        _open(page, screen_server, kiosk_token)
        page.wait_for_timeout(1500)  # let the canvas finish drawing
        assert _fits_the_viewport(page)
        save_screenshot(page, "big-screen-3840x2160", full_page=False)
    finally:
        context.close()


def test_without_a_kiosk_token_or_sign_in_the_screen_shows_nothing(screen_server, page):
    page.goto(screen_server.url + SCREEN + "&kiosk=wrong", wait_until="domcontentloaded")
    page.get_by_role("button", name="登录").wait_for(timeout=60_000)
    assert page.locator('[data-testid="gg-feed"]').count() == 0


def test_every_common_problem_shows_whole_and_no_two_read_the_same(screen_server, kiosk_token, page):
    _open(page, screen_server, kiosk_token)
    rows = page.locator(".gg-problem")
    rows.first.wait_for(timeout=60_000)
    panel = page.locator(".gg-panel", has=rows.first).bounding_box()
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert len(texts) == 3 and len(set(texts)) == 3, texts
    for i in range(rows.count()):
        box = rows.nth(i).bounding_box()
        assert box["y"] + box["height"] <= panel["y"] + panel["height"], f"row {i + 1} is clipped: {texts[i]}"
    cut = rows.locator(".gg-problem-what").evaluate_all("(els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1)"
                                                        ".map((e) => e.textContent)")
    assert cut == [], f"cut short: {cut}"
