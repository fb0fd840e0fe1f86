"""Placing cases in grids and buildings: the one code path behind a new case, a bulk import and a re-cut.

The spatial index over a layout's grids is built once per layout version and cached; a new layout gets a new
key, so publishing a re-cut invalidates nothing by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.config import AssignmentSettings, metric_crs
from geo.db.models import Building, GridLayout
from geo.domain.grid_index import GridIndex
from geo.domain.nearest import FootprintIndex
from geo.read.layouts import active_layout, grids_frame


@dataclass(frozen=True)
class Placement:
    """Per point: the grid id (None-able, -1 = unassigned queue), and the flags a supervisor reviews."""

    grid_id: np.ndarray  # int64, -1 where no grid within the snap tolerance
    snapped: np.ndarray  # bool: outside every grid, given the nearest one within tolerance
    near_boundary: np.ndarray  # bool: within a few metres of the grid's edge
    layout_id: int


#: (database url, layout id, settings) → (GridIndex, grid ids by index position). Layouts are immutable once
#: created (a re-cut makes a new one), so an entry never goes stale; a few entries cover the active layout,
#: a previewed one and the previous one.
_INDEXES: dict[tuple, tuple[GridIndex, np.ndarray]] = {}
_MAX_INDEXES = 6


def layout_index(session: Session, layout_id: int, settings: AssignmentSettings | None = None):
    """(GridIndex, grid ids by index position) for a layout, built once per (database, layout).

    Built through the caller's session, so a layout created earlier in the same transaction is seen."""
    settings = settings or AssignmentSettings.from_env()
    layout = session.get(GridLayout, layout_id)
    if layout is None:
        raise LookupError(f"grid layout {layout_id} does not exist")
    # created_at tells apart a layout with the same id in a database that was dropped and rebuilt.
    key = (str(session.get_bind().url), layout_id, layout.created_at, settings)
    if key not in _INDEXES:
        grids = grids_frame(session, layout_id)
        index = GridIndex(grids.geometry.to_numpy(), snap_m=settings.snap_m, boundary_m=settings.boundary_m,
                          metric_crs=metric_crs())
        if len(_INDEXES) >= _MAX_INDEXES:
            _INDEXES.pop(next(iter(_INDEXES)))
        _INDEXES[key] = (index, grids["id"].to_numpy(dtype=np.int64))
    return _INDEXES[key]


def assign_points(session: Session, lon: np.ndarray, lat: np.ndarray, layout_id: int | None = None) -> Placement:
    """Grid ids for WGS84 points under ``layout_id`` (default: the active layout)."""
    if layout_id is None:
        layout_id = active_layout(session).id
    index, ids = layout_index(session, layout_id)
    result = index.assign(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    grid_id = np.where(result.grid >= 0, ids[np.maximum(result.grid, 0)], -1)
    return Placement(grid_id, result.snapped, result.near_boundary, layout_id)


_FOOTPRINTS: dict[tuple, tuple[FootprintIndex, np.ndarray]] = {}


def _footprint_index(session: Session) -> tuple[FootprintIndex, np.ndarray]:
    """Building footprints change only by import; (count, max id) tells a changed table apart."""
    count, max_id = session.execute(select(func.count(), func.max(Building.id))).one()
    key = (str(session.get_bind().url), count, max_id)
    if key not in _FOOTPRINTS:
        rows = session.execute(select(Building.id, Building.geom).order_by(Building.id)).all()
        _FOOTPRINTS.clear()
        _FOOTPRINTS[key] = (FootprintIndex([g for _, g in rows], metric_crs()), np.array([i for i, _ in rows], dtype=np.int64))
    return _FOOTPRINTS[key]


def assign_buildings(session: Session, lon: np.ndarray, lat: np.ndarray,
                     settings: AssignmentSettings | None = None) -> np.ndarray:
    """Building id per point: the footprint containing it, else the nearest within ``building_m``; else -1."""
    settings = settings or AssignmentSettings.from_env()
    index, ids = _footprint_index(session)
    if ids.size == 0:
        return np.full(np.size(lon), -1, dtype=np.int64)
    positions = index.nearest_within(lon, lat, settings.building_m)
    return np.where(positions >= 0, ids[np.maximum(positions, 0)], -1)
