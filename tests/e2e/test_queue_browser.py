"""我的待办 in headless Chromium on the loaded sample: a department lands on it, a supervisor ticks two cases and
accepts them at once, a row's map link opens the case map on that case."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import assert_all_local, save_screenshot, sign_in

pytestmark = pytest.mark.browser
GRID = '[data-testid="stDataFrame"]'
ROW_H = 35


def _server(streamlit_server, url):
    return streamlit_server("dashboard/app.py", env={"DATABASE_URL": url, "GRIDGOV_TILE_URL": None})


def test_a_department_lands_on_its_work_queue(streamlit_server, page, sample_sqlite_copy):
    server = _server(streamlit_server, sample_sqlite_copy)
    sign_in(page, server.url, "dept_cgj")
    page.get_by_role("heading", name="我的待办").wait_for(timeout=60_000)
    page.get_by_text(re.compile(r"待答卷 · \d+")).wait_for(timeout=30_000)
    page.wait_for_timeout(800)
    save_screenshot(page, "queue-department", full_page=False)
    assert_all_local(page.network)


def test_a_supervisor_accepts_two_ticked_cases_and_opens_one_on_the_map(streamlit_server, page, sample_sqlite_copy):
    server = _server(streamlit_server, sample_sqlite_copy)
    sign_in(page, server.url + "/queue", "supervisor")
    page.get_by_role("heading", name="我的待办").wait_for(timeout=60_000)
    grid = page.locator(GRID).first
    grid.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    box = grid.bounding_box()
    for row in (1, 2):  # the tick column, below the header row
        page.mouse.click(box["x"] + 16, box["y"] + ROW_H * row + ROW_H / 2)
        page.wait_for_timeout(600)
    button = page.get_by_role("button", name="对选中的 2 件执行：受理")
    button.wait_for(timeout=30_000)
    save_screenshot(page, "queue-supervisor-ticked", full_page=False)
    button.click()
    page.get_by_text("受理：已完成 2 件，未执行 0 件。").wait_for(timeout=60_000)
    page.wait_for_timeout(800)
    save_screenshot(page, "queue-supervisor-accepted", full_page=False)

    box = grid.bounding_box()
    link = (box["x"] + box["width"] * 0.935, box["y"] + ROW_H * 1.5)  # the first row's link text
    page.mouse.move(*link)
    page.wait_for_timeout(500)
    with page.context.expect_page(timeout=30_000) as opened:
        page.mouse.click(*link)
    assert re.search(r"/case_map\?case=[A-Z]{2}\d+", opened.value.url)
    assert_all_local(page.network)
