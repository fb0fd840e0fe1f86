"""Every page on the small sample city (four districts, 2,000 grids) in headless Chromium: the city's figures
and pickers, maps drawn per view (streets or districts, never the whole layout), nothing leaving localhost."""

from __future__ import annotations

import pytest

from tests.e2e.browser import FOLIUM_IFRAME, assert_all_local, save_screenshot, sign_in

pytestmark = pytest.mark.browser
PAGES = ["", "/case_map", "/grid_load", "/department_load", "/hotspots", "/big_screen"]
MAPLESS = {"/department_load"}  # its tables only


def _map_drawn(page) -> None:
    page.wait_for_function(f"document.querySelectorAll({FOLIUM_IFRAME!r}).length >= 1", timeout=120_000)
    # SVG paths, or the big screen's canvas
    shapes = ".leaflet-overlay-pane path, .leaflet-overlay-pane canvas"
    page.frame_locator(FOLIUM_IFRAME).first.locator(shapes).first.wait_for(timeout=120_000)


def test_every_page_works_on_the_small_city(streamlit_server, page, city_sqlite_copy):
    server = streamlit_server("dashboard/app.py", env={"DATABASE_URL": city_sqlite_copy, "GRIDGOV_TILE_URL": None})
    sign_in(page, server.url, "supervisor")
    _map_drawn(page)
    assert "全市" in page.content()  # the district picker, on the whole city
    save_screenshot(page, "city-overview", full_page=False)
    for path in PAGES[1:]:
        page.goto(server.url + path, wait_until="domcontentloaded")
        if path in MAPLESS:
            page.wait_for_selector('[data-testid="stDataFrame"]', timeout=120_000)
        else:
            _map_drawn(page)
        page.wait_for_timeout(1500)
        assert page.locator('[data-testid="stException"]').count() == 0, path
        save_screenshot(page, f"city{path.replace('/', '-')}", full_page=False)
    page.goto(server.url + "/case_map", wait_until="domcontentloaded")
    _map_drawn(page)
    page.get_by_text("按区块汇总").first.wait_for(timeout=60_000)  # the city view counts per street
    assert_all_local(page.network)
