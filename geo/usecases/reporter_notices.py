"""Telling every reporter of a case that it closed — the first reporter, the reporters of duplicates merged
into it, and those who followed it — once each, through the same pluggable notifier as the escalation
reminders (geo.usecases.notify). Run by ``gridgov sweep --deliver``; a failed delivery is retried next time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from geo.db.models import Case, CaseReporter
from geo.domain.vocabulary import DONE_STATUSES, Status
from geo.usecases.notify import Notifier, log

_FINISHED = [str(s) for s in (*DONE_STATUSES, Status.REJECTED)]


def notify_reporters(session: Session, notifier: Notifier, now: datetime, limit: int = 500) -> tuple[int, int]:
    """Send a "case closed" message to each reporter not yet told whose case (or the case their report was
    merged into) is finished; returns (delivered, failed)."""
    followed = aliased(Case)
    case_id = func.coalesce(Case.merged_into_id, Case.id)
    rows = session.execute(
        select(CaseReporter, followed.number, followed.status)
        .join(Case, Case.id == CaseReporter.case_id)
        .join(followed, followed.id == case_id)
        .where(CaseReporter.notified_at.is_(None), followed.status.in_(_FINISHED))
        .order_by(CaseReporter.id).limit(limit)).all()
    delivered = failed = 0
    for reporter, number, status in rows:
        message = {"kind": "case_closed", "case": number, "status": status, "reporter_id": reporter.id,
                   "client_id": reporter.client_id, "phone": reporter.phone, "email": reporter.email,
                   "account_id": reporter.account_id}
        try:
            notifier.send(message)
        except Exception as exc:  # any failure of the channel: the reporter is told on a later sweep
            failed += 1
            log.warning("reporter notice for case %s failed: %s", number, exc)
        else:
            delivered += 1
            reporter.notified_at = now
    session.flush()
    return delivered, failed
