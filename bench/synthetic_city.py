"""A synthetic city for benchmarks and generated samples: Voronoi grids over a square, denser in the centre.

Real cities cut their centre into small grids (a few hundred households in tower blocks) and the outskirts
into large ones, so half the grid seeds are spread evenly and half gather around the centre. The city is
split into ``districts × districts`` districts by where each grid's seed lies, so district borders follow
grid edges, as they do in a real layout. Everything is deterministic for a given seed.

Used by bench/assign.py (the city scenario) and by tests that need a small city (e.g. 2,000 grids).
"""

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer

CENTRE_LONLAT = (106.8, 39.67)
#: The metric CRS the city is drawn in (CGCS2000 3-degree Gauss–Krüger CM 108E, as geo.domain.crs.DEFAULT_METRIC_CRS).
DRAWING_CRS = "EPSG:4545"


@dataclass(frozen=True)
class SyntheticCity:
    grids: np.ndarray  # Polygons in EPSG:4326, in code order (district, then south to north, west to east)
    district: np.ndarray  # int: the district (0 … districts² - 1, row-major from the south-west) of each grid
    boundary: shapely.Polygon  # the city's outline in EPSG:4326


def city_layout(
    n_grids: int = 40_000,
    size_m: float = 80_000.0,
    *,
    districts: int = 4,
    seed: int = 0,
    centre_lonlat: tuple[float, float] = CENTRE_LONLAT,
) -> SyntheticCity:
    """``n_grids`` Voronoi grids clipped to a ``size_m`` square centred on ``centre_lonlat``."""
    to_metric = Transformer.from_crs("EPSG:4326", DRAWING_CRS, always_xy=True)
    cx, cy = to_metric.transform(*centre_lonlat)
    half = size_m / 2.0
    square = shapely.box(cx - half, cy - half, cx + half, cy + half)
    seeds = _seeds(n_grids, cx, cy, half, np.random.default_rng(seed))
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=square, ordered=True)
    cells = shapely.intersection(shapely.get_parts(cells), square)
    column = np.minimum(((seeds[:, 0] - (cx - half)) / size_m * districts).astype(int), districts - 1)
    row = np.minimum(((seeds[:, 1] - (cy - half)) / size_m * districts).astype(int), districts - 1)
    district = row * districts + column
    order = np.lexsort((seeds[:, 0], seeds[:, 1], district))
    to_lonlat = Transformer.from_crs(DRAWING_CRS, "EPSG:4326", always_xy=True)
    grids = shapely.transform(cells[order], to_lonlat.transform, interleaved=False)
    boundary = shapely.transform(square, to_lonlat.transform, interleaved=False)
    return SyntheticCity(grids, district[order], boundary)


def _seeds(n: int, cx: float, cy: float, half: float, rng: np.random.Generator) -> np.ndarray:
    """Half the seeds uniform over the square, half Gaussian around the centre (σ = a sixth of its side)."""
    uniform = rng.uniform(-half, half, (n - n // 2, 2))
    central = np.empty((0, 2))
    while central.shape[0] < n // 2:
        draw = rng.normal(0.0, half / 3.0, (n, 2))
        central = np.r_[central, draw[(np.abs(draw) < half).all(axis=1)]]
    return np.r_[uniform, central[: n // 2]] + (cx, cy)


def city_points(city: SyntheticCity, m: int, seed: int, clusters: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Case-like points over a city: clusters centred in randomly chosen grids, so cases follow the grids
    (each grid holds about as many households), denser in the centre like the grids themselves."""
    rng = np.random.default_rng(seed)
    chosen = city.grids[rng.choice(city.grids.size, clusters, replace=False)]
    centres = shapely.get_coordinates(shapely.point_on_surface(chosen))
    return clustered_points(m, city.boundary, seed + 1, clusters, centres=centres)


def clustered_points(
    m: int,
    boundary: shapely.Polygon,
    seed: int,
    clusters: int = 80,
    *,
    centres: np.ndarray | None = None,
    k_lonlat: tuple[float, float] = (85_600.0, 111_000.0),
) -> tuple[np.ndarray, np.ndarray]:
    """Case-like lon/lat points inside ``boundary``: 85 % in Gaussian clusters (σ 150–1,200 m), 15 % uniform.

    Cluster centres are ``centres`` (lon/lat, one row per cluster) or uniform over the boundary's box.
    ``k_lonlat`` is metres per degree of longitude and latitude (the defaults hold near 39.67 N); it only
    shapes the clusters.
    """
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = boundary.bounds
    if centres is None:
        centres = np.c_[rng.uniform(xmin, xmax, clusters), rng.uniform(ymin, ymax, clusters)]
    sigma = rng.uniform(150.0, 1_200.0, clusters)
    lon, lat = np.empty(0), np.empty(0)
    while lon.size < m:
        n = 2 * m
        which = rng.integers(0, clusters, n)
        x = centres[which, 0] + rng.normal(0, 1, n) * sigma[which] / k_lonlat[0]
        y = centres[which, 1] + rng.normal(0, 1, n) * sigma[which] / k_lonlat[1]
        uniform = rng.random(n) < 0.15
        x[uniform], y[uniform] = (
            rng.uniform(xmin, xmax, uniform.sum()),
            rng.uniform(ymin, ymax, uniform.sum()),
        )
        inside = shapely.contains_xy(boundary, x, y)
        lon, lat = np.r_[lon, x[inside]], np.r_[lat, y[inside]]
    return lon[:m], lat[:m]
