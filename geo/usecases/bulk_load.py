"""Loading a whole district at once (the sample, or a migration from another platform) into an empty database,
in one transaction: departments, categories, streets, communities, one published grid layout, buildings, and
cases with their dispatches and event history.

Rows reference each other by code (category_code, street_code, case_number …), never by id: the database
assigns every id from its own sequence, and the codes are resolved to ids by reading them back after each
insert. (Inserting explicit ids left PostgreSQL's sequences behind, so the next case or import failed with a
duplicate key.) Cases are placed in grids by the same assignment every other entry uses, not by the file's
grid codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from geo.db.database import Database
from geo.db.models import (
    Building,
    Case,
    CaseDispatch,
    CaseEvent,
    CaseGridAssignment,
    Category,
    Community,
    Department,
    Grid,
    Street,
    bbox_rows,
)
from geo.read.assignment import assign_points
from geo.usecases.layouts import activate_layout, create_layout

CASE_TIMES = ["reported_at", "accepted_at", "whistled_at", "reported_in_at", "answered_at", "closed_at",
              "rated_at", "rejected_at", "deadline"]
CASE_TEXTS = ["description", "source", "reporter_name", "reporter_phone", "address", "status", "reject_reason"]
#: A deferred case's pause: when the clock stopped and the status it resumes to (empty for other cases).
CASE_DEFERRAL = ["deferred_at", "deferred_from"]
_CHUNK = 5000


class DatabaseNotEmpty(RuntimeError):
    pass


@dataclass(frozen=True)
class DistrictData:
    """A district as frames. Times are aware (UTC) datetimes or NaT; codes link the tables.

    - departments: code, name, short_name, street_code (optional: the street whose office it is)
    - categories: code, name, class_code, class_name, lead_department (code or ""), co_departments
      (";"-separated codes), time_limit, time_unit, routing_rule
    - streets: code, name, geometry; communities: code, name, street_code, geometry
    - grids: code, name, community_code, member_name, member_phone, geometry
    - buildings: code, address, grid_code, households, geometry
    - cases: number, category_code, building_code ("" for none), lon, lat, CASE_TEXTS, tier, rating,
      rework_count, CASE_TIMES, CASE_DEFERRAL (deferred_at a time, deferred_from a status; NaT / "" unless
      the case is deferred — without them a deferred case could not be resumed on time)
    - dispatches: case_number, department_code, role, whistled_at, reported_in_at, answered_at
    - events: case_number, at, actor, role, action, from_status, to_status, note
    """

    departments: pd.DataFrame
    categories: pd.DataFrame
    streets: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    cases: pd.DataFrame
    dispatches: pd.DataFrame
    events: pd.DataFrame
    layout_name: str
    layout_source: str


def load_district(db: Database, data: DistrictData, loaded_by: str) -> dict[str, int]:
    """Insert ``data`` into an empty database in one transaction; returns rows per table. Refuses a database
    that already holds cases (DatabaseNotEmpty)."""
    with db.transaction() as session:
        existing = session.scalar(select(func.count()).select_from(Case))
        if existing:
            raise DatabaseNotEmpty(f"the database already holds {existing} cases; load into an empty one")
        streets = _insert_keyed(session, Street, _area_frame(data.streets, ["code", "name"]))
        communities = _insert_keyed(session, Community, _area_frame(
            data.communities, ["code", "name"], street_id=_ids(data.communities["street_code"], streets, "street")))
        departments = _insert_keyed(session, Department, data.departments[["code", "name", "short_name"]].assign(
            street_id=_ids(data.departments.get("street_code", pd.Series("", index=data.departments.index)),
                           streets, "street")))
        categories = _insert_keyed(session, Category, _category_rows(data.categories, departments))
        layout = create_layout(session, data.layout_name, source=data.layout_source, created_by=loaded_by)
        grids = _insert_keyed(session, Grid, _area_frame(
            data.grids.sort_values("code"), ["code", "name", "member_name", "member_phone"], layout_id=layout.id,
            community_id=_ids(data.grids.sort_values("code")["community_code"], communities, "community")),
            where=Grid.layout_id == layout.id)
        activate_layout(session, layout.id)
        buildings = _insert_keyed(session, Building, _area_frame(
            data.buildings, ["code", "address"], households=data.buildings["households"].astype(int).to_numpy(),
            grid_id=_ids(data.buildings["grid_code"], grids, "grid")))
        cases = _insert_cases(session, data.cases, layout.id, categories, buildings)
        _insert_frame(session, CaseDispatch, pd.DataFrame({
            "case_id": _ids(data.dispatches["case_number"], cases, "case"),
            "department_id": _ids(data.dispatches["department_code"], departments, "department"),
            **{c: data.dispatches[c] for c in ("role", "whistled_at", "reported_in_at", "answered_at")}}))
        _insert_frame(session, CaseEvent, data.events.assign(
            case_id=_ids(data.events["case_number"], cases, "case")).drop(columns="case_number"))
        counts = table_counts(session)
    with db.engine.connect() as connection:
        db.backend.after_bulk_load(connection)
        connection.commit()
    return counts


def table_counts(session: Session) -> dict[str, int]:
    tables = (Street, Community, Grid, Building, Department, Category, Case, CaseDispatch, CaseEvent)
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in tables}


def _category_rows(categories: pd.DataFrame, departments: dict[str, int]) -> pd.DataFrame:
    lead = categories["lead_department"].fillna("")
    return pd.DataFrame({
        **{c: categories[c] for c in ("code", "name", "class_code", "class_name", "time_unit", "routing_rule")},
        "lead_department_id": [departments[c] if c else None for c in lead],
        "co_department_codes": categories["co_departments"].fillna(""),
        "time_limit": categories["time_limit"].astype(float)})


def _area_frame(frame: gpd.GeoDataFrame, columns: list[str], **extra) -> pd.DataFrame:
    boxes = pd.DataFrame(bbox_rows(frame.geometry.to_numpy()), index=frame.index)
    return pd.concat([frame[columns], boxes], axis=1).assign(**extra)


def _ids(codes: pd.Series, lookup: dict[str, int], what: str) -> list:
    """Ids for codes ("" or NaN → None); an unknown code refuses the load, naming it."""
    codes = codes.fillna("")
    unknown = sorted(set(codes[codes != ""]) - set(lookup))
    if unknown:
        raise ValueError(f"unknown {what} code(s): {unknown[:5]}")
    return [lookup[c] if c else None for c in codes]


def _insert_frame(session: Session, model, frame: pd.DataFrame) -> None:
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(model.__table__), rows[start:start + _CHUNK])


def _insert_keyed(session: Session, model, frame: pd.DataFrame, where=None) -> dict[str, int]:
    """Insert, then read back code → id (ids come from the database's sequence)."""
    _insert_frame(session, model, frame)
    query = select(model.code, model.id)
    return dict(session.execute(query if where is None else query.where(where)).all())


def _insert_cases(session: Session, cases: pd.DataFrame, layout_id: int, categories: dict[str, int],
                  buildings: dict[str, int]) -> dict[str, int]:
    lon, lat = cases["lon"].to_numpy(float), cases["lat"].to_numpy(float)
    placed = assign_points(session, lon, lat, layout_id)
    grid = np.asarray(placed.grid_id)
    frame = pd.DataFrame({
        "number": cases["number"], "lon": lon, "lat": lat, "location": shapely.points(lon, lat),
        "category_id": _ids(cases["category_code"], categories, "category"),
        "building_id": _ids(cases["building_code"], buildings, "building"),
        "grid_id": [None if g < 0 else int(g) for g in grid],
        "snapped": np.asarray(placed.snapped, bool), "near_boundary": np.asarray(placed.near_boundary, bool),
        "tier": cases["tier"].replace("", None), "rating": cases["rating"].replace("", None),
        "rework_count": cases["rework_count"].astype(int), "version": 1,
        "deferred_from": cases["deferred_from"].replace("", None), "deferred_at": cases["deferred_at"],
        **{c: cases[c] for c in CASE_TEXTS + CASE_TIMES}})
    _insert_frame(session, Case, frame)
    ids = dict(session.execute(select(Case.number, Case.id)).all())
    _insert_frame(session, CaseGridAssignment, pd.DataFrame({
        "case_id": _ids(frame["number"], ids, "case"), "layout_id": layout_id, "grid_id": frame["grid_id"],
        "snapped": frame["snapped"], "near_boundary": frame["near_boundary"]}))
    return ids
