"""The hotspots page in headless Chromium on the loaded sample: hexagons by default, click one, change the measure
and the view, all offline."""

from __future__ import annotations

import pytest

from tests.e2e.browser import FOLIUM_IFRAME, assert_all_local, save_screenshot, sign_in

pytestmark = pytest.mark.browser
PERSISTENT_HOT = "#a50f15"  # dashboard.analysis_draw.PATTERN_COLOURS["persistent_hot"]


def pick(page, label: str, option: str) -> None:
    """Choose ``option`` in the Streamlit selectbox labelled ``label``."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label)
    box.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box.click()
    page.get_by_role("option", name=option, exact=True).click()


def wait_for_map(page, features: int):
    """The map after the latest rerun: the only map iframe, once it holds at least ``features`` interactive paths
    (attached: a map zoomed to a picked unit leaves most of them outside the view, undrawn)."""
    page.wait_for_function(
        """([selector, n]) => {
            const frames = document.querySelectorAll(selector);
            const doc = frames.length === 1 ? frames[0].contentDocument : null;
            return doc !== null && doc.querySelectorAll("path.leaflet-interactive").length >= n;
        }""", arg=[FOLIUM_IFRAME, features], timeout=120_000)
    return page.frame_locator(FOLIUM_IFRAME)


def test_an_analyst_reads_hexagon_hotspots_and_their_weekly_patterns_picks_one_and_switches_measure(
        streamlit_server, page, sample_sqlite_copy):
    server = streamlit_server("dashboard/app.py", env={"DATABASE_URL": sample_sqlite_copy, "GRIDGOV_TILE_URL": None})
    sign_in(page, server.url + "/hotspots", "analyst")
    frame = wait_for_map(page, 1000)  # H3 cells: more than a thousand hexagons over the district
    page.get_by_text("回答：事件在地面上扎堆在哪里？").wait_for(timeout=60_000)
    frame.get_by_text("Gi* 冷热点").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    save_screenshot(page, "hotspots-h3", full_page=False)

    pick(page, "地图显示", "时空模式（近12周）")
    page.get_by_text("每周热点/冷点单元数").wait_for(timeout=60_000)
    frame = wait_for_map(page, 1000)
    frame.get_by_text("持续热点").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    save_screenshot(page, "hotspots-space-time", full_page=False)
    page.get_by_text("每周热点/冷点单元数").scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    save_screenshot(page, "hotspots-space-time-weekly", full_page=False)

    frame.locator(f'path.leaflet-interactive[fill="{PERSISTENT_HOT}"]').nth(5).dispatch_event("click")
    page.get_by_text("已选:").wait_for(timeout=60_000)
    picked = page.get_by_test_id("stMarkdownContainer").filter(has_text="已选:").inner_text()
    assert "持续热点" in picked  # the picked hexagon has been a hot spot week after week

    pick(page, "统计口径", "网格事件数")
    page.get_by_text("回答：哪些网格员承担的事件最多？").wait_for(timeout=60_000)
    wait_for_map(page, 435)
    page.wait_for_timeout(1500)
    save_screenshot(page, "hotspots-counts-per-grid", full_page=False)
    assert_all_local(page.network)
