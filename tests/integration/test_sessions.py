"""Browser sessions (geo.usecases.sessions) on every backend: a ticket becomes a cookie token once, the token
resolves to the account as it is now, and sign-out, idle timeout, disabling and role changes end it."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from geo.db.models import AuditEntry, UserSession
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases import sessions
from geo.usecases.accounts import Binding, add_user, set_disabled, set_role
from geo.usecases.sessions import EndReason, State
from tests.integration.factories import T0, add_departments_and_category

ADMIN = Actor("管理员", Role.ADMIN)
IDLE = timedelta(minutes=30)
DAY = timedelta(hours=12)


@pytest.fixture
def accounts(db):
    with db.transaction() as s:
        add_departments_and_category(s)
        add_user(s, "wang", "a long enough password", "supervisor", ADMIN, T0, display_name="王主任")
        add_user(s, "kiosky", "a long enough password", "supervisor", ADMIN, T0, display_name="kiosk:大屏")
    return db


def signed_in(db, username="wang", at=T0) -> str:
    """Create a session and adopt its ticket as the browser would; returns the cookie token."""
    with db.transaction() as s:
        new = sessions.create(s, username, at, DAY)
    with db.transaction() as s:
        token, _ = sessions.adopt(s, new.ticket, at + timedelta(seconds=1))
    return token


def resolve(db, token, at):
    with db.session() as s:
        return sessions.resolve(s, at, IDLE, token=token)


def test_a_cookie_token_resolves_to_the_signed_in_account(accounts):
    token = signed_in(accounts)
    found = resolve(accounts, token, T0 + timedelta(minutes=5))
    assert (found.state, found.actor.name, found.actor.role) == (State.ACTIVE, "王主任", Role.SUPERVISOR)


def test_only_hashes_of_the_ticket_and_token_are_stored(accounts):
    token = signed_in(accounts)
    with accounts.session() as s:
        row = s.scalar(select(UserSession))
    assert row.token_hash == sessions.digest(token) and token not in (row.token_hash or "")
    assert row.ticket_hash is None  # spent


def test_a_ticket_is_spent_by_its_first_use(accounts):
    with accounts.transaction() as s:
        new = sessions.create(s, "wang", T0, DAY)
    with accounts.transaction() as s:
        assert sessions.adopt(s, new.ticket, T0) is not None
    with accounts.transaction() as s:
        assert sessions.adopt(s, new.ticket, T0) is None


def test_a_ticket_older_than_a_minute_is_refused(accounts):
    with accounts.transaction() as s:
        new = sessions.create(s, "wang", T0, DAY)
    with accounts.transaction() as s:
        assert sessions.adopt(s, new.ticket, T0 + timedelta(seconds=61)) is None


def test_a_wrong_or_missing_token_resolves_to_no_one(accounts):
    signed_in(accounts)
    assert resolve(accounts, "not a token", T0).state == State.ENDED
    assert resolve(accounts, None, T0).state == State.ENDED


def test_a_session_idle_longer_than_the_timeout_times_out(accounts):
    token = signed_in(accounts)
    assert resolve(accounts, token, T0 + IDLE + timedelta(seconds=2)).state == State.TIMED_OUT


def test_activity_moves_the_idle_clock_at_most_once_a_minute(accounts):
    token = signed_in(accounts)
    with accounts.transaction() as s:
        sessions.touch(s, sessions.resolve(s, T0 + timedelta(seconds=30), IDLE, token=token),
                       T0 + timedelta(seconds=30))
    with accounts.transaction() as s:
        sessions.touch(s, sessions.resolve(s, T0 + timedelta(minutes=20), IDLE, token=token),
                       T0 + timedelta(minutes=20))
    with accounts.session() as s:
        assert s.scalar(select(UserSession.last_seen_at)) == T0 + timedelta(minutes=20)
    assert resolve(accounts, token, T0 + timedelta(minutes=45)).state == State.ACTIVE


def test_a_session_ends_at_its_maximum_age_however_active(accounts):
    token = signed_in(accounts)
    for step in range(1, 36):  # active every 20 minutes for 11 h 40 min
        at = T0 + step * timedelta(minutes=20)
        with accounts.transaction() as s:
            found = sessions.resolve(s, at, IDLE, token=token)
            assert found.state == State.ACTIVE
            sessions.touch(s, found, at)
    assert resolve(accounts, token, T0 + DAY).state == State.TIMED_OUT


def test_a_display_name_starting_with_kiosk_does_not_escape_the_timeout(accounts):
    token = signed_in(accounts, "kiosky")
    assert resolve(accounts, token, T0 + IDLE + timedelta(minutes=1)).state == State.TIMED_OUT


def test_sign_out_ends_the_session_for_every_tab_and_is_audited(accounts):
    token = signed_in(accounts)
    found = resolve(accounts, token, T0)
    with accounts.transaction() as s:
        sessions.end(s, found.session_id, T0, EndReason.SIGN_OUT)
    assert resolve(accounts, token, T0).state == State.ENDED
    with accounts.session() as s:
        assert s.scalar(select(AuditEntry.detail).where(AuditEntry.action == "session_end")) == "sign_out"


def test_an_ended_session_cannot_adopt_its_ticket(accounts):
    with accounts.transaction() as s:
        new = sessions.create(s, "wang", T0, DAY)
        sessions.end(s, new.session_id, T0, EndReason.SIGN_OUT)
    with accounts.transaction() as s:
        assert sessions.adopt(s, new.ticket, T0) is None


def test_disabling_the_account_ends_its_sessions_and_enabling_does_not_revive_them(accounts):
    first, second = signed_in(accounts), signed_in(accounts)
    with accounts.transaction() as s:
        set_disabled(s, "wang", True, ADMIN, T0)
    assert resolve(accounts, first, T0).state == State.ENDED
    assert resolve(accounts, second, T0).state == State.ENDED
    with accounts.transaction() as s:
        set_disabled(s, "wang", False, ADMIN, T0)
    assert resolve(accounts, first, T0).state == State.ENDED
    with accounts.session() as s:
        assert set(s.scalars(select(UserSession.end_reason))) == {"disabled"}


def test_changing_the_role_ends_the_sessions(accounts):
    token = signed_in(accounts)
    with accounts.transaction() as s:
        set_role(s, "wang", "department", ADMIN, T0, binding=Binding(department="SZ"))
    assert resolve(accounts, token, T0).state == State.ENDED


def test_a_session_resolves_by_the_id_a_tab_signed_in_with(accounts):
    with accounts.transaction() as s:
        new = sessions.create(s, "wang", T0, DAY)
    with accounts.session() as s:
        assert sessions.resolve(s, T0, IDLE, session_id=new.session_id).actor.name == "王主任"
