"""Load the committed sample district (sample_data/) into an empty database, in one transaction."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from geo.assignment import assign_points
from geo.layouts import activate_layout, create_layout
from geo.models import Building, Case, CaseDispatch, CaseEvent, CaseGridAssignment, Category, Community
from geo.models import Department, Grid, Street
from geo.storage import Database
from loaders.sample_history import case_events, case_rows, dispatch_rows

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
LAYOUT_NAME = "海勃湾区网格 (sample)"


class DatabaseNotEmpty(RuntimeError):
    pass


def load_sample(db: Database, sample_dir: Path = SAMPLE_DIR) -> dict[str, int]:
    """Insert the areas, the grid layout, buildings, departments, categories and one year of cases with their
    dispatches and event history; returns rows per table. Refuses a database that already holds cases."""
    with db.transaction() as session:
        existing = session.scalar(select(func.count()).select_from(Case))
        if existing:
            raise DatabaseNotEmpty(f"the database already holds {existing} cases; load the sample into an empty one")
        departments = _insert_departments(session, sample_dir)
        categories = _insert_categories(session, sample_dir, departments)
        communities = _insert_areas(session, sample_dir)
        layout_id, grids = _insert_grids(session, sample_dir, communities)
        buildings = _insert_buildings(session, sample_dir, grids)
        _insert_cases(session, sample_dir, layout_id,
                      {"category": categories, "building": buildings, "department": departments})
        counts = table_counts(session)
    with db.engine.connect() as connection:
        db.backend.after_bulk_load(connection)
        connection.commit()
    return counts


def table_counts(session: Session) -> dict[str, int]:
    tables = (Street, Community, Grid, Building, Department, Category, Case, CaseDispatch, CaseEvent)
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in tables}


def _layer(sample_dir: Path, name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(sample_dir / "district.gpkg", layer=name, engine="pyogrio")


def _insert_departments(session: Session, sample_dir: Path) -> dict[str, int]:
    frame = pd.read_csv(sample_dir / "departments.csv", dtype=str, keep_default_na=False)
    rows = [{"id": i, **r} for i, r in enumerate(frame[["code", "name", "short_name"]].to_dict("records"), 1)]
    session.execute(insert(Department.__table__), rows)
    return {r["code"]: r["id"] for r in rows}


def _insert_categories(session: Session, sample_dir: Path, departments: dict[str, int]) -> dict[str, int]:
    frame = pd.read_csv(sample_dir / "categories.csv", dtype=str, keep_default_na=False)
    rows = [
        {"id": i, "code": r["code"], "name": r["name"], "class_code": r["class_code"], "class_name": r["class_name"],
         "lead_department_id": departments.get(r["lead_department"]), "co_department_codes": r["co_departments"],
         "time_limit": float(r["time_limit"]), "time_unit": r["time_unit"], "routing_rule": r["routing_rule"]}
        for i, r in enumerate(frame.to_dict("records"), 1)
    ]
    session.execute(insert(Category.__table__), rows)
    return {r["code"]: r["id"] for r in rows}


def _area_rows(frame: gpd.GeoDataFrame, **extra_columns) -> list[dict]:
    bounds = frame.geometry.bounds
    rows = []
    for i, (code, name, geom) in enumerate(zip(frame["code"], frame["name"], frame.geometry), 1):
        b = bounds.iloc[i - 1]
        rows.append({"id": i, "code": code, "name": name, "geom": geom,
                     "minx": b.minx, "miny": b.miny, "maxx": b.maxx, "maxy": b.maxy,
                     **{k: v[i - 1] for k, v in extra_columns.items()}})
    return rows


def _insert_areas(session: Session, sample_dir: Path) -> dict[str, int]:
    streets = _layer(sample_dir, "streets")
    street_rows = _area_rows(streets)
    session.execute(insert(Street.__table__), street_rows)
    street_ids = {r["code"]: r["id"] for r in street_rows}
    communities = _layer(sample_dir, "communities")
    community_rows = _area_rows(communities, street_id=[street_ids[c] for c in communities["street_code"]])
    session.execute(insert(Community.__table__), community_rows)
    return {r["code"]: r["id"] for r in community_rows}


def _insert_grids(session: Session, sample_dir: Path, communities: dict[str, int]) -> tuple[int, dict[str, int]]:
    layout = create_layout(session, LAYOUT_NAME, source="sample_data/district.gpkg", created_by="gridgov load-sample")
    grids = _layer(sample_dir, "grids").sort_values("code")
    rows = _area_rows(grids, layout_id=[layout.id] * len(grids),
                      community_id=[communities[c] for c in grids["community_code"]],
                      member_name=grids["member_name"].tolist(), member_phone=grids["member_phone"].tolist())
    session.execute(insert(Grid.__table__), rows)
    activate_layout(session, layout.id)
    return layout.id, {r["code"]: r["id"] for r in rows}


def _insert_buildings(session: Session, sample_dir: Path, grids: dict[str, int]) -> dict[str, int]:
    frame = _layer(sample_dir, "buildings")
    rows = _area_rows(frame.assign(name=frame["address"]), grid_id=[grids[c] for c in frame["grid_code"]],
                      households=frame["households"].astype(int).tolist())
    for row in rows:
        row["address"] = row.pop("name")
    session.execute(insert(Building.__table__), rows)
    return {r["code"]: r["id"] for r in rows}


def _insert_cases(session: Session, sample_dir: Path, layout_id: int, lookups: dict[str, dict[str, int]]) -> None:
    """Cases are placed in grids by the same assignment every other entry uses, not by the file's grid codes."""
    cases = pd.read_csv(sample_dir / "cases.csv.gz", dtype=str, keep_default_na=False)
    placed = assign_points(session, cases["lon"].astype(float).to_numpy(), cases["lat"].astype(float).to_numpy())
    rows = case_rows(cases, placed.grid_id, lookups)
    for row, snapped, near in zip(rows, placed.snapped, placed.near_boundary):
        row["snapped"], row["near_boundary"] = bool(snapped), bool(near)
    session.execute(insert(Case.__table__), rows)
    session.execute(insert(CaseGridAssignment.__table__), [
        {"case_id": r["id"], "layout_id": layout_id, "grid_id": r["grid_id"], "snapped": r["snapped"],
         "near_boundary": r["near_boundary"]} for r in rows])
    case_ids = {r["number"]: r["id"] for r in rows}
    dispatches = pd.read_csv(sample_dir / "dispatches.csv.gz", dtype=str, keep_default_na=False)
    session.execute(insert(CaseDispatch.__table__), dispatch_rows(dispatches, case_ids, lookups["department"]))
    session.execute(insert(CaseEvent.__table__), case_events(cases))
