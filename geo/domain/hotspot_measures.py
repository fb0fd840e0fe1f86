"""What Gi* is run on: four measures of "many cases here", and the uniform H3 cells one of them needs.

Grids are cut to equalise work, not area: small and many where people live densely, large at the edge. Gi* on
raw counts per grid therefore compares unlike units (docs/hotspots.md). The measures:

- ``h3`` (recommended): cases on uniform H3 cells – where do cases crowd together on the ground?
- ``per_households``: cases per 1,000 households of the grid (households from the buildings layer) – where
  are there more cases than the people living there explain?
- ``per_km2``: cases per km² of the grid – which grids are dense with cases?
- ``counts``: cases per grid – which grid members carry the most cases? (workload, not place)

Each measure turns counts per unit into the values Gi* tests (``gi_values``) and says which units are tested at
all: a grid without households has no rate, so it is left out of the per-household test (``NO_HOUSEHOLDS``)
instead of being given a rate of zero or infinity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import h3
import numpy as np
import shapely
from esda.smoothing import Empirical_Bayes
from libpysal.weights import W

from geo.domain.crs import DEFAULT_METRIC_CRS
from geo.domain.density import h3_polygons
from geo.domain.h3_keys import COARSEST, FINEST
from geo.domain.hotspots import attach_nearest, cached_weights

MEASURES = ("h3", "per_households", "per_km2", "counts")
#: The method note's answer to "where are the hotspots?" (docs/hotspots.md): equal areas compare like with like.
RECOMMENDED = "h3"
GRID_MEASURES = ("per_households", "per_km2", "counts")
#: The class of a grid left out of the per-household test because it has no households.
NO_HOUSEHOLDS = "no_households"

#: H3 resolution: the finest in [H3_COARSEST, H3_FINEST] at which the district needs at most MAX_CELLS cells.
#: Why 2,500: Gi* with 9,999 permutations costs ≈ 0.25 ms per cell, so 2,500 cells stay well inside the
#: page's 1 s. Why not finer than 10: cells of ≈ 0.015 km² (≈ 65 m edge) are down to geocoding noise.
#: The sample district (133 km²) gets resolution 9 (≈ 0.1 km² cells, ≈ 175 m edge: one market, one
#: compound); a city of 1,400 km² gets 8.
MAX_CELLS, H3_FINEST, H3_COARSEST = 2_500, FINEST, COARSEST
#: An edge cell's count is divided by the share of the cell inside the district, but never by less than this:
#: a sliver holding one case must not turn into a hotspot.
MIN_SHARE = 0.25


@dataclass(frozen=True)
class MeasureValues:
    """``value``: what the table shows per unit (NaN where not tested); ``gi``: what Gi* tests, only for the
    units where ``tested`` is True (in unit order)."""

    value: np.ndarray
    gi: np.ndarray
    tested: np.ndarray


def checked_measure(measure: str) -> str:
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    return measure


def gi_values(measure: str, counts: np.ndarray, *, households: np.ndarray | None = None,
              area_km2: np.ndarray | None = None, share: np.ndarray | None = None) -> MeasureValues:
    """Counts per unit (1-D, unit order) → the measure's values and what Gi* tests.

    - ``counts``: the counts themselves.
    - ``per_km2``: counts / ``area_km2``.
    - ``per_households``: counts / ``households`` × 1,000 where households > 0. Gi* tests the empirical
      Bayes rate (esda, Marshall 1991): a grid of 12 households with 5 cases is pulled towards the district
      rate, in proportion to how few households it has, so small denominators do not paint hotspots alone.
    - ``h3``: counts; Gi* tests counts / max(``share``, MIN_SHARE): an edge cell half outside the district
      is compared with inner cells as if it were whole.
    """
    y = np.asarray(counts, dtype=float).ravel()
    everywhere = np.ones(y.size, dtype=bool)
    if checked_measure(measure) == "counts":
        return MeasureValues(y, y, everywhere)
    if measure == "per_km2":
        value = y / _checked_positive(area_km2, y.size, "area_km2")
        return MeasureValues(value, value, everywhere)
    if measure == "h3":
        return MeasureValues(y, y / np.maximum(_checked_share(share, y.size), MIN_SHARE), everywhere)
    return _per_households(y, households)


def _per_households(y: np.ndarray, households: np.ndarray | None) -> MeasureValues:
    if households is None or np.asarray(households).size != y.size:
        raise ValueError("per_households needs the households of every unit (from the buildings layer)")
    hh = np.asarray(households, dtype=float)
    tested = hh > 0
    value = np.full(y.size, np.nan)
    value[tested] = y[tested] / hh[tested] * 1000.0
    gi = np.zeros(int(tested.sum()))
    if tested.sum() >= 3 and y[tested].sum() > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            gi = np.nan_to_num(Empirical_Bayes(y[tested, None], hh[tested, None]).r.ravel() * 1000.0)
    return MeasureValues(value, gi, tested)


def _checked_positive(values: np.ndarray | None, n: int, name: str) -> np.ndarray:
    a = np.asarray(values if values is not None else [], dtype=float).ravel()
    if a.size != n or not (a > 0).all():
        raise ValueError(f"{name} must give a positive value for each of the {n} units")
    return a


def _checked_share(share: np.ndarray | None, n: int) -> np.ndarray:
    return np.ones(n) if share is None else np.clip(_checked_positive(share, n, "share"), 0.0, 1.0)


# ------------------------------------------------------------------------------------------------ H3 cells


def h3_resolution(area_km2: float) -> int:
    """The finest H3 resolution (H3_COARSEST … H3_FINEST) at which ``area_km2`` needs ≤ MAX_CELLS cells."""
    if not (isinstance(area_km2, int | float) and math.isfinite(area_km2) and area_km2 > 0):
        raise ValueError(f"the district's area must be a positive number of km², got {area_km2!r}")
    for resolution in range(H3_FINEST, H3_COARSEST, -1):
        if area_km2 / h3.average_hexagon_area(resolution, unit="km^2") <= MAX_CELLS:
            return resolution
    return H3_COARSEST


def h3_cell_km2(resolution: int) -> float:
    """The average area of an H3 cell at ``resolution``, in km² (for saying how big the cells are)."""
    return float(h3.average_hexagon_area(resolution, unit="km^2"))


def h3_study_area(district: shapely.Geometry, resolution: int,
                  metric_crs: str = DEFAULT_METRIC_CRS) -> gpd.GeoDataFrame:
    """Every H3 cell overlapping ``district`` (WGS84 polygon): columns cell, share (of the cell's area inside
    the district, measured in ``metric_crs``), geometry (WGS84), sorted by cell.

    Cells outside the district are not part of the study: an edge cell's ring has fewer neighbours instead of
    neighbours that are zeros only because nobody can report from beyond the boundary."""
    if district is None or district.is_empty or district.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError("the district must be a non-empty (multi)polygon in WGS84 lon/lat")
    shape = h3.geo_to_h3shape(district.__geo_interface__)
    cells = sorted(h3.h3shape_to_cells_experimental(shape, resolution, contain="overlap"))
    study = h3_polygons(cells)
    metric = study.to_crs(metric_crs).geometry.values
    district_m = gpd.GeoSeries([district], crs=study.crs).to_crs(metric_crs).iloc[0]
    inside = shapely.area(shapely.intersection(metric, district_m))
    study.insert(1, "share", np.clip(inside / shapely.area(metric), 0.0, 1.0))
    return study[study["share"] > 0].reset_index(drop=True)


def cell_weights(cells: gpd.GeoDataFrame, key: str) -> W:
    """Binary ring-1 contiguity between the study's cells (rows 0..n-1 of ``cells``), cached under ``key``.

    Neighbours are the six cells around a cell that are themselves in the study; a cell whose ring lies
    wholly outside it gets its nearest study cell, as an island grid does (``attach_nearest``)."""

    def build() -> W:
        index = {c: i for i, c in enumerate(cells["cell"])}
        neighbours = {i: sorted(index[n] for n in h3.grid_ring(c, 1) if n in index) for c, i in index.items()}
        w = W(neighbours, id_order=list(range(len(index))), silence_warnings=True)
        if w.islands and w.n > 1:
            w = attach_nearest(w, np.asarray(cells.geometry.values))
        w.transform = "B"
        return w

    return cached_weights(key, len(cells), build)
