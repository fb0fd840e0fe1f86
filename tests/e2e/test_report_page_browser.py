"""The snap-and-report page in headless Chromium at a phone viewport (360 × 640), against the API served by
uvicorn on a loopback port, on every backend: the position comes from the browser, the photo is downscaled
before upload, the category's question is answered, a likely duplicate is offered to follow."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from geo.db.models import Case, CaseMedia, CaseReporter, Grid
from tests.e2e.browser import NetworkLog, assert_all_local, save_screenshot
from tests.integration.intake_fixtures import INSIDE_D

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 640}


@pytest.fixture
def phone(browser, district, request):
    context = browser.new_context(viewport=PHONE, geolocation={"latitude": INSIDE_D[1], "longitude": INSIDE_D[0]},
                                  permissions=["geolocation"], is_mobile=True, has_touch=True)
    context.add_init_script(f"localStorage.setItem('gridgov_key', '{district.key}')")
    page = context.new_page()
    page.network = NetworkLog().attach(page)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        save_screenshot(page, request.node.name)
    context.close()


def noisy_photo() -> bytes:
    """A 3000 × 2000 phone-like photo (noise compresses as badly as real detail)."""
    out = io.BytesIO()
    Image.effect_noise((3000, 2000), 40).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def open_page(phone, server):
    phone.goto(f"{server}/api/report/")
    phone.wait_for_function("document.getElementById('category').options.length > 2")
    phone.wait_for_function("document.getElementById('where').textContent.includes('D')")


def test_a_grid_member_reports_with_a_downscaled_photo_and_an_answer(phone, server, district):
    open_page(phone, server)
    original = noisy_photo()
    phone.set_input_files("#photo", files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": original}])
    phone.wait_for_function("document.getElementById('photo-info').textContent.includes('KB')")
    phone.select_option("#category", "JG")
    phone.wait_for_selector("[data-attribute=state]")
    phone.select_option("[data-attribute=state]", "missing")
    phone.fill("#description", "井盖缺失，存在安全隐患")
    phone.click("#submit")
    phone.wait_for_function("document.getElementById('result').textContent.includes('GG')")
    assert phone.evaluate("state.photo.size") < len(original) / 3  # what went over the air
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_all_local(phone.network)
    with district.db.session() as s:
        case = s.scalars(select(Case)).one()
        media = s.scalars(select(CaseMedia)).one()
        assert s.get(Grid, case.grid_id).code == "D" and case.category_id == district.category_id
        assert max(media.width, media.height) == 1600
        assert '"state": "missing"' in s.scalars(select(CaseReporter.attributes)).one()


def test_a_likely_duplicate_is_offered_and_following_it_makes_no_new_case(phone, server, district):
    open_page(phone, server)
    phone.select_option("#category", "LD")
    phone.fill("#description", "路灯不亮")
    phone.click("#submit")
    phone.wait_for_function("document.getElementById('result').textContent.includes('GG')")
    phone.reload()
    open_page(phone, server)
    phone.select_option("#category", "LD")
    phone.fill("#description", "路灯不亮了")
    phone.click("#submit")
    phone.wait_for_selector("#duplicate-list li button")
    phone.click("#duplicate-list li button")
    phone.wait_for_function("document.getElementById('result').textContent.includes('GG')")
    with district.db.session() as s:
        assert len(s.scalars(select(Case)).all()) == 1 and len(s.scalars(select(CaseReporter)).all()) == 2
