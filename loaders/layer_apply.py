"""Writing a checked layer: grids as a new layout version, other layers upserted by code.

Why a new layout version for grids: a re-cut must not lose history (DOMAIN.md). The new version is created,
filled, published and every case re-placed by ``geo.recut.apply_regrid`` in the caller's one transaction;
the previous version stays and ``restore_layout`` publishes it again the same way.

Why upsert (not replace) for buildings, communities and streets: cases and grids point at them by id, so a
row missing from the file is kept (and reported), never deleted.
"""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from geo.actors import Actor
from geo.assignment import assign_points
from geo.layouts import NoActiveLayout, active_layout, create_layout
from geo.models import Building, Community, Grid, GridLayout, Street
from geo.recut import apply_regrid


def _bbox_rows(frame: gpd.GeoDataFrame) -> list[dict]:
    bounds = shapely.bounds(frame.geometry.to_numpy())
    return [{"geom": g, "minx": float(b[0]), "miny": float(b[1]), "maxx": float(b[2]), "maxy": float(b[3])}
            for g, b in zip(frame.geometry, bounds)]


def lookup(session: Session, model) -> dict[str, int]:
    """code → id and name → id for streets or communities (files give either)."""
    rows = session.execute(select(model.id, model.code, model.name)).all()
    return {name: i for i, _, name in rows} | {code: i for i, code, _ in rows}


def write_grids(session: Session, frame: gpd.GeoDataFrame, source: str, actor: Actor) -> dict:
    """A new layout version with these grids, published, every case re-placed; returns what was done."""
    now = datetime.now(UTC)
    layout = create_layout(session, name=f"{source} {now:%Y-%m-%d %H:%M}", source=source, created_by=actor.name,
                           note=f"imported by {actor.name}")
    communities = lookup(session, Community)
    ordered = frame.sort_values("code").reset_index(drop=True)
    rows = [{"layout_id": layout.id, "code": r.code, "name": r.name or r.code,
             "community_id": communities.get(r.community), "member_name": r.member_name,
             "member_phone": r.member_phone, **box}
            for r, box in zip(ordered.itertuples(), _bbox_rows(ordered))]
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


def write_buildings(session: Session, frame: gpd.GeoDataFrame) -> dict:
    """Upsert buildings; each goes to the grid the file names (active layout), else the grid it lies in."""
    grid_ids = _building_grids(session, frame)
    rows = [{"code": r.code, "address": r.address, "households": int(r.households or 0), "grid_id": g, **box}
            for r, g, box in zip(frame.itertuples(), grid_ids, _bbox_rows(frame))]
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


def write_communities(session: Session, frame: gpd.GeoDataFrame) -> dict:
    streets = lookup(session, Street)
    rows = [{"code": r.code, "name": r.name or r.code, "street_id": streets[r.street], **box}
            for r, box in zip(frame.itertuples(), _bbox_rows(frame))]
    return _upsert(session, Community, rows)


def write_streets(session: Session, frame: gpd.GeoDataFrame) -> dict:
    rows = [{"code": r.code, "name": r.name or r.code, **box} for r, box in zip(frame.itertuples(), _bbox_rows(frame))]
    return _upsert(session, Street, rows)


WRITERS = {"buildings": write_buildings, "communities": write_communities, "streets": write_streets}


def restore(session: Session, layout_id: int, actor: Actor) -> dict:
    """Publish an earlier layout version again and re-place every case under it."""
    layout = session.get(GridLayout, layout_id)
    if layout is None:
        raise LookupError(f"grid layout {layout_id} does not exist")
    moved = apply_regrid(session, layout_id, actor, datetime.now(UTC))
    return {"layout_id": layout_id, "layout_name": layout.name, "cases_moved": len(moved)}


def history(session: Session) -> list[dict]:
    """Every layout version, newest first, with its grid count and whether it is the active one."""
    counts = dict(session.execute(select(Grid.layout_id, func.count()).group_by(Grid.layout_id)).all())
    layouts = session.scalars(select(GridLayout).order_by(GridLayout.id.desc())).all()
    return [{"id": g.id, "name": g.name, "source": g.source, "created_at": g.created_at, "created_by": g.created_by,
             "is_active": bool(g.is_active), "grids": counts.get(g.id, 0)} for g in layouts]
