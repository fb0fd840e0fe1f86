"""Local accounts: argon2 password hashes, lockout after repeated failures, role changes, kiosk tokens, and
mapping single-sign-on claims to a role. Every sign-in, failure, lockout and account change is audited."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from geo.db.models import Community, Department, KioskToken, Street, User
from geo.domain.actors import Actor
from geo.domain.text import text_problem, visible
from geo.domain.vocabulary import Role
from geo.usecases.audit import record

_HASHER = PasswordHasher()  # argon2id with the library's recommended parameters
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 10
#: The longest user name an account can have (the column's size): anything longer is refused unlooked-up.
MAX_USERNAME = User.__table__.c.username.type.length


class SignInFailed(Exception):
    """Wrong user name or password, or a disabled account — one message for all, so as not to tell which."""

    def __init__(self):
        super().__init__("user name or password is wrong, or the account is disabled")


class LockedOut(Exception):
    def __init__(self, until: datetime):
        super().__init__(f"too many failed sign-ins: the account is locked until {until:%H:%M} UTC")
        self.until = until


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class Binding:
    """What a bound role is bound to, by code (department, street, community) or grid codes."""

    department: str | None = None
    street: str | None = None
    community: str | None = None
    grids: tuple[str, ...] = ()


def _resolve(session: Session, role: Role, binding: Binding) -> dict:
    needed = {Role.DEPARTMENT: "department", Role.STREET: "street", Role.COMMUNITY: "community",
              Role.GRID_MEMBER: "grids", Role.VOLUNTEER: "community"}.get(role)
    if needed and not getattr(binding, needed):
        raise AccountError(f"role {role} must be bound to a {needed.rstrip('s')}")
    ids = {}
    for field, model in (("department", Department), ("street", Street), ("community", Community)):
        code = getattr(binding, field)
        if code is not None:
            found = session.scalar(select(model.id).where(model.code == code))
            if found is None:
                raise AccountError(f"no {field} with code {code!r}")
            ids[f"{field}_id"] = found
    return {**ids, "grid_codes": ";".join(binding.grids)}


def add_user(session: Session, username: str, password: str, role: str, by: Actor, now: datetime,
             display_name: str = "", binding: Binding = Binding()) -> User:
    role = Role(role)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    user = User(username=username, display_name=display_name or username, password_hash=_HASHER.hash(password),
                role=str(role), created_at=now, **_resolve(session, role, binding))
    session.add(user)
    record(session, now, by.name, by.role, "user_add", username, f"role={role}")
    session.flush()
    return user


def set_role(session: Session, username: str, role: str, by: Actor, now: datetime,
             binding: Binding = Binding()) -> None:
    user = _user(session, username)
    old = user.role
    for key, value in {"department_id": None, "street_id": None, "community_id": None, "grid_codes": "",
                       **_resolve(session, Role(role), binding)}.items():
        setattr(user, key, value)
    user.role = str(Role(role))
    record(session, now, by.name, by.role, "role_change", username, f"{old} → {user.role}")
    _end_sessions(session, user, by, now, "role_change")


def set_disabled(session: Session, username: str, disabled: bool, by: Actor, now: datetime) -> None:
    user = _user(session, username)
    user.disabled = disabled
    record(session, now, by.name, by.role, "user_disable" if disabled else "user_enable", username)
    if disabled:
        _end_sessions(session, user, by, now, "disabled")


def _end_sessions(session: Session, user: User, by: Actor, now: datetime, reason: str) -> None:
    """A disabled account or a changed role signs the person out of every browser (issue 11)."""
    from geo.usecases.sessions import EndReason, end_all_for_user  # sessions builds on this module

    ended = end_all_for_user(session, user.id, now, EndReason(reason))
    if ended:
        record(session, now, by.name, by.role, "session_end", user.username, f"{reason}: {ended} session(s)")


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def authenticate(session: Session, username: str, password: str, now: datetime) -> Actor:
    """The actor for a correct password; records the attempt. Locks the account after MAX_FAILURES failures
    in a row for LOCKOUT. Callers commit the session whatever happens (the failure count must persist).

    Each attempt takes a slot on the account's failure counter *before* the password is checked (one atomic
    UPDATE): ten attempts in parallel cannot all read "no failures yet" and all be checked — at most
    MAX_FAILURES passwords are ever tried per lockout period, however many arrive at once."""
    if text_problem(username, None):  # no account has such a name, and PostgreSQL cannot look a NUL up
        record(session, now, visible(username), "", "sign_in_failed", visible(username), "control characters")
        raise SignInFailed()
    if len(username) > MAX_USERNAME:  # no account has such a name: refused without a lookup, still audited
        record(session, now, username, "", "sign_in_failed", username, f"user name of {len(username)} characters")
        raise SignInFailed()
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        record(session, now, username, "", "sign_in_failed", username)
        raise SignInFailed()
    attempt = _take_attempt(session, user.id, now)
    if attempt is None:
        until = session.scalar(select(User.locked_until).where(User.id == user.id))
        record(session, now, username, user.role, "sign_in_locked", username)
        raise LockedOut(until if until is not None and until > now else now + LOCKOUT)
    if user.disabled or not _verify(user.password_hash, password):
        if attempt >= MAX_FAILURES:
            _set_counter(session, user, locked_until=now + LOCKOUT)
            record(session, now, username, user.role, "lockout", username, f"for {LOCKOUT}")
        record(session, now, username, "", "sign_in_failed", username)
        raise SignInFailed()
    _set_counter(session, user, locked_until=None)
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    record(session, now, username, user.role, "sign_in", username)
    return actor_for(user)


def _take_attempt(session: Session, user_id: int, now: datetime) -> int | None:
    """Count this attempt as a failure until it proves otherwise; its number (1…MAX_FAILURES), or None when
    the account is locked or every slot is taken by attempts in flight. One statement, so that parallel
    attempts each get their own number (a read then a write would let them all read the same)."""
    users = User.__table__
    return session.execute(
        update(users)
        .where(users.c.id == user_id, users.c.failed_attempts < MAX_FAILURES,
               or_(users.c.locked_until.is_(None), users.c.locked_until <= now))
        .values(failed_attempts=users.c.failed_attempts + 1)
        .returning(users.c.failed_attempts)
    ).scalar()


def _set_counter(session: Session, user: User, locked_until: datetime | None) -> None:
    """Failures back to zero, the account locked until ``locked_until`` (None: unlocked)."""
    users = User.__table__
    session.execute(update(users).where(users.c.id == user.id).values(failed_attempts=0, locked_until=locked_until))
    session.expire(user, ["failed_attempts", "locked_until"])  # the ORM's copy is stale: reload, never write it


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(password_hash) and _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def actor_for(user: User) -> Actor:
    return Actor(name=user.display_name or user.username, role=Role(user.role), department_id=user.department_id,
                 street_id=user.street_id, community_id=user.community_id,
                 grid_codes=frozenset(c for c in user.grid_codes.split(";") if c))


def actor_from_claims(session: Session, claims: dict, role_claim: str, role_map: dict[str, str],
                      now: datetime) -> Actor:
    """Single sign-on: the account named by the claims' ``preferred_username``/``email`` if it exists (its
    role and binding are managed here), else the role mapped from ``claims[role_claim]`` (unbound roles only)."""
    username = str(claims.get("preferred_username") or claims.get("email") or "")
    user = session.scalar(select(User).where(User.username == username)) if username else None
    if user is not None and not user.disabled:
        record(session, now, username, user.role, "sign_in", username, "sso")
        return actor_for(user)
    groups = claims.get(role_claim) or []
    groups = [groups] if isinstance(groups, str) else list(groups)
    roles = [Role(role_map[g]) for g in groups if g in role_map]
    unbound = [r for r in roles if r in (Role.ADMIN, Role.SUPERVISOR, Role.ANALYST, Role.SCREEN)]
    if not username or not unbound:
        record(session, now, username or "?", "", "sign_in_failed", username, "sso: no usable role")
        raise SignInFailed()
    record(session, now, username, unbound[0], "sign_in", username, "sso")
    return Actor(name=str(claims.get("name") or username), role=unbound[0])


def create_kiosk_token(session: Session, label: str, by: Actor, now: datetime) -> str:
    """A new big-screen token; only its hash is stored, so the returned value is shown once."""
    token = secrets.token_urlsafe(32)
    session.add(KioskToken(label=label, token_hash=_digest(token), created_at=now))
    record(session, now, by.name, by.role, "kiosk_token", label)
    return token


def kiosk_actor(session: Session, token: str) -> Actor | None:
    """The read-only big-screen actor for a valid, unrevoked token, else None."""
    found = session.scalar(select(KioskToken).where(KioskToken.token_hash == _digest(token),
                                                    KioskToken.revoked.is_(False)))
    return Actor(name=f"kiosk:{found.label}", role=Role.SCREEN) if found else None


def list_kiosk_tokens(session: Session) -> list[dict]:
    """Every kiosk token (never its value): id, label, created, revoked."""
    rows = session.scalars(select(KioskToken).order_by(KioskToken.id))
    return [{"id": k.id, "label": k.label, "created_at": k.created_at, "revoked": k.revoked} for k in rows]


def revoke_kiosk_token(session: Session, id_or_label: str, by: Actor, now: datetime) -> KioskToken:
    """Revoke one kiosk token, named by its id or its label; the wall showing it falls back to the sign-in page
    at its next refresh. A label shared by several live tokens is refused (name the id)."""
    key = id_or_label.strip()
    query = select(KioskToken).where(KioskToken.revoked.is_(False))
    found = list(session.scalars(query.where(KioskToken.id == int(key)) if key.isdigit()
                                 else query.where(KioskToken.label == key)))
    if not found:
        raise AccountError(f"no live kiosk token with id or label {key!r} (see gridgov user kiosk-token --list)")
    if len(found) > 1:
        raise AccountError(f"label {key!r} names {len(found)} live kiosk tokens (ids "
                           f"{', '.join(str(k.id) for k in found)}): revoke one by its id")
    found[0].revoked = True
    record(session, now, by.name, by.role, "kiosk_token_revoke", found[0].label, f"id={found[0].id}")
    return found[0]


def _digest(token: str) -> str:
    # A random 256-bit token needs no slow hash: sha256 makes the stored value useless to a thief.
    return hashlib.sha256(token.encode()).hexdigest()


def list_users(session: Session, viewer: Actor) -> list[dict]:
    """Accounts without their hashes, for the district admin."""
    if viewer.role != Role.ADMIN:
        raise PermissionError(f"{viewer.name} ({viewer.role}) may not list accounts")
    users = session.scalars(select(User).order_by(User.username))
    return [{"username": u.username, "name": u.display_name, "role": u.role, "disabled": u.disabled,
             "locked_until": u.locked_until, "grids": u.grid_codes} for u in users]
