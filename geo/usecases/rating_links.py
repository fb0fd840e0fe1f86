"""Residents rate a closed case through a link, without an account (DOMAIN.md: "the resident rates the
result"; issue 13). The link belongs to one closing of the case: valid from the closing for
GRIDGOV_RATING_LINK_DAYS, used at most once, and void once the case leaves "closed" (rated on the phone by a
supervisor, reopened). An unsatisfied rating sends the case back for rework through the normal workflow.

The token is ``<link id>.<signature>``: the signature is an HMAC-SHA256 of the link's id, case and expiry
under the server secret (geo.config.secret_key), so the supervisor's panel can show the same link again (and
print it as a QR code on the closing notice) while the database holds nothing that could forge one. Single
use is a conditional UPDATE of ``used_at`` — the first statement of the rating transaction — so two
submissions at once rate once. Pages call ``issue_rating_link``, ``open_link`` (through Database.read) and
``submit_rating``; the functions taking a Session run inside a caller's transaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo.config import rating_link_days, secret_key
from geo.db.database import Database
from geo.db.models import Case, RatingLink
from geo.domain.actors import Actor
from geo.domain.vocabulary import Rating, Role, Status
from geo.domain.workflow import CaseChanged, InvalidInput
from geo.usecases.case_actions import perform

MAX_COMMENT = 500


class Problem(StrEnum):
    """Why a link cannot be used; each gets its own page."""

    UNKNOWN = "unknown"  # no such link, or the signature does not match
    EXPIRED = "expired"
    USED = "used"  # rated already, through this link or on the resident's behalf
    NOT_OPEN = "not_open"  # the case is no longer waiting for a rating (reopened, changed meanwhile)


class LinkRefused(Exception):
    def __init__(self, problem: Problem):
        super().__init__(f"rating link refused: {problem}")
        self.problem = problem


@dataclass(frozen=True)
class LinkView:
    """What the public page shows: the case's number, kind and dates — no reporter, no description."""

    number: str
    category: str
    reported_at: datetime
    closed_at: datetime
    expires_at: datetime


def issue_rating_link(db: Database, case_id: int, now: datetime) -> str | None:
    """``rating_token`` in a transaction of its own (the case panel's one call)."""
    with db.transaction() as session:
        return rating_token(session, case_id, now)


def submit_rating(db: Database, token: str, rating: str, comment: str, now: datetime) -> Status:
    """``rate_by_link`` in a transaction of its own (the rating page's one call): all or nothing."""
    with db.transaction() as session:
        return rate_by_link(session, token, rating, comment, now)


def rating_token(session: Session, case_id: int, now: datetime, secret: bytes | None = None,
                 valid_for: timedelta | None = None) -> str | None:
    """The rating link token for the case's current closing (issued on first request), or None when the case
    is not closed. Valid until the closing plus ``valid_for`` (default GRIDGOV_RATING_LINK_DAYS)."""
    case = session.get(Case, case_id)
    if case is None or case.status != Status.CLOSED or case.closed_at is None:
        return None
    link = _link_for(session, case) or _issue(session, case, now, valid_for)
    return _token(link, secret or secret_key())


def _link_for(session: Session, case: Case) -> RatingLink | None:
    return session.scalar(select(RatingLink).where(RatingLink.case_id == case.id,
                                                   RatingLink.closed_at == case.closed_at))


def _issue(session: Session, case: Case, now: datetime, valid_for: timedelta | None) -> RatingLink:
    valid_for = valid_for or timedelta(days=rating_link_days())
    link = RatingLink(case_id=case.id, closed_at=case.closed_at, created_at=now,
                      expires_at=case.closed_at + valid_for)
    try:
        with session.begin_nested():  # two panels issuing at once: the loser reads the winner's link
            session.add(link)
    except IntegrityError:
        return _link_for(session, case)
    return link


def _signature(secret: bytes, link_id: int, case_id: int, expires_at: datetime) -> str:
    message = f"rating:{link_id}:{case_id}:{expires_at.timestamp():.0f}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:16]  # 128 bits: short enough for a QR code
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _token(link: RatingLink, secret: bytes) -> str:
    return f"{link.id}.{_signature(secret, link.id, link.case_id, link.expires_at)}"


def _check(session: Session, token: str, now: datetime, secret: bytes | None) -> tuple[RatingLink, Case]:
    """The link and its case if the token is genuine and usable now; else LinkRefused with the reason."""
    link_id, _, signature = token.partition(".")
    link = session.get(RatingLink, int(link_id)) if link_id.isdigit() and len(link_id) < 12 else None
    expected = _signature(secret or secret_key(), link.id, link.case_id, link.expires_at) if link else ""
    if link is None or not hmac.compare_digest(expected, signature):
        raise LinkRefused(Problem.UNKNOWN)
    case = session.get(Case, link.case_id)
    if link.used_at is not None or (case.rated_at is not None and case.rated_at >= link.closed_at):
        raise LinkRefused(Problem.USED)
    if now >= link.expires_at:
        raise LinkRefused(Problem.EXPIRED)
    if case.status != Status.CLOSED or case.closed_at != link.closed_at:
        raise LinkRefused(Problem.NOT_OPEN)
    return link, case


def open_link(session: Session, token: str, now: datetime, secret: bytes | None = None) -> LinkView:
    """What the rating page shows for a usable link (reads only); LinkRefused otherwise."""
    link, case = _check(session, token, now, secret)
    return LinkView(case.number, case.category.name if case.category else "", case.reported_at,
                    case.closed_at, link.expires_at)


def rate_by_link(session: Session, token: str, rating: str, comment: str, now: datetime,
                 secret: bytes | None = None) -> Status:
    """Record the resident's rating through the link, once; returns the case's new status (rated, or rework
    for an unsatisfied rating). InvalidInput for a bad rating or comment, LinkRefused for an unusable link."""
    value, comment = _valid_input(rating, comment)
    link, case = _check(session, token, now, secret)
    claimed = session.execute(update(RatingLink).where(RatingLink.id == link.id, RatingLink.used_at.is_(None))
                              .values(used_at=now, rating=str(value)))
    if claimed.rowcount != 1:
        raise LinkRefused(Problem.USED)
    try:
        return _rate(session, case, value, comment, now)
    except CaseChanged:
        raise LinkRefused(Problem.NOT_OPEN) from None


def _valid_input(rating: str, comment: str) -> tuple[Rating, str]:
    try:
        value = Rating(rating)
    except ValueError:
        raise InvalidInput(f"unknown rating {rating!r}; ratings: {', '.join(Rating)}") from None
    comment = "".join(ch for ch in (comment or "") if ch.isprintable() or ch == "\n").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"a comment has at most {MAX_COMMENT} characters, got {len(comment)}")
    return value, comment


def _rate(session: Session, case: Case, value: Rating, comment: str, now: datetime) -> Status:
    """The one call into the case workflow (geo.usecases.case_actions): rate as the resident."""
    # The resident acting through the link: bound to the link's case (geo.domain.permissions.is_reporter); the
    # timeline shows the role (居民); the link is the only channel.
    resident = Actor("", Role.RESIDENT, link_case_id=case.id)
    perform(session, case.id, "rate", resident, case.version, now, rating=str(value), note=comment)
    return Status(case.status)
