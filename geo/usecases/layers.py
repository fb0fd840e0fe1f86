"""Publishing a checked layer: grids as a new layout version, other layers upserted by code; restoring an
earlier layout version. Each use case runs in one transaction and is audited.

Why a new layout version for grids: a re-cut must not lose history (docs/domain.md). The new version is created,
filled, published and every case re-placed by ``geo.usecases.recut.apply_regrid`` in one transaction; the
previous version stays and ``restore_layout`` publishes it again the same way.

Why upsert (not replace) for buildings, communities and streets: cases and grids point at them by id, so a
row missing from the file is kept (and reported), never deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ
from geo.db.database import Database
from geo.db.models import Building, Community, District, Grid, GridLayout, Street, bbox_rows
from geo.domain.actors import Actor
from geo.read.assignment import assign_points
from geo.read.layers import parent_lookup
from geo.read.layouts import NoActiveLayout, active_layout
from geo.usecases.audit import record
from geo.usecases.layouts import create_layout
from geo.usecases.recut import apply_regrid

LAYER_KINDS = ("grids", "buildings", "communities", "streets")
#: The free-text fields of each kind, by role (codes have their own rule, loaders.layer_validate.check_codes).
_TEXT_COLUMNS = {
    "grids": {"name": Grid.name, "member_name": Grid.member_name, "member_phone": Grid.member_phone},
    "buildings": {"address": Building.address},
    "communities": {"name": Community.name},
    "streets": {"name": Street.name},
}


def text_limits(kind: str) -> dict[str, int]:
    """role → the most characters its column holds, for the import to refuse longer text before writing
    (geo.domain.text: never cut)."""
    return {role: column.type.length for role, column in _TEXT_COLUMNS[kind].items()}


def publish_layer(db: Database, kind: str, frame: gpd.GeoDataFrame, source: str, actor: Actor) -> dict:
    """Write a validated layer (role-named columns, WGS84) in one audited transaction; returns what was done."""
    if kind not in LAYER_KINDS:
        raise ValueError(f"unknown layer kind {kind!r}; kinds: {', '.join(LAYER_KINDS)}")
    with db.transaction() as session:
        if kind == "grids":
            done = _publish_grids(session, frame, source, actor)
        else:
            done = _WRITERS[kind](session, frame)
        record(session, datetime.now(UTC), actor.name, actor.role, "import", source, f"{kind}: {done}")
    return done


def restore_layout(db: Database, layout_id: int, actor: Actor) -> dict:
    """Publish an earlier layout version again and re-place every case under it (one audited transaction)."""
    with db.transaction() as session:
        layout = session.get(GridLayout, layout_id)
        if layout is None:
            raise LookupError(f"grid layout {layout_id} does not exist")
        moved = apply_regrid(session, layout_id, actor, datetime.now(UTC))
        record(session, datetime.now(UTC), actor.name, actor.role, "import", f"layout {layout_id}", "restore")
    return {"layout_id": layout_id, "layout_name": layout.name, "cases_moved": len(moved)}


def _publish_grids(session: Session, frame: gpd.GeoDataFrame, source: str, actor: Actor) -> dict:
    """A new layout version with these grids, published, every case re-placed."""
    now = datetime.now(UTC)
    local = now.astimezone(ZoneInfo(LOCAL_TZ))  # the name a supervisor reads: local time
    layout = create_layout(session, name=f"{source} {local:%Y-%m-%d %H:%M}", source=source,
                           created_by=actor.name, note=f"imported by {actor.name}")
    communities = parent_lookup(session, "grids")
    ordered = frame.sort_values("code").reset_index(drop=True)
    rows = [{"layout_id": layout.id, "code": r.code, "name": r.name or r.code,
             "community_id": communities.get(r.community), "member_name": r.member_name,
             "member_phone": r.member_phone, **box}
            for r, box in zip(ordered.itertuples(), bbox_rows(ordered.geometry))]
    session.execute(insert(Grid.__table__), rows)
    moved = apply_regrid(session, layout.id, actor, now)
    return {"layout_id": layout.id, "layout_name": layout.name, "grids": len(rows), "cases_moved": len(moved)}


def _upsert(session: Session, model, rows: list[dict]) -> dict:
    """Update rows whose code exists, insert the rest (one statement each, executemany)."""
    existing = dict(session.execute(select(model.code, model.id)).all())
    updates = [{"_id": existing[r["code"]], **r} for r in rows if r["code"] in existing]
    inserts = [r for r in rows if r["code"] not in existing]
    table = model.__table__
    if updates:
        columns = {k: bindparam(k) for k in updates[0] if k not in ("_id", "code")}
        session.execute(table.update().where(table.c.id == bindparam("_id")).values(**columns), updates)
    if inserts:
        session.execute(insert(table), inserts)
    return {"inserted": len(inserts), "updated": len(updates)}


def _write_buildings(session: Session, frame: gpd.GeoDataFrame) -> dict:
    """Upsert buildings; each goes to the grid the file names (active layout), else the grid it lies in."""
    grid_ids = _building_grids(session, frame)
    rows = [{"code": r.code, "address": r.address, "households": int(r.households or 0), "grid_id": g, **box}
            for r, g, box in zip(frame.itertuples(), grid_ids, bbox_rows(frame.geometry))]
    return _upsert(session, Building, rows)


def _building_grids(session: Session, frame: gpd.GeoDataFrame) -> list[int | None]:
    try:
        layout_id = active_layout(session).id
    except NoActiveLayout:
        return [None] * len(frame)
    inside = shapely.point_on_surface(frame.geometry.to_numpy())
    placed = assign_points(session, shapely.get_x(inside), shapely.get_y(inside), layout_id).grid_id
    named = dict(session.execute(select(Grid.code, Grid.id).where(Grid.layout_id == layout_id)).all())
    given = frame["grid"] if "grid" in frame else [""] * len(frame)
    return [named.get(code) or (None if p < 0 else int(p)) for code, p in zip(given, np.asarray(placed))]


def _write_communities(session: Session, frame: gpd.GeoDataFrame) -> dict:
    streets = parent_lookup(session, "communities")
    rows = [{"code": r.code, "name": r.name or r.code, "street_id": streets[r.street], **box}
            for r, box in zip(frame.itertuples(), bbox_rows(frame.geometry))]
    return _upsert(session, Community, rows)


def _write_streets(session: Session, frame: gpd.GeoDataFrame) -> dict:
    districts = _street_districts(session, frame)
    rows = [{"code": r.code, "name": r.name or r.code, "district_id": d, **box}
            for r, d, box in zip(frame.itertuples(), districts, bbox_rows(frame.geometry))]
    return _upsert(session, Street, rows)


def _street_districts(session: Session, frame: gpd.GeoDataFrame) -> list[int | None]:
    """The district of each street: the one a street already has, else the district containing a point of
    it (the only district, when the city has one); None where no district does (a city loaded without one)."""
    known = dict(session.execute(select(Street.code, Street.district_id)).all())
    rows = session.execute(select(District.id, District.geom).order_by(District.id)).all()
    if not rows:
        return [known.get(code) for code in frame["code"]]
    inside = shapely.point_on_surface(frame.geometry.to_numpy())
    found = np.full(len(frame), rows[0][0] if len(rows) == 1 else -1)
    for district_id, geom in rows if len(rows) > 1 else ():
        found[shapely.contains(geom, inside)] = district_id
    return [known.get(code) or (int(d) if d >= 0 else None) for code, d in zip(frame["code"], found)]


_WRITERS = {"buildings": _write_buildings, "communities": _write_communities, "streets": _write_streets}
