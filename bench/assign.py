"""Benchmark: GridIndex.assign against geopandas sjoin on a synthetic district and on a synthetic city.

Usage: .venv/bin/python bench/assign.py [--quick] [--runs 5]           the district (435 and 10,000 grids)
       .venv/bin/python bench/assign.py --city [--grids 40000] [--runs 3]   the city (≈ 80 × 80 km)

Builds Voronoi grids clipped to a 20 × 15 km rectangle (in EPSG:4545) near 106.8 E 39.67 N and clustered
case points inside it, then prints one line per scenario:

    assign M=<points> N=<grids> project_s=<s> sjoin_s=<s> ratio=<sjoin_s/project_s> agree=<fraction>

project_s is GridIndex.assign and sjoin_s geopandas points_from_xy + sjoin(predicate="within"), both from
the same lon/lat arrays and both medians of --runs runs in this process, the two interleaved so that
load from other processes on a shared machine falls on both alike. agree is the fraction of points
given the same grid (points lying exactly on a grid edge are left out; snapped points count as unassigned,
since sjoin has no snapping). Also prints the index build time and the latency of assigning one point
(median and 99th percentile of 2,000 single-point calls, inside the district and just outside it).

The city (bench/synthetic_city.py: 40,000 Voronoi grids over 80 × 80 km, smaller in the centre; points in
400 clusters centred in random grids) prints

    city build N=<grids> build_s=<s> build_cpu_s=<s> block_side=<k> … peak_rss_mb=<MB> retained_rss_mb=<MB>
    city assign M=1000000 N=<grids> project_s=<s> sjoin_s=<s> ratio=<r> agree=<f> index_mb=<MB>

index_mb (= peak_rss_mb) is how much the peak resident set size (VmHWM, reset through /proc/self/clear_refs)
grows while one GridIndex is built, measured in a fresh Python process that holds only the city's grids,
after glibc has handed its free memory back (malloc_trim): all the index costs a process at its worst —
numpy arrays, GEOS prepared grids, the metric STRtree, build temporaries and allocator overhead. Linux only.
retained_rss_mb is the same growth once the build is over; arrays_mb the bytes of the raster's own arrays.
build_s is the median wall time of the builds, build_cpu_s their mean process CPU time (what the build
takes on a quiet machine: it runs in one thread).
"""

import argparse
import ctypes
import functools
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic_city import city_layout, city_points, clustered_points
from geo.domain.grid_index import GridIndex
from geo.domain.grid_raster import BAND, CROSSING

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


def raster_figures(index: GridIndex) -> str:
    """The shape and size of an index's lookup raster, for the build lines."""
    raster = index._raster
    return (
        f"block_side={raster.k} blocks={raster.blocks.size - 1} mixed_blocks={raster.fine.shape[0]} "
        f"band_cells={int((raster.fine & BAND).astype(bool).sum())} "
        f"crossing_cells={int((raster.fine & CROSSING).astype(bool).sum())} "
        f"arrays_mb={raster.nbytes / 2**20:.1f}"
    )


def district_scenarios(runs: int, point_counts: tuple[int, ...]) -> None:
    for n_grids in GRID_COUNTS:
        geoms, boundary = district(n_grids, seed=n_grids)
        build_s, index = median_time(functools.partial(GridIndex, geoms), runs)
        print(f"build N={geoms.size} build_s={build_s:.3f} {raster_figures(index)}", flush=True)
        grids = gpd.GeoDataFrame(geometry=geoms, crs="EPSG:4326")
        for m in point_counts:
            lon, lat = clustered_points(m, boundary, seed=m + n_grids)
            project_s, sjoin_s, agree = compare(index, grids, lon, lat, runs)
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


def compare(index: GridIndex, grids: gpd.GeoDataFrame, lon, lat, runs: int) -> tuple[float, float, float]:
    """(project_s, sjoin_s, agree) for one set of points, the two methods interleaved."""
    (project_s, result), (sjoin_s, theirs) = median_times(
        [functools.partial(index.assign, lon, lat), functools.partial(sjoin_positions, grids, lon, lat)], runs
    )
    ours = np.where(result.snapped, -1, result.grid)
    return project_s, sjoin_s, agreement(index, ours, theirs, lon, lat)


def city_scenario(n_grids: int, runs: int) -> None:
    city = city_layout(n_grids)
    cpu_start = time.process_time()
    build_s, index = median_time(functools.partial(GridIndex, city.grids), runs)
    build_cpu_s = (time.process_time() - cpu_start) / runs  # the build is single-threaded
    memory = index_memory(n_grids)
    print(
        f"city build N={city.grids.size} build_s={build_s:.2f} build_cpu_s={build_cpu_s:.2f} "
        f"{raster_figures(index)} peak_rss_mb={memory['peak_mb']:.0f} "
        f"retained_rss_mb={memory['retained_mb']:.0f}",
        flush=True,
    )
    m = 1_000_000
    lon, lat = city_points(city, m, seed=n_grids)
    grids = gpd.GeoDataFrame(geometry=city.grids, crs="EPSG:4326")
    project_s, sjoin_s, agree = compare(index, grids, lon, lat, runs)
    print(
        f"city assign M={m} N={city.grids.size} project_s={project_s:.3f} sjoin_s={sjoin_s:.3f} "
        f"ratio={sjoin_s / project_s:.2f} agree={agree:.6f} index_mb={memory['peak_mb']:.0f}",
        flush=True,
    )


def index_memory(n_grids: int) -> dict:
    """Peak and retained RSS growth of building the city's index, from a fresh interpreter (see the top)."""
    child = [sys.executable, __file__, "--index-memory", "--grids", str(n_grids)]
    done = subprocess.run(child, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def measure_index_memory(n_grids: int) -> None:
    """In this (fresh) process: build the city's index once and print its RSS growth as JSON."""
    city = city_layout(n_grids)
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    before = _status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    index = GridIndex(city.grids)
    peak = _status_mb("VmHWM") - before
    gc.collect()
    print(
        json.dumps({"peak_mb": peak, "retained_mb": _status_mb("VmRSS") - before, "grids": index.geoms.size})
    )


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}; the city memory figures need Linux")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="district: only M=48,000")
    parser.add_argument("--runs", type=int, default=None, help="runs per timing (median), at least 3")
    parser.add_argument("--city", action="store_true", help="the synthetic city instead of the district")
    parser.add_argument("--grids", type=int, default=40_000, help="grids in the city (default 40,000)")
    parser.add_argument("--index-memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.index_memory:
        measure_index_memory(args.grids)
    elif args.city:
        city_scenario(args.grids, max(3, args.runs or 3))
    else:
        district_scenarios(max(3, args.runs or 5), POINT_COUNTS[:1] if args.quick else POINT_COUNTS)


if __name__ == "__main__":
    main()
