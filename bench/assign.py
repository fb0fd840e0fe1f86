"""Benchmark: GridIndex.assign against geopandas sjoin on a synthetic district.

Usage: .venv/bin/python bench/assign.py [--quick] [--runs 5]

Builds Voronoi grids clipped to a 20 × 15 km rectangle (in EPSG:4545) near 106.8 E 39.67 N and clustered
case points inside it, then prints one line per scenario:

    assign M=<points> N=<grids> project_s=<s> sjoin_s=<s> ratio=<sjoin_s/project_s> agree=<fraction>

project_s is GridIndex.assign and sjoin_s geopandas points_from_xy + sjoin(predicate="within"), both from
the same lon/lat arrays and both medians of --runs runs in this process, the two interleaved so that
load from other processes on a shared machine falls on both alike. agree is the fraction of points
given the same grid (points lying exactly on a grid edge are left out; snapped points count as unassigned,
since sjoin has no snapping). Also prints the index build time and the latency of assigning one point
(median and 99th percentile of 2,000 single-point calls, inside the district and just outside it).
"""

import argparse
import functools
import gc
import statistics
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.domain.grid_index import GridIndex

CENTRE_LONLAT = (106.8, 39.67)
SIZE_M = (20_000.0, 15_000.0)
GRID_COUNTS = (435, 10_000)
POINT_COUNTS = (48_000, 1_000_000)


def district(n_grids: int, seed: int) -> tuple[np.ndarray, shapely.Polygon]:
    """Voronoi grids (EPSG:4326) clipped to the district, sorted by their generated code (= position)."""
    to_metric = Transformer.from_crs("EPSG:4326", "EPSG:4545", always_xy=True)
    cx, cy = to_metric.transform(*CENTRE_LONLAT)
    boundary = shapely.box(cx - SIZE_M[0] / 2, cy - SIZE_M[1] / 2, cx + SIZE_M[0] / 2, cy + SIZE_M[1] / 2)
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = boundary.bounds
    seeds = shapely.multipoints(np.c_[rng.uniform(xmin, xmax, n_grids), rng.uniform(ymin, ymax, n_grids)])
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=boundary))
    cells = shapely.intersection(cells, boundary)
    cells = cells[~shapely.is_empty(cells)]
    to_lonlat = Transformer.from_crs("EPSG:4545", "EPSG:4326", always_xy=True)
    return _reproject(cells, to_lonlat), _reproject(np.array([boundary]), to_lonlat)[0]


def _reproject(geoms: np.ndarray, transformer: Transformer) -> np.ndarray:
    return shapely.transform(geoms, transformer.transform, interleaved=False)


def clustered_points(m: int, boundary: shapely.Polygon, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Case-like points: 85 % in 80 Gaussian clusters (σ 150–1,200 m), 15 % uniform; all inside."""
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = boundary.bounds
    k_lon, k_lat = 85_600.0, 111_000.0  # metres per degree near 39.67 N (generation only)
    centres = np.c_[rng.uniform(xmin, xmax, 80), rng.uniform(ymin, ymax, 80)]
    sigma = rng.uniform(150.0, 1_200.0, 80)
    lon, lat = np.empty(0), np.empty(0)
    while lon.size < m:
        n = 2 * m
        which = rng.integers(0, 80, n)
        x = centres[which, 0] + rng.normal(0, 1, n) * sigma[which] / k_lon
        y = centres[which, 1] + rng.normal(0, 1, n) * sigma[which] / k_lat
        uniform = rng.random(n) < 0.15
        x[uniform], y[uniform] = (
            rng.uniform(xmin, xmax, uniform.sum()),
            rng.uniform(ymin, ymax, uniform.sum()),
        )
        inside = shapely.contains_xy(boundary, x, y)
        lon, lat = np.r_[lon, x[inside]], np.r_[lat, y[inside]]
    return lon[:m], lat[:m]


def sjoin_positions(grids: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    joined = gpd.sjoin(points, grids, how="left", predicate="within")
    first = joined.groupby(level=0)["index_right"].min()  # a point on an edge is within no grid anyway
    return first.reindex(range(lon.size)).fillna(-1).to_numpy(dtype=np.int64)


def median_time(func, runs: int):
    return median_times([func], runs)[0]


def median_times(funcs, runs: int) -> list[tuple[float, object]]:
    """(median seconds, last result) per function, running them in turn `runs` times."""
    times = [[] for _ in funcs]
    results = [None] * len(funcs)
    for _ in range(runs):
        for i, func in enumerate(funcs):
            t0 = time.perf_counter()
            results[i] = func()
            times[i].append(time.perf_counter() - t0)
    return [(statistics.median(t), r) for t, r in zip(times, results)]


def agreement(index: GridIndex, ours: np.ndarray, theirs: np.ndarray, lon, lat) -> float:
    differ = np.flatnonzero(ours != theirs)
    on_edge = shapely.intersects_xy(
        shapely.boundary(index.geoms[np.maximum(ours[differ], 0)]), lon[differ], lat[differ]
    ) & (ours[differ] >= 0)
    return 1.0 - (differ.size - on_edge.sum()) / (lon.size - on_edge.sum())


def single_point_latency(index: GridIndex, lon: np.ndarray, lat: np.ndarray, n: int = 2_000):
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        index.assign(lon[i : i + 1], lat[i : i + 1])
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3, float(np.percentile(times, 99)) * 1e3


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only M=48,000")
    parser.add_argument("--runs", type=int, default=5, help="runs per timing (median), at least 3")
    args = parser.parse_args(argv)
    runs = max(3, args.runs)
    point_counts = POINT_COUNTS[:1] if args.quick else POINT_COUNTS
    for n_grids in GRID_COUNTS:
        geoms, boundary = district(n_grids, seed=n_grids)
        build_s, index = median_time(functools.partial(GridIndex, geoms), runs)
        raster = index._raster
        print(
            f"build N={geoms.size} build_s={build_s:.3f} cells={raster.codes.size} "
            f"band_cells={raster.band_grid.size} crossing_cells={int(raster.band_crossing.sum())}",
            flush=True,
        )
        grids = gpd.GeoDataFrame(geometry=geoms, crs="EPSG:4326")
        for m in point_counts:
            lon, lat = clustered_points(m, boundary, seed=m + n_grids)
            (project_s, result), (sjoin_s, theirs) = median_times(
                [
                    functools.partial(index.assign, lon, lat),
                    functools.partial(sjoin_positions, grids, lon, lat),
                ],
                runs,
            )
            ours = np.where(result.snapped, -1, result.grid)
            agree = agreement(index, ours, theirs, lon, lat)
            print(
                f"assign M={m} N={geoms.size} project_s={project_s:.3f} sjoin_s={sjoin_s:.3f} "
                f"ratio={sjoin_s / project_s:.2f} agree={agree:.6f}",
                flush=True,
            )
        gc.collect()
        median_ms, p99_ms = single_point_latency(index, lon, lat)
        # Points 10–25 m east of the district: outside every grid, so they take the snapping path.
        rng = np.random.default_rng(n_grids)
        _, ymin, xmax, ymax = boundary.bounds
        out_lon = np.full(2_000, xmax) + rng.uniform(10.0, 25.0, 2_000) / 85_600.0
        out_median_ms, out_p99_ms = single_point_latency(index, out_lon, rng.uniform(ymin, ymax, 2_000))
        print(
            f"single N={geoms.size} median_ms={median_ms:.3f} p99_ms={p99_ms:.3f} "
            f"outside_median_ms={out_median_ms:.3f} outside_p99_ms={out_p99_ms:.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
