"""Figures for the overview page: district KPI tiles and open load per grid. Aggregated in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.db import rules
from geo.db.models import Case, Grid
from geo.db.rules import is_counted
from geo.db.scope import aggregate_condition
from geo.domain.actors import Actor
from geo.domain.rules import rate_of
from geo.read.layouts import LayoutView, active_layout_view
from geo.read.metrics import case_figures


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
        return rate_of("closure_rate", vars(self))

    @property
    def satisfaction_rate(self) -> float | None:
        return rate_of("satisfaction_rate", vars(self))


def district_kpis(session: Session, now: datetime, start: datetime | None = None,
                  end: datetime | None = None, where: Sequence = (), *, actor: Actor) -> Kpis:
    """KPIs over the cases ``actor`` may count (geo.db.scope.aggregate_condition) reported in [start, end)
    (all cases when unset), narrowed by the SQL conditions ``where`` (one grid, say); open/overdue as of
    ``now``. The figures are geo.read.metrics' own definitions, aggregated in one query without the metrics'
    joins."""
    figures = {column.name: column for column in case_figures(now)}
    query = (select(*(figures[name] for name in Kpis.__dataclass_fields__)).select_from(Case)
             .where(is_counted(), aggregate_condition(actor), *where))
    if start is not None:
        query = query.where(Case.reported_at >= start)
    if end is not None:
        query = query.where(Case.reported_at < end)
    return Kpis(**{name: int(value) for name, value in session.execute(query).one()._mapping.items()})


@dataclass(frozen=True)
class Overview:
    """The overview page: the active layout, the KPIs and open cases per grid the actor may count."""

    layout: LayoutView
    kpis: Kpis
    open_by_grid: dict[int, int]


def overview(session: Session, now: datetime, *, actor: Actor) -> Overview:
    """Everything the overview page shows, as of ``now``, over what ``actor`` may count (district-wide for
    district-figure roles, else the actor's own cases); NoActiveLayout without a grid layout."""
    layout = active_layout_view(session)
    return Overview(layout, district_kpis(session, now, actor=actor),
                    open_cases_by_grid(session, layout.id, actor=actor))


def open_cases_by_grid(session: Session, layout_id: int, *, actor: Actor) -> dict[int, int]:
    """Open cases ``actor`` may count per grid id of the layout (grids with none are absent)."""
    rows = session.execute(
        select(Case.grid_id, func.count())
        .join(Grid, Grid.id == Case.grid_id)
        .where(Grid.layout_id == layout_id, rules.is_open(), aggregate_condition(actor))
        .group_by(Case.grid_id)
    ).all()
    return {int(g): int(n) for g, n in rows}
