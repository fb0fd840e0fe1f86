"""Where a point is, for a reporter correcting a position on the phone: the grid of the active layout (as a
case there would be placed) and the district's extent for the map."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from geo.db.models import Grid
from geo.read.assignment import assign_points
from geo.read.layouts import NoActiveLayout, active_layout, layout_bounds


def grid_at(session: Session, lon: float, lat: float) -> dict | None:
    """{"code", "name", "snapped"} of the grid a case at (lon, lat) (WGS84) would be placed in, or None
    outside the district (or with no layout)."""
    try:
        placed = assign_points(session, np.array([lon]), np.array([lat]))
    except NoActiveLayout:
        return None
    grid_id = int(placed.grid_id[0])
    if grid_id < 0:
        return None
    grid = session.get(Grid, grid_id)
    return {"code": grid.code, "name": grid.name, "snapped": bool(placed.snapped[0])}


def district_bounds(session: Session) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the active layout's grids, None without a layout."""
    try:
        return layout_bounds(session, active_layout(session).id)
    except NoActiveLayout:
        return None
