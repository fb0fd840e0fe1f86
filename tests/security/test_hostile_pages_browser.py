"""Stored XSS (issue 11, defect 1): a district whose every text field holds markup, opened page by page in
headless Chromium — hovering every grid and case on every map, clicking a grid and a case, uploading hostile
layer and case files, the big screen, the audit log, the residents' rating page and the phone page.

A probe that is ever rendered as HTML or markdown leaves a trace (tests/security/hostile.py): a JavaScript
dialog, ``window.__xss`` set in some frame (the folium map's iframe included), or a request for
``/xss-probe/<tag>`` naming the field that leaked. The test fails on any of them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from geo.db.database import Database
from geo.db.schema import upgrade
from geo.usecases.rating_links import issue_rating_link
from tests.e2e.browser import FOLIUM_IFRAME, save_screenshot, settle
from tests.security.hostile import PASSWORD, HostileDistrict, build_hostile_district, probe

pytestmark = pytest.mark.browser


class Traces:
    """Everything a rendered probe leaves behind, collected over the whole visit."""

    def __init__(self, page):
        self.page, self.dialogs, self.flagged = page, [], []
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def check(self, where: str) -> None:
        for frame in self.page.frames:
            try:
                hit = frame.evaluate("() => window.__xss !== undefined")
            except Exception:  # noqa: BLE001 - a frame detached meanwhile
                continue
            if hit:
                self.flagged.append(f"{where}: window.__xss set in frame {frame.url[:80]}")
                frame.evaluate("() => { delete window.__xss; }")

    def found(self) -> list[str]:
        """Dialogs, frames with ``window.__xss`` and the tags of probes fetched — empty when all was inert."""
        probes = sorted({u.split("xss-probe")[-1].lstrip("/-") for u in self.page.network.urls() if "xss-probe" in u})
        return self.dialogs + self.flagged + [f"fetched probe {p}" for p in probes]


def hover_everything(page) -> str:
    """Hover every interactive shape and marker of every map on the page, so every tooltip opens (none is
    closed: no mouseout); returns the tooltips' text as shown. A map in a tab not open is hovered too: the
    events are dispatched to its shapes whether they are on screen or not."""
    shown = []
    for element in page.locator(FOLIUM_IFRAME).element_handles():
        frame = element.content_frame()
        frame.wait_for_selector(".leaflet-container", state="attached", timeout=60_000)
        page.wait_for_timeout(500)
        shapes = frame.locator("path.leaflet-interactive, .leaflet-marker-icon.leaflet-interactive")
        for i in range(min(shapes.count(), 40)):
            shapes.nth(i).dispatch_event("mouseover")
        page.wait_for_timeout(300)
        shown += frame.locator(".leaflet-tooltip").all_inner_texts()
    return "\n".join(shown)


def sign_in_as(page, url: str, username: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_label("用户名").fill(username, timeout=90_000)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("当前用户").first.wait_for(timeout=90_000)
    settle(page)


def visit_every_page(page, base: str, traces: Traces) -> dict[str, str]:
    """Open each page the signed-in role has in its menu, hovering every map; the tooltips' text by path."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    paths = sorted({links.nth(i).get_attribute("href").replace(base, "") or "/" for i in range(links.count())})
    tooltips = {}
    for path in paths:
        page.goto(base + path, wait_until="domcontentloaded")
        settle(page, 1500)
        tooltips[path] = hover_everything(page)
        traces.check(path)
    return tooltips


def _case_map_clicks(page, base: str, district: HostileDistrict, traces: Traces) -> str:
    """A grid clicked on the district map (its load panel), then a case opened by link and by click; returns
    the panels' text."""
    page.goto(base + "/case_map", wait_until="domcontentloaded")
    settle(page, 1500)
    frame = page.frame_locator(FOLIUM_IFRAME)
    frame.locator("path.leaflet-interactive").first.dispatch_event("click")
    panel = page.locator(".st-key-case_map_panel")
    panel.get_by_text("网格负荷").wait_for(timeout=60_000)
    settle(page)
    traces.check("case map, grid panel")
    shown = panel.inner_text()
    page.goto(f"{base}/case_map?case={district.case_numbers[0]}", wait_until="domcontentloaded")
    settle(page, 1500)
    frame = page.frame_locator(FOLIUM_IFRAME)
    frame.locator("path.gg-case").first.wait_for(timeout=60_000)
    shown += hover_everything(page)
    frame.locator("path.gg-case").last.dispatch_event("click")
    panel.get_by_text("办理过程").first.wait_for(timeout=60_000)
    settle(page)
    traces.check("case map, case panel")
    return shown + panel.inner_text()


def _hostile_files(tmp: Path) -> tuple[Path, Path]:
    """A grid layer whose codes are refused (their problems listed, located on the preview map) and whose
    names are probes, and a case file with a category word nobody knows (the mapping question shows it)."""
    from tests.security.hostile import X0, Y0, _features, _square

    grids = tmp / "upload-grids.geojson"
    grids.write_text(json.dumps(_features([
        {"code": probe(f"up{i}")[:60] if i else f"U{i}", "name": probe(f"upn{i}"), "geometry": _square(i, 0)}
        for i in range(2)]), ensure_ascii=False), encoding="utf-8")
    cases = tmp / "upload-cases.csv"
    cases.write_text("工单编号,诉求内容,事件类型,经度,纬度,受理时间\n"
                     f'U-1,"{probe("updesc")}","{probe("upword")}",{X0 + 0.0005},{Y0 + 0.0005},2026-03-02 09:00:00\n',
                     encoding="utf-8")
    return grids, cases


def _uploads(page, base: str, tmp: Path, traces: Traces) -> None:
    grids, cases = _hostile_files(tmp)
    for path, upload in (("/upload_layers", grids), ("/upload_cases", cases)):
        page.goto(base + path, wait_until="domcontentloaded")
        settle(page)
        page.locator('input[type="file"]').first.set_input_files(str(upload))
        settle(page, 3000)
        hover_everything(page)
        traces.check(path + " with a hostile file")


@pytest.fixture
def hostile_server(streamlit_server, tmp_path):
    url = f"sqlite:///{tmp_path / 'hostile.db'}"
    db = Database(url)
    upgrade(db)
    district = build_hostile_district(db, tmp_path / "files")
    token = issue_rating_link(db, district.closed_case_id, datetime.now(UTC))
    db.dispose()
    server = streamlit_server("dashboard/app.py", env={
        "DATABASE_URL": url, "GRIDGOV_TILE_URL": None, "GRIDGOV_DATA_DIR": str(tmp_path / "data"),
        "GRIDGOV_MEDIA_DIR": str(tmp_path / "files" / "media")})
    return server, district, token


def test_hostile_names_in_every_field_never_run_or_load_anything_on_any_page(hostile_server, browser, tmp_path):
    server, district, token = hostile_server
    base = server.url
    visited, shown, found = {}, {}, []
    for username in ("supervisor", "admin", "dept_cgj"):
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        page = context.new_page()
        from tests.e2e.browser import NetworkLog

        page.network = NetworkLog().attach(page)
        traces = Traces(page)
        try:
            sign_in_as(page, base + "/", username)
            visited[username] = visit_every_page(page, base, traces)
            if username != "admin":
                shown[username] = _case_map_clicks(page, base, district, traces)
            else:
                _uploads(page, base, tmp_path, traces)
                for path in (f"/rate/{token}", "/api/report/"):
                    page.goto(base + path, wait_until="load")
                    page.wait_for_timeout(1500)
                    traces.check(path)
                page.locator("#category").select_option(district.category_code)
                page.wait_for_timeout(1500)
                traces.check("phone page questions")
            found += [f"{username}: {f}" for f in traces.found()]
        except Exception:
            save_screenshot(page, f"hostile-{username}-failure", full_page=False)
            raise
        finally:
            context.close()
    assert not found, "\n".join(found)
    assert {"/", "/case_map", "/queue", "/bundles", "/hotspots", "/grid_load", "/department_load",
            "/big_screen"} <= set(visited["supervisor"])
    assert {"/audit", "/upload_layers", "/upload_cases"} <= set(visited["admin"])
    # Inert, yet shown as typed: the grid names in the maps' tooltips, the category in the case panel.
    for path in ("/", "/grid_load", "/hotspots"):
        assert any(probe(f"grid{g}") in visited["supervisor"][path] for g in district.grids), path
    assert probe("cat") in shown["supervisor"] and probe("cat") in shown["dept_cgj"]
