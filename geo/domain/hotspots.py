"""Where problems concentrate, statistically: Getis–Ord Gi* hot and cold spots over the grids of one layout.

Public functions (the page calls these, in this order):

- ``grid_weights(grids, layout_key)`` – Queen contiguity between grids, cached per layout version.
- ``getis_ord(counts, weights, ...)`` – Gi* z, p and a hot/cold class per grid, corrected for multiple testing.
- ``rank_hotspots(grids_df, counts, gi_df)`` – the ranked table shown beside the map.

The sibling modules hold the other views of concentration and are re-exported here so that a page needs one
import: ``geo.domain.emerging`` (recent vs earlier weeks per grid) and ``geo.domain.density`` (H3 cells, kernel density).
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from typing import Literal

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal.weights import Queen, W
from scipy import special

from geo.domain.density import h3_counts, h3_polygons, kernel_density
from geo.domain.emerging import emerging

__all__ = [
    "HOTSPOT_CLASSES",
    "clear_weights_cache",
    "emerging",
    "getis_ord",
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
    if not isinstance(layout_key, str) or not layout_key:
        raise ValueError(f"layout_key must be a non-empty layout version id string, got {layout_key!r}")
    with _cache_lock:
        w = _cache.get(layout_key)
        if w is not None:
            _cache.move_to_end(layout_key)
    if w is None:
        w = _build_weights(grids)
        with _cache_lock:
            _cache[layout_key] = w
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    if w.n != len(grids):
        raise ValueError(
            f"layout {layout_key!r} is cached with {w.n} grids but {len(grids)} were given; "
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
        w = _attach_nearest(w, geoms)
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


def _attach_nearest(w: W, geoms: np.ndarray) -> W:
    """Give every island its nearest grid as its only neighbour (one-way, like libpysal's attach_islands)."""
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

    - ``z``: the analytic standardised Gi* (``esda.G_Local(star=True)``, row-standardised, self included).
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
    if y.size < 3 or y.sum() == 0 or np.ptp(y) == 0:
        return _frame(np.zeros(y.size), np.ones(y.size), np.full(y.size, NOT_SIGNIFICANT, dtype=object))
    z, p, direction = _gi_star(y, weights, permutations, seed)
    return _frame(z, p, _classify(p, direction, levels, correction))


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
    y: np.ndarray, weights: W, permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """z, two-sided p and direction (+1 hot, -1 cold, 0 neither) per grid."""
    state = np.random.get_state()  # esda seeds numpy's global generator; keep callers' state intact
    try:
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            # esda announces a future change of its permutation alternative on every call; we do not use
            # its p_sim (see _permutation_p), so the notice does not apply.
            warnings.simplefilter("ignore", DeprecationWarning)
            g = esda.G_Local(
                y, weights, transform="R", permutations=permutations, star=True,
                keep_simulations=True, n_jobs=1, seed=seed,
            )  # fmt: skip
    finally:
        np.random.set_state(state)
    z = np.nan_to_num(np.asarray(g.Zs, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    if not permutations:
        return z, 2.0 * _normal_sf(np.abs(z)), np.sign(z)
    p, direction = _permutation_p(np.asarray(g.Gs, dtype=float), g.rGs)
    # A grid is hot (cold) only if both the permutation tail and the analytic z point the same way.
    return z, p, np.where(direction == np.sign(z), direction, 0.0)


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


def rank_hotspots(grids_df: pd.DataFrame, counts: np.ndarray, gi_df: pd.DataFrame) -> pd.DataFrame:
    """The table beside the map: code, name, count, z, p, hotspot_class, hottest (highest z) first.

    All three inputs are in the grids' order (row i of each is the same grid). Ties in z are broken by
    count (descending), then code, so the order is stable between reruns.
    """
    counts = np.asarray(counts).ravel()
    missing = {"code", "name"} - set(grids_df.columns)
    if missing:
        raise ValueError(f"grids_df lacks column(s) {sorted(missing)}; expected 'code' and 'name'")
    if not len(grids_df) == counts.size == len(gi_df):
        raise ValueError(
            f"grids_df ({len(grids_df)} rows), counts ({counts.size}) and gi_df ({len(gi_df)} rows) "
            "must describe the same grids in the same order"
        )
    table = pd.DataFrame(
        {
            "code": grids_df["code"].to_numpy(),
            "name": grids_df["name"].to_numpy(),
            "count": counts,
            "z": gi_df["z"].to_numpy(),
            "p": gi_df["p"].to_numpy(),
            "hotspot_class": gi_df["hotspot_class"].to_numpy(),
        }
    )
    table = table.sort_values(["z", "count", "code"], ascending=[False, False, True], kind="stable")
    return table.reset_index(drop=True)
