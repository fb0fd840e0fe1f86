"""Many new cases at once (an import of a hotline export), placed and written in seconds for 100,000.

``place_cases`` is the one placement rule; geo.usecases.intake.report_case calls it for a single case. A case with coordinates goes to the grid of the active layout that holds it
(snapped / near-boundary flags kept; outside every grid it goes to the unassigned queue with grid None) and
to the building whose footprint holds it. New here: a case without coordinates whose address matched a
building (loaders.case_address) is placed at a point inside that building's footprint — so it shows on the
map and follows the grids at a re-cut like any other case. A case with neither is kept, unplaced (no point,
grid None): the manual-placement queue. Nothing is dropped.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import and_, case, insert, literal, null, select
from sqlalchemy.orm import Session

from geo.db.database import Database
from geo.db.models import Building, Case, CaseEvent, CaseGridAssignment
from geo.db.types import UTCDateTime
from geo.domain.actors import Actor
from geo.domain.event_notes import Note
from geo.domain.h3_keys import location_keys
from geo.read.assignment import assign_buildings, assign_points
from geo.usecases import tallies
from geo.usecases.audit import record
from geo.usecases.numbering import IMPORT_PREFIX, case_numbers

BY_COORDINATES, BY_ADDRESS, NOT_PLACED = "coordinates", "address", ""
#: Free text of an imported case → the most characters its column holds (None: unbounded). An import refuses
#: a longer value rather than cut it (geo.domain.text).
CASE_TEXT_LIMITS = {"description": None, **{c: Case.__table__.c[c].type.length
                                            for c in ("address", "reporter_name", "reporter_phone")}}
CASE_COLUMNS = ("source_ref", "category_id", "description", "source", "reporter_name", "reporter_phone",
                "address", "status", "reported_at", "closed_at", "rejected_at", "rated_at")


def place_cases(session: Session, lon: np.ndarray, lat: np.ndarray, building_id: np.ndarray) -> pd.DataFrame:
    """Per case: lon, lat, grid_id (-1 none), building_id (-1 none), snapped, near_boundary, placed_by.

    ``lon``/``lat`` are WGS84 (NaN = none); ``building_id`` is a building matched by address (-1 = none),
    used only where there are no coordinates. Writes nothing (the dry run uses it too)."""
    lon, lat = np.array(lon, dtype=float), np.array(lat, dtype=float)
    building = np.array(building_id, dtype=np.int64)
    has_point = np.isfinite(lon) & np.isfinite(lat)
    by_address = ~has_point & (building >= 0)
    if by_address.any():
        lon[by_address], lat[by_address] = _points_inside(session, building[by_address])
    if has_point.any():
        building[has_point] = assign_buildings(session, lon[has_point], lat[has_point])
    placed = assign_points(session, lon, lat)  # NaN points come back unassigned
    grid = np.where(has_point | by_address, placed.grid_id, -1)
    placed_by = np.where(grid < 0, NOT_PLACED, np.where(has_point, BY_COORDINATES, BY_ADDRESS))
    return pd.DataFrame({"lon": lon, "lat": lat, "grid_id": grid, "building_id": building,
                         "snapped": placed.snapped & (grid >= 0), "near_boundary": placed.near_boundary & (grid >= 0),
                         "placed_by": placed_by, "layout_id": placed.layout_id})


def _points_inside(session: Session, building_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    unique = np.unique(building_ids)
    geoms = {}
    for start in range(0, unique.size, 5000):
        chunk = [int(b) for b in unique[start:start + 5000]]
        geoms.update(session.execute(select(Building.id, Building.geom).where(Building.id.in_(chunk))).all())
    points = shapely.point_on_surface([geoms[int(b)] for b in unique])
    where = np.searchsorted(unique, building_ids)
    return shapely.get_x(points)[where], shapely.get_y(points)[where]


def report_cases_bulk(session: Session, cases: pd.DataFrame, placement: pd.DataFrame, actor: Actor,
                      now: datetime, source: str = "") -> pd.Series:
    """Insert ``cases`` (columns CASE_COLUMNS; times aware UTC or NaT; category_id None-able) placed by
    ``placement`` (from place_cases, same order), with their grid assignment and one 'import' event each
    (note "imported": the ``source`` file's name, how the case was placed).
    Flushes, does not commit. Returns the new case numbers, indexed like ``cases``.

    Numbers run in blocks per placement (by coordinates, by address, not placed), in file order within a
    block, so that the assignment and event rows are written by the database itself (INSERT … SELECT over
    a block's number range) instead of 2 × N rows sent from Python."""
    groups = _placement_groups(placement)
    block = np.argsort(groups, kind="stable")
    numbers = np.empty(len(cases), dtype=object)
    numbers[block] = case_numbers(session, len(cases), now, IMPORT_PREFIX)
    session.execute(insert(Case.__table__), _case_rows(cases, placement, numbers.tolist()))
    if len(cases):
        layout_id = int(placement["layout_id"].iloc[0])
        for group, by in enumerate((BY_COORDINATES, BY_ADDRESS, NOT_PLACED)):
            members = numbers[groups == group]
            if members.size:
                _log_block(session, str(members.min()), str(members.max()), layout_id, actor, now, source, by)
    session.flush()
    if len(cases) and tallies.active(session):
        ids = session.scalars(select(Case.id).where(Case.number >= str(numbers.min()),
                                                    Case.number <= str(numbers.max()))).all()
        tallies.recount_cases(session, ids)
    return pd.Series(numbers, index=cases.index)


def import_cases(db: Database, cases: pd.DataFrame, placement: pd.DataFrame, actor: Actor, now: datetime,
                 source_name: str) -> pd.Series:
    """An import of a file's good rows (``report_cases_bulk``), audited, in one transaction: all or nothing (a
    source id imported meanwhile by someone else violates its unique key and refuses the whole import).
    Returns the new case numbers, indexed like ``cases``."""
    with db.transaction() as session:
        numbers = report_cases_bulk(session, cases, placement, actor, now, source=source_name)
        record(session, now, actor.name, actor.role, "import", source_name, f"cases: {len(cases)} rows")
    return numbers


def _placement_groups(placement: pd.DataFrame) -> np.ndarray:
    """0 placed by coordinates, 1 by address, 2 not placed (the unassigned / manual-placement queue)."""
    by = placement["placed_by"].to_numpy()
    return np.select([by == BY_COORDINATES, by == BY_ADDRESS], [0, 1], 2)


def _log_block(session: Session, first: str, last: str, layout_id: int, actor: Actor, now: datetime,
               source: str, by: str) -> None:
    """The grid assignment and the 'import' event of the cases numbered first…last (all placed ``by`` the
    same means), each noting its source and placement as report_case does (unassigned, snapped, near the
    boundary) — the note's parameters picked per row from the four flag combinations."""
    c = Case.__table__
    block = c.c.number.between(first, last)
    session.execute(insert(CaseGridAssignment.__table__).from_select(
        ["case_id", "layout_id", "grid_id", "snapped", "near_boundary"],
        select(c.c.id, literal(layout_id), c.c.grid_id, c.c.snapped, c.c.near_boundary).where(block)))
    def params(snapped: bool, near: bool):
        return literal(Note("imported", {"source": source, "by": by, "unassigned": by == NOT_PLACED,
                                         "snapped": snapped, "near_boundary": near}).dumps())

    flags = case((and_(c.c.snapped, c.c.near_boundary), params(True, True)), (c.c.snapped, params(True, False)),
                 (c.c.near_boundary, params(False, True)), else_=params(False, False))
    session.execute(insert(CaseEvent.__table__).from_select(
        ["case_id", "at", "actor", "role", "action", "from_status", "to_status", "note", "note_key", "note_params"],
        select(c.c.id, literal(now, UTCDateTime), literal(actor.name), literal(str(actor.role)), literal("import"),
               null(), c.c.status, literal(""), literal("imported"), flags).where(block).order_by(c.c.id)))


def _case_rows(cases: pd.DataFrame, placement: pd.DataFrame, numbers: list[str]) -> list[dict]:
    has_point = np.isfinite(placement["lon"].to_numpy()) & np.isfinite(placement["lat"].to_numpy())
    points = shapely.points(placement["lon"].to_numpy(), placement["lat"].to_numpy())
    grid = placement["grid_id"].to_numpy()
    building = placement["building_id"].to_numpy()
    columns = {
        "number": numbers,
        **{c: _nullable(cases[c]) for c in CASE_COLUMNS},
        "lon": _where(placement["lon"].to_numpy(), has_point),
        "lat": _where(placement["lat"].to_numpy(), has_point),
        "location": _where(points, has_point),
        "h3_key": location_keys(placement["lon"].to_numpy(), placement["lat"].to_numpy()),
        "grid_id": _where(grid, grid >= 0),
        "building_id": _where(building, building >= 0),
        "snapped": placement["snapped"].astype(bool).tolist(),
        "near_boundary": placement["near_boundary"].astype(bool).tolist(),
    }
    # A column that is None on every row is left out (NULL, or the model's default: rework_count 0,
    # version 1 …): each column costs a bind per row.
    columns = {k: v for k, v in columns.items() if any(x is not None for x in v)}
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def _where(values: np.ndarray, keep: np.ndarray) -> list:
    """Python values (int, float, shapely) where ``keep``, None elsewhere."""
    out = np.array(values, dtype=object)
    out[~keep] = None
    return out.tolist()


def _nullable(series: pd.Series) -> list:
    """Python values with None for NaN/NaT (Timestamps become aware datetimes for UTCDateTime)."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        values = np.array(series.dt.to_pydatetime(), dtype=object)
        values[series.isna().to_numpy()] = None
        return values.tolist()
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in series.tolist()]
