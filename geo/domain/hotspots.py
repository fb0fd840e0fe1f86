"""Where problems concentrate, statistically: Getis–Ord Gi* hot and cold spots over the grids of one layout.

Public functions (the page calls these, in this order):

- ``grid_weights(grids, layout_key)`` – Queen contiguity between grids, cached per layout version
  (``cached_weights`` is the same cache for other units, e.g. H3 cells in ``geo.domain.hotspot_measures``).
- ``getis_ord(counts, weights, ...)`` – Gi* z, p and a hot/cold class per unit, corrected for multiple
  testing.
- ``getis_ord_columns(values, weights, ...)`` – analytic Gi* for many columns at once (one per week: the
  space-time view in ``geo.domain.space_time``).
- ``rank_hotspots(table)`` – the ranked table shown beside the map.

The sibling modules hold the other views of concentration and are re-exported here so that a page needs one
import: ``geo.domain.emerging`` (recent vs earlier weeks per grid) and ``geo.domain.density`` (H3 cells, kernel density).
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Literal

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from esda.crand import crand
from esda.getisord import _g_local_star_crand  # esda's Gi* statistic for its own crand
from libpysal.weights import Queen, W, fill_diagonal
from scipy import special

from geo.domain.density import h3_counts, h3_polygons, kernel_density
from geo.domain.emerging import emerging

__all__ = [
    "HOTSPOT_CLASSES",
    "attach_nearest",
    "cached_weights",
    "clear_weights_cache",
    "emerging",
    "getis_ord",
    "getis_ord_columns",
    "grid_weights",
    "h3_counts",
    "h3_polygons",
    "kernel_density",
    "rank_hotspots",
]

#: Every class ``getis_ord`` can return with the default ``alpha_levels``, hottest first.
HOTSPOT_CLASSES = ("hot_99", "hot_95", "hot_90", "not_significant", "cold_90", "cold_95", "cold_99")
NOT_SIGNIFICANT = "not_significant"
Correction = Literal["fdr", "bonferroni", "none"]

# A dashboard shows a handful of layout versions at most (current, previous, one being drawn);
# weights for 10,000 grids take about 0.5 s to build and a few MB to keep.
_CACHE_SIZE = 8
_cache: OrderedDict[str, W] = OrderedDict()
_cache_lock = threading.Lock()


# --------------------------------------------------------------------------------------------- weights


def grid_weights(grids: gpd.GeoDataFrame, layout_key: str) -> W:
    """Binary Queen contiguity between the grids (ids 0..n-1 in row order), cached by layout version id.

    Grids sharing an edge or a corner are neighbours. An island (a grid touching no other, e.g. a detached
    village or a digitising gap) gets its single nearest grid (KNN k=1, by boundary distance in the layer's
    CRS) as neighbour, one-way, so Gi* compares it with its surroundings instead of failing or reporting
    a bare z = 0. The weights are binary; ``getis_ord`` adds the self-weight and row-standardises a copy.

    The cache trusts ``layout_key``: grid layouts are versioned, so a re-cut layout must come with a new key.
    The returned object is shared between callers: do not modify it.
    """
    return cached_weights(layout_key, len(grids), lambda: _build_weights(grids))


def cached_weights(key: str, n: int, build: Callable[[], W]) -> W:
    """The weights cached under ``key`` (a layout version id, possibly with a suffix naming the units), built
    by ``build()`` on a miss. ``n`` is the number of units the caller expects: a cached object of another
    size means the key was reused for changed units, which is refused rather than silently mis-weighted."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"layout_key must be a non-empty layout version id string, got {key!r}")
    with _cache_lock:
        w = _cache.get(key)
        if w is not None:
            _cache.move_to_end(key)
    if w is None:
        w = build()
        with _cache_lock:
            _cache[key] = w
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    if w.n != n:
        raise ValueError(
            f"layout {key!r} is cached with {w.n} units but {n} were given; "
            "a changed layout needs a new layout version id"
        )
    return w


def clear_weights_cache() -> None:
    """Forget every cached weights object (tests and benchmarks use this to measure a cold build)."""
    with _cache_lock:
        _cache.clear()


def _build_weights(grids: gpd.GeoDataFrame) -> W:
    geoms = _checked_polygons(grids)
    with warnings.catch_warnings():
        # libpysal warns about islands and disconnected components; both are handled below.
        warnings.simplefilter("ignore", UserWarning)
        w = Queen.from_dataframe(
            gpd.GeoDataFrame(geometry=geoms, crs=grids.crs), use_index=False, silence_warnings=True
        )
    if w.islands and w.n > 1:
        w = attach_nearest(w, geoms)
    w.transform = "B"
    return w


def _checked_polygons(grids: gpd.GeoDataFrame) -> np.ndarray:
    if len(grids) == 0:
        raise ValueError("grids is empty: a layout needs at least one grid polygon")
    geoms = np.asarray(grids.geometry.values, dtype=object)
    bad = [i for i, g in enumerate(geoms) if g is None or g.is_empty or g.geom_type not in _POLYGONAL]
    if bad:
        raise ValueError(
            f"grids rows {bad[:10]} have a missing, empty or non-polygon geometry; expected Polygon/MultiPolygon"
        )
    return geoms


_POLYGONAL = {"Polygon", "MultiPolygon"}


def attach_nearest(w: W, geoms: np.ndarray) -> W:
    """Give every island its nearest unit (by boundary distance among ``geoms``, in ``w``'s order) as its only
    neighbour (one-way, like libpysal's attach_islands)."""
    tree = shapely.STRtree(geoms)
    neighbors = {i: list(w.neighbors[i]) for i in range(w.n)}
    for i in w.islands:
        nearest = tree.query_nearest(geoms[i], exclusive=True, all_matches=False)
        neighbors[i] = [int(nearest[0])]
    return W(neighbors, id_order=list(range(w.n)), silence_warnings=True)


# ------------------------------------------------------------------------------------------------- Gi*


def getis_ord(
    counts: np.ndarray,
    weights: W,
    permutations: int = 999,
    seed: int = 12345,
    alpha_levels: Sequence[float] = (0.10, 0.05, 0.01),
    correction: Correction = "fdr",
) -> pd.DataFrame:
    """Gi* per grid: columns ``z``, ``p`` and ``hotspot_class`` (rows in the grids' order, RangeIndex).

    - ``z``: with ``permutations > 0`` Gi* standardised by its own permutation distribution (esda's
      ``z_sim``), so that z and the class tell one story: on skewed counts the analytic z says 6.5 where
      the permutation p says 0.007. With ``permutations=0`` the analytic z (``esda.G_Local`` on binary
      weights, self included: the z of Getis & Ord 1992 and of ArcGIS's Hot Spot Analysis; see
      ``_star_weights``).
    - ``p``: two-sided and *uncorrected*. With ``permutations > 0`` it is the conditional-permutation pseudo
      p-value, 2 · min(upper tail, lower tail) of esda's simulated Gi*, ties counted in both tails (see
      ``_permutation_p`` for why not esda's ``p_sim``); the smallest possible value is
      2 / (permutations + 1) = 0.002 for 999. With ``permutations=0`` it is the normal p, 2·Φ(-|z|).
      Two-sided so that "hot_95" means what it says on ArcGIS maps: 95 % confidence (|z| > 1.96).
    - ``hotspot_class``: the strictest level in ``alpha_levels`` at which the grid is significant *after*
      ``correction``: "fdr" = Benjamini–Hochberg at each level (p_(k) ≤ k·α/n), "bonferroni" = p ≤ α/n,
      "none" = p ≤ α. Labels are hot_/cold_ + confidence in percent (0.10 → 90). Hot needs z > 0 (and,
      with permutations, the upper tail to be the smaller one), cold the reverse.
      The permutation floor 2/(permutations+1) limits the strictest levels: with 999 permutations BH at
      0.01 needs at least n/5 grids at the floor (87 of 435), so "hot_99" practically never appears, and
      Bonferroni (0.01/435) cannot pass at all. For a 99 % class use permutations=9999 (≈ 0.3 s for 435
      grids) or permutations=0.

    Deterministic for a given seed; numpy's global random state is left as it was. All-zero or constant
    counts (or fewer than 3 grids) give z = 0, p = 1 and "not_significant" everywhere.
    """
    y = _checked_counts(counts, weights.n)
    levels = _checked_levels(alpha_levels)
    if correction not in ("fdr", "bonferroni", "none"):
        raise ValueError(f"correction must be 'fdr', 'bonferroni' or 'none', got {correction!r}")
    if permutations < 0:
        raise ValueError(f"permutations must be >= 0, got {permutations}")
    if _degenerate(y):
        return _frame(np.zeros(y.size), np.ones(y.size), np.full(y.size, NOT_SIGNIFICANT, dtype=object))
    z, p, direction = _gi_star(y, _star_weights(weights), permutations, seed)
    return _frame(z, p, _classify(p, direction, levels, correction))


def getis_ord_columns(
    values: np.ndarray,
    weights: W,
    alpha_levels: Sequence[float] = (0.10, 0.05, 0.01),
    correction: Correction = "fdr",
) -> tuple[np.ndarray, np.ndarray]:
    """Analytic Gi* (normal p, no permutations) for each column of ``values`` (units × steps): z and
    hotspot_class arrays of the same shape, every column tested and corrected on its own.

    For the space-time view: twelve weekly maps with permutation inference would cost twelve times the main
    map, so each week is tested the way ArcGIS tests the bins of a space-time cube (z against the normal).
    The weights get their self-weight once for all columns (esda would rebuild them on every call)."""
    matrix = np.asarray(values, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"values must be a 2-D array (units × steps), got shape {matrix.shape}")
    levels = _checked_levels(alpha_levels)
    star = _star_weights(weights)
    z = np.zeros(matrix.shape)
    classes = np.full(matrix.shape, NOT_SIGNIFICANT, dtype=object)
    for k in range(matrix.shape[1]):
        y = _checked_counts(matrix[:, k], weights.n)
        if not _degenerate(y):
            z[:, k], p, direction = _gi_star(y, star, 0, 0)
            classes[:, k] = _classify(p, direction, levels, correction)
    return z, classes


def _degenerate(y: np.ndarray) -> bool:
    """Too few units, nothing at all or the same value everywhere: Gi* has nothing to compare."""
    return bool(y.size < 3 or y.sum() == 0 or np.ptp(y) == 0)


def _star_weights(weights: W) -> W:
    """Binary weights with self-weight 1 on the diagonal (Gi*: the unit counts in its own neighbourhood); a
    new object, so the caller's cached weights are never changed.

    Binary, not row-standardised: esda's analytic variance of Gi* takes a row's sum of weights as its number
    of neighbours, which only holds for binary weights; row-standardised weights would understate every z by
    about √(neighbours + 1) (2.1 instead of 6.9 for the centre of a 3 × 3 cluster on a 7 × 7 lattice). The
    permutation p does not change: scaling a row scales its observed and its simulated Gi* alike."""
    star = fill_diagonal(weights, 1.0)
    star.transform = "B"
    return star


def _checked_counts(counts: np.ndarray, n: int) -> np.ndarray:
    y = np.asarray(counts, dtype=float).ravel()
    if y.size != n:
        raise ValueError(f"counts has {y.size} values but the weights cover {n} grids (same order expected)")
    if not np.isfinite(y).all() or (y < 0).any():
        raise ValueError("counts must be finite and non-negative (Gi* is defined for non-negative values)")
    return y


def _checked_levels(alpha_levels: Sequence[float]) -> list[float]:
    levels = sorted({float(a) for a in alpha_levels}, reverse=True)
    if not levels or not all(0 < a < 1 for a in levels):
        raise ValueError(
            f"alpha_levels must be significance levels in (0, 1), e.g. (0.10, 0.05, 0.01); got {alpha_levels!r}"
        )
    return levels


def _gi_star(
    y: np.ndarray, star: W, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """z, two-sided p and direction (+1 hot, -1 cold, 0 neither) per unit; ``star`` from ``_star_weights``.

    The permutations are esda's own conditional randomisation (``esda.crand.crand`` with esda's Gi* statistic,
    the same seed and draws as ``G_Local(permutations=…)``), called directly: ``G_Local`` also standardises
    its simulations along the slow axis of a transposed array, ≈ 0.4 s of waste at 1,500 units × 9,999,
    and ``alternative="directed"`` skips a median per unit for a p-value we do not use (``_permutation_p``)."""
    state = np.random.get_state()  # esda seeds numpy's global generator; keep callers' state intact
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            g = esda.G_Local(y, star, transform="B", permutations=0, star=None)
            if not permutations:
                z = _finite(g.Zs)
                return z, 2.0 * _normal_sf(np.abs(z)), np.sign(z)
            _, simulated = crand(y, star, g.Gs, permutations, True, 1, _g_local_star_crand, scaling=y.sum(),
                                 seed=seed, island_weight=0, alternative="directed")
            z = _finite((g.Gs - simulated.mean(axis=1)) / _row_std(simulated))
    finally:
        np.random.set_state(state)
    p, direction = _permutation_p(np.asarray(g.Gs, dtype=float), simulated)
    # A unit is hot (cold) only if both the permutation tail and z point the same way.
    return z, p, np.where(direction == np.sign(z), direction, 0.0)


def _row_std(a: np.ndarray) -> np.ndarray:
    """Standard deviation of each row as √(E[x²] − E[x]²): no temporary as large as ``a`` (1,500 × 9,999)."""
    mean = a.mean(axis=1)
    return np.sqrt(np.maximum(np.einsum("ij,ij->i", a, a) / a.shape[1] - mean * mean, 0.0))


def _finite(values) -> np.ndarray:
    return np.nan_to_num(np.asarray(values, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)


def _permutation_p(observed: np.ndarray, simulated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided pseudo p = 2 · min(upper, lower tail), ties counted in both tails.

    esda's own ``p_sim`` counts ties only as "larger" before folding, so a grid whose neighbourhood holds
    the minimum value (typically: zeros among zeros) gets the smallest possible p and would be painted
    cold_99. Case counts are full of such ties, hence this recount from the kept simulations; the
    tolerance absorbs the different summation order of the observed and simulated statistics.
    """
    tol = 1e-9 * np.maximum(np.abs(observed), 1e-300)[:, None]
    permutations = simulated.shape[1]
    upper = ((simulated >= observed[:, None] - tol).sum(axis=1) + 1) / (permutations + 1)
    lower = ((simulated <= observed[:, None] + tol).sum(axis=1) + 1) / (permutations + 1)
    p = np.minimum(1.0, 2.0 * np.minimum(upper, lower))
    return p, np.sign(lower - upper)


def _normal_sf(x: np.ndarray) -> np.ndarray:
    return 0.5 * special.erfc(x / np.sqrt(2.0))


def _classify(
    p: np.ndarray, direction: np.ndarray, levels: list[float], correction: Correction
) -> np.ndarray:
    classes = np.full(p.size, NOT_SIGNIFICANT, dtype=object)
    for alpha in levels:  # loosest first, so a stricter level overwrites
        significant = _significant(p, alpha, correction)
        label = f"{round((1 - alpha) * 100):d}"
        classes[significant & (direction > 0)] = f"hot_{label}"
        classes[significant & (direction < 0)] = f"cold_{label}"
    return classes


def _significant(p: np.ndarray, alpha: float, correction: Correction) -> np.ndarray:
    if correction == "none":
        return p <= alpha
    if correction == "bonferroni":
        return p <= alpha / p.size
    return _benjamini_hochberg(p, alpha)


def _benjamini_hochberg(p: np.ndarray, alpha: float) -> np.ndarray:
    """Reject the k smallest p-values, k the largest rank with p_(k) ≤ k·α/n (controls the FDR at α)."""
    n = p.size
    order = np.argsort(p, kind="stable")
    passes = p[order] <= alpha * np.arange(1, n + 1) / n
    reject = np.zeros(n, dtype=bool)
    if passes.any():
        reject[order[: np.flatnonzero(passes)[-1] + 1]] = True
    return reject


def _frame(z: np.ndarray, p: np.ndarray, classes: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"z": z, "p": p, "hotspot_class": pd.Series(classes, dtype=object)})


# --------------------------------------------------------------------------------------------- ranking


def rank_hotspots(table: pd.DataFrame) -> pd.DataFrame:
    """The table beside the map, hottest (highest z) first; a unit left out of the test (z NaN) comes last.

    ``table`` has one row per unit with at least ``z``, ``count`` and ``code``. Ties in z are broken by count
    (descending), then code, then the original order, so the order is stable between reruns."""
    missing = {"z", "count", "code"} - set(table.columns)
    if missing:
        raise ValueError(f"the table lacks column(s) {sorted(missing)}; expected z, count and code")
    ranked = table.sort_values(["z", "count", "code"], ascending=[False, False, True], kind="stable",
                               na_position="last")
    return ranked.reset_index(drop=True)
