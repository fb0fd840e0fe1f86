"""Load the committed sample district (sample_data/) into an empty database through
``geo.usecases.bulk_load.load_district`` (one transaction), then the categories' extra questions."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.db.database import Database
from geo.usecases.bulk_load import DatabaseNotEmpty, DistrictData, load_district, table_counts
from geo.usecases.category_attributes import attributes_from_json, set_category_attributes
from samples.history import case_events, case_frame, dispatch_frame

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
LAYOUT_NAME = "海勃湾区网格 (sample)"

__all__ = ["DatabaseNotEmpty", "SAMPLE_DIR", "load_sample", "read_sample", "table_counts"]


def load_sample(db: Database, sample_dir: Path = SAMPLE_DIR) -> dict[str, int]:
    """Insert the areas, the grid layout, buildings, departments, categories (with their extra questions, the
    Open311 service attributes) and one year of cases with their dispatches and event history; returns rows
    per table. Refuses a database that already holds cases."""
    counts = load_district(db, read_sample(sample_dir), loaded_by="gridgov load-sample")
    questions = attributes_from_json(json.loads((sample_dir / "category_attributes.json").read_text("utf-8")))
    with db.transaction() as session:
        counts["category_attributes"] = sum(set_category_attributes(session, code, attributes)
                                            for code, attributes in questions.items())
    return counts


def read_sample(sample_dir: Path = SAMPLE_DIR) -> DistrictData:
    """The sample's files as frames."""
    cases = case_frame(_csv(sample_dir / "cases.csv.gz"))
    grids = _layer(sample_dir, "grids")
    return DistrictData(
        departments=_csv(sample_dir / "departments.csv"),
        categories=_csv(sample_dir / "categories.csv"),
        streets=_layer(sample_dir, "streets"),
        communities=_layer(sample_dir, "communities"),
        grids=grids,
        buildings=_layer(sample_dir, "buildings"),
        cases=cases,
        dispatches=dispatch_frame(_csv(sample_dir / "dispatches.csv.gz")),
        events=case_events(cases),
        layout_name=LAYOUT_NAME,
        layout_source="sample_data/district.gpkg",
    )


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _layer(sample_dir: Path, name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(sample_dir / "district.gpkg", layer=name, engine="pyogrio")
