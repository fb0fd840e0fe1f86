"""The snap-and-report page in headless Chromium at a phone viewport (360 × 640), against the API served by
uvicorn on a loopback port, on every backend: a grid member signed in by the session cookie reports with a
photo (downscaled before upload) into their grid; a resident reports without an account; a likely duplicate
is offered to follow; the page speaks Chinese, and English on its switch — refusals included; a form posted
from another origin of the same site, cookie and all, is refused. Screenshots in test-artifacts/."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image
from sqlalchemy import select

from geo.db.models import Case, CaseMedia, CaseReporter, Grid
from geo.db.scope import in_scope
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases.sessions import COOKIE
from tests.e2e.browser import NetworkLog, assert_all_local, save_screenshot
from tests.integration.intake_fixtures import FAR_AWAY, INSIDE_D, counts, signed_in_cookie

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 640}


@pytest.fixture
def phone(browser, request):
    """A factory: a phone context (at ``where``, optionally holding a session cookie for ``server``)."""
    contexts = []

    def open_phone(where=INSIDE_D, cookie: tuple[str, str] | None = None):
        context = browser.new_context(viewport=PHONE, geolocation={"latitude": where[1], "longitude": where[0]},
                                      permissions=["geolocation"], is_mobile=True, has_touch=True)
        if cookie:
            context.add_cookies([{"name": COOKIE, "value": cookie[1], "url": cookie[0], "httpOnly": True,
                                  "sameSite": "Lax"}])
        contexts.append(context)
        page = context.new_page()
        page.network = NetworkLog().attach(page)
        return page

    yield open_phone
    failed = getattr(request.node, "rep_call", None)
    for i, context in enumerate(contexts):
        if failed is not None and failed.failed and context.pages:
            save_screenshot(context.pages[0], f"{request.node.name}-{i}")
        context.close()


def noisy_photo() -> bytes:
    """A 3000 × 2000 phone-like photo (noise compresses as badly as real detail)."""
    out = io.BytesIO()
    Image.effect_noise((3000, 2000), 40).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def open_page(page, server, lang=""):
    page.goto(f"{server}/api/report/{lang}")
    page.wait_for_function("document.getElementById('category').options.length > 2")
    page.wait_for_function("document.getElementById('where').textContent.includes('D')")


def text(page, element_id: str) -> str:
    return page.locator(f"#{element_id}").inner_text()


def wait_result(page, part: str) -> None:
    page.wait_for_function(f"document.getElementById('result').textContent.includes({part!r})")


def test_a_signed_in_grid_member_reports_with_a_photo_and_it_lands_in_their_grid(phone, server, district):
    page = phone(cookie=(server, signed_in_cookie(district.db, "zhang")))
    open_page(page, server)
    assert text(page, "who-text") == "网格员 张网格 上报 · 负责网格：D" and not page.is_visible("#sign-in")
    assert "（您的网格）" in text(page, "where") and not page.is_visible("#phone")
    original = noisy_photo()
    page.set_input_files("#photo", files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": original}])
    page.wait_for_function("document.getElementById('photo-info').textContent.includes('KB')")
    page.select_option("#category", "JG")
    page.wait_for_selector("[data-attribute=state]")
    page.select_option("[data-attribute=state]", "missing")
    page.fill("#description", "井盖缺失，存在安全隐患")
    page.click("#submit")
    wait_result(page, "GG")
    save_screenshot(page, "report-page-member-360x640", full_page=False)
    save_screenshot(page, "report-page-member-full")
    assert page.evaluate("state.photo.size") < len(original) / 3  # what went over the air
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_all_local(page.network)
    with district.db.session() as s:
        case = s.scalars(select(Case)).one()
        media = s.scalars(select(CaseMedia)).one()
        assert s.get(Grid, case.grid_id).code == "D" and case.category_id == district.category_id
        assert (case.source, s.scalars(select(CaseReporter.name)).one()) == ("grid_member", "张网格")
        assert in_scope(s, Actor("张网格", Role.GRID_MEMBER, grid_codes={"D"}), case.id)
        assert max(media.width, media.height) == 1600
        assert '"state": "missing"' in s.scalars(select(CaseReporter.attributes)).one()


def test_a_resident_reports_without_an_account(phone, server, district):
    page = phone()
    open_page(page, server)
    assert text(page, "who-text") == "以居民身份上报，无需账号"
    assert page.get_attribute("#sign-in", "href") == "/?next=%2Fapi%2Freport%2F" and page.is_visible("#sign-in")
    save_screenshot(page, "report-page-resident-top-360x640", full_page=False)
    page.select_option("#category", "LD")
    page.fill("#description", "路灯不亮")
    page.fill("#phone", "13812345678")
    page.click("#submit")
    wait_result(page, "GG")
    save_screenshot(page, "report-page-resident-360x640", full_page=False)
    with district.db.session() as s:
        case = s.scalars(select(Case)).one()
        reporter = s.scalars(select(CaseReporter)).one()
        assert (case.source, reporter.phone, reporter.name) == ("resident_app", "13812345678", "")


def test_a_likely_duplicate_is_offered_and_following_it_makes_no_new_case(phone, server, district):
    page = phone()
    open_page(page, server)
    page.select_option("#category", "LD")
    page.fill("#description", "路灯不亮")
    page.click("#submit")
    wait_result(page, "GG")
    page.reload()
    open_page(page, server)
    page.select_option("#category", "LD")
    page.fill("#description", "路灯不亮了")
    page.click("#submit")
    page.wait_for_selector("#duplicate-list li button")
    assert "相距" in text(page, "duplicate-list") and " 米" in text(page, "duplicate-list")
    page.click("#duplicate-list li button")
    wait_result(page, "GG")
    with district.db.session() as s:
        assert len(s.scalars(select(Case)).all()) == 1 and len(s.scalars(select(CaseReporter)).all()) == 2


def test_the_page_is_chinese_by_default_and_english_on_the_switch_refusals_included(phone, server, district):
    page = phone(where=FAR_AWAY)
    page.goto(f"{server}/api/report/")
    page.wait_for_function("document.getElementById('category').options.length > 2")
    page.wait_for_function("document.getElementById('where').textContent.length > 0")
    assert page.locator("html").get_attribute("lang") == "zh-CN" and page.title() == "随手拍"
    assert text(page, "submit") == "提交" and page.get_attribute(".leaflet-control-zoom-in", "title") == "放大"
    page.fill("#description", "垃圾满了")
    page.click("#submit")
    wait_result(page, "提交失败")
    assert text(page, "result") == "提交失败：该位置不在本区范围内，无法受理"
    save_screenshot(page, "report-page-refused-zh-360x640", full_page=False)

    page.click("#lang-switch")
    page.wait_for_function("document.title === 'Snap and report'")
    page.wait_for_function("document.getElementById('category').options.length > 2")
    assert text(page, "submit") == "Submit" and text(page, "who-text") == "Reporting as a resident, no account needed"
    assert page.get_attribute(".leaflet-control-zoom-in", "title") == "Zoom in"
    page.fill("#description", "rubbish bin full")
    page.click("#submit")
    wait_result(page, "Not sent")
    assert text(page, "result") == "Not sent: This position is outside the district: it cannot be accepted"
    save_screenshot(page, "report-page-refused-en-360x640", full_page=False)
    page.click("#lang-switch")
    page.wait_for_function("document.title === '随手拍'")
    assert counts(district.db)["cases"] == 0


class _Attacker(BaseHTTPRequestHandler):
    """Another origin of the same site (127.0.0.1, another port): a page that posts a report to GridGov."""

    target = ""

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = (f'<form id="f" method="post" action="{self.target}"><input name="description" value="伪造上报">'
                '<input name="lat" value="0"><input name="long" value="0"></form>'
                '<script>document.getElementById("f").submit()</script>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_form_from_another_origin_posting_with_the_cookie_is_refused(phone, server, district):
    _Attacker.target = f"{server}/api/report/submit?as=member"
    attacker = ThreadingHTTPServer(("127.0.0.1", 0), _Attacker)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    try:
        page = phone(cookie=(server, signed_in_cookie(district.db, "zhang")))
        with page.expect_response(lambda r: "/api/report/submit" in r.url) as answered:
            page.goto(f"http://127.0.0.1:{attacker.server_address[1]}/")
        response = answered.value
        sent = response.request.all_headers()
        assert COOKIE in sent.get("cookie", "") and sent.get("sec-fetch-site") == "same-site"  # the cookie went
        assert response.status == 403 and response.json()[0]["reason"] == "cross_site"
    finally:
        attacker.shutdown()
        attacker.server_close()
    assert counts(district.db)["cases"] == 0
