"""Figures for the overview page: district KPI tiles and open load per grid. Aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from geo.models import Case, Grid
from geo.vocabulary import DONE_STATUSES, OPEN_STATUSES, Rating, Status


@dataclass(frozen=True)
class Kpis:
    received: int
    closed: int
    open: int
    overdue: int
    rated: int
    satisfied: int
    due: int  # received less rejected and deferred: what the closure rate is measured against

    @property
    def closure_rate(self) -> float | None:
        return self.closed / self.due if self.due else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def district_kpis(session: Session, now: datetime, start: datetime | None = None,
                  end: datetime | None = None) -> Kpis:
    """KPIs over cases reported in [start, end) (all cases when unset); open/overdue as of ``now``."""
    is_open = Case.status.in_([str(s) for s in OPEN_STATUSES])
    query = select(
        func.count(),
        _count_if(Case.status.in_([str(s) for s in DONE_STATUSES])),
        _count_if(is_open),
        _count_if(and_(is_open, Case.status != Status.DEFERRED, Case.deadline < now)),
        _count_if(Case.rating.is_not(None)),
        _count_if(Case.rating.in_([Rating.SATISFIED, Rating.BASIC])),
        _count_if(Case.status.not_in([Status.REJECTED, Status.DEFERRED])),
    )
    if start is not None:
        query = query.where(Case.reported_at >= start)
    if end is not None:
        query = query.where(Case.reported_at < end)
    return Kpis(*(int(v) for v in session.execute(query).one()))


def open_cases_by_grid(session: Session, layout_id: int) -> dict[int, int]:
    """Open cases per grid id of the layout (grids with none are absent)."""
    rows = session.execute(
        select(Case.grid_id, func.count())
        .join(Grid, Grid.id == Case.grid_id)
        .where(Grid.layout_id == layout_id, Case.status.in_([str(s) for s in OPEN_STATUSES]))
        .group_by(Case.grid_id)
    ).all()
    return {int(g): int(n) for g, n in rows}
