"""Benchmark: weights and Gi* over Voronoi grids, and H3 counting of points.

Run: .venv/bin/python bench/hotspots.py
Prints `hotspots N=<grids> weights_s=<s> gi_s=<s>` (weights built cold, Gi* with 999 permutations warm) and
`h3 M=<points> s=<seconds>`; every figure is the median of 3 runs.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import box

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.config import metric_crs
from geo.domain.crs import STORAGE_CRS
from geo.domain.hotspots import clear_weights_cache, getis_ord, grid_weights, h3_counts

CENTRE = (106.82, 39.67)
WIDTH_M, HEIGHT_M = 12_000, 14_000
RUNS = 3


def voronoi_grids(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """n Voronoi cells tiling a 12 × 14 km rectangle around CENTRE, in lon/lat like stored grids."""
    cx, cy = Transformer.from_crs(STORAGE_CRS, metric_crs(), always_xy=True).transform(*CENTRE)
    rect = box(cx - WIDTH_M / 2, cy - HEIGHT_M / 2, cx + WIDTH_M / 2, cy + HEIGHT_M / 2)
    rng = np.random.default_rng(seed)
    xs = rng.uniform(rect.bounds[0], rect.bounds[2], n)
    ys = rng.uniform(rect.bounds[1], rect.bounds[3], n)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(np.c_[xs, ys]), extend_to=rect))
    cells = shapely.intersection(cells, rect)
    return gpd.GeoDataFrame(geometry=cells, crs=metric_crs()).to_crs(STORAGE_CRS)


def clustered_counts(grids: gpd.GeoDataFrame, seed: int = 1) -> np.ndarray:
    """Poisson counts, background 2 per grid plus a cluster (sd 1.5 km) 3 km south-west of the centre."""
    centres = grids.to_crs(metric_crs()).geometry.centroid
    hot = centres.union_all().centroid
    d2 = (centres.x - (hot.x - 3000)) ** 2 + (centres.y - (hot.y - 3000)) ** 2
    lam = 2.0 + 30.0 * np.exp(-d2.to_numpy() / (2 * 1500.0**2))
    return np.random.default_rng(seed).poisson(lam).astype(float)


def clustered_points(m: int, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """m distinct points: 70 % in 20 neighbourhood clusters (sd ≈ 300 m), 30 % spread over the area."""
    rng = np.random.default_rng(seed)
    k = int(m * 0.7)
    centres = rng.uniform([-0.06, -0.06], [0.06, 0.06], (20, 2))
    pick = rng.integers(0, 20, k)
    lon = np.concatenate([centres[pick, 0] + rng.normal(0, 0.0035, k), rng.uniform(-0.07, 0.07, m - k)])
    lat = np.concatenate([centres[pick, 1] + rng.normal(0, 0.0027, k), rng.uniform(-0.063, 0.063, m - k)])
    return CENTRE[0] + lon, CENTRE[1] + lat


def median_seconds(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_hotspots(n: int) -> str:
    grids = voronoi_grids(n)
    counts = clustered_counts(grids)

    def cold_weights():
        clear_weights_cache()
        grid_weights(grids, f"bench-{n}")

    weights_s = median_seconds(cold_weights)
    w = grid_weights(grids, f"bench-{n}")
    getis_ord(counts, w, permutations=999)  # warm: imports, first allocations
    gi_s = median_seconds(lambda: getis_ord(counts, w, permutations=999))
    return f"hotspots N={len(grids)} weights_s={weights_s:.3f} gi_s={gi_s:.3f}"


def bench_h3(m: int) -> str:
    lon, lat = clustered_points(m)
    h3_counts(lon[:1000], lat[:1000])  # warm
    return f"h3 M={m} s={median_seconds(lambda: h3_counts(lon, lat, resolution=9)):.3f}"


def main() -> None:
    for n in (435, 10_000):
        print(bench_hotspots(n), flush=True)
    for m in (48_000, 1_000_000):
        print(bench_h3(m), flush=True)


if __name__ == "__main__":
    main()
