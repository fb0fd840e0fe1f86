"""Load the committed sample district (sample_data/) into an empty database, in one transaction, through
``geo.usecases.bulk_load.load_district``.

The committed year ends at ``SAMPLE_END`` (2026-11-01 00:00 in the district). A demo must be alive whatever
the date, so ``gridgov load-sample`` places the year so that it ends at the moment it is loaded: every time
moves by the same whole number of minutes (the platform clock's unit), so the relative pattern — what was
open, how late each department was, which cards are showing — is exactly the committed one, and case
numbers (which carry the local date of the report) are renumbered from the moved times. Tests load the
committed year unmoved (``ends_at=SAMPLE_END``) so their figures are fixed.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.db.database import Database
from geo.read.routing import TERRITORY
from geo.usecases.bulk_load import CASE_TIMES, DatabaseNotEmpty, DistrictData, load_district, table_counts
from geo.usecases.category_attributes import attributes_from_json, set_category_attributes
from samples.cases import case_numbers
from samples.history import DISPATCH_TIMES, case_events, case_frame, dispatch_frame

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
LAYOUT_NAME = "海勃湾区网格（示例）"
#: The sample is one district of its city (乌海市): 海勃湾区, by its administrative division code.
DISTRICT_CODE, DISTRICT_NAME = "150302", "海勃湾区"
#: The instant the committed sample year ends (the generator's snapshot, samples.cases.END + 1 s).
SAMPLE_END = pd.Timestamp("2026-10-31T16:00:00Z").to_pydatetime()

__all__ = ["DatabaseNotEmpty", "SAMPLE_DIR", "SAMPLE_END", "load_sample", "read_sample", "table_counts"]


def load_sample(db: Database, ends_at: datetime, sample_dir: Path = SAMPLE_DIR) -> dict[str, int]:
    """Insert the areas, the grid layout, buildings, departments, categories (with their extra questions, the
    Open311 service attributes) and one year of cases (ending at ``ends_at``) with their dispatches and event
    history; returns rows per table. Refuses a database that already holds cases."""
    counts = load_district(db, read_sample(ends_at, sample_dir), loaded_by="gridgov load-sample")
    questions = attributes_from_json(json.loads((sample_dir / "category_attributes.json").read_text("utf-8")))
    with db.transaction() as session:
        counts["category_attributes"] = sum(set_category_attributes(session, code, attributes)
                                            for code, attributes in questions.items())
    return counts


def read_sample(ends_at: datetime = SAMPLE_END, sample_dir: Path = SAMPLE_DIR) -> DistrictData:
    """The sample's files as frames, the year moved to end at ``ends_at``."""
    cases, dispatches = moved_year(case_frame(_csv(sample_dir / "cases.csv.gz")),
                                   dispatch_frame(_csv(sample_dir / "dispatches.csv.gz")), ends_at)
    streets, communities, grids = (_layer(sample_dir, name) for name in ("streets", "communities", "grids"))
    street_of_grid = grids.set_index("code")["community_code"].map(communities.set_index("code")["street_code"])
    district = gpd.GeoDataFrame({"code": [DISTRICT_CODE], "name": [DISTRICT_NAME]},
                                geometry=[shapely.union_all(streets.geometry.to_numpy())], crs=streets.crs)
    return DistrictData(
        departments=with_street_offices(_csv(sample_dir / "departments.csv"), streets),
        categories=_csv(sample_dir / "categories.csv").replace({"lead_department": {TERRITORY: ""}}),
        streets=streets.assign(district_code=DISTRICT_CODE),
        communities=communities,
        grids=grids,
        buildings=_layer(sample_dir, "buildings"),
        cases=cases,
        dispatches=to_street_offices(dispatches, cases, street_of_grid),
        events=case_events(cases),
        layout_name=LAYOUT_NAME,
        layout_source="sample_data/district.gpkg",
        districts=district,
    )


def moved_year(cases: pd.DataFrame, dispatches: pd.DataFrame, ends_at: datetime,
               prefix: str = "HB") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The generated year (ending at SAMPLE_END) moved by whole minutes to end at ``ends_at``, its case
    numbers (``prefix`` + local date + sequence) renumbered from the moved times."""
    shift = pd.Timedelta(ends_at - SAMPLE_END).floor("min")
    cases = _moved(cases, [*CASE_TIMES, "deferred_at"], shift)
    dispatches = _moved(dispatches, DISPATCH_TIMES, shift)
    if shift:
        renumbered = pd.Series(case_numbers(_epoch_s(cases["reported_at"]), prefix), index=cases["number"])
        cases["number"] = cases["number"].map(renumbered)
        dispatches["case_number"] = dispatches["case_number"].map(renumbered)
    return cases, dispatches


def with_street_offices(departments: pd.DataFrame, streets: pd.DataFrame) -> pd.DataFrame:
    """The catalogue's placeholder for "the street office of the place" becomes one office per street."""
    # a town (镇) is governed by its people's government, a street (街道) by its office
    suffix = streets["name"].str.endswith("镇").map({True: "人民政府", False: "办事处"})
    offices = pd.DataFrame({"code": office_code(streets["code"]), "name": streets["name"] + suffix,
                            "short_name": streets["name"], "street_code": streets["code"]})
    return pd.concat([departments[departments["code"] != TERRITORY].assign(street_code=""), offices],
                     ignore_index=True)


def to_street_offices(dispatches: pd.DataFrame, cases: pd.DataFrame, street_of_grid: pd.Series) -> pd.DataFrame:
    """Dispatches to the placeholder go to the office of the case's own street."""
    street = dispatches["case_number"].map(cases.set_index("number")["grid_code"]).map(street_of_grid)
    territorial = dispatches["department_code"] == TERRITORY
    return dispatches.assign(department_code=dispatches["department_code"].mask(territorial, office_code(street)))


def office_code(street_codes: pd.Series) -> pd.Series:
    """STREET_S01 …: the department code of a street's office."""
    return TERRITORY + "_" + street_codes


def _moved(frame: pd.DataFrame, columns: list[str], shift: pd.Timedelta) -> pd.DataFrame:
    return frame.assign(**{c: frame[c] + shift for c in columns})


def _epoch_s(times: pd.Series) -> np.ndarray:
    return ((times - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(np.int64)


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _layer(sample_dir: Path, name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(sample_dir / "district.gpkg", layer=name, engine="pyogrio")
