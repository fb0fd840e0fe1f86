"""The SQL behind the hotspots page: cases counted per grid or per location bin, for the window and for each
week before its end, in one GROUP BY each. No case row leaves the database.

Each row of a GROUP BY is (unit, week number, in window?, count): the week number is a CASE over ``edges``
(datetimes, oldest first; week k is ``[edges[k], edges[k+1])``, -1 before them), so SQLite and PostgreSQL
run the same statement and no date arithmetic differs between them. The long form (one row per unit and week
that holds cases) reads a third of the values of one column per week, most of which would be zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from geo.db.database import backend
from geo.db.models import Case, Grid
from geo.db.rules import is_counted
from geo.db.scope import area_condition
from geo.read.analysis_filters import Window

#: Case locations leave the database binned to 1e-4° (≈ 11 m × 9 m) with a count per bin, so a city's
#: million cases arrive as the few hundred thousand addresses they happened at, never as a million rows.
BIN_SCALE = 10_000


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


def bin_counts(session: Session, layout_id: int, window: Window, edges: list[datetime],
               category_ids: list[int] | None, district_id: int | None = None) -> WeeklyCounts:
    """Cases per 1/BIN_SCALE-degree location bin (cases of the layout's grids, or of one district's, with a
    location)."""
    sql = backend(session.get_bind().dialect.name)
    bins = [sql.floor(Case.lon * BIN_SCALE), sql.floor(Case.lat * BIN_SCALE)]
    rows = _grouped(session, bins, layout_id, window, edges, category_ids, district_id,
                    Case.lon.is_not(None), Case.lat.is_not(None))
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
    week = case(*[(Case.reported_at >= edges[k], k) for k in range(len(edges) - 2, -1, -1)], else_=-1)
    in_window = case((Case.reported_at >= window.start, 1), else_=0)
    span = Window(min(window.start, edges[0]), max(window.end, edges[-1]))
    query = _filtered(_in_layout(layout_id).add_columns(*keys, week, in_window, func.count()), span, category_ids,
                      district_id)
    query = query.where(Case.reported_at < window.end, *conditions)
    return session.execute(query.group_by(*keys, week, in_window)).all()


def _collect(rows: list, width: int, weeks: int) -> WeeklyCounts:
    """Long rows → one row per key with the window's count and a column per week (vectorised)."""
    columns = [np.fromiter(column, dtype=float, count=len(rows)) for column in zip(*rows)] if rows else \
        [np.zeros(0)] * (width + 3)
    week, in_window, count = columns[width].astype(np.int64), columns[width + 1] > 0, columns[width + 2]
    # one integer per key (a grid id, or a bin's two whole-number indices), so the grouping is a 1-D sort
    flat = columns[0].astype(np.int64) if width == 1 else \
        columns[0].astype(np.int64) * (1 << 32) + (columns[1].astype(np.int64) & 0xFFFFFFFF)
    unique, first, row = np.unique(flat, return_index=True, return_inverse=True)
    keys = np.column_stack(columns[:width])[first]
    window_counts = np.bincount(row, weights=count * in_window, minlength=len(unique))
    per_week = np.zeros((len(unique), weeks))
    listed = week >= 0
    np.add.at(per_week, (row[listed], week[listed]), count[listed])
    return WeeklyCounts(keys[:, 0] if width == 1 else keys, window_counts, per_week)
