"""Everything the hotspots page shows, read from the database in one call: ``hotspot_view(session, query)``.

Steps (each a small private function; method: docs/hotspots.md):

1. the units of the query's measure: the layout's grids or uniform H3 cells (``geo.read.hotspot_units``, cached per
   layout version);
2. cases per unit in the window and in each of the 16 weeks before its end (``geo.read.hotspot_sql``: one GROUP BY
   per grid or per location bin; no case row leaves the database);
3. the measure's values and Gi* classes (``geo.domain.hotspot_measures.gi_values``, ``geo.domain.hotspots.getis_ord``);
4. emerging: the last 4 weeks against the 12 before them, per unit (``geo.domain.emerging``);
5. space-time: Gi* per week over the last 12 weeks and a pattern per unit (``geo.domain.space_time``);
6. the sub-grid detail layer (H3 counts or kernel density) and the ranked table.

Every period is counted back from the window's end, never from a calendar date, so the page works on data of
any year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ, metric_crs
from geo.db.models import Category
from geo.domain.actors import Actor
from geo.domain.density import h3_counts, h3_polygons, kernel_density
from geo.domain.emerging import emerging
from geo.domain.hotspot_measures import (
    MAX_CELLS,
    NO_HOUSEHOLDS,
    RECOMMENDED,
    checked_measure,
    gi_values,
    h3_resolution,
)
from geo.domain.hotspots import HOTSPOT_CLASSES, getis_ord, rank_hotspots
from geo.domain.permissions import figures_district, require
from geo.domain.space_time import PATTERNS, WEEKS, space_time_patterns
from geo.read.analysis_filters import Window
from geo.read.hotspot_sql import (
    WeeklyCounts,
    case_points,
    cell_counts,
    grid_counts,
)
from geo.read.hotspot_units import (
    LABELS,
    Units,
    cell_units,
    grid_units,
    households,
    layout_key,
    outlines_geojson_text,
    tested_weights,
    units_geojson_text,
)
from geo.read.layouts import active_layout

__all__ = ["HotspotQuery", "HotspotView", "case_points", "grid_outlines", "hotspot_view", "layout_key",
           "units_geojson"]

#: Inference of Gi*: "permutation" (conditional randomisation, PERMUTATIONS draws), "analytic" (the normal p of
#: Gi*'s analytic z), or "auto": permutations up to PERMUTATION_UNITS units (grids or H3 cells), analytic
#: above. Why the switch: the permutation cost grows with units × permutations (and esda keeps every simulated
#: value: 8 bytes each), ≈ 0.3 s and 35 MB for 435 grids but ≈ 30 s and 3 GB for a city's 40,000, far past a
#: page's budget; the analytic z costs milliseconds at any size. Its normal p over-states significance where
#: counts are skewed and full of zeros (see below), so it is used only where permutations cannot be afforded,
#: and the page says which inference it shows. Why 2,500 (MAX_CELLS): the H3 measure never has more cells than
#: that (its resolution is chosen so), and a district's grids are far fewer, so both keep their permutations;
#: a city's grids (tens of thousands) go analytic.
INFERENCES = ("auto", "permutation", "analytic")
PERMUTATION_UNITS = MAX_CELLS
#: Permutations for Gi* inference. Why 9999 and not esda's usual 999: the pseudo p-value cannot go below
#: 2 / (permutations + 1). With 999 that floor is 0.002, and Benjamini–Hochberg at α = 0.01 over 435 grids
#: needs p_(k) ≤ k · 0.01 / 435, i.e. at least 87 grids at the floor before any grid is called 99 % – so the
#: "hot_99" class would be empty by construction, not because the data say so. With 9999 the floor is
#: 0.0002 and nine grids at the floor suffice, which a real cluster reaches. Permutation (conditional
#: randomisation) inference is kept rather than the analytic normal p because case counts per grid are skewed
#: and full of zeros, where the normal approximation of Gi* over-states significance. Cost: ≈ 0.3 s for
#: 435 grids, ≈ 0.4 s for 1,500 H3 cells (bench/hotspot_page.py). Multiple testing: FDR (Benjamini–Hochberg)
#: at each of 90/95/99 %.
PERMUTATIONS = 9999
#: The emerging view: the last RECENT_WEEKS before the window's end against the BEFORE_WEEKS before them.
RECENT_WEEKS, BEFORE_WEEKS = 4, 12
SPAN_WEEKS = max(RECENT_WEEKS + BEFORE_WEEKS, WEEKS)
DETAIL_LAYERS = ("h3", "kde", "none")
KDE_CELL_M, KDE_BANDWIDTH_M = 100.0, 300.0
TABLE_COLUMNS = [*LABELS, "count", "value", "z", "p", "hotspot_class", "recent", "before", "rate_ratio", "trend",
                 "hot_weeks", "cold_weeks", "pattern"]


@dataclass(frozen=True)
class HotspotQuery:
    """What the analyst picked: a window, the measure, at most one of category id / class code / a set of
    category codes, and the detail layer."""

    window: Window
    category_id: int | None = None
    class_code: str | None = None
    detail: str = "none"
    measure: str = RECOMMENDED
    category_codes: tuple[str, ...] = ()
    district_id: int | None = None  # the study area: one district of the city (None: all of it)
    inference: str = "auto"  # INFERENCES


@dataclass(frozen=True)
class HotspotView:
    """The page's data. ``table`` is ranked (hottest first) and carries ``unit_id`` (grid id or H3 cell id),
    the key of ``units`` (the same units in their own order, with geometry) so the map and the table link up."""

    layout_id: int
    layout_name: str
    query: HotspotQuery
    total: int
    table: pd.DataFrame  # TABLE_COLUMNS
    units: gpd.GeoDataFrame  # unit_id, geometry (WGS84)
    unit_kind: str  # "grid" | "cell"
    resolution: int | None  # H3 resolution of the cells
    recent_window: Window
    space_time_window: Window
    weekly: pd.DataFrame  # week_start (local date), hot, cold: units hot / cold in each space-time week
    bounds: tuple[float, float, float, float]
    cells: gpd.GeoDataFrame | None = None  # H3 detail layer: cell, count, geometry
    density: np.ndarray | None = None  # KDE image (row 0 north), cases per km², covering ``bounds``
    inference: str = "permutation"  # what the p values come from: "permutation" or "analytic"

    def class_counts(self) -> dict[str, int]:
        """Units per Gi* class, every class present (zero when empty), hottest first; then the units left out
        of the test (no households) when there are any."""
        counts = self.table["hotspot_class"].value_counts()
        classes = [*HOTSPOT_CLASSES, *([NO_HOUSEHOLDS] if counts.get(NO_HOUSEHOLDS, 0) else [])]
        return {c: int(counts.get(c, 0)) for c in classes}

    def pattern_counts(self) -> dict[str, int]:
        """Units per space-time pattern that occurs (in PATTERNS order)."""
        counts = self.table["pattern"].value_counts()
        return {p: int(counts[p]) for p in (*PATTERNS, NO_HOUSEHOLDS) if counts.get(p, 0)}


def hotspot_view(session: Session, query: HotspotQuery, *, actor: Actor) -> HotspotView:
    """Counts, measure, Gi* classes, emerging trends, space-time patterns, detail layer and the ranked table:
    over the whole city's units, or one district's (a bound actor: its own)."""
    require(actor, "view_district_metrics")
    category_ids = _checked_query(session, query)
    district_id = figures_district(actor, query.district_id)
    layout = active_layout(session)
    key = layout_key(session, layout)
    grids = grid_units(session, layout.id, key, district_id)
    units = cell_units(session, layout.id, key, district_id) if query.measure == "h3" else grids
    inference = _inference(query.inference, len(units.ids))
    edges = week_edges(query.window.end, SPAN_WEEKS)
    total, weeks = _unit_counts(session, units, layout.id, query.window, edges, category_ids, district_id)
    table, weekly = _analysed(session, query.measure, units, total, weeks, inference)
    bounds = tuple(float(v) for v in grids.shapes.total_bounds)
    resolution = h3_resolution(float(grids.area_km2.sum()))
    cells, density = _detail(session, query, category_ids, bounds, resolution, district_id)
    weekly = weekly.assign(week_start=[local_day(e) for e in edges[-1 - WEEKS:-1]])
    return HotspotView(
        layout.id, layout.name, query, int(total.sum()), rank_hotspots(table)[TABLE_COLUMNS], units.shapes,
        units.kind, units.resolution, Window(edges[-1 - RECENT_WEEKS], edges[-1]),
        Window(edges[-1 - WEEKS], edges[-1]), weekly, bounds, cells, density, inference)


def _inference(asked: str, n_units: int) -> str:
    """The inference a query gets: the one asked, or for "auto" permutations while the units are few."""
    if asked not in INFERENCES:
        raise ValueError(f"inference must be one of {', '.join(INFERENCES)}, got {asked!r}")
    if asked == "auto":
        return "permutation" if n_units <= PERMUTATION_UNITS else "analytic"
    return asked


def local_day(at: datetime) -> date:
    """The district's local date of ``at`` (weeks start at local midnight)."""
    return at.astimezone(ZoneInfo(LOCAL_TZ)).date()


def units_geojson(session: Session, measure: str, district_id: int | None = None) -> str:
    """The units of ``measure`` on the active layout (grids, or the H3 cells; the city's or one district's) as
    a GeoJSON FeatureCollection with properties id, code and name, simplified for the zoom the map opens at
    (``hotspot_units.units_geojson_text``) – what the map draws; it changes only with the layout version."""
    layout = active_layout(session)
    key = layout_key(session, layout)
    units = cell_units(session, layout.id, key, district_id) if checked_measure(measure) == "h3" else \
        grid_units(session, layout.id, key, district_id)
    return units_geojson_text(units)


def grid_outlines(session: Session, district_id: int | None = None) -> str:
    """The active layout's grid outlines (the city's, or one district's) as one GeoJSON line feature to draw
    over H3 cells for orientation (``hotspot_units.outlines_geojson_text``)."""
    layout = active_layout(session)
    return outlines_geojson_text(grid_units(session, layout.id, layout_key(session, layout), district_id))


def week_edges(end: datetime, weeks: int) -> list[datetime]:
    """``weeks`` + 1 datetimes a week apart ending at ``end``: the weeks counted back from the window's end."""
    return [end - timedelta(weeks=weeks - k) for k in range(weeks + 1)]


def _checked_query(session: Session, query: HotspotQuery) -> list[int] | None:
    """The category ids the query means (None: every case), or a ValueError naming what is accepted."""
    checked_measure(query.measure)
    if query.detail not in DETAIL_LAYERS:
        raise ValueError(f"detail must be one of {', '.join(DETAIL_LAYERS)}, got {query.detail!r}")
    if sum(v is not None and v != () for v in (query.category_id, query.class_code, query.category_codes)) > 1:
        raise ValueError("give a category, a class or a set of categories, not more than one of them")
    if query.category_id is not None:
        if session.get(Category, query.category_id) is None:
            raise ValueError(f"no category with id {query.category_id}")
        return [query.category_id]
    if query.class_code is not None:
        ids = session.scalars(select(Category.id).where(Category.class_code == query.class_code)).all()
        if not ids:
            known = session.scalars(select(Category.class_code).distinct().order_by(Category.class_code)).all()
            raise ValueError(f"no category class {query.class_code!r}; classes: {', '.join(known)}")
        return list(ids)
    if query.category_codes:
        found = dict(session.execute(select(Category.code, Category.id)
                                     .where(Category.code.in_(query.category_codes))).all())
        unknown = sorted(set(query.category_codes) - set(found))
        if unknown:
            raise ValueError(f"no category with code(s) {', '.join(unknown)}")
        return sorted(found.values())
    return None


def _unit_counts(session: Session, units: Units, layout_id: int, window: Window, edges: list[datetime],
                 category_ids: list[int] | None, district_id: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Cases per unit in the window and per week (units × weeks), in the units' order (the cases of the
    district's grids only when the study is one district: no key falls outside the units)."""
    total = np.zeros(len(units.ids))
    weeks = np.zeros((len(units.ids), len(edges) - 1))
    counts, position = _counted(session, units, layout_id, window, edges, category_ids, district_id)
    np.add.at(total, position, counts.window)
    np.add.at(weeks, position, counts.weeks)
    return total, weeks


def _counted(session: Session, units: Units, layout_id: int, window: Window, edges: list[datetime],
             category_ids: list[int] | None, district_id: int | None) -> tuple[WeeklyCounts, np.ndarray]:
    """The counts and each key's row among the units: per grid, or per H3 cell of the units' resolution."""
    args = (layout_id, window, edges, category_ids, district_id)
    if units.kind == "grid":
        counts = grid_counts(session, *args)
        return counts, pd.Index(units.ids).get_indexer(counts.keys)
    counts = cell_counts(session, units.resolution, *args)
    return counts, _cell_positions(units, counts.keys)


def _cell_positions(units: Units, cells: np.ndarray) -> np.ndarray:
    """Row of each H3 cell (int id) among the units; a cell the study left out (a case located beyond the
    district's edge, or far from its grid) by the study cell nearest to its centre."""
    names = np.array([h3.int_to_str(int(c)) for c in cells], dtype=object)
    position = pd.Index(units.ids).get_indexer(names)
    lost = np.flatnonzero(position < 0)
    if lost.size:
        lat, lon = np.array([h3.cell_to_latlng(c) for c in names[lost]]).T
        tree = shapely.STRtree(units.shapes.geometry.values)
        which, nearest = tree.query_nearest(shapely.points(lon, lat), all_matches=False)
        position[lost[which]] = nearest
    return position


def _analysed(session: Session, measure: str, units: Units, total: np.ndarray,
              weeks: np.ndarray, inference: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per unit (units' order): labels, count, value, Gi*, emerging trend and space-time pattern; and the
    hot / cold units of each space-time week."""
    hh = households(session, units) if measure == "per_households" else None

    def values_of(counts: np.ndarray):
        return gi_values(measure, counts, households=hh, area_km2=units.area_km2, share=units.share)

    values = values_of(total)
    weekly = np.column_stack([values_of(weeks[:, k]).gi for k in range(weeks.shape[1] - WEEKS, weeks.shape[1])])
    gi, patterns, per_week = _tested(units, values, weekly, inference)
    recent = weeks[:, -RECENT_WEEKS:].sum(axis=1)
    before = weeks[:, -RECENT_WEEKS - BEFORE_WEEKS:-RECENT_WEEKS].sum(axis=1)
    trend = emerging(recent, before, RECENT_WEEKS, BEFORE_WEEKS)
    table = units.labels.assign(count=total.astype(np.int64), value=values.value)
    table = table.join(_spread(gi[["z", "p", "hotspot_class"]], values.tested))
    table = table.join(trend[["recent", "before", "rate_ratio", "trend"]])
    table.loc[~values.tested, "trend"] = NO_HOUSEHOLDS
    table = table.join(_spread(patterns[["hot_weeks", "cold_weeks", "pattern"]], values.tested))
    return table, per_week


def _tested(units: Units, values, weekly: np.ndarray,
            inference: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Gi* (``inference``: INFERENCES) and the space-time patterns of the tested units (none tested: empty
    results, nothing is hot)."""
    if not values.tested.any():
        empty = pd.DataFrame({"z": [], "p": [], "hotspot_class": pd.Series([], dtype=object)})
        patterns = pd.DataFrame({"hot_weeks": [], "cold_weeks": [], "pattern": pd.Series([], dtype=object)})
        return empty, patterns, pd.DataFrame({"hot": np.zeros(WEEKS, int), "cold": np.zeros(WEEKS, int)})
    weights = tested_weights(units, values.tested)
    permutations = PERMUTATIONS if inference == "permutation" else 0
    gi = getis_ord(values.gi, weights, permutations=permutations, correction="fdr")
    patterns, per_week = space_time_patterns(weekly, weights)
    return gi, patterns, per_week


def _spread(frame: pd.DataFrame, tested: np.ndarray) -> pd.DataFrame:
    """Rows for the tested units placed back among all units; untested ones get NaN and NO_HOUSEHOLDS."""
    out = pd.DataFrame(index=range(tested.size), columns=frame.columns)
    out.loc[np.flatnonzero(tested)] = frame.to_numpy()
    for column in frame.columns:
        if frame[column].dtype == object:
            out[column] = out[column].fillna(NO_HOUSEHOLDS)
        else:
            out[column] = pd.to_numeric(out[column])
    return out


def _detail(session: Session, query: HotspotQuery, category_ids: list[int] | None,
            bounds: tuple[float, float, float, float],
            resolution: int, district_id: int | None = None) -> tuple[gpd.GeoDataFrame | None, np.ndarray | None]:
    if query.detail == "none":
        return None, None
    lon, lat = case_points(session, query.window, category_ids, district_id)
    if query.detail == "kde":
        image, _ = kernel_density(lon, lat, bounds, cell_m=KDE_CELL_M, bandwidth_m=KDE_BANDWIDTH_M,
                                  metric_crs=metric_crs())
        return None, image
    counts = h3_counts(lon, lat, resolution=resolution)
    cells = h3_polygons(counts["cell"])
    cells["count"] = counts["count"].to_numpy()
    return cells, None
