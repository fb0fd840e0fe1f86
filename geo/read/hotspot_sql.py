"""The SQL behind the hotspots page: cases counted per grid or per H3 cell, for the window and for each week
before its end, in one GROUP BY each, from the covering index ix_cases_hotspot. No case row leaves the
database.

Each row of a GROUP BY is (unit, week number, in window?, count): the week number is a CASE over ``edges``
(datetimes, oldest first; week k is ``[edges[k], edges[k+1])``, -1 before them), so SQLite and PostgreSQL
run the same statement and no date arithmetic differs between them. The long form (one row per unit and week
that holds cases) reads a third of the values of one column per week, most of which would be zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import BigInteger, Integer, and_, case, func, literal, select
from sqlalchemy.orm import Session

from geo.db.database import backend
from geo.db.models import Case, Grid
from geo.db.rules import is_counted
from geo.db.scope import area_condition
from geo.domain.h3_keys import FINEST, cells_at, code_shift, parent_masks
from geo.read.analysis_filters import Window

#: Case locations leave the database binned to 1e-4° (≈ 11 m × 9 m) with a count per bin, so a city's
#: million cases arrive as the few hundred thousand addresses they happened at, never as a million rows.
BIN_SCALE = 10_000
#: Week (−1 … 15, plus one) × in-window slots, and ring codes, of a packed cell key (``packed_key``).
_SLOTS, _CODES = 64, 8


@dataclass(frozen=True)
class WeeklyCounts:
    """Per key (grid id, or H3 cell id): cases in the window and in each week."""

    keys: np.ndarray  # grid ids or H3 cell ids (n,)
    window: np.ndarray  # (n,)
    weeks: np.ndarray  # (n, len(edges) - 1)


def grid_counts(session: Session, layout_id: int, window: Window, edges: list[datetime],
                category_ids: list[int] | None, district_id: int | None = None) -> WeeklyCounts:
    """Cases per grid of the layout, or of one district's grids (only grids holding a case appear)."""
    rows = _grouped(session, [Case.grid_id], layout_id, window, edges, category_ids, district_id)
    return _collect(rows, len(edges) - 1)


def cell_counts(session: Session, resolution: int, layout_id: int, window: Window, edges: list[datetime],
                category_ids: list[int] | None, district_id: int | None = None) -> WeeklyCounts:
    """Cases per H3 cell at ``resolution``, keyed by the cell's id (int64), from each case's stored location
    key (geo.domain.h3_keys): exact, with no location leaving the database.

    The database groups by one number per (cell's parent, ring code, week, in window) — ``packed_key`` —, a
    few rows per cell and week whatever the number of cases. One number rather than four columns: PostgreSQL
    then hashes instead of sorting ten million rows (measured: 7 s against 11 s on the full city under load)."""
    if 2 * len(edges) > _SLOTS:
        raise ValueError(f"{len(edges) - 1} weeks do not fit a packed cell key (at most {_SLOTS // 2 - 1})")
    rows = _span_query(session, [packed_key(resolution, _week(edges), _in_window(window))], layout_id, window,
                       edges, category_ids, district_id, Case.h3_key.is_not(None))
    packed = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    count = np.fromiter((r[1] for r in rows), dtype=float, count=len(rows))
    keep, fill = parent_masks(resolution)
    slot, code = packed % _SLOTS, packed // _SLOTS % _CODES
    cells = cells_at((packed & keep) | fill, code, resolution)
    return _tabulate(cells, slot // 2 - 1, slot % 2 > 0, count, len(edges) - 1)


def packed_key(resolution: int, week, in_window):
    """SQL: the key's H3 parent bits at ``resolution`` + ring code × _SLOTS + (week + 1) × 2 + in window, the
    two small numbers in the parent's cleared digits (geo.domain.h3_keys.parent_masks and code_shift spell
    where the bits are; ``cell_counts`` reads them back)."""
    keep, _ = parent_masks(resolution)
    key = Case.h3_key.bitwise_and(literal(keep, BigInteger)) + (week + 1) * 2 + in_window
    if resolution == FINEST:  # the stored cell itself: no ring code
        return key
    return key + Case.h3_key.bitwise_rshift(literal(code_shift(resolution), Integer)).bitwise_and(_CODES - 1) * _SLOTS


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


def _collect(rows: list, weeks: int) -> WeeklyCounts:
    """Long rows (key, week, in_window, count) → one row per key with the window's count and a column per
    week."""
    columns = [np.fromiter(column, dtype=float, count=len(rows)) for column in zip(*rows)] if rows else \
        [np.zeros(0)] * 4
    return _tabulate(columns[0].astype(np.int64), columns[1].astype(np.int64), columns[2] > 0, columns[3], weeks)


def _tabulate(keys: np.ndarray, week: np.ndarray, in_window: np.ndarray, count: np.ndarray,
              weeks: int) -> WeeklyCounts:
    """Per-row whole-number key (a grid id, an H3 cell id), week, in-window flag and count → WeeklyCounts
    (vectorised: grouped by one sort)."""
    unique, row = np.unique(keys, return_inverse=True)
    window_counts = np.bincount(row, weights=count * in_window, minlength=len(unique))
    per_week = np.zeros((len(unique), weeks))
    listed = week >= 0
    np.add.at(per_week, (row[listed], week[listed]), count[listed])
    return WeeklyCounts(unique, window_counts, per_week)
