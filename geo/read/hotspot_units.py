"""The units the hotspots page tests: the active layout's grids, or uniform H3 cells covering the district.

Both are read once per layout version and kept (key: ``layout_key``): grid polygons and their names, areas
and Queen weights; H3 cells with their share inside the district, the grid each lies in, and ring weights.
Households come from the buildings layer on every call (one small SUM), since buildings can be re-imported
without a new grid layout.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal.weights import W
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.config import metric_crs
from geo.db.models import Building, Grid, GridLayout
from geo.domain.hotspot_measures import cell_weights, h3_resolution, h3_study_area
from geo.domain.hotspots import grid_weights
from geo.read.analysis_filters import BBOX, area_choices
from geo.read.layouts import grids_frame
from geo.read.map_shapes import decimals_for, fitting_view, simplified_for

LABELS = ["unit_id", "code", "name", "street", "community", "member", *BBOX]


@dataclass(frozen=True)
class Units:
    """The tested units in a fixed order. ``labels``: LABELS per unit (for cells, code … member are those of
    the grid holding the cell's centre); ``shapes``: unit_id, code, name and WGS84 geometry; ``share``: of
    the unit inside the district (1 for grids)."""

    kind: str  # "grid" | "cell"
    key: str
    labels: pd.DataFrame
    shapes: gpd.GeoDataFrame
    weights: W
    area_km2: np.ndarray
    share: np.ndarray
    resolution: int | None = None

    @property
    def ids(self) -> np.ndarray:
        return self.labels["unit_id"].to_numpy()


_CACHE_SIZE = 16
_cache: OrderedDict[str, Units | str] = OrderedDict()
_lock = threading.Lock()


def layout_key(session: Session, layout: GridLayout) -> str:
    """Cache key of a layout version: database + layout id + when it was created (a re-cut gets a new key)."""
    url = session.get_bind().url.render_as_string(hide_password=True)
    return f"{url}#{layout.id}@{layout.created_at.isoformat()}"


def grid_units(session: Session, layout_id: int, key: str, district_id: int | None = None) -> Units:
    """The layout's grids in code order, with names, areas (geo.config.metric_crs()) and Queen weights; only
    one district's grids when ``district_id`` is given (their own weights: neighbours across the district's
    edge are out of the study area)."""
    if district_id is not None:
        key = f"{key}#district={district_id}"
    return _cached(key, lambda: _read_grids(session, layout_id, key, district_id))


def cell_units(session: Session, layout_id: int, key: str, district_id: int | None = None) -> Units:
    """H3 cells over the layout's area (or one district's grids) at the resolution its area calls for
    (``h3_resolution``)."""
    grids = grid_units(session, layout_id, key, district_id)
    key = grids.key
    resolution = h3_resolution(float(grids.area_km2.sum()))
    cell_key = f"{key}#h3r{resolution}"
    return _cached(cell_key, lambda: _build_cells(grids, cell_key, resolution))


def households(session: Session, units: Units) -> np.ndarray:
    """Households per grid (sum over the buildings layer), in the units' order; 0 where a grid has none."""
    rows = dict(session.execute(select(Building.grid_id, func.coalesce(func.sum(Building.households), 0))
                                .join(Grid, Grid.id == Building.grid_id)
                                .where(Grid.id.in_([int(g) for g in units.ids]))
                                .group_by(Building.grid_id)).all())
    return np.array([rows.get(int(g), 0) for g in units.ids], dtype=float)


def units_geojson_text(units: Units) -> str:
    """The units as a GeoJSON FeatureCollection (properties id, code, name) for the map, which opens fitted to
    them: shapes simplified below half a pixel of that zoom and coordinates rounded to a tenth of a pixel
    (geo.read.map_shapes' rule: a district's 2,900 grid outlines drop from 1.1 MB to ≈ 0.4 MB). Kept per
    layout version, like the units."""
    return _cached(f"{units.key}#{units.kind}#geojson", lambda: _geojson(units))


def _geojson(units: Units) -> str:
    shapes = units.shapes.rename(columns={"unit_id": "id"})
    return shapes.set_geometry(_as_drawn(units, units.shapes.geometry.values)).to_json(drop_id=True)


def outlines_geojson_text(units: Units) -> str:
    """The units' outlines as one line feature (no properties) for drawing over other shapes: each shared
    edge once, simplified and rounded for the zoom the map opens at like ``units_geojson_text``. A district's
    2,900 grid outlines take 0.38 MB this way against 0.97 MB as polygons with their names, and the map draws
    one feature instead of 2,900. Kept per layout version."""
    return _cached(f"{units.key}#{units.kind}#outlines", lambda: _outlines(units))


def _outlines(units: Units) -> str:
    edges = shapely.line_merge(shapely.union_all(shapely.boundary(units.shapes.geometry.values)))
    edges = _as_drawn(units, np.array([edges]))[0]
    return ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": '
            f'{shapely.to_geojson(edges)}}}]}}')


def _as_drawn(units: Units, geometry: np.ndarray) -> np.ndarray:
    """``geometry`` as the map that opens fitted to the units draws it: simplified below half a pixel of that
    zoom, coordinates rounded to a tenth of a pixel (short decimals in the JSON)."""
    zoom = fitting_view(tuple(float(v) for v in units.shapes.total_bounds)).zoom
    scale = 10.0 ** decimals_for(zoom)
    return shapely.transform(simplified_for(geometry, zoom), lambda xy: np.round(xy * scale) / scale)


def tested_weights(units: Units, tested: np.ndarray) -> W:
    """Queen weights among the tested grids only (e.g. those with households), cached per subset."""
    if tested.all():
        return units.weights
    digest = hashlib.sha1(np.packbits(tested).tobytes()).hexdigest()[:16]
    return grid_weights(units.shapes[tested], f"{units.key}#subset-{digest}")


def _cached(key: str, build):
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    units = build()
    with _lock:
        _cache[key] = units
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return units


def _read_grids(session: Session, layout_id: int, key: str, district_id: int | None) -> Units:
    grids = grids_frame(session, layout_id)
    choices = area_choices(session, layout_id, district_id).set_index("grid_id")
    if district_id is not None:
        grids = grids[grids["id"].isin(choices.index)].reset_index(drop=True)
        if grids.empty:
            raise ValueError(f"no grid of the active layout lies in district {district_id}")
    names = choices.reindex(grids["id"])
    labels = pd.DataFrame({
        "unit_id": grids["id"].to_numpy(), "code": grids["code"].to_numpy(), "name": grids["name"].to_numpy(),
        "street": names["street_name"].to_numpy(), "community": names["community_name"].to_numpy(),
        "member": grids["member_name"].to_numpy(), **{c: names[c].to_numpy() for c in BBOX},
    })
    shapes = gpd.GeoDataFrame(labels[["unit_id", "code", "name"]], geometry=grids.geometry.values, crs=grids.crs)
    area = shapely.area(shapes.to_crs(metric_crs()).geometry.values) / 1e6
    return Units("grid", key, labels, shapes, grid_weights(grids, key), area, np.ones(len(grids)))


def _build_cells(grids: Units, key: str, resolution: int) -> Units:
    district = shapely.union_all(grids.shapes.geometry.values)
    study = h3_study_area(district, resolution, metric_crs())
    holder = _holding_grid(grids.shapes.geometry.values, study.geometry.values)
    labels = grids.labels.iloc[holder].reset_index(drop=True).drop(columns=BBOX)
    labels["unit_id"] = study["cell"].to_numpy()
    bounds = shapely.bounds(study.geometry.values)
    labels[BBOX] = bounds
    shapes = gpd.GeoDataFrame(labels[["unit_id", "code", "name"]], geometry=study.geometry.values, crs=study.crs)
    area = shapely.area(shapes.to_crs(metric_crs()).geometry.values) / 1e6
    return Units("cell", key, labels[LABELS], shapes, cell_weights(study, key), area,
                 study["share"].to_numpy(), resolution)


def _holding_grid(grid_geoms: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Row of the grid containing each cell's centre, or the nearest grid for a centre outside the district."""
    centres = shapely.centroid(cells)
    tree = shapely.STRtree(grid_geoms)
    holder = np.full(len(cells), -1)
    inside, grid = tree.query(centres, predicate="within")
    holder[inside] = grid
    outside = np.flatnonzero(holder < 0)
    if outside.size:
        which, nearest = tree.query_nearest(centres[outside], all_matches=False)
        holder[outside[which]] = nearest
    return holder
