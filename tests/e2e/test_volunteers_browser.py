"""Issue 17's "done when", in headless Chromium against ``gridgov serve`` on a private copy of the sample with
its community forces: a community user publishes a task from a community-tier case, sees volunteers ranked by
distance and skill, assigns two; the demo volunteer completes it on the phone page (360 × 640) with a photo
downscaled in the browser; points are credited; the other part is recorded and the case closes through the
loop. The wall shows the 热心人 counts. Screenshots in test-artifacts/."""

from __future__ import annotations

import io
import re
import shutil
from datetime import UTC, datetime

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import make_url, select

from geo.db.database import Database
from geo.db.models import Case, CaseMedia, User, Volunteer, VolunteerAssignment, VolunteerPoints, VolunteerTask
from geo.domain.personal_data import mask_phone
from samples.accounts import add_demo_accounts
from samples.volunteers import load_sample_forces
from tests.e2e.browser import (NetworkLog, assert_all_local, new_page, save_screenshot, settle, sign_in,
                               start_streamlit)

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 640}
SLOW = 120_000


@pytest.fixture(scope="module")
def district(sample_databases, tmp_path_factory):
    folder = tmp_path_factory.mktemp("volunteers")
    source = sample_databases.get("sqlite")
    with source.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(make_url(source.url).database, folder / "sample.db")
    url = f"sqlite:///{folder / 'sample.db'}"
    db = Database(url)
    load_sample_forces(db, datetime.now(UTC))
    add_demo_accounts(db)
    db.dispose()
    server = start_streamlit("dashboard/app.py", env={"DATABASE_URL": url, "GRIDGOV_TILE_URL": None,
                                                      "GRIDGOV_DATA_DIR": str(folder)})
    yield server, url
    server.stop()


def _read(url, query):
    db = Database(url)
    try:
        with db.session() as s:
            return query(s)
    finally:
        db.dispose()


def _demo_volunteer(s):
    user_id = s.scalar(select(User.id).where(User.username == "volunteer"))
    return s.scalar(select(Volunteer).where(Volunteer.user_id == user_id))


def _photo() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((3000, 2000), 40).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def _choose(page, label: str, typed: str | None, chosen: int) -> None:
    """Pick an option of a Streamlit multiselect so that it then holds ``chosen`` options: the first matching
    what is ``typed`` (its list is virtualised: only the first options exist until filtered), else the first;
    never "Select all". Each pick reruns the page; a pick that the rerun swallowed is made again."""
    tags = page.locator('[data-testid="stMultiSelect"]').filter(has=page.get_by_label(label)).locator(
        '[data-tag]')
    for _ in range(3):
        settle(page)  # mid-run, the last run's widgets are still on the page next to the new ones
        page.get_by_label(label).click()
        if typed:
            page.keyboard.type(typed)
        page.get_by_role("option").filter(has_text=" · ").first.click()
        page.keyboard.press("Escape")
        try:
            expect(tags).to_have_count(chosen, timeout=15_000)
            settle(page)  # the pick's rerun done: a later rerun could still have redrawn the list
            expect(tags).to_have_count(chosen, timeout=1)
            return
        except AssertionError:
            continue
    expect(tags).to_have_count(chosen, timeout=1)



def test_a_community_task_from_a_case_is_staffed_completed_on_the_phone_and_closes_the_case(district, page, browser):
    server, url = district
    sign_in(page, f"{server.url}/volunteers", "community")
    page.get_by_role("tab", name="需求清单").wait_for(timeout=SLOW)
    page.get_by_text("发布任务", exact=True).click()
    case_input = page.locator(".st-key-vol_pub_case input")
    case_input.wait_for(timeout=SLOW)
    number = re.search(r"HB\d{14}", case_input.input_value()).group(0)  # the newest waiting case
    page.get_by_role("button", name="发布", exact=True).click()
    page.get_by_text(re.compile(r"已发布任务 VT\d{14}")).wait_for(timeout=SLOW)
    task = page.get_by_text(re.compile(r"已发布任务 VT\d{14}")).inner_text()
    task = re.search(r"VT\d{14}", task).group(0)

    # Suggested volunteers, ranked: the table lists them best first; assign the demo volunteer and the top one.
    page.get_by_text("推荐热心人（按距离、技能、时间、轮换综合排序）").wait_for(timeout=SLOW)
    assert page.locator(".st-key-vol_task_selected input").input_value().startswith(task)  # the new task
    me = _read(url, _demo_volunteer)
    label = "选择要指派的热心人（按推荐顺序）"
    _choose(page, label, mask_phone(me.phone)[-4:], 1)
    _choose(page, label, None, 2)
    save_screenshot(page, "volunteers-suggestions-and-assign", full_page=False)
    settle(page)
    page.get_by_role("button", name="指派所选热心人").click()
    page.get_by_text("已指派 2 名热心人").wait_for(timeout=SLOW)
    save_screenshot(page, "volunteers-task-assigned", full_page=True)

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    try:
        _complete_on_the_phone(phone.new_page(), server.url, task)
    finally:
        phone.close()

    page.reload(wait_until="domcontentloaded")
    page.get_by_role("button", name="登记完成").wait_for(timeout=SLOW)  # the other volunteer's part
    page.get_by_role("button", name="登记完成").click()
    page.get_by_text(re.compile("已登记完成，记 \\d+ 分")).wait_for(timeout=SLOW)
    page.get_by_role("button", name=f"任务已完成：办结事件 {number}").click()
    page.get_by_text(f"事件 {number} 已办结").wait_for(timeout=SLOW)
    save_screenshot(page, "volunteers-case-closed", full_page=False)

    def outcome(s):
        t = s.scalar(select(VolunteerTask).where(VolunteerTask.number == task))
        credits = s.scalars(select(VolunteerPoints.points).where(VolunteerPoints.task_id == t.id)).all()
        photos = s.scalars(select(VolunteerAssignment.photo_key).where(VolunteerAssignment.task_id == t.id)).all()
        after = s.scalars(select(CaseMedia.kind).where(CaseMedia.case_id == t.case_id)).all()
        return t.status, s.get(Case, t.case_id).status, sorted(credits), photos, after

    page.get_by_role("tab", name="热心人名册").click()
    page.get_by_text(re.compile(r"共 \d+ 名热心人")).wait_for(timeout=SLOW)
    save_screenshot(page, "volunteers-registry", full_page=False)
    page.get_by_role("tab", name="统计").click()
    page.get_by_text("热心人覆盖：各网格 500 米内居住的热心人数").wait_for(timeout=SLOW)
    save_screenshot(page, "volunteers-figures", full_page=False)

    status, case_status, credits, photos, after = _read(url, outcome)
    assert (status, case_status) == ("done", "closed")
    assert len(credits) == 2 and max(credits) == min(credits) + 2  # the photo bonus
    assert sum(p is not None for p in photos) == 1 and after == ["after"]
    assert_all_local(page.network)


def _complete_on_the_phone(volunteer, base: str, task: str) -> None:
    volunteer.network = NetworkLog().attach(volunteer)
    volunteer.goto(f"{base}/api/volunteer/", wait_until="domcontentloaded")
    volunteer.fill("#username", "volunteer")
    volunteer.fill("#password", "gridgov-demo")
    volunteer.click("#sign-in button[type=submit]")
    item = volunteer.locator(f'#my-tasks li[data-task="{task}"]')
    item.wait_for(timeout=60_000)
    save_screenshot(volunteer, "volunteers-phone-my-task-360x640", full_page=False)
    original = _photo()
    item.locator("input.photo").set_input_files(files=[{"name": "p.jpg", "mimeType": "image/jpeg",
                                                        "buffer": original}])
    item.locator(".photo-info").filter(has_text="KB").wait_for(timeout=60_000)
    sent = volunteer.evaluate("Object.values(photos)[0].size")
    assert sent < len(original) / 3  # downscaled before it went over the air
    item.locator("textarea.note").fill("楼道飞线已拆除")
    item.get_by_role("button", name="登记完成").click()
    try:
        volunteer.get_by_text(re.compile("已登记完成，获得 \\d+ 积分")).wait_for(timeout=60_000)
    except Exception:
        save_screenshot(volunteer, "volunteers-phone-failure-360x640", full_page=True)
        raise
    assert volunteer.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    save_screenshot(volunteer, "volunteers-phone-done-360x640", full_page=True)
    assert_all_local(volunteer.network)


def test_the_wall_shows_volunteer_counts_and_no_names(district, browser):
    server, url = district
    wall = new_page(browser)
    try:
        sign_in(wall, f"{server.url}/big_screen?embed=true", "supervisor")
        panel = wall.locator('[data-testid="gg-volunteers"]')
        panel.wait_for(timeout=SLOW)
        assert panel.locator('[data-testid="gg-vol-volunteers"] b').inner_text() == "2,815"
        save_screenshot(wall, "volunteers-big-screen", full_page=False)
        names = _read(url, lambda s: s.scalars(select(Volunteer.name).limit(50)).all())
        text = wall.locator("body").inner_text()
        assert not any(name in text for name in names)
        wall.goto(f"{server.url}/grid_load", wait_until="domcontentloaded")
        wall.get_by_text("热心人覆盖：各网格 500 米内居住的热心人数").scroll_into_view_if_needed(timeout=SLOW)
        wall.wait_for_timeout(3000)  # the coverage map draws in its iframe
        save_screenshot(wall, "volunteers-grid-load-section", full_page=False)
    finally:
        wall.context.close()
