"""Everything the hotspots page shows, read from the database in one call: ``hotspot_view(session, query)``.

Steps (each a small private function):

1. the active layout's grids, cached per layout version (key: database URL + layout id + created_at);
2. cases per grid for the category/class and window (SQL GROUP BY; no case row leaves the database);
3. Gi* classes (``geo.domain.hotspots.getis_ord`` over ``grid_weights``, cached per layout version);
4. the emerging view: the last 4 weeks before the window's end against the 12 weeks before them;
5. the sub-grid detail layer: H3 cells or a kernel-density image from case locations binned in SQL;
6. the ranked table (``geo.domain.hotspots.rank_hotspots``) with street, community and trend.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from geo.config import metric_crs
from geo.db.database import backend
from geo.db.models import Case, Category, Grid, GridLayout
from geo.db.scope import area_condition
from geo.db.sql import count_if
from geo.domain.actors import Actor
from geo.domain.hotspots import (
    HOTSPOT_CLASSES,
    emerging,
    getis_ord,
    grid_weights,
    h3_counts,
    h3_polygons,
    kernel_density,
    rank_hotspots,
)
from geo.domain.permissions import figures_district, require
from geo.read.analysis_filters import BBOX, Window, area_choices
from geo.read.layouts import active_layout, grids_frame

#: Inference of Gi*: "permutation" (conditional randomisation, PERMUTATIONS draws), "analytic" (the normal p of
#: Gi*'s analytic z), or "auto": permutations up to PERMUTATION_GRIDS grids, analytic above. Why the switch:
#: the permutation cost grows with grids × permutations (and esda keeps every simulated value: 8 bytes each),
#: ≈ 0.3 s and 35 MB for 435 grids but ≈ 30 s and 3 GB for a city's 40,000, far past a page's budget; the
#: analytic z costs milliseconds at any size. Its normal p over-states significance where counts are skewed
#: and full of zeros (see below), so it is used only where permutations cannot be afforded, and the page
#: says which inference it shows.
INFERENCES = ("auto", "permutation", "analytic")
PERMUTATION_GRIDS = 1_000
#: Permutations for Gi* inference. Why 9999 and not esda's usual 999: the pseudo p-value cannot go below
#: 2 / (permutations + 1). With 999 that floor is 0.002, and Benjamini–Hochberg at α = 0.01 over 435 grids
#: needs p_(k) ≤ k · 0.01 / 435, i.e. at least 87 grids at the floor before any grid is called 99 % – so the
#: "hot_99" class would be empty by construction, not because the data say so. With 9999 the floor is
#: 0.0002 and nine grids at the floor suffice, which a real cluster reaches. Permutation (conditional
#: randomisation) inference is kept rather than the analytic normal p because case counts per grid are skewed
#: and full of zeros, where the normal approximation of Gi* over-states significance. Cost: ≈ 0.3 s for
#: 435 grids (bench/hotspot_page.py). Multiple testing: FDR (Benjamini–Hochberg) at each of 90/95/99 %.
PERMUTATIONS = 9999
#: The emerging view: the last RECENT_WEEKS before the window's end against the BEFORE_WEEKS before them.
RECENT_WEEKS, BEFORE_WEEKS = 4, 12
DETAIL_LAYERS = ("h3", "kde", "none")
#: H3 resolution 9: cells of ≈ 0.1 km², a quarter of a sample grid – detail below the grid, not noise.
H3_RESOLUTION = 9
#: Case locations leave the database binned to 1e-4° (≈ 11 m × 9 m) with a count per bin, so a city's
#: million cases arrive as the few hundred thousand addresses they happened at, never as a million rows.
BIN_SCALE = 10_000
KDE_CELL_M, KDE_BANDWIDTH_M = 100.0, 300.0

_CACHE_SIZE = 8
_grids_cache: OrderedDict[str, tuple[gpd.GeoDataFrame, pd.DataFrame]] = OrderedDict()
_grids_lock = threading.Lock()


@dataclass(frozen=True)
class HotspotQuery:
    """What the analyst picked: a window, at most one of category id / class code, and the detail layer."""

    window: Window
    category_id: int | None = None
    class_code: str | None = None
    detail: str = "h3"
    district_id: int | None = None  # the study area: one district of the city (None: all of it)
    inference: str = "auto"  # INFERENCES


@dataclass(frozen=True)
class HotspotView:
    """The page's data. ``table`` and ``emerging`` carry ``grid_id`` so the map and the table link up."""

    layout_id: int
    layout_name: str
    query: HotspotQuery
    total: int
    table: pd.DataFrame  # ranked: grid_id, code, name, street, community, member, count, z, p, hotspot_class,
    #                      trend, minx, miny, maxx, maxy
    emerging: pd.DataFrame  # grid order: grid_id, code, name, recent, before, rate_ratio, p, trend
    recent_window: Window
    bounds: tuple[float, float, float, float]
    cells: gpd.GeoDataFrame | None = None  # H3: cell, count, geometry
    density: np.ndarray | None = None  # KDE image (row 0 north), cases per km², covering ``bounds``
    inference: str = "permutation"  # what the p values come from: "permutation" or "analytic"

    def class_counts(self) -> dict[str, int]:
        """Grids per Gi* class, every class present (zero when empty), hottest first."""
        counts = self.table["hotspot_class"].value_counts()
        return {c: int(counts.get(c, 0)) for c in HOTSPOT_CLASSES}


def layout_key(session: Session, layout: GridLayout) -> str:
    """Cache key of a layout version: database + layout id + when it was created (a re-cut gets a new key)."""
    url = session.get_bind().url.render_as_string(hide_password=True)
    return f"{url}#{layout.id}@{layout.created_at.isoformat()}"


def hotspot_view(session: Session, query: HotspotQuery, *, actor: Actor) -> HotspotView:
    """Counts, Gi* classes, emerging trends, detail layer and the ranked table for ``query``: over the whole
    city's grids, or one district's (a bound actor: its own)."""
    require(actor, "view_district_metrics")
    category_ids = _checked_query(session, query)
    district_id = figures_district(actor, query.district_id)
    layout = active_layout(session)
    key = layout_key(session, layout)
    grids, areas = _layout_grids(session, layout.id, key)
    if district_id is not None:
        grids, areas, key = _in_district(grids, areas, key, district_id)
    counts = _grid_counts(session, grids, layout.id, query.window, category_ids, district_id)
    inference = _inference(query.inference, len(grids))
    gi = getis_ord(counts, grid_weights(grids, key), permutations=PERMUTATIONS if inference == "permutation" else 0,
                   correction="fdr")
    trend, recent_window = _emerging(session, grids, layout.id, query.window, category_ids, district_id)
    table = rank_hotspots(areas, counts, gi).merge(
        areas[["code", "grid_id", "street", "community", "member", *BBOX]], on="code", how="left"
    ).merge(trend[["grid_id", "trend"]], on="grid_id", how="left")
    bounds = tuple(float(v) for v in grids.total_bounds)
    cells, density = _detail(session, query, category_ids, bounds, district_id)
    return HotspotView(layout.id, layout.name, query, int(counts.sum()), table[_TABLE_COLUMNS], trend,
                       recent_window, bounds, cells, density, inference)


def _inference(asked: str, n_grids: int) -> str:
    """The inference a query gets: the one asked, or for "auto" permutations while the grids are few."""
    if asked not in INFERENCES:
        raise ValueError(f"inference must be one of {', '.join(INFERENCES)}, got {asked!r}")
    if asked == "auto":
        return "permutation" if n_grids <= PERMUTATION_GRIDS else "analytic"
    return asked


def _in_district(grids: gpd.GeoDataFrame, areas: pd.DataFrame, key: str,
                 district_id: int) -> tuple[gpd.GeoDataFrame, pd.DataFrame, str]:
    """The grids of one district (their own weights: neighbours across the district's edge are out of the
    study area), under their own cache key."""
    inside = (areas["district_id"] == district_id).to_numpy()
    if not inside.any():
        raise ValueError(f"no grid of the active layout lies in district {district_id}")
    return grids[inside].reset_index(drop=True), areas[inside].reset_index(drop=True), f"{key}#district={district_id}"


_TABLE_COLUMNS = ["grid_id", "code", "name", "street", "community", "member", "count", "z", "p", "hotspot_class",
                  "trend", *BBOX]


def _checked_query(session: Session, query: HotspotQuery) -> list[int] | None:
    """The category ids the query means (None: every case), or a ValueError naming what is accepted."""
    if query.detail not in DETAIL_LAYERS:
        raise ValueError(f"detail must be one of {', '.join(DETAIL_LAYERS)}, got {query.detail!r}")
    if query.category_id is not None and query.class_code is not None:
        raise ValueError("give a category or a class, not both")
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
    return None


def _layout_grids(session: Session, layout_id: int, key: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Grid polygons (grids_frame order) and their code, name, street, community, member – per layout version."""
    with _grids_lock:
        hit = _grids_cache.get(key)
        if hit is not None:
            _grids_cache.move_to_end(key)
            return hit
    grids = grids_frame(session, layout_id)
    names = area_choices(session, layout_id).set_index("grid_id")
    areas = pd.DataFrame({
        "grid_id": grids["id"].to_numpy(), "code": grids["code"].to_numpy(), "name": grids["name"].to_numpy(),
        "street": names["street_name"].reindex(grids["id"]).to_numpy(),
        "community": names["community_name"].reindex(grids["id"]).to_numpy(),
        "member": grids["member_name"].to_numpy(),
        **{c: names[c].reindex(grids["id"]).to_numpy() for c in BBOX},
        "district_id": names["district_id"].reindex(grids["id"]).to_numpy(),
    })
    with _grids_lock:
        _grids_cache[key] = (grids, areas)
        while len(_grids_cache) > _CACHE_SIZE:
            _grids_cache.popitem(last=False)
    return grids, areas


def _filtered(query, window: Window, category_ids: list[int] | None, district_id: int | None = None):
    query = query.where(Case.reported_at >= window.start, Case.reported_at < window.end)
    if district_id is not None:
        query = query.where(area_condition(district_id))
    return query if category_ids is None else query.where(Case.category_id.in_(category_ids))


def _in_layout(layout_id: int):
    return select().select_from(Case).join(Grid, and_(Grid.id == Case.grid_id, Grid.layout_id == layout_id))


def _grid_counts(session: Session, grids: gpd.GeoDataFrame, layout_id: int, window: Window,
                 category_ids: list[int] | None, district_id: int | None = None) -> np.ndarray:
    """Cases per grid in the grids' order (zero where none)."""
    query = _filtered(_in_layout(layout_id).add_columns(Case.grid_id, func.count()), window, category_ids,
                      district_id)
    rows = dict(session.execute(query.group_by(Case.grid_id)).all())
    return np.array([rows.get(int(g), 0) for g in grids["id"]], dtype=float)


def _emerging(session: Session, grids: gpd.GeoDataFrame, layout_id: int, window: Window,
              category_ids: list[int] | None, district_id: int | None = None) -> tuple[pd.DataFrame, Window]:
    """Trend per grid over the 16 weeks that end where the window ends (one GROUP BY, two conditional sums)."""
    split = window.end - timedelta(weeks=RECENT_WEEKS)
    span = Window(split - timedelta(weeks=BEFORE_WEEKS), window.end)
    query = _in_layout(layout_id).add_columns(
        Case.grid_id, count_if(Case.reported_at >= split), count_if(Case.reported_at < split))
    rows = {int(g): (int(r), int(b)) for g, r, b in
            session.execute(_filtered(query, span, category_ids, district_id).group_by(Case.grid_id)).all()}
    pairs = np.array([rows.get(int(g), (0, 0)) for g in grids["id"]], dtype=np.int64).reshape(-1, 2)
    trend = emerging(pairs[:, 0], pairs[:, 1], RECENT_WEEKS, BEFORE_WEEKS)
    trend.insert(0, "grid_id", grids["id"].to_numpy())
    trend.insert(1, "code", grids["code"].to_numpy())
    trend.insert(2, "name", grids["name"].to_numpy())
    return trend, Window(split, window.end)


def case_points(session: Session, window: Window, category_ids: list[int] | None,
                district_id: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Case locations in the window, binned in SQL to 1/BIN_SCALE degree and expanded back to one point per
    case at the bin centre: the detail layers need per-case weight, the wire only per-address rows."""
    sql = backend(session.get_bind().dialect.name)
    bx, by = sql.floor(Case.lon * BIN_SCALE), sql.floor(Case.lat * BIN_SCALE)
    query = select(bx, by, func.count()).where(Case.lon.is_not(None), Case.lat.is_not(None))
    rows = session.execute(_filtered(query, window, category_ids, district_id).group_by(bx, by)).all()
    if not rows:
        return np.zeros(0), np.zeros(0)
    bx, by, weight = (np.fromiter(column, dtype=float, count=len(rows)) for column in zip(*rows))
    weight = weight.astype(np.int64)
    return np.repeat((bx + 0.5) / BIN_SCALE, weight), np.repeat((by + 0.5) / BIN_SCALE, weight)


def _detail(session: Session, query: HotspotQuery, category_ids: list[int] | None,
            bounds: tuple[float, float, float, float],
            district_id: int | None = None) -> tuple[gpd.GeoDataFrame | None, np.ndarray | None]:
    if query.detail == "none":
        return None, None
    lon, lat = case_points(session, query.window, category_ids, district_id)
    if query.detail == "kde":
        image, _ = kernel_density(lon, lat, bounds, cell_m=KDE_CELL_M, bandwidth_m=KDE_BANDWIDTH_M,
                                  metric_crs=metric_crs())
        return None, image
    counts = h3_counts(lon, lat, resolution=H3_RESOLUTION)
    cells = h3_polygons(counts["cell"])
    cells["count"] = counts["count"].to_numpy()
    return cells, None
