"""Delivering the outbox's reminders through a pluggable notifier, with retries; nothing is ever lost:
a reminder stays in the outbox until a delivery succeeds, and each failure is recorded with its error."""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from geo.db.models import Case, CaseDispatch, Department, Notification
from geo.domain.personal_data import mask_contact_fields

log = logging.getLogger("gridgov.notify")

LEVEL_NAMES = {1: "reminder_1_whistle", 2: "reminder_2_yellow_card", 3: "reminder_3_red_card",
               4: "discipline_inspection"}
MAX_BACKOFF = timedelta(hours=1)


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


def _message(notification: Notification, number: str, department: str) -> dict:
    return {"notification_id": notification.id, "case": number, "department": department,
            "level": notification.level, "kind": LEVEL_NAMES[notification.level]}


def deliver_pending(session: Session, notifier: Notifier, now: datetime, limit: int = 500) -> tuple[int, int]:
    """Try each undelivered reminder whose retry time has come; returns (delivered, failed)."""
    rows = session.execute(
        select(Notification, Case.number, Department.name)
        .join(CaseDispatch, CaseDispatch.id == Notification.dispatch_id)
        .join(Case, Case.id == CaseDispatch.case_id)
        .join(Department, Department.id == CaseDispatch.department_id)
        .where(Notification.delivered_at.is_(None),
               or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now))
        .order_by(Notification.id).limit(limit)
        .with_for_update(skip_locked=True, of=Notification)
    ).all()
    delivered = failed = 0
    for notification, number, department in rows:
        notification.attempts += 1
        try:
            notifier.send(_message(notification, number, department))
        except Exception as exc:  # any failure of the channel: keep the reminder, retry later
            failed += 1
            notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            notification.next_attempt_at = now + min(timedelta(minutes=2 ** notification.attempts), MAX_BACKOFF)
        else:
            delivered += 1
            notification.delivered_at = now
    session.flush()
    return delivered, failed
