"""What a layer import compares against: the stored features of each kind, the district outline, the known
streets and communities, the cases a new grid cut would move, and the layout versions.

Why compare grids by code: the same code in two layouts is the same grid to the people who own it (as in
``geo.usecases.recut``). Cases are placed in the new grids in memory with the same GridIndex the assignment
uses, so a preview writes nothing; ``geo.usecases.recut.apply_regrid`` later repeats it for real.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from geo.config import AssignmentSettings, metric_crs
from geo.db.models import Building, Case, Community, Grid, GridLayout, Street
from geo.domain.crs import STORAGE_CRS
from geo.domain.grid_index import GridIndex
from geo.read.layouts import NoActiveLayout, active_layout

#: The attributes of each layer kind that a re-import can change (besides the geometry).
ATTRIBUTES = {
    "grids": ["name", "community", "member_name", "member_phone"],
    "buildings": ["address", "households"],
    "communities": ["name", "street"],
    "streets": ["name"],
}
_PARENT = {"grids": Community, "communities": Street}


def current_features(session: Session, kind: str) -> tuple[gpd.GeoDataFrame, dict]:
    """What the database holds now for ``kind`` (grids: the active layout), with role-named columns, and the
    layout compared against ({} when not grids or none is active)."""
    columns = ["code", *ATTRIBUTES[kind]]
    if kind == "grids":
        try:
            layout = active_layout(session)
        except NoActiveLayout:
            return _frame([], columns), {}
        c = aliased(Community)
        query = (select(Grid.code, Grid.name, c.code.label("community"), Grid.member_name, Grid.member_phone,
                        Grid.geom).outerjoin(c, c.id == Grid.community_id).where(Grid.layout_id == layout.id))
        return _frame(session.execute(query).all(), columns), {"id": layout.id, "name": layout.name}
    if kind == "buildings":
        query = select(Building.code, Building.address, Building.households, Building.geom)
    elif kind == "communities":
        s = aliased(Street)
        query = select(Community.code, Community.name, s.code.label("street"), Community.geom).join(
            s, s.id == Community.street_id)
    else:
        query = select(Street.code, Street.name, Street.geom)
    return _frame(session.execute(query).all(), columns), {}


def _frame(rows, columns: list[str]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame([tuple(r) for r in rows], columns=[*columns, "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS)


def district_outline(session: Session) -> shapely.Geometry | None:
    """The district outline: union of the streets, else of the active layout's grids; None when empty."""
    geoms = session.scalars(select(Street.geom)).all()
    if not geoms:
        try:
            layout_id = active_layout(session).id
        except NoActiveLayout:
            return None
        geoms = session.scalars(select(Grid.geom).where(Grid.layout_id == layout_id)).all()
    return shapely.union_all(geoms) if geoms else None


def parent_lookup(session: Session, kind: str) -> dict[str, int] | None:
    """Code → id and name → id of the parents a layer of ``kind`` names (grids: communities; communities:
    streets; files give either); None for kinds without a parent."""
    model = _PARENT.get(kind)
    if model is None:
        return None
    rows = session.execute(select(model.id, model.code, model.name)).all()
    return {name: i for i, _, name in rows} | {code: i for i, code, _ in rows}


def moved_cases(session: Session, new: gpd.GeoDataFrame) -> pd.DataFrame:
    """Cases whose grid code would change under the grids ``new`` (number, old_grid, new_grid)."""
    cases = pd.DataFrame(session.execute(
        select(Case.number, Case.lon, Case.lat, Grid.code.label("old_grid"))
        .outerjoin(Grid, Grid.id == Case.grid_id).order_by(Case.id)).all(),
        columns=["number", "lon", "lat", "old_grid"])
    if cases.empty:
        return cases[["number", "old_grid"]].assign(new_grid=[])
    ordered = new.sort_values("code")
    settings = AssignmentSettings.from_env()
    index = GridIndex(ordered.geometry.to_numpy(), snap_m=settings.snap_m, boundary_m=settings.boundary_m,
                      metric_crs=metric_crs())
    placed = index.assign(cases["lon"].to_numpy(float), cases["lat"].to_numpy(float)).grid
    codes = ordered["code"].to_numpy()
    cases["new_grid"] = np.where(placed >= 0, codes[np.maximum(placed, 0)], None)
    moved = cases[cases["old_grid"].fillna("") != cases["new_grid"].fillna("")]
    return moved[["number", "old_grid", "new_grid"]].reset_index(drop=True)


def layout_history(session: Session) -> list[dict]:
    """Every layout version, newest first, with its grid count and whether it is the active one."""
    counts = dict(session.execute(select(Grid.layout_id, func.count()).group_by(Grid.layout_id)).all())
    layouts = session.scalars(select(GridLayout).order_by(GridLayout.id.desc())).all()
    return [{"id": g.id, "name": g.name, "source": g.source, "created_at": g.created_at, "created_by": g.created_by,
             "is_active": bool(g.is_active), "grids": counts.get(g.id, 0)} for g in layouts]
