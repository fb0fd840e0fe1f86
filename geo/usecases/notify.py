"""Delivering the outbox's reminders through a pluggable notifier, with retries; nothing is ever lost:
a reminder stays in the outbox until a delivery succeeds, and each failure is recorded with its error. Two
senders running at once (two ``gridgov sweep --deliver`` from cron) never send one reminder twice: each
claims its rows first."""

from __future__ import annotations

import json
import logging
import urllib.request
import uuid
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from geo.db.database import Database
from geo.db.models import Case, CaseDispatch, Department, Notification
from geo.domain.personal_data import mask_contact_fields

log = logging.getLogger("gridgov.notify")

LEVEL_NAMES = {1: "reminder_1_whistle", 2: "reminder_2_yellow_card", 3: "reminder_3_red_card",
               4: "discipline_inspection"}
MAX_BACKOFF = timedelta(hours=1)
#: How long a sender's claim on a reminder holds: past it, a sender that died mid-way loses the rows to the next.
CLAIM_LEASE = timedelta(minutes=5)


class Notifier(Protocol):
    def send(self, message: dict) -> None:
        """Deliver one message or raise."""


class LogNotifier:
    """Writes each message to the log — with reporters' contact fields masked: a log is no place for them."""

    def send(self, message: dict) -> None:
        log.warning("escalation %s", json.dumps(mask_contact_fields(message), ensure_ascii=False))


class WebhookNotifier:
    """POSTs each message as JSON to an intranet endpoint (e.g. the center's SMS gateway)."""

    def __init__(self, url: str, timeout: float = 10.0):
        self.url, self.timeout = url, timeout

    def send(self, message: dict) -> None:
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            if response.status >= 300:
                raise RuntimeError(f"webhook answered HTTP {response.status}")


def _message(row) -> dict:
    return {"notification_id": row.id, "case": row.number, "department": row.department, "level": row.level,
            "kind": LEVEL_NAMES[row.level]}


def deliver_pending(db: Database, notifier: Notifier, now: datetime, limit: int = 500,
                    lease: timedelta = CLAIM_LEASE) -> tuple[int, int]:
    """Claim up to ``limit`` undelivered reminders whose retry time has come, send each, record each outcome;
    returns (delivered, failed) among the rows *this* call claimed.

    Three short transactions, none held open while a message is on the wire: claim (one conditional UPDATE,
    so that of two senders running at once each row goes to exactly one — on SQLite too, where FOR UPDATE
    SKIP LOCKED is not available), then per message its outcome. A sender that dies mid-way leaves its claim
    to expire after ``lease``; the rows are then sent again (at least once, never lost)."""
    claim = uuid.uuid4().hex
    with db.transaction() as session:
        if not claim_due(session, claim, now, limit, lease):
            return 0, 0
    with db.session() as session:
        rows = session.execute(
            select(Notification.id, Notification.level, Case.number, Department.name.label("department"))
            .join(CaseDispatch, CaseDispatch.id == Notification.dispatch_id)
            .join(Case, Case.id == CaseDispatch.case_id)
            .join(Department, Department.id == CaseDispatch.department_id)
            .where(Notification.claimed_by == claim).order_by(Notification.id)).all()
    delivered = failed = 0
    for row in rows:
        error = _send(notifier, _message(row))
        with db.transaction() as session:
            _record(session, row.id, claim, now, error)
        delivered, failed = (delivered + 1, failed) if error is None else (delivered, failed + 1)
    return delivered, failed


def claim_due(session: Session, claim: str, now: datetime, limit: int, lease: timedelta = CLAIM_LEASE) -> int:
    """Mark up to ``limit`` due, unclaimed (or expired-claim) reminders as ``claim``'s; returns how many.

    The claim conditions sit in the UPDATE's own WHERE: a concurrent sender's UPDATE re-checks them on the
    row it waited for (PostgreSQL) or runs after this one's commit (SQLite's single writer), so it skips
    rows claimed meanwhile. On PostgreSQL the candidate rows are also locked SKIP LOCKED, so a second sender
    takes other rows instead of waiting."""
    n = Notification.__table__.c
    free = [n.delivered_at.is_(None), or_(n.next_attempt_at.is_(None), n.next_attempt_at <= now),
            or_(n.claimed_until.is_(None), n.claimed_until <= now)]
    candidates = (select(n.id).where(*free).order_by(n.id).limit(limit)
                  .with_for_update(skip_locked=True).scalar_subquery())
    return session.execute(update(Notification.__table__).where(n.id.in_(candidates), *free)
                           .values(claimed_by=claim, claimed_until=now + lease)).rowcount


def _send(notifier: Notifier, message: dict) -> str | None:
    """None when sent, else the error (any failure of the channel: the reminder is kept and retried)."""
    try:
        notifier.send(message)
    except Exception as exc:  # noqa: BLE001 - whatever the channel raises, the reminder must survive it
        return f"{type(exc).__name__}: {exc}"[:2000]
    return None


def _record(session: Session, notification_id: int, claim: str, now: datetime, error: str | None) -> None:
    """One send's outcome, on the row only while this sender's claim holds; the claim is released."""
    row = session.scalar(select(Notification).where(Notification.id == notification_id,
                                                    Notification.claimed_by == claim))
    if row is None:  # the lease ran out and another sender took the row over: its outcome counts
        return
    row.attempts += 1
    row.claimed_by, row.claimed_until = None, None
    if error is None:
        row.delivered_at = now
    else:
        row.last_error = error
        row.next_attempt_at = now + min(timedelta(minutes=2 ** row.attempts), MAX_BACKOFF)
