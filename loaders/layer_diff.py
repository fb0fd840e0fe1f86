"""What an uploaded layer would change: features added, removed, changed (compared by code with what the
database holds, ``geo.read.layers.current_features``), and the preview map's layers.

Geometry counts as changed when it moved more than ``SHIFT_TOLERANCE_M`` (Hausdorff distance in metres): a
survey office's projected export read back into WGS84 differs by micrometres, which must not show up as a
change. The cases a new grid cut would move are ``geo.read.layers.moved_cases``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.config import metric_crs
from geo.domain.crs import STORAGE_CRS
from geo.read.layers import ATTRIBUTES

SHIFT_TOLERANCE_M = 0.05
#: At most this many moved cases are listed in a report (the count is always exact).
MOVED_LISTED = 2000


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
    """Hausdorff distance per pair, in metres (metric_crs())."""
    if len(old) == 0:
        return np.zeros(0)
    metric_old = gpd.GeoSeries(old, crs=STORAGE_CRS).to_crs(metric_crs()).to_numpy()
    metric_new = gpd.GeoSeries(new, crs=STORAGE_CRS).to_crs(metric_crs()).to_numpy()
    return shapely.hausdorff_distance(metric_old, metric_new)


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
