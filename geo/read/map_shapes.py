"""The area shapes a map draws for the view on screen, never the whole city: the grids in view when few
enough meet it, else the streets in view, else the districts — each simplified to what the zoom can show.

Why this technique (docs/scale.md): the pages draw with Leaflet through folium and streamlit-folium, whose
clicks (a case, a grid) are what the case panel reads. A viewport query plus zoom-dependent simplification
keeps that unchanged and serves both backends from the same bbox columns; vector tiles would need a tile
endpoint beside Streamlit and a second click path. A whole layout of 40,000 grids is ≈ 14 MB of GeoJSON;
the view here is at most ``MAX_GRIDS`` grids, simplified below half a pixel and rounded to a tenth of one.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.db.models import Community, District, Grid, Street

#: At most this many grids are drawn one by one; a view meeting more shows streets.
MAX_GRIDS = 1500
#: At most this many streets; a view meeting more (a whole city) shows districts.
MAX_STREETS = 60
LEVELS = ("grid", "street", "district")


@dataclass(frozen=True)
class MapView:
    """The part of the map on screen (WGS84 degrees) and its zoom level (any map: case map, overview …)."""

    west: float
    south: float
    east: float
    north: float
    zoom: float

    def __post_init__(self) -> None:
        if not (self.west < self.east and self.south < self.north):
            raise ValueError(f"empty view: west {self.west} < east {self.east} and south {self.south} < "
                             f"north {self.north} must hold")


@dataclass(frozen=True)
class Shapes:
    """Area shapes for a view: ``level`` (grid | street | district) and ``frame`` with id, code, name and
    ``geometry`` (shapely, simplified for the zoom); ``decimals`` to round coordinates to when drawn."""

    level: str
    frame: pd.DataFrame
    decimals: int

    def geojson(self, properties: pd.DataFrame | None = None) -> str:
        """A FeatureCollection of the shapes with id, code, name and the columns of ``properties`` (indexed by
        id) — coordinates rounded, no per-feature bbox: the smallest text a map can draw from."""
        extra = properties.reindex(self.frame["id"]) if properties is not None else None
        texts = shapely.to_geojson(shapely.set_precision(self.frame["geometry"].to_numpy(), 10.0 ** -self.decimals))
        features = []
        for i, (row, geometry) in enumerate(zip(self.frame[["id", "code", "name"]].itertuples(index=False), texts)):
            props = {"id": int(row.id), "code": row.code, "name": row.name}
            if extra is not None:
                props.update({k: _plain(v) for k, v in extra.iloc[i].items()})
            features.append(f'{{"type":"Feature","properties":{json.dumps(props, ensure_ascii=False)},'
                            f'"geometry":{geometry}}}')
        return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def pixel_degrees(zoom: float) -> float:
    """Degrees of longitude per screen pixel at ``zoom`` (256-pixel Web Mercator tiles)."""
    return 360.0 / (256.0 * 2.0**zoom)


def level_for(session: Session, layout_id: int, view: MapView, district_id: int | None = None) -> str:
    """The finest level whose shapes meeting the view are few enough to draw one by one."""
    grids = session.scalar(select(func.count()).select_from(Grid).where(
        Grid.layout_id == layout_id, *_meets(Grid, view), *_grids_of(district_id)))
    if grids <= MAX_GRIDS:
        return "grid"
    streets = session.scalar(select(func.count()).select_from(Street).where(
        *_meets(Street, view), *([Street.district_id == district_id] if district_id is not None else [])))
    if streets <= MAX_STREETS or not session.scalar(select(func.count()).select_from(District)):
        return "street"
    return "district"


def shapes_in_view(session: Session, layout_id: int, view: MapView, level: str | None = None,
                   district_id: int | None = None) -> Shapes:
    """The shapes of ``level`` (default: ``level_for`` the view) meeting the view, simplified below half a
    pixel of its zoom; only one district's when ``district_id`` is given."""
    level = level or level_for(session, layout_id, view, district_id)
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")
    model = {"grid": Grid, "street": Street, "district": District}[level]
    query = select(model.id, model.code, model.name, model.geom).where(*_meets(model, view)).order_by(model.code)
    if level == "grid":
        query = query.where(Grid.layout_id == layout_id, *_grids_of(district_id))
    elif district_id is not None:
        query = query.where((Street.district_id if level == "street" else District.id) == district_id)
    rows = session.execute(query).all()
    frame = pd.DataFrame(rows, columns=["id", "code", "name", "geometry"])
    if len(frame):
        frame["geometry"] = simplified_for(frame["geometry"], view.zoom)
    return Shapes(level, frame, decimals_for(view.zoom))


def shapes_of(session: Session, level: str, ids, zoom: float) -> Shapes:
    """The shapes of ``level`` with these ids (e.g. the grids a hotspot map shows), simplified for ``zoom``."""
    model = {"grid": Grid, "street": Street, "district": District}[level]
    rows = session.execute(select(model.id, model.code, model.name, model.geom)
                           .where(model.id.in_([int(i) for i in ids])).order_by(model.code)).all()
    frame = pd.DataFrame(rows, columns=["id", "code", "name", "geometry"])
    if len(frame):
        frame["geometry"] = simplified_for(frame["geometry"], zoom)
    return Shapes(level, frame, decimals_for(zoom))


def simplified_for(geometry, zoom: float) -> np.ndarray:
    """Shapes simplified below half a pixel at ``zoom``: what a map at that zoom cannot show is left out."""
    return shapely.simplify(np.asarray(geometry, dtype=object), pixel_degrees(zoom) / 2, preserve_topology=True)


def decimals_for(zoom: float) -> int:
    """Decimals of a degree that keep a tenth of a pixel at ``zoom`` (4 at a city's zoom, 6 at a street's)."""
    return int(min(7, max(4, math.ceil(-math.log10(pixel_degrees(zoom) / 10)))))


def fitting_view(bounds: tuple[float, float, float, float], width_px: int = 900, height_px: int = 640) -> MapView:
    """The view a map of ``width_px`` × ``height_px`` shows when fitted to ``bounds`` (what Leaflet's
    fitBounds picks, to a half zoom level): for maps that do not report their view back."""
    west, south, east, north = bounds
    span_x = max(east - west, 1e-9)
    span_y = max(_mercator_y(north) - _mercator_y(south), 1e-12)
    zoom = min(math.log2(width_px * 360.0 / (256.0 * span_x)), math.log2(height_px * 2 * math.pi / (256.0 * span_y)))
    return MapView(west, south, east, north, math.floor(zoom * 2) / 2)


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _meets(model, view: MapView) -> list:
    return [model.maxx >= view.west, model.minx <= view.east, model.maxy >= view.south, model.miny <= view.north]


def _grids_of(district_id: int | None) -> list:
    if district_id is None:
        return []
    return [Grid.community_id.in_(select(Community.id).join(Street, Street.id == Community.street_id)
                                  .where(Street.district_id == district_id))]


def _plain(value):
    """JSON-ready: numpy scalars to Python, NaN to None."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if math.isnan(value) else float(value)
    return value
