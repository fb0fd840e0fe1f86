"""Deterministic generator of a sample city (16 districts, ~40,000 grids, ~600,000 buildings, a year of
10,000,000 cases), generated and loaded straight into the database, never written to files.

Every district is made by the district sample's own generators (samples.district for the areas and
buildings, samples.cases for the year of cases: hotspots, seasons, slow departments, multi-department
cases), on its own piece of the city and with its own seed, codes and case numbers prefixed with the
district's code. The city's year is placed to end when it is loaded, like the district sample's.

    gridgov load-sample --city [--grids 40000] [--cases 10000000] [--districts 16] [--if-empty]

Geometry is built in the survey CRS (metres) and stored in WGS84, like the district sample's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geo.db.database import Database
from geo.domain.crs import STORAGE_CRS
from samples import district as gen
from geo.read.routing import TERRITORY
from geo.usecases.bulk_load import CASE_TABLES, BulkLoad, after_bulk_load
from samples.cases import DistrictData, generate_cases
from samples.history import DISPATCH_TIMES, case_events, deferral
from samples.load import moved_year, to_street_offices, with_street_offices

DEFAULT_SEED = 20261130
LAYOUT_NAME = "示例城市网格 (sample city)"
DISPATCH_COLUMNS = ["case_number", "department_code", "role", *DISPATCH_TIMES]
CENTRE_LONLAT = (107.3, 39.8)
#: Land per grid (m²): Shanghai's 40,625 grids over its 6,340 km² are ≈ 0.16 km² each.
GRID_AREA_M2 = 160_000.0
SAMPLE_AREA_M2 = 130e6  # the district sample's outline, to scale distances from a district's core
BUILDINGS_PER_GRID, GRIDS_PER_COMMUNITY, GRIDS_PER_STREET = 15, 10.4, 190
MIN_GRIDS = 100  # per district: enough for three streets of a few communities each
DISTRICT_NAMES = ["海城区", "河东区", "河西区", "新城区", "北塔区", "南湖区", "东山区", "西岭区", "金沙区", "长青区",
                  "凤鸣区", "白云区", "青山县", "石门县", "临河县", "平原县"]
_FIRST = "安宝北长朝大东凤福光和河红华惠吉金锦康乐临龙美明南平青庆瑞山胜石顺泰太通万文西祥新兴阳永裕振中"
_SECOND = "城桥门湖山河园林路苑庄坪口湾岭塘店坡桥沟原田镇峰泉溪"


@dataclass(frozen=True)
class CityDistrict:
    """One district to generate: its code and name, its piece of the city (metres), its size."""

    index: int
    code: str
    name: str
    outline: shapely.Polygon
    core: np.ndarray
    shape: gen.Shape
    n_cases: int


def plan_city(n_grids: int, n_cases: int, n_districts: int, seed: int = DEFAULT_SEED) -> list[CityDistrict]:
    """The city's outline cut into districts (Voronoi cells of a jittered lattice), with grids and cases shared
    out by area and a denser centre."""
    if n_grids < MIN_GRIDS * n_districts:
        raise ValueError(f"{n_grids:,} grids are too few for {n_districts} districts: give at least "
                         f"{MIN_GRIDS} per district ({MIN_GRIDS * n_districts:,}), or fewer districts")
    rng = np.random.default_rng([seed, 1])
    centre = np.array(_to_metric().transform(*CENTRE_LONLAT))
    side = float(np.sqrt(n_grids * GRID_AREA_M2))
    outline = shapely.box(*(centre - side / 2), *(centre + side / 2)).buffer(-side / 10).buffer(side / 10)
    cells = _district_cells(outline, centre, side, n_districts, rng)
    distance = np.hypot(*(shapely.get_coordinates(shapely.centroid(cells)) - centre).T) / side
    weight = shapely.area(cells) * (1 + 2 * np.exp(-(distance**2) / (2 * 0.25**2)))
    grids, cases = _shares(weight, n_grids), _shares(weight, n_cases)
    names = _street_names(rng, sum(max(3, round(g / GRIDS_PER_STREET)) for g in grids))
    plans = []
    for i, cell in enumerate(cells):
        streets = [next(names) + ("镇" if DISTRICT_NAMES[i % 16].endswith("县") else "街道")
                   for _ in range(max(3, round(grids[i] / GRIDS_PER_STREET)))]
        plans.append(CityDistrict(i, f"D{i + 1:02d}", _district_name(i), cell, _core(cell, rng),
                                  _shape(int(grids[i]), streets, f"D{i + 1:02d}", cell.area), int(cases[i])))
    return plans


def _district_cells(outline, centre, side, n, rng) -> np.ndarray:
    rows = int(np.ceil(np.sqrt(n)))
    cols = int(np.ceil(n / rows))
    u, v = np.meshgrid((np.arange(cols) + 0.5) / cols - 0.5, (np.arange(rows) + 0.5) / rows - 0.5)
    seeds = centre + np.column_stack([u.ravel(), v.ravel()])[:n] * side * 0.8
    seeds = seeds + rng.uniform(-0.12, 0.12, seeds.shape) * side / max(rows, cols)
    regions = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=outline.buffer(side), ordered=True)
    # Densified so that the outline stays the grids' outline once both are projected to WGS84.
    cells = shapely.segmentize(shapely.intersection(np.asarray(regions.geoms), outline), 100.0)
    xy = shapely.get_coordinates(shapely.centroid(cells))
    return cells[np.lexsort((xy[:, 0], -np.round(xy[:, 1] / (side / rows))))]  # north-west first, by rows


def _shares(weight: np.ndarray, total: int) -> np.ndarray:
    """``total`` shared in proportion to ``weight`` in whole numbers (largest remainders)."""
    exact = weight / weight.sum() * total
    shares = np.floor(exact).astype(int)
    shares[np.argsort(-(exact - shares), kind="stable")[: total - shares.sum()]] += 1
    return shares


def _core(cell: shapely.Polygon, rng: np.random.Generator) -> np.ndarray:
    """The urban core: near the district's middle, well inside it."""
    inner = cell.buffer(-np.sqrt(cell.area) / 4)
    inner = inner if not inner.is_empty else cell
    return np.array(shapely.get_coordinates(inner.point_on_surface())[0]) + rng.normal(0, 300, 2)


def _shape(n_grids: int, streets: list[str], code: str, area: float) -> gen.Shape:
    communities = max(len(streets), round(n_grids / GRIDS_PER_COMMUNITY))
    mean = communities / len(streets)
    return gen.Shape(n_grids=n_grids, n_communities=communities, n_buildings=n_grids * BUILDINGS_PER_GRID,
                     street_names=tuple(streets), code_prefix=code, scale=float(np.sqrt(area / SAMPLE_AREA_M2)),
                     communities_per_street=(max(1, int(mean // 2)), int(np.ceil(mean * 2))))


def _district_name(i: int) -> str:
    return DISTRICT_NAMES[i] if i < len(DISTRICT_NAMES) else f"第{i + 1}区"


def _street_names(rng: np.random.Generator, n: int) -> Iterator[str]:
    """Distinct two-character place names, as many as the city needs."""
    pairs = [a + b for a in _FIRST for b in _SECOND if a != b]
    if n > len(pairs):
        raise ValueError(f"{n} streets are more than the {len(pairs)} names the generator has")
    return iter(rng.permutation(pairs)[:n].tolist())


def _to_metric() -> Transformer:
    return Transformer.from_crs(STORAGE_CRS, gen.SURVEY_CRS, always_xy=True)


# ----------------------------------------------------------------------------------------------- one district


@dataclass
class DistrictAreas:
    """A generated district's layers (WGS84) and what its case generator needs."""

    plan: CityDistrict
    district: gpd.GeoDataFrame  # code, name, geometry
    streets: gpd.GeoDataFrame  # code, name, district_code, geometry
    communities: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    cases_input: DistrictData | None

    def layers(self) -> tuple[gpd.GeoDataFrame, ...]:
        """What BulkLoad.add_areas takes: district, streets, communities, grids, buildings."""
        return self.district, self.streets, self.communities, self.grids, self.buildings


def district_areas(plan: CityDistrict, seed: int = DEFAULT_SEED) -> DistrictAreas:
    """Streets, communities, grids and buildings of one district of the city."""
    layers, data = gen.build_district(seed * 100 + plan.index, plan.shape, plan.outline, plan.core)
    outline = shapely.union_all(layers["streets"].geometry.to_numpy())
    district = gpd.GeoDataFrame({"code": [plan.code], "name": [plan.name]}, geometry=[outline], crs=STORAGE_CRS)
    cases_input = replace(data, n_cases=plan.n_cases, number_prefix=plan.code, place_prefix=plan.name,
                          exact_nearest=False)
    return DistrictAreas(plan, district, layers["streets"].assign(district_code=plan.code), layers["communities"],
                         layers["grids"], layers["buildings"], cases_input)


@dataclass(frozen=True)
class DistrictCases:
    cases: pd.DataFrame
    dispatches: pd.DataFrame
    events: pd.DataFrame


def district_cases(areas: DistrictAreas, ends_at: datetime, history_days: int | None = None) -> DistrictCases:
    """The district's year of cases, ending at ``ends_at``, dispatches to the office of the case's own street.
    ``history_days``: event history only for cases reported in the last so many days or still open (a
    lighter load; every stage time stays on the case itself)."""
    cases, dispatches = generate_cases(areas.cases_input, as_text=False)
    cases, dispatches = moved_year(deferral(cases), dispatches[DISPATCH_COLUMNS], ends_at, areas.plan.code)
    street_of_grid = areas.grids.set_index("code")["community_code"].map(
        areas.communities.set_index("code")["street_code"])
    dispatches = to_street_offices(dispatches, cases, street_of_grid)
    return DistrictCases(cases, dispatches, case_events(_with_history(cases, ends_at, history_days)))


def _with_history(cases: pd.DataFrame, ends_at: datetime, history_days: int | None) -> pd.DataFrame:
    if history_days is None:
        return cases
    recent = cases["reported_at"] >= pd.Timestamp(ends_at) - pd.Timedelta(days=history_days)
    return cases[recent | cases["closed_at"].isna()]


# ---------------------------------------------------------------------------------------------------- catalogue


def catalogue(streets: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The district sample's departments (one office per street of the city) and categories (the
    territory-first ones lead to the office of the case's own street, resolved per case)."""
    departments, categories = gen.catalog_frames()
    categories = categories.replace({"lead_department": {TERRITORY: ""}})
    return with_street_offices(departments, streets), categories


# -------------------------------------------------------------------------------------------------------- load


def load_city(db: Database, ends_at: datetime, n_grids: int = 40_000, n_cases: int = 10_000_000,
              n_districts: int = 16, history_days: int | None = None, seed: int = DEFAULT_SEED,
              progress: Callable[[str], None] = lambda _: None) -> dict[str, int]:
    """Generate the city and load it into an empty database in one transaction; returns rows per table.

    Every district's areas go in first (the layout must be whole before a case is placed), then the
    catalogue, then the cases one district at a time. One writer thread inserts a district while this
    thread generates the next: the database (and the CSV encoding, which leaves the GIL) works on the other
    core meanwhile."""
    started = time.monotonic()

    def note(text: str) -> None:
        progress(f"{time.monotonic() - started:7.1f}s  {text}")

    with db.transaction() as session, ThreadPoolExecutor(max_workers=1) as writer:
        load = BulkLoad.start(session, db, LAYOUT_NAME, "samples.city (generated)", "gridgov load-sample --city")
        areas, pending = [], None
        for plan in plan_city(n_grids, n_cases, n_districts, seed):
            areas.append(district_areas(plan, seed))
            pending = _after(pending, writer.submit(load.add_areas, *areas[-1].layers()))
            note(f"{plan.code} {plan.name}: {plan.shape.n_grids:,} grids, {len(areas[-1].buildings):,} buildings")
        _after(pending, None)
        load.add_catalogue(*catalogue(pd.concat([a.streets for a in areas], ignore_index=True)))
        for district in areas:
            cases = district_cases(district, ends_at, history_days)
            district.cases_input = None  # the generator's working data is no longer needed
            pending = _after(pending, writer.submit(load.add_cases, cases.cases, cases.dispatches, cases.events))
            note(f"{district.plan.code}: {len(cases.cases):,} cases, {len(cases.dispatches):,} dispatches, "
                 f"{len(cases.events):,} events")
        _after(pending, None)
        note("rebuilding indexes and keys")
        counts = load.finish()
    after_bulk_load(db, CASE_TABLES)
    note("loaded: " + ", ".join(f"{t}={n:,}" for t, n in counts.items()))
    return counts


def _after(pending: Future | None, following: Future | None) -> Future | None:
    """Wait for the previous insert (raising its error) before the next one queues up behind it."""
    if pending is not None:
        pending.result()
    return following

