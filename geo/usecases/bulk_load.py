"""Loading a whole district or city at once (the samples, or a migration from another platform) into an empty
database, in one transaction: district rows, streets, communities, one published grid layout, buildings,
departments, categories, and cases with their dispatches and event history.

``load_district`` loads one ``DistrictData``. A city is loaded piece by piece through a ``BulkLoad``: every
district's areas first (so the layout is complete before any case is placed), then the catalogue, then the
cases district by district, so that no more than one district's cases is ever in memory.

Rows reference each other by code (category_code, street_code, case_number …), never by the file's ids: ids
are taken from each table's own sequence (``reserve_ids``; inserting ids past a sequence left PostgreSQL's
sequences behind, so the next case or import failed with a duplicate key). Rows go in through the backend's
``bulk_insert`` (COPY on PostgreSQL) with the big tables' secondary indexes and keys dropped meanwhile and
rebuilt at the end. Cases are placed in grids by the same assignment every other entry uses, not by the
file's grid codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select
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
    District,
    Grid,
    Street,
    bbox_rows,
)
from geo.domain.h3_keys import location_keys
from geo.read.assignment import assign_points
from geo.usecases import tallies
from geo.usecases.layouts import activate_layout, create_layout

CASE_TIMES = ["reported_at", "accepted_at", "whistled_at", "reported_in_at", "answered_at", "closed_at",
              "rated_at", "rejected_at", "deadline"]
CASE_TEXTS = ["description", "source", "reporter_name", "reporter_phone", "address", "status", "reject_reason"]
#: Tables whose secondary indexes and keys are rebuilt after the load rather than maintained row by row.
BULK_TABLES = ["buildings", "cases", "case_grid_assignments", "case_dispatches", "case_events"]
#: The tables read through covering indexes (ix_cases_hotspot, ix_cases_reported_at, ix_case_dispatches_case_id),
#: vacuumed after a load of cases so that those indexes are read alone.
CASE_TABLES = ("cases", "case_dispatches")
#: Code and name of the district made for data that names none (as migration 0005 does for old databases).
ONE_DISTRICT = ("D01", "本区")
#: A deferred case's pause: when the clock stopped and the status it resumes to (empty for other cases).
CASE_DEFERRAL = ["deferred_at", "deferred_from"]


class DatabaseNotEmpty(RuntimeError):
    pass


@dataclass(frozen=True)
class DistrictData:
    """A district as frames. Times are aware (UTC) datetimes or NaT; codes link the tables.

    - departments: code, name, short_name, street_code (optional: the street whose office it is)
    - categories: code, name, class_code, class_name, lead_department (code or ""), co_departments
      (";"-separated codes), time_limit, time_unit, routing_rule
    - streets: code, name, district_code (optional when there is one district), geometry;
      communities: code, name, street_code, geometry
    - grids: code, name, community_code, member_name, member_phone, geometry
    - buildings: code, address, grid_code, households, geometry
    - cases: number, category_code, building_code ("" for none), lon, lat, CASE_TEXTS, tier, rating,
      rework_count, CASE_TIMES, CASE_DEFERRAL (deferred_at a time, deferred_from a status; NaT / "" unless
      the case is deferred — without them a deferred case could not be resumed on time)
    - dispatches: case_number, department_code, role, whistled_at, reported_in_at, answered_at
    - events: case_number, at, actor, role, action, from_status, to_status, note
    - districts: code, name, geometry (None: the streets form one district, code ``D01``, name 本区)
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
    districts: gpd.GeoDataFrame | None = None


def load_district(db: Database, data: DistrictData, loaded_by: str) -> dict[str, int]:
    """Insert ``data`` into an empty database in one transaction; returns rows per table. Refuses a database
    that already holds cases (DatabaseNotEmpty)."""
    with db.transaction() as session:
        load = BulkLoad.start(session, db, data.layout_name, data.layout_source, loaded_by)
        load.add_areas(district_frame(data), data.streets.assign(district_code=_district_codes(data)),
                       data.communities, data.grids, data.buildings)
        load.add_catalogue(data.departments, data.categories)
        load.add_cases(data.cases, data.dispatches, data.events)
        counts = load.finish()
    after_bulk_load(db, CASE_TABLES)
    return counts


def after_bulk_load(db: Database, vacuum: tuple[str, ...] = ()) -> None:
    """Refresh the planner's statistics (and on SQLite fold the write-ahead log) once the load committed; on
    PostgreSQL also vacuum the loaded tables named in ``vacuum`` (the case tables after cases were loaded)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        db.backend.after_bulk_load(connection, vacuum)


class BulkLoad:
    """One load in progress inside the caller's transaction. ``start`` → ``add_areas`` (once per district) →
    ``add_catalogue`` → ``add_cases`` (any number of times) → ``finish``; codes resolve to ids across calls."""

    def __init__(self, session: Session, db: Database, layout_id: int, restore: list[str]):
        self.session, self.backend, self.layout_id, self._restore = session, db.backend, layout_id, restore
        self.ids: dict[str, pd.Series] = {}

    @classmethod
    def start(cls, session: Session, db: Database, layout_name: str, layout_source: str,
              loaded_by: str) -> BulkLoad:
        """Refuse a database holding cases (DatabaseNotEmpty), create the layout, set the indexes aside."""
        existing = session.scalar(select(func.count()).select_from(Case))
        if existing:
            raise DatabaseNotEmpty(f"the database already holds {existing} cases; load into an empty one")
        layout = create_layout(session, layout_name, source=layout_source, created_by=loaded_by)
        return cls(session, db, layout.id, db.backend.without_indexes(session.connection(), BULK_TABLES))

    def add_areas(self, districts: gpd.GeoDataFrame, streets: gpd.GeoDataFrame, communities: gpd.GeoDataFrame,
                  grids: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> None:
        """One district's (or the whole data's) areas; streets carry ``district_code``."""
        self._keyed(District, "district", _area_frame(districts, ["code", "name"]))
        self._keyed(Street, "street", _area_frame(
            streets, ["code", "name"], district_id=self._ids(streets["district_code"], "district")))
        self._keyed(Community, "community", _area_frame(
            communities, ["code", "name"], street_id=self._ids(communities["street_code"], "street")))
        grids = grids.sort_values("code")
        self._keyed(Grid, "grid", _area_frame(
            grids, ["code", "name", "member_name", "member_phone"], layout_id=self.layout_id,
            community_id=self._ids(grids["community_code"], "community")))
        self._keyed(Building, "building", _area_frame(
            buildings, ["code", "address"], households=buildings["households"].astype(int).to_numpy(),
            grid_id=self._ids(buildings["grid_code"], "grid")))

    def add_catalogue(self, departments: pd.DataFrame, categories: pd.DataFrame) -> None:
        """Departments (a street office names its street) and categories with their routes."""
        offices = departments.get("street_code", pd.Series("", index=departments.index))
        self._keyed(Department, "department", departments[["code", "name", "short_name"]].assign(
            street_id=self._ids(offices, "street")))
        lead = categories["lead_department"].fillna("")
        self._keyed(Category, "category", pd.DataFrame({
            **{c: categories[c] for c in ("code", "name", "class_code", "class_name", "time_unit", "routing_rule")},
            "lead_department_id": self._ids(lead, "department"),
            "co_department_codes": categories["co_departments"].fillna(""),
            "time_limit": categories["time_limit"].astype(float)}))

    def add_cases(self, cases: pd.DataFrame, dispatches: pd.DataFrame, events: pd.DataFrame) -> None:
        """Cases placed in the layout's grids, with their grid history, dispatches and events."""
        cases, dispatches = cases.reset_index(drop=True), dispatches.reset_index(drop=True)
        lon, lat = cases["lon"].to_numpy(float), cases["lat"].to_numpy(float)
        placed = assign_points(self.session, lon, lat, self.layout_id)
        grid = pd.array(np.where(placed.grid_id >= 0, placed.grid_id, None), dtype="Int64")
        flags = {"snapped": np.asarray(placed.snapped, bool), "near_boundary": np.asarray(placed.near_boundary, bool)}
        ids = self._reserve(Case, len(cases))
        self._insert(Case, pd.DataFrame({
            "id": ids, "number": cases["number"], "lon": lon, "lat": lat, "location": shapely.points(lon, lat),
            "h3_key": pd.array(location_keys(lon, lat), dtype="Int64"),
            "category_id": self._ids(cases["category_code"], "category"),
            "building_id": self._ids(cases["building_code"], "building"), "grid_id": grid, **flags,
            "tier": cases["tier"].replace("", None), "rating": cases["rating"].replace("", None),
            "rework_count": cases["rework_count"].astype(int), "version": 1,
            "deferred_from": cases["deferred_from"].replace("", None), "deferred_at": cases["deferred_at"],
            **{c: cases[c] for c in CASE_TEXTS + CASE_TIMES}}))  # Series, not arrays: times stay datetime64
        self._insert(CaseGridAssignment, pd.DataFrame({"case_id": ids, "layout_id": self.layout_id,
                                                       "grid_id": grid, **flags}))
        numbers = pd.Series(ids, index=cases["number"].to_numpy())
        self._insert(CaseDispatch, pd.DataFrame({
            "case_id": _mapped(dispatches["case_number"], numbers, "case"),
            "department_id": self._ids(dispatches["department_code"], "department"),
            **{c: dispatches[c] for c in ("role", "whistled_at", "reported_in_at", "answered_at")}}))
        self._insert(CaseEvent, events.drop(columns="case_number").reset_index(drop=True).assign(
            case_id=_mapped(events["case_number"], numbers, "case")))

    def finish(self) -> dict[str, int]:
        """Rebuild the indexes and keys, publish the layout, count the tallies; rows per table."""
        self.backend.restore_indexes(self.session.connection(), self._restore)
        activate_layout(self.session, self.layout_id)
        tallies.rebuild(self.session)
        return table_counts(self.session)

    def _reserve(self, model, n: int) -> np.ndarray:
        first = self.backend.reserve_ids(self.session.connection(), model.__table__, n) if n else 1
        return np.arange(first, first + n, dtype=np.int64)

    def _insert(self, model, frame: pd.DataFrame) -> None:
        self.backend.bulk_insert(self.session.connection(), model.__table__, frame)

    def _keyed(self, model, what: str, frame: pd.DataFrame) -> None:
        """Insert with ids from the table's sequence; remember code → id for the rows that follow."""
        ids = self._reserve(model, len(frame))
        self._insert(model, frame.reset_index(drop=True).assign(id=ids))
        known = self.ids.get(what, pd.Series(dtype=np.int64))
        self.ids[what] = pd.concat([known, pd.Series(ids, index=frame["code"].to_numpy())])

    def _ids(self, codes: pd.Series, what: str) -> pd.Series:
        return _mapped(codes, self.ids.get(what, pd.Series(dtype=np.int64)), what)


def district_frame(data: DistrictData) -> gpd.GeoDataFrame:
    """The data's districts, or one district covering all its streets when it names none."""
    if data.districts is not None:
        return data.districts
    outline = shapely.union_all(data.streets.geometry.to_numpy())
    return gpd.GeoDataFrame({"code": [ONE_DISTRICT[0]], "name": [ONE_DISTRICT[1]]}, geometry=[outline],
                            crs=data.streets.crs)


def _district_codes(data: DistrictData) -> pd.Series:
    if "district_code" in data.streets:
        return data.streets["district_code"]
    only = district_frame(data)["code"]
    if len(only) != 1:
        raise ValueError(f"{len(only)} districts but the streets name none of them (column district_code)")
    return pd.Series(only.iloc[0], index=data.streets.index)


def table_counts(session: Session) -> dict[str, int]:
    tables = (District, Street, Community, Grid, Building, Department, Category, Case, CaseDispatch, CaseEvent)
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in tables}


def _area_frame(frame: gpd.GeoDataFrame, columns: list[str], **extra) -> pd.DataFrame:
    boxes = pd.DataFrame(bbox_rows(frame.geometry.to_numpy()))
    extra = {k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in extra.items()}
    return pd.concat([frame[columns].reset_index(drop=True), boxes], axis=1).assign(**extra)


def _mapped(codes: pd.Series, lookup: pd.Series, what: str) -> pd.Series:
    """Ids for codes ("" or NaN → NULL); an unknown code refuses the load, naming it."""
    codes = codes.fillna("").astype(str).reset_index(drop=True)
    ids = codes.map(lookup).astype("Int64")
    unknown = sorted(set(codes[(codes != "") & ids.isna()]))
    if unknown:
        raise ValueError(f"unknown {what} code(s): {unknown[:5]}")
    return ids
