"""What an uploaded layer would change: features added, removed, changed, and the cases that would move.

Why compare by code: the same code in two layouts is the same grid to the people who own it (as in
``geo.recut``). Geometry counts as changed when it moved more than ``SHIFT_TOLERANCE_M`` (Hausdorff
distance in metres): a survey office's projected export read back into WGS84 differs by micrometres, which
must not show up as a change. Cases are placed in the new grids in memory with the same GridIndex the
assignment uses, so the preview writes nothing; ``geo.recut.apply_regrid`` later repeats it for real.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from geo.config import AssignmentSettings
from geo.crs import METRIC_CRS, STORAGE_CRS
from geo.grid_index import GridIndex
from geo.layouts import NoActiveLayout, active_layout
from geo.models import Building, Case, Community, Grid, Street

SHIFT_TOLERANCE_M = 0.05
#: At most this many moved cases are listed in a report (the count is always exact).
MOVED_LISTED = 2000

ATTRIBUTES = {
    "grids": ["name", "community", "member_name", "member_phone"],
    "buildings": ["address", "households"],
    "communities": ["name", "street"],
    "streets": ["name"],
}


def current_features(session: Session, kind: str) -> tuple[gpd.GeoDataFrame, dict]:
    """What the database holds now for ``kind`` (grids: the active layout), with role-named columns."""
    if kind == "grids":
        try:
            layout = active_layout(session)
        except NoActiveLayout:
            return _frame([], ["code", *ATTRIBUTES[kind]]), {}
        c = aliased(Community)
        query = (select(Grid.code, Grid.name, c.code.label("community"), Grid.member_name, Grid.member_phone,
                        Grid.geom).outerjoin(c, c.id == Grid.community_id).where(Grid.layout_id == layout.id))
        return _frame(session.execute(query).all(), ["code", *ATTRIBUTES[kind]]), {"id": layout.id,
                                                                                    "name": layout.name}
    if kind == "buildings":
        query = select(Building.code, Building.address, Building.households, Building.geom)
    elif kind == "communities":
        s = aliased(Street)
        query = select(Community.code, Community.name, s.code.label("street"), Community.geom).join(
            s, s.id == Community.street_id)
    else:
        query = select(Street.code, Street.name, Street.geom)
    return _frame(session.execute(query).all(), ["code", *ATTRIBUTES[kind]]), {}


def _frame(rows, columns: list[str]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame([tuple(r) for r in rows], columns=[*columns, "geometry"])
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_CRS)


def compare(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, kind: str,
            tolerance_m: float = SHIFT_TOLERANCE_M) -> dict:
    """Added / removed / changed codes (with which attributes changed and how far the shape moved)."""
    old_i, new_i = old.set_index("code"), new.set_index("code")
    common = [c for c in new_i.index if c in old_i.index]
    shift = _shift_m(old_i.geometry.reindex(common).to_numpy(), new_i.geometry.reindex(common).to_numpy())
    changed, unchanged = [], 0
    for code, moved_m in zip(common, shift):
        fields = {a: [_plain(old_i.at[code, a]), _plain(new_i.at[code, a])] for a in ATTRIBUTES[kind]
                  if a in new_i.columns and _plain(old_i.at[code, a]) != _plain(new_i.at[code, a])}
        if fields or moved_m > tolerance_m:
            changed.append({"code": code, "geometry": bool(moved_m > tolerance_m),
                            "shift_m": round(float(moved_m), 3), "fields": fields})
        else:
            unchanged += 1
    return {"added": [c for c in new_i.index if c not in old_i.index],
            "removed": [c for c in old_i.index if c not in new_i.index],
            "changed": changed, "unchanged": unchanged}


def _plain(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _shift_m(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Hausdorff distance per pair, in metres (METRIC_CRS)."""
    if len(old) == 0:
        return np.zeros(0)
    metric_old = gpd.GeoSeries(old, crs=STORAGE_CRS).to_crs(METRIC_CRS).to_numpy()
    metric_new = gpd.GeoSeries(new, crs=STORAGE_CRS).to_crs(METRIC_CRS).to_numpy()
    return shapely.hausdorff_distance(metric_old, metric_new)


def moved_cases(session: Session, new: gpd.GeoDataFrame) -> pd.DataFrame:
    """Cases whose grid code would change under the new grids (number, old_grid, new_grid)."""
    cases = pd.DataFrame(session.execute(
        select(Case.number, Case.lon, Case.lat, Grid.code.label("old_grid"))
        .outerjoin(Grid, Grid.id == Case.grid_id).order_by(Case.id)).all(),
        columns=["number", "lon", "lat", "old_grid"])
    if cases.empty:
        return cases[["number", "old_grid"]].assign(new_grid=[])
    ordered = new.sort_values("code")
    settings = AssignmentSettings.from_env()
    index = GridIndex(ordered.geometry.to_numpy(), snap_m=settings.snap_m, boundary_m=settings.boundary_m)
    placed = index.assign(cases["lon"].to_numpy(float), cases["lat"].to_numpy(float)).grid
    codes = ordered["code"].to_numpy()
    cases["new_grid"] = np.where(placed >= 0, codes[np.maximum(placed, 0)], None)
    moved = cases[cases["old_grid"].fillna("") != cases["new_grid"].fillna("")]
    return moved[["number", "old_grid", "new_grid"]].reset_index(drop=True)


def preview_layers(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame, diff: dict) -> dict[str, str]:
    """GeoJSON for the preview map: the new layer with a status per feature, and what would be removed."""
    status = {c: "added" for c in diff["added"]} | {c["code"]: "changed" for c in diff["changed"]}
    shown = new[["code", "geometry"]].assign(name=new.get("name", new["code"]),
                                             status=[status.get(c, "unchanged") for c in new["code"]])
    removed = old[old["code"].isin(diff["removed"])][["code", "geometry"]]
    return {"new": _geojson(shown), "removed": _geojson(removed), "current": _geojson(old[["code", "geometry"]])}


def _geojson(frame: gpd.GeoDataFrame) -> str:
    rounded = frame.set_geometry(shapely.set_precision(frame.geometry.to_numpy(), 1e-7), crs=STORAGE_CRS)
    return rounded.to_json(drop_id=True, na="drop")
