"""Assign raw lon/lat points (cases) to governance grids, vectorised and exact.

Rules, in order (WGS84 lon/lat in, positions into the grids out):

1. A point covered by a grid (inside it or on its boundary) goes to that grid.
2. Edge rule: a point covered by several grids (on a shared edge or vertex, or where grids overlap) goes
   to the **lowest position** (input order) among them. Callers pass the grids sorted by grid code, so
   the rule reads "lowest grid code wins" and is the same on every run and machine.
3. A point covered by no grid goes to the nearest grid within ``snap_m`` metres (default 30 m, measured
   in ``geo.config.metric_crs()``; ties go to the lowest position) and is flagged ``snapped``.
4. Otherwise, and for NaN or infinite coordinates, the position is -1: the caller puts the case in the
   unassigned queue.

``near_boundary`` marks assigned points closer than ``boundary_m`` metres (default 5 m) to their grid's
boundary (measured with the local ellipsoidal metres-per-degree at the point; snapped points use their
snap distance), so a supervisor can confirm the grid.

How it is fast: a two-level lookup raster (:mod:`geo.domain.grid_raster`) answers most points by one or two array
lookups; only points in cells a boundary passes through are tested exactly (``shapely.intersects_xy`` on
prepared grids, candidates in ascending position, two threads), only points in the ``boundary_m`` band get a
distance computation, and only points outside every grid reach the nearest-grid search. The raster keeps
fine cells only where a boundary comes near, so its memory follows the boundary length, not the area.

Caching: an index depends only on the grid geometries, their order and ``snap_m``/``boundary_m``/
``cell_m``/``metric_crs``; build one per grid layout version (≈ 0.2 s for 435 grids, ≈ 0.7 s for 10,000,
≈ 5 s for 40,000 over 6,400 km²; its arrays ≈ 1.4 MB, 5.6 MB and 53 MB, see :attr:`GridIndex.nbytes`) and
reuse it — it is immutable and safe to share between threads. It holds a thread pool, so cache it as a
resource (``st.cache_resource``), not as pickled data.

Building footprints use the same snapping code: :class:`geo.domain.nearest.FootprintIndex` (re-exported here).
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike

from geo.domain.crs import DEFAULT_METRIC_CRS
from geo.domain.grid_raster import (
    BAND,
    CROSSING,
    GROUP_SHIFT,
    MIXED_BASE,
    OUTSIDE,
    LookupRaster,
    degree_reach,
    metres_per_degree,
)  # fmt: skip
from geo.domain.grid_raster_build import build_raster
from geo.domain.nearest import FootprintIndex, MetricNearest, nearest_within

__all__ = ["Assignment", "FootprintIndex", "GridIndex", "nearest_within"]

_PARALLEL_MIN = 100_000  # below this many points, threads cost more than they save


@dataclass(frozen=True)
class Assignment:
    """Per point: ``grid`` position (-1 unassigned), ``snapped``, ``near_boundary``, ``distance_m``."""

    grid: np.ndarray  # int64
    snapped: np.ndarray  # bool: outside every grid, given the nearest within snap_m
    near_boundary: np.ndarray  # bool: within boundary_m of the assigned grid's boundary
    distance_m: np.ndarray  # float: 0 inside, the snap distance when snapped, NaN when unassigned


class GridIndex:
    """Point-to-grid assignment for one grid layout (see the module docstring for the rules)."""

    def __init__(
        self,
        geoms,
        ids=None,
        *,
        snap_m: float = 30.0,
        boundary_m: float = 5.0,
        cell_m: float = 10.0,
        metric_crs: str = DEFAULT_METRIC_CRS,
        workers: int = 2,
    ) -> None:
        """``geoms``: valid Polygons/MultiPolygons in EPSG:4326, sorted by grid code; ``ids``: their codes."""
        self.geoms = _checked_geoms(geoms)
        self.ids = np.arange(self.geoms.size) if ids is None else np.asarray(ids)
        if self.ids.shape != self.geoms.shape:
            raise ValueError(f"{self.ids.size} ids for {self.geoms.size} grids; give one id per grid")
        if not cell_m > 0 or cell_m < boundary_m:
            raise ValueError(f"cell_m={cell_m} is smaller than boundary_m={boundary_m}; use cell_m >= it")
        self.snap_m, self.boundary_m, self.workers = float(snap_m), float(boundary_m), int(workers)
        _prepare_for_threads(self.geoms)
        self._raster: LookupRaster = build_raster(self.geoms, cell_m, boundary_m)
        self._nearest = MetricNearest(self.geoms, metric_crs)
        xmin, ymin, xmax, ymax = shapely.total_bounds(self.geoms)
        reach_x, reach_y = degree_reach(ymin, ymax, self.snap_m)
        self._snap_box = (xmin - reach_x, ymin - reach_y, xmax + reach_x, ymax + reach_y)
        self._pool = ThreadPoolExecutor(self.workers) if self.workers > 1 else None

    def assign(self, lon: ArrayLike, lat: ArrayLike) -> Assignment:
        """Assign 1-D arrays of WGS84 longitudes and latitudes to grids (vectorised; NaN gives -1)."""
        lon = np.ravel(np.asarray(lon, dtype=float))
        lat = np.ravel(np.asarray(lat, dtype=float))
        if lon.shape != lat.shape:
            raise ValueError(f"lon has {lon.size} values and lat {lat.size}; give one lat per lon")
        if self._pool is not None and lon.size >= _PARALLEL_MIN:
            chunks = np.array_split(np.arange(lon.size), self.workers)
            parts = list(self._pool.map(lambda c: self._covering(lon[c], lat[c]), chunks))
            grid, near = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        else:
            grid, near = self._covering(lon, lat)
        distance = np.where(grid >= 0, 0.0, np.nan)
        snapped = np.zeros(lon.shape, dtype=bool)
        outside = np.flatnonzero((grid < 0) & self._within_snap_box(lon, lat))
        if outside.size:
            pos, dist = self._nearest.query(lon[outside], lat[outside], self.snap_m)
            grid[outside], distance[outside], snapped[outside] = pos, dist, pos >= 0
            near[outside] = dist < self.boundary_m  # NaN compares False
        return Assignment(grid, snapped, near, distance)

    @property
    def nbytes(self) -> int:
        """Bytes of the index's lookup arrays; the GEOS prepared grids and the metric STRtree come on top
        (≈ 45 MB at 40,000 Voronoi grids)."""
        return self._raster.nbytes

    def _within_snap_box(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """False for points that cannot be within snap_m of any grid (and for NaN): no search needed."""
        x0, y0, x1, y1 = self._snap_box
        return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)

    def ids_of(self, positions: ArrayLike) -> np.ndarray:
        """Grid ids for positions from :meth:`assign`; None where the position is -1."""
        positions = np.asarray(positions)
        out = np.full(positions.shape, None, dtype=object)
        hit = positions >= 0
        out[hit] = self.ids[positions[hit]]
        return out

    def _covering(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rules 1–2 (the lowest covering grid, or -1) and the near-boundary flag; thread-safe."""
        codes, cell = self._raster.locate(lon, lat)
        grid = np.maximum(codes, OUTSIDE).astype(np.int64)  # pure blocks and off-raster points are done
        near = np.zeros(lon.shape, dtype=bool)
        mixed = np.flatnonzero(codes <= MIXED_BASE)
        if mixed.size:
            block = (MIXED_BASE - codes[mixed]).astype(np.int64)
            grid[mixed], near[mixed] = self._resolve_mixed(lon[mixed], lat[mixed], block, cell[mixed])
        return grid, near

    def _resolve_mixed(
        self, lon: np.ndarray, lat: np.ndarray, block: np.ndarray, cell: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Grid and near flag of points in mixed blocks: the fine cell's grid, or exact tests if crossing."""
        raster = self._raster
        fine = raster.fine_codes(block, cell)
        local = fine >> GROUP_SHIFT
        group = np.where(local > 0, raster.group_start[block] + local - 1, -1)
        crossing = np.flatnonzero(fine & CROSSING)
        if crossing.size:
            stop = raster.group_start[block[crossing] + 1]
            group[crossing] = self._lowest_covering(lon[crossing], lat[crossing], group[crossing], stop)
        grid = np.where(group >= 0, raster.group_grid[np.maximum(group, 0)], -1)
        near = np.zeros(lon.shape, dtype=bool)
        check = np.flatnonzero((fine & BAND).astype(bool) & (group >= 0))
        if check.size:
            near[check] = self._near_own_boundary(lon[check], lat[check], group[check])
        return grid, near

    def _lowest_covering(
        self, lon: np.ndarray, lat: np.ndarray, first: np.ndarray, stop: np.ndarray
    ) -> np.ndarray:
        """The first group in [first, stop) whose grid covers each point (groups ascend by grid), or -1."""
        group_grid = self._raster.group_grid
        found = np.full(lon.shape, -1, dtype=np.int64)
        group = first.astype(np.int64)
        todo = np.flatnonzero(group < stop)
        while todo.size:  # each round tests every unresolved point's next candidate
            cand = group[todo]
            hit = shapely.intersects_xy(self.geoms[group_grid[cand]], lon[todo], lat[todo])
            found[todo[hit]] = cand[hit]
            group[todo] += 1
            todo = todo[~hit & (group[todo] < stop[todo])]
        return found

    def _near_own_boundary(self, lon: np.ndarray, lat: np.ndarray, group: np.ndarray) -> np.ndarray:
        """Whether each point is within boundary_m of a segment of its group's grid near the block."""
        raster = self._raster
        start = raster.seg_start[group].astype(np.int64)
        count = raster.seg_start[group + 1] - start
        point = np.repeat(np.arange(lon.size), count)
        vertex = raster.seg_vertex[np.repeat(start - np.cumsum(count) + count, count) + np.arange(point.size)]
        kx_all, ky_all = metres_per_degree(lat)  # once per point, not per (point, segment) pair
        kx, ky, px, py = kx_all[point], ky_all[point], lon[point], lat[point]
        ax, ay = (raster.vx[vertex] - px) * kx, (raster.vy[vertex] - py) * ky
        bx, by = (raster.vx[vertex + 1] - px) * kx, (raster.vy[vertex + 1] - py) * ky
        ex, ey = bx - ax, by - ay
        length2 = ex * ex + ey * ey
        t = np.clip(-(ax * ex + ay * ey) / np.where(length2 > 0, length2, 1.0), 0.0, 1.0)
        cx, cy = ax + t * ex, ay + t * ey
        close = cx * cx + cy * cy < self.boundary_m**2
        near = np.zeros(lon.shape, dtype=bool)
        near[point[close]] = True
        return near


def _prepare_for_threads(geoms: np.ndarray) -> None:
    """Prepare the grids and use each once, single-threaded, before any worker thread touches them.

    GEOS builds a prepared polygon's point locator lazily on first use, and that first use is not
    thread-safe (libgeos/geos#825; georust/geos#95 works around it the same way).
    """
    shapely.prepare(geoms)
    xmin, ymin, xmax, ymax = shapely.bounds(geoms).T
    shapely.intersects_xy(geoms, (xmin + xmax) / 2.0, (ymin + ymax) / 2.0)


def _checked_geoms(geoms) -> np.ndarray:
    """Object array of the grids; refuses anything but valid, non-empty Polygons and MultiPolygons."""
    arr = np.asarray(geoms, dtype=object).ravel()
    if arr.size == 0:
        raise ValueError("no grids given; a GridIndex needs at least one Polygon or MultiPolygon")
    types = shapely.get_type_id(arr)
    bad_type = np.flatnonzero((types != 3) & (types != 6))
    if bad_type.size:
        raise ValueError(
            f"grid positions {bad_type[:10].tolist()} are not Polygon/MultiPolygon "
            f"(the first is {getattr(arr[bad_type[0]], 'geom_type', type(arr[bad_type[0]]).__name__)}); "
            "expected Polygon or MultiPolygon"
        )
    bad = np.flatnonzero(~shapely.is_valid(arr) | shapely.is_empty(arr))
    if bad.size:
        raise ValueError(
            f"grid positions {bad[:10].tolist()} are invalid or empty; repair them first "
            "(shapely.make_valid(..., method='structure'))"
        )
    return arr
