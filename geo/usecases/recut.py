"""Re-assigning every case under a grid layout: the diff a re-cut (or a changed tolerance) causes, and
applying it in one transaction with an event per moved case. The old layout and each case's old grid stay
(CaseGridAssignment), so history survives the re-cut.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import shapely
from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from geo.db.models import Building, Case, CaseEvent, CaseGridAssignment, Grid
from geo.domain.actors import Actor
from geo.domain.event_notes import Note
from geo.read.assignment import assign_points
from geo.usecases import tallies
from geo.usecases.layouts import activate_layout

DIFF_COLUMNS = ["case_id", "number", "old_grid", "new_grid", "new_grid_id", "snapped", "near_boundary"]


def regrid_diff(session: Session, layout_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every case's placement under ``layout_id``, the cases whose grid code changes).

    Grids are compared by code: the same code in two layouts is the same grid to the people who own it."""
    cases = pd.DataFrame(session.execute(
        select(Case.id.label("case_id"), Case.number, Case.lon, Case.lat, Grid.code.label("old_grid"))
        .outerjoin(Grid, Grid.id == Case.grid_id).order_by(Case.id)).all(),
        columns=["case_id", "number", "lon", "lat", "old_grid"])
    placed = assign_points(session, cases["lon"].to_numpy(float), cases["lat"].to_numpy(float), layout_id)
    codes = dict(session.execute(select(Grid.id, Grid.code).where(Grid.layout_id == layout_id)).all())
    cases["new_grid_id"] = placed.grid_id
    cases["new_grid"] = [codes.get(int(g)) for g in placed.grid_id]
    cases["snapped"], cases["near_boundary"] = placed.snapped, placed.near_boundary
    moved = cases[cases["old_grid"].fillna("") != cases["new_grid"].fillna("")]
    return cases[DIFF_COLUMNS], moved[DIFF_COLUMNS].reset_index(drop=True)


def apply_regrid(session: Session, layout_id: int, actor: Actor, now: datetime) -> pd.DataFrame:
    """Make ``layout_id`` active and move every case to its grid there; returns the moved cases."""
    placement, moved = regrid_diff(session, layout_id)
    activate_layout(session, layout_id)
    ids = placement["new_grid_id"].to_numpy()
    moved_ids = set(moved["case_id"].tolist())
    rows = [{"cid": int(c), "gid": None if g < 0 else int(g), "snap": bool(s), "near": bool(n),
             "bump": int(c in moved_ids)}  # a moved case changed: an open case panel must reload it
            for c, g, s, n in zip(placement["case_id"], ids, placement["snapped"], placement["near_boundary"])]
    table = Case.__table__
    if rows:
        session.execute(table.update().where(table.c.id == bindparam("cid")).values(
            grid_id=bindparam("gid"), snapped=bindparam("snap"), near_boundary=bindparam("near"),
            version=table.c.version + bindparam("bump")), rows)
    session.execute(delete(CaseGridAssignment).where(CaseGridAssignment.layout_id == layout_id))
    _insert_all(session, CaseGridAssignment, [
        {"case_id": r["cid"], "layout_id": layout_id, "grid_id": r["gid"], "snapped": r["snap"],
         "near_boundary": r["near"]} for r in rows])
    _insert_all(session, CaseEvent, [
        {"case_id": int(m.case_id), "at": now, "actor": actor.name, "role": str(actor.role), "action": "regrid",
         "from_status": None, "to_status": None, "note": "", "note_key": "regridded",
         "note_params": Note("regridded", {"old": m.old_grid or "—", "new": m.new_grid or "—"}).dumps()}
        for m in moved.itertuples()])
    _regrid_buildings(session, layout_id)
    session.flush()
    if tallies.active(session):  # every case may have changed grid, street and district
        tallies.rebuild(session)
    return moved


def _regrid_buildings(session: Session, layout_id: int) -> None:
    """Each building goes to the grid that holds a point inside its footprint."""
    rows = session.execute(select(Building.id, Building.geom)).all()
    if not rows:
        return
    inside = shapely.point_on_surface([g for _, g in rows])
    placed = assign_points(session, shapely.get_x(inside), shapely.get_y(inside), layout_id)
    table = Building.__table__
    session.execute(table.update().where(table.c.id == bindparam("bid")).values(grid_id=bindparam("gid")), [
        {"bid": b, "gid": None if g < 0 else int(g)} for (b, _), g in zip(rows, placed.grid_id)])


def _insert_all(session: Session, model, rows: list[dict]) -> None:
    """Bulk insert; nothing for no rows (an empty executemany would become one empty INSERT)."""
    if rows:
        session.execute(insert(model.__table__), rows)
