"""The SQL behind the hotspots page: cases counted per grid, per H3 lattice triangle or per location bin, for
the window and for each week before its end, in one GROUP BY each. No case row leaves the database.

Each row of a GROUP BY is (unit, week number, in window?, count): the week number is a CASE over ``edges``
(datetimes, oldest first; week k is ``[edges[k], edges[k+1])``, -1 before them), so SQLite and PostgreSQL
run the same statement and no date arithmetic differs between them. The long form (one row per unit and week
that holds cases) reads a third of the values of one column per week, most of which would be zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import Float, and_, case, func, literal, select
from sqlalchemy.orm import Session

from geo.db.database import backend
from geo.db.models import Case, Grid
from geo.db.rules import is_counted
from geo.db.scope import area_condition
from geo.domain.h3_lattice import Lattice
from geo.read.analysis_filters import Window

#: Case locations leave the database binned to 1e-4° (≈ 11 m × 9 m) with a count per bin, so a city's
#: million cases arrive as the few hundred thousand addresses they happened at, never as a million rows.
BIN_SCALE = 10_000
#: Week (−1 … 15, plus one) and in-window slots of a packed hex key.
_SLOTS = 64


@dataclass(frozen=True)
class WeeklyCounts:
    """Per key (grid id, or bin centre lon/lat): cases in the window and in each week."""

    keys: np.ndarray  # grid ids (n,) or bin centres (n, 2) lon/lat
    window: np.ndarray  # (n,)
    weeks: np.ndarray  # (n, len(edges) - 1)


def grid_counts(session: Session, layout_id: int, window: Window, edges: list[datetime],
                category_ids: list[int] | None, district_id: int | None = None) -> WeeklyCounts:
    """Cases per grid of the layout, or of one district's grids (only grids holding a case appear)."""
    rows = _grouped(session, [Case.grid_id], layout_id, window, edges, category_ids, district_id)
    return _collect(rows, 1, len(edges) - 1)


def hex_counts(session: Session, lattice: Lattice, layout_id: int, window: Window, edges: list[datetime],
               category_ids: list[int] | None, district_id: int | None = None) -> tuple[WeeklyCounts, bool]:
    """Cases per H3 cell of ``lattice``, keyed by the cell's lattice coordinates (i, j) (n, 2; a cell may
    appear on several rows, one per triangle of it that holds cases), and whether any case lies outside the
    lattice's bounds (a location far from its grid: not counted here, ask ``bin_counts`` with
    ``outside(lattice)``).

    The database groups by one number per (triangle, week, in window) — ``packed_key`` —, about six rows per
    cell and week whatever the number of cases. One number rather than five columns: PostgreSQL then hashes
    instead of sorting ten million rows (measured: 7 s against 11 s on the full city under load)."""
    key = packed_key(session, lattice, _week(edges), _in_window(window))
    with backend(session.get_bind().dialect.name).plain_jit(session):
        rows = _span_query(session, [key], layout_id, window, edges, category_ids, district_id,
                           Case.lon.is_not(None), Case.lat.is_not(None))
    packed = np.fromiter((r[0] for r in rows), dtype=float, count=len(rows)).astype(np.int64)
    count = np.fromiter((r[1] for r in rows), dtype=float, count=len(rows))
    inside = packed >= 0
    packed, count = packed[inside], count[inside]
    slot = packed % _SLOTS
    triangle = np.unravel_index(packed // _SLOTS, tuple(int(n) for n in lattice.size))
    counts = _tabulate([t + low for t, low in zip(triangle, lattice.low)], slot // 2 - 1, slot % 2 > 0, count,
                       len(edges) - 1)
    return WeeklyCounts(lattice.hexes(counts.keys), counts.window, counts.weeks), bool((~inside).any())


def packable(lattice: Lattice, weeks: int) -> bool:
    """Whether ``packed_key`` stays exact in a double (< 2⁵³) for this lattice and ``weeks`` weeks."""
    return 2 * (weeks + 1) <= _SLOTS and float(np.prod(lattice.size.astype(float))) * _SLOTS < 2.0**53


def packed_key(session: Session, lattice: Lattice, week, in_window):
    """SQL: (triangle index within the lattice's key range) × _SLOTS + (week + 1) × 2 + in window, or −1 for a
    case outside the lattice's bounds. The triangle keys are the SQL form of ``Lattice.triangles``: floor of
    each line family's polynomial in (lon − lon0, lat − lat0), in Horner form (plain arithmetic, the same on
    SQLite and PostgreSQL), less ``lattice.low`` so that they are never negative (SQLite's floor is a CAST)."""
    sql = backend(session.get_bind().dialect.name)
    dx, dy = Case.lon - lattice.lon0, Case.lat - lattice.lat0
    packed = None
    for coefficients, low, size in zip(lattice.coefficients, lattice.low.tolist(), lattice.size.tolist()):
        by_power: dict[int, dict[int, float]] = {}
        for (a, b), c in zip(lattice.terms, coefficients):
            by_power.setdefault(a, {})[b] = float(c) - (low if a == b == 0 else 0.0)
        polynomial = None
        for a in sorted(by_power, reverse=True):
            inner = _horner(by_power[a], dy)
            polynomial = inner if polynomial is None else polynomial * dx + inner
        packed = sql.floor(polynomial) if packed is None else packed * size + sql.floor(polynomial)
    west, south, east, north = lattice.bounds
    return case((and_(Case.lon.between(west, east), Case.lat.between(south, north)),
                 packed * _SLOTS + (week + 1) * 2 + in_window), else_=-1)


def outside(lattice: Lattice):
    """SQL: the case lies outside the lattice's bounds (``hex_counts`` did not count it)."""
    west, south, east, north = lattice.bounds
    return ~and_(Case.lon.between(west, east), Case.lat.between(south, north))


def _horner(coefficients: dict[int, float], variable):
    """Σ c_b · variable^b for the powers b in ``coefficients``, as nested products."""
    expression = None
    for b in range(max(coefficients), -1, -1):
        c = literal(coefficients.get(b, 0.0), Float)
        expression = c if expression is None else expression * variable + c
    return expression


def bin_counts(session: Session, layout_id: int, window: Window, edges: list[datetime],
               category_ids: list[int] | None, district_id: int | None = None, *conditions) -> WeeklyCounts:
    """Cases per 1/BIN_SCALE-degree location bin (cases of the layout's grids, or of one district's, with a
    location, meeting ``conditions``)."""
    sql = backend(session.get_bind().dialect.name)
    bins = [sql.floor(Case.lon * BIN_SCALE), sql.floor(Case.lat * BIN_SCALE)]
    rows = _grouped(session, bins, layout_id, window, edges, category_ids, district_id,
                    Case.lon.is_not(None), Case.lat.is_not(None), *conditions)
    counts = _collect(rows, 2, len(edges) - 1)
    return WeeklyCounts((counts.keys + 0.5) / BIN_SCALE, counts.window, counts.weeks)


def case_points(session: Session, window: Window, category_ids: list[int] | None,
                district_id: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Case locations in the window (the city's, or one district's), binned in SQL to 1/BIN_SCALE degree and
    expanded back to one point per case at the bin centre: the detail layers need per-case weight, the wire
    only per-address rows."""
    sql = backend(session.get_bind().dialect.name)
    bx, by = sql.floor(Case.lon * BIN_SCALE), sql.floor(Case.lat * BIN_SCALE)
    query = select(bx, by, func.count()).where(Case.lon.is_not(None), Case.lat.is_not(None))
    rows = session.execute(_filtered(query, window, category_ids, district_id).group_by(bx, by)).all()
    if not rows:
        return np.zeros(0), np.zeros(0)
    bx, by, weight = (np.fromiter(column, dtype=float, count=len(rows)) for column in zip(*rows))
    weight = weight.astype(np.int64)
    return np.repeat((bx + 0.5) / BIN_SCALE, weight), np.repeat((by + 0.5) / BIN_SCALE, weight)


def _in_layout(layout_id: int):
    return select().select_from(Case).join(Grid, and_(Grid.id == Case.grid_id, Grid.layout_id == layout_id))


def _filtered(query, window: Window, category_ids: list[int] | None, district_id: int | None = None):
    query = query.where(Case.reported_at >= window.start, Case.reported_at < window.end, is_counted())
    if district_id is not None:
        query = query.where(area_condition(district_id))
    return query if category_ids is None else query.where(Case.category_id.in_(category_ids))


def _grouped(session: Session, keys: list, layout_id: int, window: Window, edges: list[datetime],
             category_ids: list[int] | None, district_id: int | None, *conditions) -> list:
    """Rows (*keys, week, in_window, count) over the span that the window and the weeks cover together."""
    return _span_query(session, [*keys, _week(edges), _in_window(window)], layout_id, window, edges, category_ids,
                       district_id, *conditions)


def _span_query(session: Session, keys: list, layout_id: int, window: Window, edges: list[datetime],
                category_ids: list[int] | None, district_id: int | None, *conditions) -> list:
    """Rows (*keys, count) of the cases over the span that the window and the weeks cover together."""
    span = Window(min(window.start, edges[0]), max(window.end, edges[-1]))
    query = _filtered(_in_layout(layout_id).add_columns(*keys, func.count()), span, category_ids, district_id)
    query = query.where(Case.reported_at < window.end, *conditions)
    return session.execute(query.group_by(*keys)).all()


def _week(edges: list[datetime]):
    """SQL: the week of ``edges`` a case was reported in (k: [edges[k], edges[k+1])), −1 before them."""
    return case((Case.reported_at < edges[0], -1),  # first: most of a year's window lies before the weeks
                *[(Case.reported_at >= edges[k], k) for k in range(len(edges) - 2, 0, -1)], else_=0)


def _in_window(window: Window):
    return case((Case.reported_at >= window.start, 1), else_=0)


def _collect(rows: list, width: int, weeks: int) -> WeeklyCounts:
    """Long rows (*keys, week, in_window, count) → one row per key with the window's count and a column per
    week."""
    columns = [np.fromiter(column, dtype=float, count=len(rows)) for column in zip(*rows)] if rows else \
        [np.zeros(0)] * (width + 3)
    return _tabulate(columns[:width], columns[width].astype(np.int64), columns[width + 1] > 0,
                     columns[width + 2], weeks)


def _tabulate(keys: list, week: np.ndarray, in_window: np.ndarray, count: np.ndarray,
              weeks: int) -> WeeklyCounts:
    """Key columns and per-row week, in-window flag and count → WeeklyCounts (vectorised)."""
    # whole-number keys (a grid id, a bin's or a triangle's indices), grouped by one sort
    flat = np.column_stack(keys).astype(np.int64) if len(keys[0]) else np.zeros((0, len(keys)), np.int64)
    unique, first, row = np.unique(flat[:, 0] if len(keys) == 1 else flat, axis=0, return_index=True,
                                   return_inverse=True)
    row = row.ravel()
    window_counts = np.bincount(row, weights=count * in_window, minlength=len(unique))
    per_week = np.zeros((len(unique), weeks))
    listed = week >= 0
    np.add.at(per_week, (row[listed], week[listed]), count[listed])
    found = np.column_stack(keys)[first] if len(keys[0]) else np.zeros((0, len(keys)))
    return WeeklyCounts(found[:, 0] if len(keys) == 1 else found, window_counts, per_week)
