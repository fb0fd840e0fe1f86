"""The supervisors' case map: filters → SQL, and what the map draws for the current view.

At the district's scale (48,000 cases; a city: millions) the browser must never receive every case. So the
map layer is decided here, in SQL, for the view the user looks at:

- zoomed in (``DETAIL_ZOOM`` or closer), or the filter leaves at most ``CAP`` cases: the individual cases
  in view, each with its worst escalation card, at most ``CAP`` of them;
- otherwise, or when more than ``CAP`` cases are in view: counts per area of the level the view's shapes
  are drawn at (geo.read.map_shapes: grids in view, or the streets or districts of a city), with the cases
  outside every grid as counts per screen cell placed at their mean position.

Only the rows drawn leave the database: at most a few thousand, whatever the number of cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from geo.db import rules
from geo.db.database import backend
from geo.db.models import Case, CaseDispatch, CaseEvent, Category, Community, District, Grid, Street
from geo.db.scope import case_condition
from geo.db.sql import count_if
from geo.domain.actors import Actor
from geo.domain.permissions import DISTRICT_WIDE
from geo.domain.text import text_problem
from geo.domain.vocabulary import Source, Status
from geo.read.map_shapes import MapView
from geo.read import tally_metrics
from geo.read.metrics import metrics

#: Individual cases are drawn from this zoom level on (≈ 4 m per pixel: a few streets in view).
DETAIL_ZOOM = 15
#: At most this many individual markers (≈ 0.3 MB of GeoJSON; Leaflet's SVG draws them in well under 1 s).
CAP = 2000
#: Screen cells (columns, rows) when aggregating per cell.
CELLS = (40, 24)
CARDS = rules.CARDS
MAX_TEXT = 100


@dataclass(frozen=True)
class CaseFilters:
    """What the supervisor narrowed the map to; an empty field means "any". Hashable (cache key).

    ``cards`` and ``department_ids`` together mean "a dispatch *to one of these departments* got one of these
    cards" (department X's red cards), not two unrelated dispatches. ``actor`` (required, by keyword) limits
    the cases to those the actor may see (geo.db.scope): there is no unscoped filter — jobs without a person
    pass geo.domain.actors.SYSTEM.
    """

    statuses: tuple[str, ...] = ()
    cards: tuple[str, ...] = ()
    category_ids: tuple[int, ...] = ()
    class_codes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    district_ids: tuple[int, ...] = ()
    street_ids: tuple[int, ...] = ()
    community_ids: tuple[int, ...] = ()
    grid_ids: tuple[int, ...] = ()
    department_ids: tuple[int, ...] = ()
    start: datetime | None = None  # reported_at >= start (aware)
    end: datetime | None = None  # reported_at < end (aware)
    text: str = ""  # number, description or address contains it (case-insensitive)
    actor: Actor = field(kw_only=True)

    def __post_init__(self) -> None:
        if not isinstance(self.actor, Actor):
            raise TypeError(f"CaseFilters needs the Actor whose cases it selects, got {self.actor!r}")
        for name in ("statuses", "cards", "category_ids", "class_codes", "sources", "district_ids", "street_ids",
                     "community_ids", "grid_ids", "department_ids"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        _check_vocabulary("status", self.statuses, [str(s) for s in Status])
        _check_vocabulary("card", self.cards, [str(c) for c in CARDS])
        _check_vocabulary("source", self.sources, [str(s) for s in Source])
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} must be an aware datetime (e.g. UTC), got {value!r}")
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValueError(f"the time window is empty: start {self.start} is not before end {self.end}")
        object.__setattr__(self, "text", self.text.strip())
        if len(self.text) > MAX_TEXT:
            raise ValueError(f"search text is {len(self.text)} characters; at most {MAX_TEXT} are accepted")
        if text_problem(self.text, None):  # no case holds one; a NUL would fail the query on PostgreSQL
            raise ValueError("search text contains control characters; type plain text")


def _check_vocabulary(what: str, values: tuple[str, ...], accepted: list[str]) -> None:
    unknown = [v for v in values if v not in accepted]
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; accepted: {', '.join(accepted)}")


@dataclass(frozen=True)
class FilterCounts:
    total: int  # cases matching the filter, anywhere
    open: int
    overdue: int
    merged: int = 0  # merged duplicates among them: only when the filter asks for status "merged"


@dataclass(frozen=True)
class MapLayer:
    """What to draw. ``kind``: "cases" (rows: id, number, lon, lat, status, card, category),
    "grids" (rows: grid_id, code, name, n, open, lon, lat; plus cells of cases outside every grid with
    grid_id None), or "areas" (rows: area_id, code, name, n, open: the streets or districts in view; plus
    those cells with area_id None).
    ``too_many``: the view holds more than ``CAP`` matching cases although individual cases were due
    (zoomed in): the user should zoom in further or narrow the filter."""

    kind: str
    rows: pd.DataFrame
    counts: FilterCounts
    in_view: int | None = None
    too_many: bool = False
    cap: int = CAP
    detail_zoom: int = DETAIL_ZOOM
    notes: tuple[str, ...] = field(default_factory=tuple)


def conditions(session: Session, filters: CaseFilters, now: datetime) -> list:
    """SQL conditions on Case for ``filters`` (ANDed). A merged duplicate counts once, in the case it was
    merged into (geo.db.rules.is_counted): it is left out unless the filter names status "merged" — a
    supervisor looking at the merged duplicates themselves."""
    sql = backend(session.get_bind().dialect.name)
    where: list = []
    if filters.statuses:
        where.append(Case.status.in_(filters.statuses))
    if Status.MERGED not in filters.statuses:
        where.append(rules.is_counted())
    if filters.sources:
        where.append(Case.source.in_(filters.sources))
    if filters.category_ids:
        where.append(Case.category_id.in_(filters.category_ids))
    if filters.class_codes:
        where.append(Case.category_id.in_(select(Category.id).where(Category.class_code.in_(filters.class_codes))))
    where += _area_conditions(filters.street_ids, filters.community_ids, filters.grid_ids, filters.district_ids)
    where += _dispatch_conditions(filters, sql, now)
    if filters.start is not None:
        where.append(Case.reported_at >= filters.start)
    if filters.end is not None:
        where.append(Case.reported_at < filters.end)
    if filters.text:
        where.append(or_(*(column.icontains(filters.text, autoescape=True)
                           for column in (Case.number, Case.description, Case.address))))
    where.append(case_condition(filters.actor))
    return where


def _area_conditions(street_ids, community_ids, grid_ids, district_ids=()) -> list:
    where = []
    if district_ids:
        where.append(Case.grid_id.in_(select(Grid.id).join(Community, Community.id == Grid.community_id)
                                      .join(Street, Street.id == Community.street_id)
                                      .where(Street.district_id.in_(district_ids))))
    if grid_ids:
        where.append(Case.grid_id.in_(grid_ids))
    if community_ids:
        where.append(Case.grid_id.in_(select(Grid.id).where(Grid.community_id.in_(community_ids))))
    if street_ids:
        where.append(Case.grid_id.in_(select(Grid.id).join(Community, Community.id == Grid.community_id)
                                      .where(Community.street_id.in_(street_ids))))
    return where


def _dispatch_conditions(filters: CaseFilters, sql, now: datetime) -> list:
    """One EXISTS over the case's dispatches: department and card apply to the same dispatch."""
    if not (filters.cards or filters.department_ids):
        return []
    on = [CaseDispatch.case_id == Case.id]
    if filters.department_ids:
        on.append(CaseDispatch.department_id.in_(filters.department_ids))
    if filters.cards:
        elapsed = rules.elapsed_seconds(sql, now)
        on.append(or_(*(rules.in_card(elapsed, c) for c in filters.cards)))
    return [exists().where(*on)]


def _in_view(view: MapView) -> list:
    return [Case.lon >= view.west, Case.lon <= view.east, Case.lat >= view.south, Case.lat <= view.north]


def filter_counts(session: Session, filters: CaseFilters, now: datetime) -> FilterCounts:
    """How many cases match, how many of them are open, overdue and merged duplicates (one pass in SQL)."""
    row = session.execute(select(func.count(), count_if(rules.is_open()), count_if(rules.is_overdue(now)),
                                 count_if(Case.status == Status.MERGED))
                          .where(*conditions(session, filters, now))).one()
    return FilterCounts(*(int(v) for v in row))


def card_column(session: Session, now: datetime):
    """SQL: the worst card among the case's dispatches ('none' if it was never whistled), per case row."""
    return rules.worst_card(backend(session.get_bind().dialect.name), now)


def cases_in_view(session: Session, filters: CaseFilters, view: MapView, now: datetime,
                  limit: int = CAP + 1) -> pd.DataFrame:
    """The matching cases in view, newest first, at most ``limit``: id, number, lon, lat, status, card,
    category."""
    query = (select(Case.id, Case.number, Case.lon, Case.lat, Case.status,
                    card_column(session, now).label("card"), Category.name.label("category"))
             .outerjoin(Category, Category.id == Case.category_id)
             .where(*conditions(session, filters, now), *_in_view(view))
             # newest first, but by an expression no index serves: the planner then finds the few thousand
             # cases of the view through the lon/lat index instead of walking a city's whole year backwards
             .order_by(func.coalesce(Case.reported_at, Case.reported_at).desc(), Case.id.desc()).limit(limit))
    return _frame(session, query)


def grid_counts(session: Session, filters: CaseFilters, view: MapView, layout_id: int,
                now: datetime) -> pd.DataFrame:
    """Matching cases per grid of the layout whose box meets the view: grid_id, code, name, n, open,
    lon, lat (the mean position of the grid's matching cases: where they are, inside the grid)."""
    grids_in_view = select(Grid.id).where(Grid.layout_id == layout_id, Grid.maxx >= view.west,
                                          Grid.minx <= view.east, Grid.maxy >= view.south,
                                          Grid.miny <= view.north)
    counted = (select(Case.grid_id.label("grid_id"), func.count().label("n"),
                      count_if(rules.is_open()).label("open"),
                      func.avg(Case.lon).label("lon"), func.avg(Case.lat).label("lat"))
               .where(*conditions(session, filters, now), Case.grid_id.in_(grids_in_view))
               .group_by(Case.grid_id).subquery())
    query = (select(counted, Grid.code, Grid.name).join(Grid, Grid.id == counted.c.grid_id)
             .order_by(counted.c.grid_id))
    return _frame(session, query)


def cell_counts(session: Session, filters: CaseFilters, view: MapView, now: datetime,
                cells: tuple[int, int] = CELLS, unassigned_only: bool = False) -> pd.DataFrame:
    """Matching cases in view per screen cell (``cells`` columns × rows): n, open, lon, lat (mean position
    of the cell's cases). ``unassigned_only``: only cases outside every grid (they have no grid bubble)."""
    sql = backend(session.get_bind().dialect.name)
    dx, dy = (view.east - view.west) / cells[0], (view.north - view.south) / cells[1]
    column = sql.floor((Case.lon - view.west) / dx).label("cx")
    row = sql.floor((Case.lat - view.south) / dy).label("cy")
    where = [*conditions(session, filters, now), *_in_view(view)]
    if unassigned_only:
        where.append(Case.grid_id.is_(None))
    query = (select(column, row, func.count().label("n"), count_if(rules.is_open()).label("open"),
                    func.avg(Case.lon).label("lon"), func.avg(Case.lat).label("lat"))
             .where(*where).group_by(column, row))
    return _frame(session, query).drop(columns=["cx", "cy"])


def area_counts(session: Session, filters: CaseFilters, view: MapView, level: str,
                now: datetime) -> pd.DataFrame:
    """Matching cases per street or district (``level``) whose box meets the view: area_id, code, name, n,
    open — the same counts as per grid, one level up."""
    area = District if level == "district" else Street
    key = Street.district_id if level == "district" else Street.id
    in_view = select(area.id).where(area.maxx >= view.west, area.minx <= view.east, area.maxy >= view.south,
                                    area.miny <= view.north)
    counted = (select(key.label("area_id"), func.count().label("n"), count_if(rules.is_open()).label("open"))
               .select_from(Case).join(Grid, Grid.id == Case.grid_id)
               .join(Community, Community.id == Grid.community_id).join(Street, Street.id == Community.street_id)
               .where(*conditions(session, filters, now), key.in_(in_view)).group_by(key).subquery())
    query = (select(counted, area.code, area.name).join(area, area.id == counted.c.area_id)
             .order_by(counted.c.area_id))
    return _frame(session, query)


def map_layer(session: Session, filters: CaseFilters, view: MapView, now: datetime, layout_id: int,
              cap: int = CAP, level: str = "grid") -> MapLayer:
    """What the case map draws for ``view`` (see the module docstring for the rule); ``level``: the level the
    view's shapes are drawn at (geo.read.map_shapes.level_for). An unfiltered map (all cases, or one
    district's) counts from the tallies (geo.read.metrics) instead of its cases."""
    tallied = _tallied_district(filters)
    if tallied is not None and tally_metrics.plan(session, "district", now, None, None) is None:
        tallied = None  # tallies not built, or a replay of the past: count the cases
    counts = (filter_counts(session, filters, now) if tallied is None
              else _tallied_counts(session, now, tallied[0], filters.actor))
    if view.zoom >= DETAIL_ZOOM or counts.total <= cap:
        rows = cases_in_view(session, filters, view, now, limit=cap + 1)
        if len(rows) <= cap:
            return MapLayer("cases", rows, counts, in_view=len(rows), cap=cap)
        too_many = True
    else:
        too_many = False
    unassigned = cell_counts(session, filters, view, now, unassigned_only=True)
    kind, key = ("grids", "grid_id") if level == "grid" else ("areas", "area_id")
    if tallied is not None:
        rows = _tallied_rows(session, view, level, now, tallied[0], layout_id, filters.actor)
    elif level == "grid":
        rows = grid_counts(session, filters, view, layout_id, now)
    else:
        rows = area_counts(session, filters, view, level, now)
    in_view = int(rows["n"].sum()) + int(unassigned["n"].sum())
    notes = ("unassigned",) if len(unassigned) else ()
    if len(unassigned):
        rows = pd.concat([rows, unassigned.assign(**{key: None, "code": "", "name": ""})], ignore_index=True)
    return MapLayer(kind, rows, counts, in_view, too_many, cap, notes=notes)


def _tallied_district(filters: CaseFilters) -> tuple[int | None] | None:
    """(district or None for the whole city) when the filter narrows nothing but the district — by the
    filter or by a bound actor's scope — so that the tallies hold its counts; else None."""
    narrowing = (filters.statuses, filters.cards, filters.category_ids, filters.class_codes, filters.sources,
                 filters.street_ids, filters.community_ids, filters.grid_ids, filters.department_ids, filters.text,
                 filters.start, filters.end)
    if any(v for v in narrowing):
        return None
    districts = set(filters.district_ids)
    actor = filters.actor
    if actor is not None:
        if actor.role not in DISTRICT_WIDE:
            return None
        if actor.district_id is not None:
            districts = districts & {actor.district_id} if districts else {actor.district_id}
            if not districts:
                return None
    return (next(iter(districts)),) if len(districts) == 1 else None if districts else (None,)


def _tallied_counts(session: Session, now: datetime, district_id: int | None, actor: Actor) -> FilterCounts:
    rows = metrics(session, "district", now, actor=actor, district_id=district_id, with_percentiles=False)
    if rows.empty:
        return FilterCounts(0, 0, 0)
    return FilterCounts(*(int(rows.iloc[0][c]) for c in ("received", "open", "overdue")))


def _tallied_rows(session: Session, view: MapView, level: str, now: datetime, district_id: int | None,
                  layout_id: int, actor: Actor) -> pd.DataFrame:
    """grid_counts / area_counts of an unfiltered map, from geo.read.metrics: the areas meeting the view."""
    model = {"grid": Grid, "street": Street, "district": District}[level]
    dimension = {"grid": "grid", "street": "street", "district": "city_district"}[level]
    meets = select(model.id, model.code, model.name).where(
        model.maxx >= view.west, model.minx <= view.east, model.maxy >= view.south, model.miny <= view.north)
    if level == "grid":
        meets = meets.where(Grid.layout_id == layout_id)
    areas = _frame(session, meets).rename(columns={"id": "key"})
    figures = metrics(session, dimension, now, actor=actor, district_id=district_id, with_percentiles=False)
    rows = areas.merge(figures[["key", "received", "open"]], on="key").rename(columns={"received": "n"})
    rows = rows[rows["n"] > 0].rename(columns={"key": "grid_id" if level == "grid" else "area_id"})
    return rows.assign(lon=float("nan"), lat=float("nan")) if level == "grid" else rows


def case_data_version(session: Session) -> int:
    """A number that grows with every change to any case: the newest case event's id. Every change to a case
    writes its CaseEvent in the same transaction (the log is append-only), so a cache of case figures keyed on
    it is never stale — it only ever misses after a change."""
    return session.scalar(select(func.max(CaseEvent.id))) or 0


def locate_case(session: Session, number: str, actor: Actor) -> tuple[int, float | None, float | None] | None:
    """(id, lon, lat) of the case with this number (a clicked marker's tooltip, a ?case= link) if the actor
    may see it, else None — the same answer for "no such case" and "not yours", so nothing leaks."""
    row = session.execute(select(Case.id, Case.lon, Case.lat)
                          .where(Case.number == number.strip(), case_condition(actor))).first()
    return None if row is None else (int(row[0]), row[1], row[2])


def _frame(session: Session, query) -> pd.DataFrame:
    result = session.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))
