"""Keeping the tallies current (geo.db.tallies says what they count; geo.read.tally_metrics reads them).

Every writer recounts the tally rows its cases map to, in its own transaction, from the cases themselves: a
case action the rows of the case before and after it (``kept``), an intake or an import the rows of the new
cases (``recount_cases``), a re-cut and a bulk load everything (``rebuild``). Recounting a key
is idempotent, so a row is always exactly its cases' counts, however often it is recounted; the sweep
recounts the last two days as a safety net for writers outside these paths (``refresh_recent``).

Keys: the local day of report (and of closure) → every tally_days / tally_departments / tally_categories
row of that day (a city's day is ~30,000 cases: tens of milliseconds), and (local month, grid) → one
tally_months row (~20 cases).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ
from geo.db import tallies
from geo.db.database import backend
from geo.db.models import (
    CASE_COUNTERS,
    DISPATCH_COUNTERS,
    Case,
    CaseDispatch,
    TallyCategory,
    TallyDay,
    TallyDepartment,
    TallyMonth,
    TallyState,
)
from geo.read.analysis_filters import local_midnight

_TIMES = ("reported_at", "accepted_at", "whistled_at", "reported_in_at", "answered_at", "closed_at", "rated_at",
          "rejected_at", "deferred_at")
_BATCH = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))


@dataclass
class Keys:
    """The tally rows a set of cases maps to: days (report and closure) and (month, grid) pairs."""

    days: set[date] = field(default_factory=set)
    grid_months: set[tuple[date, int]] = field(default_factory=set)

    def __or__(self, other: Keys) -> Keys:
        return Keys(self.days | other.days, self.grid_months | other.grid_months)


def keys_of(session: Session, case_ids) -> Keys:
    """The keys of these cases as they are now (call before and after a change: both sides are recounted)."""
    sql, ids, keys = _sql(session), [int(i) for i in case_ids], Keys()
    for start in range(0, len(ids), _BATCH):
        rows = session.execute(select(sql.local_date(Case.reported_at), sql.local_date(Case.closed_at),
                                      sql.local_month(Case.reported_at), func.coalesce(Case.grid_id, 0))
                               .where(Case.id.in_(ids[start:start + _BATCH]))).all()
        for reported, closed, month, grid in rows:
            keys.days.update(_date(d) for d in (reported, closed) if d is not None)
            keys.grid_months.add((_date(month), int(grid)))
    return keys


def recount(session: Session, keys: Keys) -> None:
    """Recount every tally row of ``keys`` from the cases (delete, then insert what the cases say now)."""
    sql = _sql(session)
    if keys.days:
        days = sorted(keys.days)
        reported = [*_spanning(Case.reported_at, days), sql.local_date(Case.reported_at).in_(days)]
        closed = [*_spanning(Case.closed_at, days), sql.local_date(Case.closed_at).in_(days)]
        for model in (TallyDay, TallyDepartment, TallyCategory):
            session.execute(delete(model).where(model.day.in_(days)))
        _insert_days(session, sql, reported, closed)
    for month, grids in _by_month(keys.grid_months).items():
        session.execute(delete(TallyMonth).where(TallyMonth.month == month, TallyMonth.grid_id.in_(grids)))
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        in_grids = or_(Case.grid_id.in_([g for g in grids if g]), *([Case.grid_id.is_(None)] if 0 in grids else []))
        _insert(session, TallyMonth, tallies.month_rows(sql, [
            Case.reported_at >= local_midnight(month), Case.reported_at < local_midnight(following), in_grids]),
            ["month", "grid_id"])


def active(session: Session) -> bool:
    """Whether the tallies are kept: once built (``rebuild``). Before that the readers count from the cases
    and nothing is maintained (a database upgraded with cases in it, a test's hand-made district)."""
    state = session.get(TallyState, 1)
    return state is not None and state.through is not None


def recount_cases(session: Session, case_ids) -> None:
    """After new cases were written (an intake, an import): their rows, and the latest time tallied."""
    ids = [int(i) for i in case_ids]
    if ids and active(session):
        session.flush()
        recount(session, keys_of(session, ids))
        _raise_through(session, _latest(session, ids))


@contextmanager
def kept(session: Session, case_ids) -> Iterator[None]:
    """Around a change to existing cases: recount the rows of their keys before and after it."""
    ids = [int(i) for i in case_ids]
    if not active(session):
        yield
        return
    before = keys_of(session, ids)
    yield
    session.flush()
    recount(session, before | keys_of(session, ids))
    _raise_through(session, _latest(session, ids))


def rebuild(session: Session) -> None:
    """Every tally from scratch (after a bulk load or a re-cut, or ``gridgov tallies --rebuild``)."""
    sql = _sql(session)
    for model in tallies.TABLES:
        session.execute(delete(model))
    _insert_days(session, sql, [], [])
    _insert(session, TallyMonth, tallies.month_rows(sql, []), ["month", "grid_id"])
    session.execute(delete(TallyState))
    session.add(TallyState(id=1, through=_latest(session, None) or _EPOCH))  # built, even with no case yet
    session.flush()


def refresh_recent(session: Session, now: datetime) -> None:
    """The sweep's safety net: recount today's and yesterday's rows (local days)."""
    today = now.astimezone(ZoneInfo(LOCAL_TZ)).date()
    recount(session, Keys({today, today - timedelta(days=1)}))


def _insert_days(session: Session, sql, reported: list, closed: list) -> None:
    days = _merge(session, tallies.day_rows(sql, reported), ["day", "street_id"])
    closures = _merge(session, [tallies.closed_rows(sql, closed)], ["day", "street_id"])
    _write(session, TallyDay, _merge_frames([days, closures], ["day", "street_id"]))
    _insert(session, TallyDepartment, tallies.department_rows(sql, reported), ["day", "department_id", "district_id"])
    _insert(session, TallyCategory, tallies.category_rows(sql, reported), ["day", "district_id", "category_id"])


def _insert(session: Session, model, queries: list, keys: list[str]) -> None:
    _write(session, model, _merge(session, queries, keys))


def _merge(session: Session, queries: list, keys: list[str]) -> pd.DataFrame:
    frames = []
    for query in queries:
        result = session.execute(query)
        frames.append(pd.DataFrame(result.all(), columns=list(result.keys())))
    return _merge_frames(frames, keys)


def _merge_frames(frames: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """Outer-join the grouped counts on their keys (a key one side lacks counts 0 there)."""
    merged = frames[0]
    for frame in frames[1:]:
        merged = merged.merge(frame, on=keys, how="outer")
    for key in ("day", "month"):
        if key in merged:
            merged[key] = merged[key].map(_date)
    return merged.fillna(0)


def _write(session: Session, model, frame: pd.DataFrame) -> None:
    counters = [c for c in (*CASE_COUNTERS, *DISPATCH_COUNTERS, "closed_day") if c in model.__table__.c]
    for column in counters:
        frame[column] = frame[column].astype("int64") if column in frame else 0
    _sql(session).bulk_insert(session.connection(), model.__table__, frame)


def _raise_through(session: Session, latest: datetime | None) -> None:
    state = session.get(TallyState, 1)
    if latest is not None and latest > state.through:
        state.through = latest


def _latest(session: Session, case_ids: list[int] | None) -> datetime | None:
    """The latest time these cases (all cases: None) and their dispatches carry."""
    only = [] if case_ids is None else [Case.id.in_(case_ids)]
    times = tuple(session.execute(select(*(func.max(getattr(Case, t)) for t in _TIMES)).where(*only)).one())
    dispatch_only = [] if case_ids is None else [CaseDispatch.case_id.in_(case_ids)]
    times += tuple(session.execute(select(func.max(CaseDispatch.whistled_at), func.max(CaseDispatch.reported_in_at),
                                    func.max(CaseDispatch.answered_at)).where(*dispatch_only)).one())
    present = [t for t in times if t is not None]
    return max(present) if present else None


def _spanning(column, days: list[date]) -> list:
    """An index range covering ``days`` (the exact days are filtered by their local date)."""
    return [column >= local_midnight(days[0]), column < local_midnight(days[-1] + timedelta(days=1))]


def _by_month(grid_months: set[tuple[date, int]]) -> dict[date, list[int]]:
    months: dict[date, list[int]] = {}
    for month, grid in sorted(grid_months):
        months.setdefault(month, []).append(grid)
    return months


def _date(value) -> date:
    return value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def _sql(session: Session):
    return backend(session.get_bind().dialect.name)

