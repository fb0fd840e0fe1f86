"""Figures for the overview page: KPI tiles (the city's or one district's) and open load per grid. Aggregated
in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.db import rules
from geo.db.models import Case, Community, Grid, Street
from geo.db.rules import is_counted
from geo.db.scope import aggregate_condition, area_condition
from geo.domain.actors import Actor
from geo.domain.permissions import figures_district, may
from geo.domain.rules import rate_of
from geo.read.layouts import LayoutView, active_layout_view, area_bounds
from geo.read.map_shapes import MapView, Shapes, fitting_view, shapes_in_view
from geo.read import tally_metrics
from geo.read.metrics import case_figures, metrics


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


def area_kpis(session: Session, now: datetime, district_id: int | None = None, start: datetime | None = None,
              end: datetime | None = None, *, actor: Actor) -> Kpis:
    """``district_kpis`` of the city or one district over [start, end): for an actor allowed district metrics
    through geo.read.metrics (from the tallies when they can serve: a city's KPIs never rescan its cases),
    else over the actor's own cases."""
    if not may(actor.role, "view_district_metrics"):
        return district_kpis(session, now, start, end, [area_condition(district_id)], actor=actor)
    rows = metrics(session, "district", now, start, end, actor=actor, district_id=district_id,
                   with_percentiles=False)
    if rows.empty:
        return Kpis(**{name: 0 for name in Kpis.__dataclass_fields__})
    return Kpis(**{name: int(rows.iloc[0][name]) for name in Kpis.__dataclass_fields__})


@dataclass(frozen=True)
class Overview:
    """The overview page: the active layout, the KPIs (the city's or one district's, over what the actor may
    count) and open cases per shape of the map's view (``shapes``: its grids, or a city's streets or
    districts), ``bounds`` to fit it to."""

    layout: LayoutView
    kpis: Kpis
    open_by_grid: dict[int, int]  # by shape id (grid ids, or street or district ids: shapes.level)
    shapes: Shapes
    bounds: tuple[float, float, float, float]


def overview(session: Session, now: datetime, view: MapView | None = None, district_id: int | None = None, *,
             actor: Actor) -> Overview:
    """Everything the overview page shows, as of ``now``, for the map's ``view`` (None: the fitted city or
    district), over what ``actor`` may count (district-wide for district-figure roles, else the actor's own
    cases; a district-bound actor: its district); NoActiveLayout without a grid layout."""
    district_id = figures_district(actor, district_id)
    layout = active_layout_view(session)
    bounds = area_bounds(session, layout.id, district_id)
    shapes = shapes_in_view(session, layout.id, view or fitting_view(bounds), district_id=district_id)
    return Overview(layout, area_kpis(session, now, district_id, actor=actor),
                    open_cases_by_area(session, layout.id, shapes.level, district_id, now, actor=actor), shapes,
                    bounds)


def open_cases_by_grid(session: Session, layout_id: int, district_id: int | None = None, *,
                       actor: Actor) -> dict[int, int]:
    """Open cases ``actor`` may count per grid id of the layout, of the city or one district (grids with none
    are absent)."""
    rows = session.execute(
        select(Case.grid_id, func.count())
        .join(Grid, Grid.id == Case.grid_id)
        .where(Grid.layout_id == layout_id, rules.is_open(), aggregate_condition(actor), area_condition(district_id))
        .group_by(Case.grid_id)
    ).all()
    return {int(g): int(n) for g, n in rows}


def open_cases_by_area(session: Session, layout_id: int, level: str, district_id: int | None = None,
                       now: datetime | None = None, *, actor: Actor) -> dict[int, int]:
    """Open cases ``actor`` may count per grid, street or district id (``level``, as geo.read.map_shapes
    draws them), of the city or one district (areas with none are absent) — from the tallies when they serve
    ``now`` and the actor counts district-wide."""
    wide = may(actor.role, "view_district_metrics")
    tallied = tally_metrics.open_by_area(session, now, level, district_id) if now is not None and wide else None
    if tallied is not None:
        return tallied
    if level == "grid":
        return open_cases_by_grid(session, layout_id, district_id, actor=actor)
    key = Street.district_id if level == "district" else Street.id
    rows = session.execute(
        select(key, func.count()).select_from(Case).join(Grid, Grid.id == Case.grid_id)
        .join(Community, Community.id == Grid.community_id).join(Street, Street.id == Community.street_id)
        .where(Grid.layout_id == layout_id, rules.is_open(), aggregate_condition(actor),
               area_condition(district_id))
        .group_by(key)
    ).all()
    return {int(a): int(n) for a, n in rows if a is not None}
