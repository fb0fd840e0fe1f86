"""Our HTTP routes on every backend: /auth/adopt turns a sign-in ticket into an HttpOnly cookie once, and the
residents' rating page (/rate/<token>) rates once, refuses reuse, expiry and wrong tokens with clear pages,
and never shows a traceback or personal data."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from dashboard import rating_page, session_routes
from geo.db.models import Case
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role, Tier
from geo.usecases import sessions
from geo.usecases.accounts import add_user
from geo.usecases.case_actions import perform
from geo.usecases.rating_links import rating_token
from tests.asgi_call import call
from tests.integration.factories import add_case, add_departments_and_category

ADMIN = Actor("管理员", Role.ADMIN)
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def routes(db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("GRIDGOV_SECRET_KEY", "k" * 40)
    session_routes.route_database.cache_clear()
    yield db, Starlette(routes=[*session_routes.routes(), *rating_page.routes()])
    session_routes.route_database().dispose()
    session_routes.route_database.cache_clear()


def _ticket(db) -> str:
    now = datetime.now(UTC)  # the route checks the ticket against the real clock
    with db.transaction() as s:
        add_user(s, "wang", "a long enough password", "supervisor", ADMIN, now)
        return sessions.create(s, "wang", now, timedelta(hours=12)).ticket


def test_a_ticket_becomes_an_httponly_cookie_and_the_browser_goes_back_to_its_page(routes):
    db, app = routes
    query = urlencode({"ticket": _ticket(db), "next": "/case_map?case=C1"})
    reply = call(app, "GET", f"/auth/adopt?{query}")
    assert (reply.status, reply.header("location")) == (303, "/case_map?case=C1")
    cookie = reply.header("set-cookie")
    assert cookie.startswith("gridgov_session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))
    assert "Path=/" in cookie and 12 * 3600 - 600 < max_age <= 12 * 3600  # the session's remaining life
    token = cookie.split(";")[0].split("=", 1)[1]
    with db.session() as s:
        assert sessions.resolve(s, datetime.now(UTC), timedelta(minutes=30), token=token).actor.name == "wang"


def test_a_replayed_ticket_sets_no_cookie(routes):
    db, app = routes
    query = urlencode({"ticket": _ticket(db), "next": "/"})
    assert call(app, "GET", f"/auth/adopt?{query}").header("set-cookie")
    assert call(app, "GET", f"/auth/adopt?{query}").header("set-cookie") is None


def test_a_ticket_sent_from_another_site_signs_nobody_in(routes):
    """Login CSRF: a link on another site carrying someone's ticket must not sign this browser in."""
    db, app = routes
    query = urlencode({"ticket": _ticket(db), "next": "/"})
    reply = call(app, "GET", f"/auth/adopt?{query}", headers={"sec-fetch-site": "cross-site"})
    assert reply.status == 303 and reply.header("set-cookie") is None


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "", "x"])
def test_adopt_never_redirects_off_the_site(routes, target):
    _, app = routes
    reply = call(app, "GET", f"/auth/adopt?ticket=x&next={quote(target)}")
    assert reply.header("location") == "/"


@pytest.fixture
def closed_case(routes):
    """A closed case reported by a resident with a name and a phone; its rating link's path."""
    db, app = routes
    now = datetime.now(UTC)
    with db.transaction() as s:
        _, category = add_departments_and_category(s)
        case = add_case(s, category, reported_at=now - timedelta(hours=3))
        case.reporter_name, case.reporter_phone = "张三丰", "13800138000"
        case_id = case.id
    for action, params in (("accept", {"tier": Tier.COMMUNITY}), ("close", {})):
        with db.transaction() as s:
            perform(s, case_id, action, Actor("王主任", Role.SUPERVISOR), s.get(Case, case_id).version,
                    now - timedelta(hours=1), **params)
    with db.transaction() as s:
        token = rating_token(s, case_id, now)
    return db, app, case_id, f"/rate/{token}"


def test_the_rating_page_shows_the_case_and_three_choices_but_nothing_personal(closed_case):
    _, app, _, path = closed_case
    reply = call(app, "GET", path)
    assert reply.status == 200 and "C1" in reply.text and "井盖缺失破损" in reply.text
    assert all(word in reply.text for word in ("满意", "基本满意", "不满意"))
    assert "张三丰" not in reply.text and "13800138000" not in reply.text and "井盖缺失<" not in reply.text
    assert "default-src 'none'" in reply.header("content-security-policy")
    assert reply.header("referrer-policy") == "no-referrer"


def test_the_rating_page_speaks_english_on_request(closed_case):
    _, app, _, path = closed_case
    assert "Basically satisfied" in call(app, "GET", path, headers={"accept-language": "en-GB,en"}).text
    assert "Basically satisfied" in call(app, "GET", path + "?lang=en").text


def test_a_resident_rates_once_and_a_second_submission_is_refused(closed_case):
    db, app, case_id, path = closed_case
    body = urlencode({"rating": "satisfied", "comment": "谢谢"}).encode()
    reply = call(app, "POST", path, body, FORM)
    assert reply.status == 200 and "您的评价已记录" in reply.text
    again = call(app, "POST", path, body, FORM)
    assert again.status == 409 and "已经评价过了" in again.text
    assert call(app, "GET", path).status == 409
    with db.session() as s:
        assert (s.get(Case, case_id).status, s.get(Case, case_id).rating) == ("rated", "satisfied")


def test_an_unsatisfied_rating_sends_the_case_back(closed_case):
    db, app, case_id, path = closed_case
    reply = call(app, "POST", path, urlencode({"rating": "unsatisfied"}).encode(), FORM)
    assert "重新办理" in reply.text
    with db.session() as s:
        assert s.get(Case, case_id).status == "rework"


def test_a_missing_choice_or_an_overlong_comment_shows_the_form_again_with_the_reason(closed_case):
    db, app, case_id, path = closed_case
    missing = call(app, "POST", path, urlencode({"comment": "不错"}).encode(), FORM)
    assert missing.status == 400 and "请选择一项评价" in missing.text and "不错</textarea>" in missing.text
    long = call(app, "POST", path, urlencode({"rating": "satisfied", "comment": "长" * 501}).encode(), FORM)
    assert long.status == 400 and "最多 500 字" in long.text
    huge = call(app, "POST", path, b"comment=" + b"x" * 20_000, FORM)
    assert huge.status == 413
    with db.session() as s:
        assert s.get(Case, case_id).status == "closed"


@pytest.mark.parametrize("path", ["/rate/1.wrongsignature", "/rate/nonsense", "/rate/99.x", "/rate/%3Cscript%3E"])
def test_a_wrong_token_gets_a_clear_page(closed_case, path):
    _, app, _, _ = closed_case
    reply = call(app, "GET", path)
    assert reply.status == 404 and "链接无效" in reply.text and "<script>" not in reply.text


def test_an_expired_link_gets_its_own_page(closed_case, monkeypatch):
    _, app, _, path = closed_case
    monkeypatch.setattr(rating_page, "datetime", _Later)
    reply = call(app, "GET", path)
    assert reply.status == 410 and "已过期" in reply.text


def test_a_database_failure_shows_a_reference_not_a_traceback(closed_case, monkeypatch, caplog):
    _, app, _, path = closed_case

    def broken():
        raise RuntimeError("connection to db.internal:5432 refused")

    monkeypatch.setattr(rating_page, "route_database", broken)
    reply = call(app, "GET", path)
    assert reply.status == 500 and "错误编号" in reply.text
    assert "db.internal" not in reply.text and "Traceback" not in reply.text
    assert "db.internal" in caplog.text


class _Later(datetime):
    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) + timedelta(days=8)


def test_the_link_is_stored_for_its_closing(closed_case):
    from geo.db.models import RatingLink

    db, _, case_id, _ = closed_case
    with db.session() as s:
        assert s.scalar(select(RatingLink.case_id)) == case_id
