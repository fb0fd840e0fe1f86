"""The phone page's own posts on every backend: a signed-in grid member reports as themselves with no key, a
resident through the district's own channel (limited per address), a post from anywhere but the page itself
is refused, and each refusal carries the reason word the page translates."""

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from geo.db.models import ApiClient, Case, CaseEvent, CaseReporter, Grid, UserSession
from geo.db.scope import in_scope
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases.api_clients import PAGE_CLIENTS, revoke_client
from geo.usecases.sessions import COOKIE, digest, sign_out
from tests.integration.api_fixtures import SETTINGS
from tests.integration.intake_fixtures import ADMIN, FAR_AWAY, INSIDE_D, counts, jpeg, signed_in_cookie

SAME_ORIGIN = {"sec-fetch-site": "same-origin"}
REPORT = {"service_code": "JG", "lat": str(INSIDE_D[1]), "long": str(INSIDE_D[0]), "attribute[state]": "missing",
          "description": "井盖缺失，存在安全隐患"}


def submit(client, as_="member", data=None, headers=SAME_ORIGIN, **kwargs):
    return client.post(f"/api/report/submit?as={as_}", data={**REPORT, **(data or {})}, headers=headers, **kwargs)


def member(api, district, **kwargs) -> str:
    token = signed_in_cookie(district.db, "zhang", **kwargs)
    api.cookies.set(COOKIE, token)
    return token


def test_a_signed_in_grid_member_reports_as_themselves_with_a_photo_and_no_key(api, district):
    member(api, district)
    response = submit(api, data={"first_name": "冒名"}, files={"media": ("p.jpg", jpeg(), "image/jpeg")})
    assert response.status_code == 200, response.text
    number = response.json()["service_request_id"]
    with district.db.session() as s:
        case = s.scalar(select(Case).where(Case.number == number))
        reporter = s.scalar(select(CaseReporter).where(CaseReporter.case_id == case.id))
        client = s.get(ApiClient, reporter.client_id)
        assert (case.source, s.get(Grid, case.grid_id).code) == ("grid_member", "D")
        assert (reporter.name, reporter.account_id[:5], client.name) == ("张网格", "user:", PAGE_CLIENTS["grid_member"])
        assert s.scalar(select(CaseEvent.actor).where(CaseEvent.case_id == case.id)) == "张网格"
        assert in_scope(s, Actor("张网格", Role.GRID_MEMBER, grid_codes={"D"}), case.id)  # it is in their grid


def test_a_resident_reports_through_the_districts_own_channel_without_an_account(api, district):
    response = submit(api, "resident", data={"phone": "13812345678"})
    assert response.status_code == 200, response.text
    with district.db.session() as s:
        case = s.scalar(select(Case).where(Case.number == response.json()["service_request_id"]))
        reporter = s.scalar(select(CaseReporter).where(CaseReporter.case_id == case.id))
        assert (case.source, reporter.phone) == ("resident_app", "13812345678")
        assert s.get(ApiClient, reporter.client_id).name == PAGE_CLIENTS["resident_app"]


def test_the_same_report_sent_twice_makes_one_case(api, district):
    member(api, district)
    first, again = (submit(api, data={"source_id": "page-1"}) for _ in range(2))
    assert first.json()["service_request_id"] == again.json()["service_request_id"]
    assert counts(district.db)["cases"] == 1


@pytest.mark.parametrize("headers", [{"sec-fetch-site": "cross-site"}, {"sec-fetch-site": "same-site"},
                                     {"origin": "http://evil.example"}, {}], ids=["cross", "sibling", "origin", "none"])
def test_a_post_from_anywhere_but_the_page_is_refused_with_the_cookie_and_stores_nothing(api, district, headers):
    member(api, district)
    for path in ("/api/report/submit?as=member", "/api/report/follow/GG1?as=member",
                 "/api/report/submit?as=resident"):
        response = api.post(path, data=REPORT, headers=headers)
        assert response.status_code == 403 and response.json()[0]["reason"] == "cross_site"
    assert counts(district.db) == {"cases": 0, "case_reporters": 0, "case_media": 0}


def test_a_browser_without_sec_fetch_site_is_accepted_from_our_own_origin(api, district):
    member(api, district)
    assert submit(api, headers={"origin": "http://testserver"}).status_code == 200


def test_a_member_report_without_a_live_session_is_refused_not_sent_as_a_residents(api, district):
    assert submit(api).json()[0]["reason"] == "signed_out"
    token = member(api, district)
    with district.db.session() as s:
        session_id = s.scalar(select(UserSession.id).where(UserSession.token_hash == digest(token)))
    sign_out(district.db, session_id, datetime.now(UTC))
    response = submit(api)
    assert (response.status_code, response.json()[0]["reason"]) == (403, "signed_out")
    assert counts(district.db)["cases"] == 0


def test_a_role_that_does_not_patrol_cannot_report_as_a_member(api, district):
    api.cookies.set(COOKIE, signed_in_cookie(district.db, "boss", Role.SUPERVISOR, "值班长"))
    assert submit(api).json()[0]["reason"] == "not_allowed"


def test_the_residents_channel_is_limited_per_address_and_can_be_closed(district, store):
    with TestClient(create_app(district.db, store, SETTINGS, page_rate_per_minute=2)) as client:
        assert [submit(client, "resident", data={"source_id": f"r{i}"}).status_code for i in range(3)] == [200, 200, 429]
        assert submit(client, "resident").json()[0]["reason"] == "rate_limited"
        client.cookies.set(COOKIE, signed_in_cookie(district.db, "zhang"))
        assert submit(client).status_code == 200  # a signed-in member is counted by account, not address
    with TestClient(create_app(district.db, store, SETTINGS, page_rate_per_minute=0)) as client:
        assert submit(client, "resident").json()[0]["reason"] == "channel_closed"


def test_revoking_a_page_client_closes_that_channel(api, district):
    assert submit(api, "resident").status_code == 200
    with district.db.transaction() as s:
        revoke_client(s, PAGE_CLIENTS["resident_app"], ADMIN, datetime.now(UTC))
    assert submit(api, "resident", data={"source_id": "another"}).json()[0]["reason"] == "channel_closed"


@pytest.mark.parametrize(("data", "reason"), [
    ({"lat": str(FAR_AWAY[1]), "long": str(FAR_AWAY[0])}, "outside"),
    ({"service_code": "NOPE"}, "unknown_service"),
    ({"attribute[state]": "stolen"}, "answers"),
    ({"description": "x" * 5000}, "bad_input"),
])
def test_each_refusal_of_the_page_carries_its_reason_word(api, district, data, reason):
    body = submit(api, "resident", data=data).json()
    assert body[0]["reason"] == reason and counts(district.db)["cases"] == 0


def test_a_refused_photo_is_the_photo_reason_and_open311_errors_keep_the_specifications_shape(api, district):
    files = {"media": ("p.gif", b"GIF89a not really", "image/gif")}
    assert submit(api, "resident", files=files).json()[0]["reason"] == "photo"
    spec = api.post("/open311/v2/requests.json", data={**REPORT, "api_key": district.key, "lat": str(FAR_AWAY[1]),
                                                          "long": str(FAR_AWAY[0])}).json()
    assert set(spec[0]) == {"code", "description"}


def test_a_member_follows_a_case_from_the_page_under_their_own_name(api, district):
    number = submit(api, "resident").json()["service_request_id"]
    member(api, district)
    response = api.post(f"/api/report/follow/{number}?as=member", data={"source_id": "f1"}, headers=SAME_ORIGIN)
    assert response.json() == {"service_request_id": number, "followed": True}
    with district.db.session() as s:
        names = s.scalars(select(CaseReporter.name).order_by(CaseReporter.id)).all()
    assert names == ["", "张网格"]
    assert api.post("/api/report/follow/GG0?as=member", data={}, headers=SAME_ORIGIN).json()[0]["reason"] == \
        "unknown_case"


def test_the_page_shows_who_is_signed_in_escaped_and_holds_no_key(api, district):
    api.cookies.set(COOKIE, signed_in_cookie(district.db, "x", name="</script><script>alert(1)</script>"))
    response = api.get("/api/report/")
    assert response.headers["cache-control"] == "no-store" and "cookie" in response.headers["vary"].lower()
    html = response.text
    assert "<script>alert(1)" not in html and "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in html
    assert '"may_report": true' in html and '"grids": ["D"]' in html
    assert "api_key" not in html and 'id="key"' not in html  # no device key any more


def test_the_page_is_chinese_by_default_and_english_on_request(api):
    zh, en = api.get("/api/report/").text, api.get("/api/report/?lang=en").text
    assert '<html lang="zh-CN">' in zh and "<title>随手拍</title>" in zh and '"me": null' in zh
    assert '<html lang="en">' in en and "<title>Snap and report</title>" in en
    assert '"switch": "?lang=en"' in zh and '"sign_in": "/?next=%2Fapi%2Freport%2F"' in zh
    assert '"sign_in": "/?next=%2Fapi%2Freport%2F%3Flang%3Den"' in en
