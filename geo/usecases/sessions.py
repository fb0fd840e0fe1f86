"""Browser sessions for local accounts: a sign-in that survives a reload, a new tab and a bookmark, and ends
everywhere at once on sign-out, idle timeout, expiry, or when the account is disabled or its role changes.

The flow (the dashboard and the API's phone page use the same functions):

1. ``create`` after a correct password: a session row and a one-time **ticket** (valid TICKET_TTL).
2. The browser is sent to an HTTP route that calls ``adopt(ticket)``: the ticket is spent and a random
   **token** is minted; the route puts the token in an HttpOnly cookie. Only sha256 hashes are stored, so a
   copy of the database signs nobody in. A ticket travels in a URL (history, logs), a token never does.
3. Every page run calls ``resolve`` with the cookie's token (or the session id the tab signed in with): one
   indexed query joining the account, so a disabled account or an ended session is refused at once. A
   session idle longer than the timeout resolves as TIMED_OUT; the caller ends it.
4. ``touch`` records activity at most every TOUCH_EVERY, so a busy page does not write on every click.

The functions take a Session inside the caller's transaction; ``adopt_ticket``, ``sign_in``, ``check``,
``sign_out`` and ``single_sign_on`` take the Database and own their transaction (an entry point's one call).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from geo.db.database import Database
from geo.db.models import User, UserSession
from geo.domain.actors import Actor
from geo.usecases.accounts import LockedOut, SignInFailed, actor_for, actor_from_claims, authenticate
from geo.usecases.audit import record

#: The HttpOnly cookie holding a browser session's token, for the whole site (the dashboard sets it; the API's
#: phone page reads it).
COOKIE = "gridgov_session"
#: How long the browser has to trade its ticket for the cookie (the redirect takes a fraction of a second).
TICKET_TTL = timedelta(seconds=60)
#: Activity is written at most this often per session (the idle timeout is counted in minutes).
TOUCH_EVERY = timedelta(seconds=60)


class State(StrEnum):
    ACTIVE = "active"
    TIMED_OUT = "timed_out"  # idle longer than the timeout (or past its maximum age): the caller ends it
    ENDED = "ended"  # signed out, account disabled, role changed — or never existed


class EndReason(StrEnum):
    SIGN_OUT = "sign_out"
    TIMEOUT = "timeout"
    EXPIRED = "expired"
    DISABLED = "disabled"
    ROLE_CHANGE = "role_change"


@dataclass(frozen=True)
class NewSession:
    session_id: int
    ticket: str  # shown once: the browser trades it for the cookie


@dataclass(frozen=True)
class Resolved:
    state: State
    session_id: int | None = None
    actor: Actor | None = None
    user_id: int | None = None
    last_seen_at: datetime | None = None


ENDED = Resolved(State.ENDED)


def digest(secret: str) -> str:
    """sha256 hex: a random 256-bit secret needs no slow hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create(session: Session, username: str, now: datetime, max_age: timedelta) -> NewSession:
    """A session for the (already authenticated) account ``username``, lasting at most ``max_age``."""
    user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise LookupError(f"no user {username!r}")
    ticket = secrets.token_urlsafe(32)
    row = UserSession(user_id=user_id, ticket_hash=digest(ticket), ticket_expires_at=now + TICKET_TTL,
                      created_at=now, last_seen_at=now, expires_at=now + max_age)
    session.add(row)
    session.flush()
    return NewSession(row.id, ticket)


def adopt(session: Session, ticket: str, now: datetime) -> tuple[str, datetime] | None:
    """Spend a one-time ticket: (the new cookie token, when the session expires), or None when the ticket is
    unknown, spent, too old, or its session has ended. The conditional UPDATE makes a replay lose the race."""
    token = secrets.token_urlsafe(32)
    hashed = digest(ticket)
    found = session.execute(
        update(UserSession)
        .where(UserSession.ticket_hash == hashed, UserSession.ticket_expires_at >= now,
               UserSession.ended_at.is_(None), UserSession.expires_at > now)
        .values(ticket_hash=None, ticket_expires_at=None, token_hash=digest(token))
        .returning(UserSession.expires_at)
    ).first()
    return (token, found[0]) if found else None


def adopt_ticket(db: Database, ticket: str, now: datetime) -> tuple[str, datetime] | None:
    """``adopt`` in a transaction of its own."""
    with db.transaction() as session:
        return adopt(session, ticket, now)


def resolve(session: Session, now: datetime, idle_timeout: timedelta, token: str | None = None,
            session_id: int | None = None) -> Resolved:
    """Who a cookie ``token`` (or a tab's ``session_id``) signs in, checked against the account as it is now.
    Reads only; one query on a unique index joined to the account."""
    if token:
        condition = UserSession.token_hash == digest(token)
    elif session_id is not None:
        condition = UserSession.id == session_id
    else:
        return ENDED
    row = session.execute(select(UserSession, User).join(User, User.id == UserSession.user_id)
                          .where(condition)).first()
    if row is None:
        return ENDED
    found, user = row
    if found.ended_at is not None or user.disabled:
        return ENDED
    if now >= found.expires_at or now - found.last_seen_at > idle_timeout:
        return Resolved(State.TIMED_OUT, found.id, None, user.id, found.last_seen_at)
    return Resolved(State.ACTIVE, found.id, actor_for(user), user.id, found.last_seen_at)


def touch(session: Session, resolved: Resolved, now: datetime) -> None:
    """Record activity on an active session (at most every TOUCH_EVERY)."""
    if resolved.state == State.ACTIVE and now - resolved.last_seen_at >= TOUCH_EVERY:
        session.execute(update(UserSession).where(UserSession.id == resolved.session_id,
                                                  UserSession.ended_at.is_(None)).values(last_seen_at=now))


def end(session: Session, session_id: int, now: datetime, reason: EndReason) -> None:
    """End one session (sign-out, timeout); audited with the account's name."""
    ended = session.execute(
        update(UserSession).where(UserSession.id == session_id, UserSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=str(reason), ticket_hash=None).returning(UserSession.user_id)
    ).first()
    if ended is not None:
        user = session.get(User, ended[0])
        record(session, now, user.display_name or user.username, user.role, "session_end", user.username,
               str(reason))


def end_all_for_user(session: Session, user_id: int, now: datetime, reason: EndReason) -> int:
    """End every open session of an account (disabled, role changed): each tab is signed out at its next run.
    Returns how many were open."""
    result = session.execute(
        update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=str(reason), ticket_hash=None)
    )
    return result.rowcount or 0


# --------------------------------------------------------------------------- the dashboard's one call per step


def sign_in(db: Database, username: str, password: str, now: datetime, max_age: timedelta) -> NewSession:
    """A password sign-in and its new session, in one transaction that commits whatever happens: the attempt
    and any failure count must persist (geo.usecases.accounts.authenticate). Raises LockedOut / SignInFailed."""
    with db.session() as session:
        try:
            authenticate(session, username, password, now)
            return create(session, username, now, max_age)
        finally:
            session.commit()


def sign_in_for_cookie(db: Database, username: str, password: str, now: datetime,
                       max_age: timedelta) -> tuple[str, datetime, Actor]:
    """Password → session → cookie token at once, for an HTTP page that sets the cookie itself (the volunteer
    phone page): (token, expiry, actor). The attempt is committed whether it succeeds or not (the failure count
    and the lockout must persist); SignInFailed or LockedOut after that when it did not."""
    refused: Exception | None = None
    with db.transaction() as session:
        try:
            actor = authenticate(session, username, password, now)
        except (SignInFailed, LockedOut) as exc:
            refused = exc
        else:
            token, expires_at = adopt(session, create(session, username, now, max_age).ticket, now)
    if refused is not None:
        raise refused
    return token, expires_at, actor


def check(db: Database, now: datetime, idle_timeout: timedelta, token: str | None = None,
          session_id: int | None = None) -> Resolved:
    """``resolve`` a tab's credential; a timed-out session is ended, an active one touched — one transaction."""
    with db.transaction() as session:
        found = resolve(session, now, idle_timeout, token=token, session_id=session_id)
        if found.state == State.TIMED_OUT:
            end(session, found.session_id, now, EndReason.TIMEOUT)
        touch(session, found, now)
    return found


def sign_out(db: Database, session_id: int, now: datetime) -> None:
    """``end`` a session on the person's own sign-out, in a transaction of its own."""
    with db.transaction() as session:
        end(session, session_id, now, EndReason.SIGN_OUT)


def single_sign_on(db: Database, claims: dict, role_claim: str, role_map: dict[str, str], now: datetime) -> Actor:
    """``actor_from_claims`` (audited) in a transaction of its own."""
    with db.transaction() as session:
        return actor_from_claims(session, claims, role_claim, role_map, now)
