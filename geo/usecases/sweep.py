"""The escalation sweep: writes each due reminder (1 at the whistle, 2 yellow, 3 red, 4 discipline) to the
notification outbox exactly once per whistle. Idempotent and safe to run from cron every minute, even twice at
once: the outbox's unique (dispatch, whistle, level) key makes a second insert of the same reminder a no-op,
and each sweep counts only the rows its own insert wrote.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from geo.db import rules
from geo.db.database import backend
from geo.db.models import CaseDispatch, Notification, SweepRun
from geo.db.types import UTCDateTime
from geo.domain.vocabulary import Card
from geo.usecases import tallies

#: A sweep only tries the reminders that fell due since the previous sweep (less this margin, for clock
#: skew and overlapping runs): anything due earlier was written then. This keeps a sweep over a year of
#: history and 100,000 open dispatches well under a second.
WATERMARK_MARGIN = timedelta(minutes=10)


def sweep(session: Session, now: datetime, full: bool = False) -> int:
    """Insert the reminders due as of ``now``; returns how many were new. ``full`` ignores the previous
    sweep and checks every dispatch (after importing dispatches whistled in the past, say)."""
    sql = backend(session.get_bind().dialect.name)
    last_run = session.scalar(select(func.max(SweepRun.ran_at)))
    levels = rules.reminder_thresholds()
    d = CaseDispatch
    elapsed = rules.elapsed_seconds(sql, now)
    due = (
        select(d.id, d.whistled_at, levels.c.level, literal(now, type_=UTCDateTime()), literal(0))
        .join(levels, elapsed >= levels.c.threshold)
        .where(d.whistled_at <= now)
    )
    if last_run is not None and not full:
        since = last_run - WATERMARK_MARGIN
        # Only a dispatch whistled within the longest threshold before `since` can cross one now (an index
        # range on whistled_at), and only the levels it had not reached at `since` are new.
        oldest = since - timedelta(seconds=rules.thresholds()[Card.DISCIPLINE])
        due = due.where(d.whistled_at >= oldest, rules.elapsed_seconds(sql, since) < levels.c.threshold)
    # The insert's own row count: counting the table before and after would include what a concurrent
    # sweep committed meanwhile, and both would report it.
    inserted = session.execute(sql.insert_from_select_ignoring_conflicts(
        Notification.__table__, ["dispatch_id", "whistled_at", "level", "created_at", "attempts"], due),
        execution_options={"preserve_rowcount": True}).rowcount
    session.add(SweepRun(ran_at=now, inserted=inserted))
    if tallies.active(session):
        tallies.refresh_recent(session, now)
    session.flush()
    return inserted
