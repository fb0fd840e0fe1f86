"""Grid layouts: which version of the grid cut is active, and reading its grids (creating and publishing a
layout is geo.usecases.layouts, publishing a layer geo.usecases.layers)."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.db.models import District, Grid, GridLayout
from geo.domain.crs import STORAGE_CRS


class NoActiveLayout(LookupError):
    def __init__(self):
        super().__init__("no grid layout is active: load the sample district or import a grid layer first")


@dataclass(frozen=True)
class LayoutView:
    """What a map page needs of the active layout: its id, name and extent."""

    id: int
    name: str
    bounds: tuple[float, float, float, float]
    grids: int = 0  # how many grids it has (a district's hundreds, a city's tens of thousands)


def active_layout_view(session: Session) -> LayoutView:
    """The active layout with its bounds; NoActiveLayout when there is none."""
    layout = active_layout(session)
    count = session.scalar(select(func.count()).select_from(Grid).where(Grid.layout_id == layout.id))
    return LayoutView(layout.id, layout.name, layout_bounds(session, layout.id), int(count))


def active_layout(session: Session) -> GridLayout:
    layout = session.scalars(select(GridLayout).where(GridLayout.is_active.is_(True))).first()
    if layout is None:
        raise NoActiveLayout()
    return layout


def grids_frame(session: Session, layout_id: int) -> gpd.GeoDataFrame:
    """The layout's grids sorted by code (the order the assignment's edge rule relies on)."""
    rows = session.execute(
        select(Grid.id, Grid.code, Grid.name, Grid.community_id, Grid.member_name, Grid.geom)
        .where(Grid.layout_id == layout_id)
        .order_by(Grid.code)
    ).all()
    frame = gpd.GeoDataFrame(
        [r._asdict() for r in rows],
        columns=["id", "code", "name", "community_id", "member_name", "geom"],
        geometry="geom",
        crs=STORAGE_CRS,
    )
    return frame.reset_index(drop=True)


def layout_geojson(session: Session, layout_id: int) -> str:
    """The layout's grids as a GeoJSON FeatureCollection string with only id, code and name (a small payload
    for the map: no per-feature bbox, coordinates at ~1 cm). For a district's layout: a city's would weigh
    ≈ 14 MB (maps read geo.read.map_shapes instead)."""
    grids = grids_frame(session, layout_id)[["id", "code", "name", "geom"]]
    return grids.to_json(drop_id=True, to_wgs84=False, na="drop")


def layout_bounds(session: Session, layout_id: int,
                  codes: frozenset[str] | None = None) -> tuple[float, float, float, float] | None:
    """(minx, miny, maxx, maxy) of the layout's grids (only those with ``codes`` if given: a grid member's own
    grids), from the bbox columns; None when no grid matches."""
    query = select(func.min(Grid.minx), func.min(Grid.miny), func.max(Grid.maxx), func.max(Grid.maxy)).where(
        Grid.layout_id == layout_id)
    if codes is not None:
        query = query.where(Grid.code.in_(sorted(codes)))
    row = session.execute(query).one()
    return None if row[0] is None else tuple(float(v) for v in row)


def area_bounds(session: Session, layout_id: int, district_id: int | None = None) -> tuple[float, float, float, float]:
    """``layout_bounds``, or the bounds of one district's outline (the city's layout when None)."""
    if district_id is None:
        return layout_bounds(session, layout_id)
    row = session.execute(select(District.minx, District.miny, District.maxx, District.maxy)
                          .where(District.id == district_id)).first()
    if row is None:
        raise LookupError(f"no district with id {district_id}")
    return tuple(float(v) for v in row)
