"""The map works with no internet and no tiles: every asset is served by our own Streamlit."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import (
    FOLIUM_IFRAME,
    assert_all_local,
    assert_no_failed_requests,
    save_screenshot,
)

pytestmark = pytest.mark.browser

DEMO = "dashboard/_offline_demo.py"
MARKER_TEXT = "Clicked object at 39.91500, 116.40400"


def test_offline_map_renders_and_click_round_trips(streamlit_server, page):
    server = streamlit_server(DEMO, env={"GRIDGOV_TILE_URL": None})
    page.goto(server.url, wait_until="domcontentloaded")

    page.wait_for_selector(FOLIUM_IFRAME, timeout=60_000)
    frame = page.frame_locator(FOLIUM_IFRAME)
    frame.locator(".leaflet-container").wait_for(timeout=30_000)

    # Grid polygon (SVG path) and markers drew; clusters got their default icon.
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=30_000)
    assert frame.locator(".leaflet-interactive").count() > 0
    frame.locator(".marker-cluster").first.wait_for(state="visible", timeout=30_000)
    assert frame.locator("canvas.leaflet-heatmap-layer").count() == 1
    assert frame.locator(".leaflet-tile").count() == 0  # no tiles configured
    # Unclustered case markers use Leaflet's default icon image: it must really load.
    icons = frame.locator("img.leaflet-marker-icon")
    icons.first.wait_for(timeout=30_000)
    assert icons.evaluate_all("els => els.every(e => e.complete && e.naturalWidth > 0)")

    # Font Awesome: the office marker uses a solid FA icon; its font must load from /app/static.
    office = frame.locator(".awesome-marker.leaflet-interactive")  # not the shadow div
    office.wait_for(state="visible", timeout=30_000)
    assert office.count() == 1
    fa_loaded = frame.locator("body").evaluate(
        """async () => { await document.fonts.ready;
                         await document.fonts.load('900 16px "Font Awesome 6 Free"');
                         return document.fonts.check('900 16px "Font Awesome 6 Free"'); }"""
    )
    assert fa_loaded, "Font Awesome 6 Free (solid) did not load"
    fa_requests = page.network.matching(r"/fa-solid-900\.woff2$")
    assert fa_requests and all(r.status == 200 for r in fa_requests), page.network.summary()
    assert all(re.match(r"http://127\.0\.0\.1:\d+/app/static/", r.url) for r in fa_requests)

    # Click the single marker: st_folium sends last_object_clicked back, the script reruns and
    # writes the coordinates below the map.
    office.click()
    page.get_by_text(MARKER_TEXT).wait_for(timeout=30_000)

    page.wait_for_load_state("networkidle")
    save_screenshot(page, "offline-demo")

    # The map libraries really came from our static folder.
    for asset in (
        "leaflet-1.9.3/leaflet.js",
        "markercluster-1.1.0/leaflet.markercluster.js",
        "leaflet-heat/leaflet_heat.min.js",
        "fontawesome-free-6.2.0/css/all.min.css",
    ):
        hits = page.network.matching(re.escape("/app/static/" + asset))
        assert hits and all(r.status == 200 for r in hits), f"{asset} not served locally"

    assert_all_local(page.network)
    assert_no_failed_requests(page.network)
