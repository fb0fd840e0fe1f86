"""Case numbers: prefix + local date + a 6-digit sequence per prefix and day (GG20260302000001 for a single
report, IM20260302000001 for an import), drawn from a counter row incremented atomically.

Why a counter and not random digits: numbers are unique in the database, and a number that clashes makes the
insert fail. Random digits clash by the birthday rule (8 of 1,000 cases reported at 140/s did); a counter
incremented by one UPDATE … RETURNING in the writer's own transaction cannot, on either backend — PostgreSQL
queues concurrent writers on the counter's row, SQLite has one writer at a time.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ
from geo.db.database import backend
from geo.db.models import Case, Counter

SINGLE_PREFIX, IMPORT_PREFIX = "GG", "IM"
DIGITS = 6


def case_numbers(session: Session, count: int, at: datetime, prefix: str = SINGLE_PREFIX) -> list[str]:
    """``count`` new consecutive numbers for cases of ``at``'s local day; flushes nothing else, holds the
    counter's row until the caller's transaction ends."""
    if count == 0:
        return []
    day = f"{prefix}{at.astimezone(ZoneInfo(LOCAL_TZ)):%Y%m%d}"
    last = _advance(session, day, count)
    if last is None:  # the day's first number: start after any number of the day already stored
        sql = backend(session.get_bind().dialect.name)
        start = select(literal(day), literal(_highest_stored(session, day)))
        session.execute(sql.insert_from_select_ignoring_conflicts(Counter.__table__, ["name", "value"], start))
        last = _advance(session, day, count)
    first = last - count + 1
    if last >= 10 ** DIGITS:
        raise ValueError(f"more than {10 ** DIGITS - 1:,} cases numbered {day}…: the day's numbers are used up")
    return [f"{day}{n:0{DIGITS}d}" for n in range(first, last + 1)]


def _advance(session: Session, name: str, count: int) -> int | None:
    counters = Counter.__table__
    return session.execute(update(counters).where(counters.c.name == name)
                           .values(value=counters.c.value + count).returning(counters.c.value)).scalar()


def _highest_stored(session: Session, day: str) -> int:
    """The highest sequence among stored numbers of ``day`` (numbers written before the counter existed)."""
    last = session.scalar(select(func.max(Case.number)).where(
        Case.number.between(day + "0" * DIGITS, day + "9" * DIGITS), func.length(Case.number) == len(day) + DIGITS))
    return int(last[-DIGITS:]) if last else 0
