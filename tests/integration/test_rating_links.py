"""Residents' rating links (geo.usecases.rating_links) on every backend: issued for a closing, signed,
single use, expiring; an unsatisfied rating sends the case back for rework."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from geo.db.models import Case, CaseEvent, RatingLink
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role, Status, Tier
from geo.domain.workflow import InvalidInput
from geo.usecases.case_actions import perform
from geo.usecases.rating_links import LinkRefused, Problem, open_link, rate_by_link, rating_token
from tests.integration.factories import T0, add_case, add_departments_and_category

SUPERVISOR = Actor("王主任", Role.SUPERVISOR)
SECRET = b"s" * 32
WEEK = timedelta(days=7)
CLOSED_AT = T0 + timedelta(minutes=10)


def act(db, case_id, action, minutes, **params):
    with db.transaction() as s:
        version = s.get(Case, case_id).version
        perform(s, case_id, action, SUPERVISOR, version, now=T0 + timedelta(minutes=minutes), **params)


@pytest.fixture
def closed(db):
    """A case the community solved itself, closed at CLOSED_AT."""
    with db.transaction() as s:
        _, category = add_departments_and_category(s)
        case_id = add_case(s, category).id
    act(db, case_id, "accept", 5, tier=Tier.COMMUNITY)
    act(db, case_id, "close", 10)
    return db, case_id


def token_for(db, case_id, minutes=20, secret=SECRET):
    with db.transaction() as s:
        return rating_token(s, case_id, T0 + timedelta(minutes=minutes), secret, WEEK)


def rate(db, token, rating="satisfied", comment="", at=CLOSED_AT + timedelta(hours=1), secret=SECRET):
    with db.transaction() as s:
        return rate_by_link(s, token, rating, comment, at, secret)


def refusal(db, token, at=CLOSED_AT + timedelta(hours=1), secret=SECRET) -> Problem:
    with db.session() as s, pytest.raises(LinkRefused) as caught:
        open_link(s, token, at, secret)
    return caught.value.problem


def test_a_closed_case_gets_one_link_per_closing_shown_again_unchanged(closed):
    db, case_id = closed
    first, again = token_for(db, case_id), token_for(db, case_id, minutes=300)
    assert first == again
    with db.session() as s:
        assert s.scalar(select(RatingLink.expires_at)) == CLOSED_AT + WEEK


def test_an_open_case_has_no_link(db):
    with db.transaction() as s:
        _, category = add_departments_and_category(s)
        case_id = add_case(s, category).id
    assert token_for(db, case_id) is None


def test_the_page_shows_the_case_number_and_category_but_nothing_personal(closed):
    db, case_id = closed
    with db.session() as s:
        view = open_link(s, token_for(db, case_id), CLOSED_AT, SECRET)
    assert (view.number, view.category, view.closed_at) == ("C1", "井盖缺失破损", CLOSED_AT)
    assert not hasattr(view, "description") and not hasattr(view, "reporter_phone")


def test_a_satisfied_rating_rates_the_case_once(closed):
    db, case_id = closed
    token = token_for(db, case_id)
    assert rate(db, token, "satisfied", "修得很快") == Status.RATED
    with db.session() as s:
        case = s.get(Case, case_id)
        event = s.scalars(select(CaseEvent).order_by(CaseEvent.id.desc())).first()
    assert (case.status, case.rating) == ("rated", "satisfied")
    assert (event.action, event.role, event.note) == ("rate", "resident", "修得很快")
    with pytest.raises(LinkRefused) as caught:
        rate(db, token)
    assert caught.value.problem == Problem.USED
    assert refusal(db, token) == Problem.USED


def test_an_unsatisfied_rating_sends_the_case_back_for_rework(closed):
    db, case_id = closed
    assert rate(db, token_for(db, case_id), "unsatisfied", "井盖还是松的") == Status.REWORK
    with db.session() as s:
        assert s.get(Case, case_id).rework_count == 1


def test_a_link_after_its_expiry_is_refused(closed):
    db, case_id = closed
    token = token_for(db, case_id)
    assert refusal(db, token, at=CLOSED_AT + WEEK) == Problem.EXPIRED


def test_a_tampered_or_foreign_token_is_unknown(closed):
    db, case_id = closed
    token = token_for(db, case_id)
    link_id, _, signature = token.partition(".")
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    assert refusal(db, f"{link_id}.{flipped}") == Problem.UNKNOWN
    assert refusal(db, token, secret=b"another server secret, 32 bytes!") == Problem.UNKNOWN
    assert refusal(db, f"{int(link_id) + 1}.{signature}") == Problem.UNKNOWN
    assert refusal(db, "../../etc/passwd") == Problem.UNKNOWN
    assert refusal(db, "9" * 40 + ".x") == Problem.UNKNOWN


def test_a_case_rated_on_the_residents_behalf_meanwhile_counts_as_used(closed):
    db, case_id = closed
    token = token_for(db, case_id)
    act(db, case_id, "rate", 30, rating="basically_satisfied")
    assert refusal(db, token) == Problem.USED


def test_a_reopened_case_voids_the_link_and_its_next_closing_gets_a_new_one(closed):
    db, case_id = closed
    token = token_for(db, case_id)
    act(db, case_id, "reopen", 30, reason="居民来电")
    assert refusal(db, token) == Problem.NOT_OPEN
    act(db, case_id, "accept", 40, tier=Tier.COMMUNITY)
    act(db, case_id, "close", 50)
    newer = token_for(db, case_id, minutes=60)
    assert newer != token and refusal(db, token) == Problem.NOT_OPEN
    assert rate(db, newer) == Status.RATED


def test_a_bad_rating_or_an_overlong_comment_writes_nothing(closed):
    db, case_id = closed
    token = token_for(db, case_id)
    with pytest.raises(InvalidInput, match="unknown rating 'great'"):
        rate(db, token, "great")
    with pytest.raises(InvalidInput, match="at most 500 characters, got 501"):
        rate(db, token, "satisfied", "好" * 501)
    with db.session() as s:
        assert s.scalar(select(RatingLink.used_at)) is None and s.get(Case, case_id).status == "closed"
