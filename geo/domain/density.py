"""Where points are dense, below the grid level: counts per H3 cell and a kernel density raster for a heat layer.

Both take raw lon/lat arrays (WGS84) and return small results a map can draw: a few thousand hexagons or
an image of a few hundred pixels a side, instead of a million points (23–41 MB on the wire).
"""

from __future__ import annotations

import math
from functools import lru_cache
from itertools import repeat

import geopandas as gpd
import h3
import h3.api.basic_int as h3_int
import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy import ndimage
from shapely.geometry import Polygon

from geo.domain.crs import DEFAULT_METRIC_CRS, STORAGE_CRS

#: Coordinates are rounded to this many decimals (≈ 1 m) before the per-point H3 lookup; cases geocoded to
#: the same address then cost one lookup. A point within ~1 m of a cell edge may land in the neighbour cell.
DEDUP_DECIMALS = 5
#: A kernel density raster larger than this many pixels is refused (pick a larger cell_m).
MAX_RASTER_CELLS = 4_000_000
_METRES_PER_DEGREE_LAT = 110_574.0
_METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0


# ------------------------------------------------------------------------------------------------- H3


def h3_counts(lon: np.ndarray, lat: np.ndarray, resolution: int = 9) -> pd.DataFrame:
    """Points per H3 cell: columns cell (h3 string id), count, lon, lat (cell centre), sorted by cell.

    Points with a missing or out-of-range coordinate are dropped, so ``count`` sums to the number of valid
    points. h3's lookup is a Python call per point (≈ 0.6–0.8 s per million distinct points); coordinates
    are first deduplicated at ``DEDUP_DECIMALS`` so repeated addresses are looked up once.
    """
    if not (isinstance(resolution, int | np.integer) and 0 <= resolution <= 15):
        raise ValueError(f"resolution must be an integer H3 resolution 0..15, got {resolution!r}")
    x, y = _valid_points(lon, lat)
    if x.size == 0:
        return pd.DataFrame({"cell": pd.Series([], dtype=object), "count": np.zeros(0, np.int64),
                             "lon": np.zeros(0), "lat": np.zeros(0)})  # fmt: skip
    ux, uy, weight = _dedup(x, y)
    cells = np.fromiter(
        map(h3_int.latlng_to_cell, uy.tolist(), ux.tolist(), repeat(int(resolution))),
        dtype=np.uint64, count=ux.size,
    )  # fmt: skip
    unique_cells, inverse = np.unique(cells, return_inverse=True)
    counts = np.bincount(inverse, weights=weight, minlength=unique_cells.size).astype(np.int64)
    ids = [h3.int_to_str(int(c)) for c in unique_cells]
    centres = np.array([h3.cell_to_latlng(c) for c in ids], dtype=float).reshape(-1, 2)
    table = pd.DataFrame({"cell": ids, "count": counts, "lon": centres[:, 1], "lat": centres[:, 0]})
    return table.sort_values("cell", kind="stable").reset_index(drop=True)


def h3_polygons(cells) -> gpd.GeoDataFrame:
    """Cell boundary polygons (column cell + geometry) in EPSG:4326, x = lon, y = lat.

    h3 returns boundaries as (lat, lng) pairs; they are swapped here so the geometry is lon/lat like every
    other layer.
    """
    ids = [str(c) for c in cells]
    bad = [c for c in ids if not h3.is_valid_cell(c)]
    if bad:
        raise ValueError(f"not H3 cell ids: {bad[:5]} (expected strings like '8931aa4c6a3ffff')")
    polygons = [Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]) for c in ids]
    return gpd.GeoDataFrame({"cell": ids}, geometry=polygons, crs=STORAGE_CRS)


def _valid_points(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(lon, dtype=float).ravel()
    y = np.asarray(lat, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"lon ({x.size}) and lat ({y.size}) must have the same length")
    ok = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)
    return x[ok], y[ok]


def _dedup(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct coordinates rounded to DEDUP_DECIMALS (lon, lat) and how many points each stands for."""
    scale = 10.0**DEDUP_DECIMALS
    rows = np.int64(round(181 * scale))  # iy < rows, so ix * rows + iy is unique per (ix, iy)
    key = np.round((x + 180.0) * scale).astype(np.int64) * rows + np.round((y + 90.0) * scale).astype(
        np.int64
    )
    unique, weight = np.unique(key, return_counts=True)  # a plain sort: cheaper than keeping an index
    return unique // rows / scale - 180.0, unique % rows / scale - 90.0, weight


# --------------------------------------------------------------------------------------- kernel density


def kernel_density(
    lon: np.ndarray,
    lat: np.ndarray,
    bbox: tuple[float, float, float, float],
    cell_m: float = 100,
    bandwidth_m: float = 300,
    metric_crs: str = DEFAULT_METRIC_CRS,
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Gaussian kernel density of points, in points per km², on an image covering ``bbox``.

    ``bbox`` and the returned bounds are (west, south, east, north) in degrees; the bounds equal ``bbox``.
    The array (float32) is ready for an image overlay: row 0 is the north edge, column 0 the west edge,
    pixels equally spaced in lon and lat (about ``cell_m`` on the ground). For folium, pass
    ``bounds=[[south, west], [north, east]]``.

    The density is computed where distances are true: points are binned on a ``cell_m`` raster in
    ``metric_crs``, smoothed with a Gaussian of sd ``bandwidth_m`` (scipy.ndimage.gaussian_filter over the 2D
    histogram) and then sampled at the lon/lat pixel centres. Points up to 4 bandwidths outside bbox count,
    so the edges are not artificially cold.
    """
    west, south, east, north = _checked_bbox(bbox)
    if cell_m <= 0 or bandwidth_m < 0:
        raise ValueError(f"cell_m must be > 0 and bandwidth_m >= 0, got {cell_m} and {bandwidth_m}")
    to_metric = _transformer(metric_crs)
    pad = 4.0 * bandwidth_m + cell_m
    mx0, my0, mx1, my1 = to_metric.transform_bounds(west, south, east, north, densify_pts=21)
    origin = (mx0 - pad, my0 - pad)
    shape = (math.ceil((my1 - my0 + 2 * pad) / cell_m), math.ceil((mx1 - mx0 + 2 * pad) / cell_m))
    out_shape = _image_shape(west, south, east, north, cell_m)
    if shape[0] * shape[1] > MAX_RASTER_CELLS or out_shape[0] * out_shape[1] > MAX_RASTER_CELLS:
        raise ValueError(f"bbox {bbox} at cell_m={cell_m} needs too many pixels; use a larger cell_m")
    x, y = _valid_points(lon, lat)
    mx, my = to_metric.transform(x, y)
    density = _smoothed_histogram(mx, my, origin, shape, cell_m, bandwidth_m)
    image = _sample_on_lonlat(density, origin, cell_m, (west, south, east, north), out_shape, to_metric)
    return image.astype(np.float32), (west, south, east, north)


def _checked_bbox(bbox) -> tuple[float, float, float, float]:
    west, south, east, north = (float(v) for v in bbox)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValueError(
            f"bbox must be (west, south, east, north) in degrees with west < east, south < north; got {bbox}"
        )
    return west, south, east, north


@lru_cache(maxsize=4)
def _transformer(target: str) -> Transformer:
    return Transformer.from_crs(STORAGE_CRS, target, always_xy=True)


def _image_shape(west: float, south: float, east: float, north: float, cell_m: float) -> tuple[int, int]:
    mid_lat = math.radians((south + north) / 2)
    deg_lon = cell_m / (_METRES_PER_DEGREE_LON_AT_EQUATOR * max(math.cos(mid_lat), 1e-6))
    deg_lat = cell_m / _METRES_PER_DEGREE_LAT
    return max(1, round((north - south) / deg_lat)), max(1, round((east - west) / deg_lon))


def _smoothed_histogram(mx, my, origin, shape, cell_m, bandwidth_m) -> np.ndarray:
    rows, cols = shape
    extent = [[origin[1], origin[1] + rows * cell_m], [origin[0], origin[0] + cols * cell_m]]
    hist, _, _ = np.histogram2d(my, mx, bins=[rows, cols], range=extent)  # row 0 = south
    if bandwidth_m > 0:
        hist = ndimage.gaussian_filter(hist, sigma=bandwidth_m / cell_m, mode="constant", truncate=4.0)
    return hist / (cell_m * cell_m / 1e6)  # points per km²


def _sample_on_lonlat(density, origin, cell_m, bounds, out_shape, to_metric) -> np.ndarray:
    west, south, east, north = bounds
    rows, cols = out_shape
    lons = west + (np.arange(cols) + 0.5) * (east - west) / cols
    lats = north - (np.arange(rows) + 0.5) * (north - south) / rows  # row 0 = north, as images are drawn
    glon, glat = np.meshgrid(lons, lats)
    mx, my = to_metric.transform(glon.ravel(), glat.ravel())
    r = (np.asarray(my) - origin[1]) / cell_m - 0.5  # fractional pixel index of the histogram raster
    c = (np.asarray(mx) - origin[0]) / cell_m - 0.5
    return ndimage.map_coordinates(density, [r, c], order=1, mode="constant", cval=0.0).reshape(rows, cols)
