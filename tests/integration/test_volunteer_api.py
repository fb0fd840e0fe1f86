"""The volunteer phone page's API on both backends: the dashboard's accounts and HttpOnly session cookie, only
the volunteer role, only their own community's tasks, completion with a photo crediting points, and no
cross-site POST."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from geo.db.media_store import FileMediaStore
from geo.db.models import VolunteerTask
from geo.domain.photos import PhotoLimits
from geo.usecases.accounts import Binding, add_user
from geo.usecases.reports import IntakeSettings
from geo.usecases.volunteer_points import redeem
from geo.usecases.volunteer_tasks import TaskDraft, publish_task
from tests.integration.volunteer_fixtures import ADMIN, PASSWORD, make_forces
from tests.photo_files import jpeg

SETTINGS = IntakeSettings(photo_limits=PhotoLimits(max_bytes=2 * 1024 * 1024))


@pytest.fixture
def phone(db, tmp_path):
    forces = make_forces(db)
    now = datetime.now(UTC)
    for community, title in ((forces.community, "楼道巡查"), (forces.other_community, "别的社区的任务")):
        publish_task(db, TaskDraft(kind="patrol", title=title, starts_at=now + timedelta(hours=2),
                                   ends_at=now + timedelta(hours=4), headcount=2, lon=106.8005, lat=39.6705),
                     community, now)
    with db.transaction() as s:
        add_user(s, "shequ", PASSWORD, "community", ADMIN, now, binding=Binding(community="C1"))
    store = FileMediaStore(tmp_path / "media")
    with TestClient(create_app(db, store, SETTINGS, rate_per_minute=1000), raise_server_exceptions=False) as client:
        yield client, forces, store


def _sign_in(client, username="zhong", password=PASSWORD):
    return client.post("/api/v1/volunteer/sign-in", data={"username": username, "password": password})


def test_signed_out_the_page_asks_to_sign_in_and_a_wrong_password_is_refused(phone):
    client, _, _ = phone
    assert client.get("/api/v1/volunteer/me").status_code == 401
    assert _sign_in(client, password="wrong-password").status_code == 401
    page = client.get("/api/volunteer/")
    assert page.status_code == 200 and "http://" not in page.text and "https://" not in page.text


def test_a_volunteer_signs_in_with_an_httponly_cookie_and_sees_only_their_community(phone):
    client, _, _ = phone
    reply = _sign_in(client)
    assert reply.status_code == 200 and "HttpOnly" in reply.headers["set-cookie"]
    me = client.get("/api/v1/volunteer/me").json()
    assert (me["name"], me["community"], me["balance"]) == ("中", "社区1", 0)
    assert [t["title"] for t in me["open_tasks"]] == ["楼道巡查"] and me["open_tasks"][0]["distance_m"] > 0


def test_taking_and_completing_a_task_with_a_photo_credits_points(phone):
    client, forces, store = phone
    _sign_in(client)
    task = client.get("/api/v1/volunteer/me").json()["open_tasks"][0]
    assert client.post(f"/api/v1/volunteer/tasks/{task['id']}/sign-up").status_code == 200
    assert client.post(f"/api/v1/volunteer/tasks/{task['id']}/sign-up").status_code == 409
    done = client.post(f"/api/v1/volunteer/tasks/{task['id']}/complete", data={"note": "已巡查"},
                       files={"media": ("p.jpg", jpeg(), "image/jpeg")})
    assert done.status_code == 200 and done.json()["points"] == 10 + 5 * 2 + 2 and done.json()["task_done"]
    assert client.get("/api/v1/volunteer/points").json()[0]["balance"] == 22
    me = client.get("/api/v1/volunteer/me").json()
    assert me["balance"] == 22 and me["my_tasks"][0]["my_status"] == "done"


def test_another_communitys_task_cannot_be_taken(phone):
    client, forces, _ = phone
    _sign_in(client)
    with forces.db.session() as s:
        other = s.scalar(select(VolunteerTask.id).where(VolunteerTask.title == "别的社区的任务"))
    reply = client.post(f"/api/v1/volunteer/tasks/{other}/sign-up")
    assert reply.status_code == 409 and "no such task in your community" in reply.text


def test_staff_accounts_get_nothing_here_and_cross_site_posts_are_refused(phone):
    client, _, _ = phone
    _sign_in(client, "shequ")
    assert client.get("/api/v1/volunteer/me").status_code == 403
    _sign_in(client)
    task = client.get("/api/v1/volunteer/me").json()["open_tasks"][0]
    reply = client.post(f"/api/v1/volunteer/tasks/{task['id']}/sign-up", headers={"Sec-Fetch-Site": "cross-site"})
    assert reply.status_code == 403


def test_a_bad_photo_is_refused_with_the_reason_and_nothing_is_credited(phone):
    client, _, _ = phone
    _sign_in(client)
    task = client.get("/api/v1/volunteer/me").json()["open_tasks"][0]
    client.post(f"/api/v1/volunteer/tasks/{task['id']}/sign-up")
    reply = client.post(f"/api/v1/volunteer/tasks/{task['id']}/complete",
                        files={"media": ("p.jpg", b"not a photo", "image/jpeg")})
    assert reply.status_code == 400 and "not a photo we accept" in reply.text
    assert client.get("/api/v1/volunteer/points").json() == []


def test_signing_out_ends_the_session(phone):
    client, _, _ = phone
    _sign_in(client)
    assert client.post("/api/v1/volunteer/sign-out").status_code == 204
    assert client.get("/api/v1/volunteer/me").status_code == 401


def test_the_ledger_of_credits_and_a_redemption_reads_as_json_with_no_task_for_the_redemption(phone):
    """A redemption has no task: the phone page got ``"task": NaN`` (not JSON) and could not show the ledger."""
    client, forces, _ = phone
    _sign_in(client)
    task = client.get("/api/v1/volunteer/me").json()["open_tasks"][0]
    client.post(f"/api/v1/volunteer/tasks/{task['id']}/sign-up")
    client.post(f"/api/v1/volunteer/tasks/{task['id']}/complete", data={"note": "已巡查"})
    redeem(forces.db, forces.ids["中"], 5, "兑换洗衣粉一袋", forces.community, datetime.now(UTC))
    reply = client.get("/api/v1/volunteer/points")
    assert "NaN" not in reply.text
    entries = reply.json()
    assert [(e["kind"], e["task"] is None, e["balance"]) for e in entries] == [("redeem", True, 15),
                                                                               ("task", False, 20)]
