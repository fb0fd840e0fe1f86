"""H3 cells as a plane lattice, so that a database counts cases per H3 cell with arithmetic alone.

Why: a city's hotspot study counts ten million cases per H3 cell. h3 looks a point up with one Python call
(≈ 0.8 µs), and sending every case (or every distinct address) out of the database to be looked up costs
seconds before any statistic is run. But within one icosahedron face H3 draws a regular hexagonal lattice on
the face's gnomonic plane, so over a city the map lon/lat → lattice plane is smooth. A polynomial in
(lon − lon0, lat − lat0), fitted to the exact lattice positions of the study's cell centres and corners (from
``h3.cell_to_local_ij``), reproduces it to ``TOLERANCE`` hex units (≈ 9 mm at resolution 8) — checked on
every fit, else there is no lattice (a study across a face edge or near a pentagon) and the caller falls
back to looking points up one by one.

Three families of parallel lines, ``t1 = 2x``, ``t2 = x + √3·y``, ``t3 = −x + √3·y`` at every integer, cut
the plane into small triangles, six per hexagon, and every hexagon edge lies on one of those lines: so the
triangle (floor t1, floor t2, floor t3) of a point decides its cell, with no comparison at all. The database
groups by those three floors (SQL form: ``geo.read.hotspot_sql.packed_key``; ``Lattice.triangles`` is the
numpy twin) and returns about six rows per cell and week instead of one per address; ``Lattice.hexes`` turns
each triangle into its cell's lattice coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

import h3
import numpy as np

#: How far (hex units: centre-to-centre distance 1) the fitted positions may miss the exact ones at the
#: study's cell centres and corners. 1e-5 of a hexagon is ≈ 9 mm at resolution 8, 1.3 mm at 10: far below
#: geocoding precision, where the binning it replaces moved points by up to 7 m. (1e-6 needs a polynomial of
#: degree 4 over a city: 50 % more arithmetic per case.)
TOLERANCE = 1e-5
#: Polynomial degrees tried, lowest first (3 serves the bench city, ≈ 1,400 km² at resolution 8, and its districts).
DEGREES = (3, 4, 5, 6)
SQRT3 = math.sqrt(3.0)
#: The three line families as (coefficient of x, coefficient of y).
_LINES = np.array([[2.0, 0.0], [1.0, SQRT3], [-1.0, SQRT3]])


@dataclass(frozen=True)
class Lattice:
    """The lattice of the H3 cells at ``resolution`` around ``origin``: ``coefficients[m]`` are those of line
    family m's polynomial over ``terms`` (exponents of dx = lon − lon0 and dy = lat − lat0)."""

    resolution: int
    origin: str
    lon0: float
    lat0: float
    terms: tuple[tuple[int, int], ...]
    coefficients: np.ndarray  # (3, len(terms))
    bounds: tuple[float, float, float, float]  # west, south, east, north of the fitted cells
    low: np.ndarray  # (3,) every triangle key of a point within ``bounds`` is ≥ low …
    size: np.ndarray  # (3,) … and < low + size

    def triangles(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """(n, 3) integer triangle keys of points: the numpy twin of the SQL form."""
        design = _design(np.asarray(lon, float) - self.lon0, np.asarray(lat, float) - self.lat0, self.terms)
        return np.floor(design @ self.coefficients.T).astype(np.int64)

    def hexes(self, keys: np.ndarray) -> np.ndarray:
        """(n, 2) lattice coordinates (i, j) of the hexagon holding each triangle ``keys`` (n, 3)."""
        k = np.asarray(keys, dtype=float).reshape(-1, 3)
        upper = k[:, 2] >= k[:, 1] - k[:, 0]  # which of the two triangles of the (t1, t2) rhombus
        t1 = k[:, 0] + np.where(upper, 1 / 3, 2 / 3)  # a point inside the triangle, away from its edges
        t2 = k[:, 1] + np.where(upper, 2 / 3, 1 / 3)
        return nearest_centre(t1 / 2, (t2 - t1 / 2) / SQRT3)

    def cell_hexes(self, cells: Sequence[str]) -> np.ndarray:
        """(n, 2) lattice coordinates (i, j) of H3 cells of this resolution."""
        return np.array([h3.cell_to_local_ij(self.origin, c) for c in cells], dtype=np.int64).reshape(-1, 2)


def plane_centres(ij: np.ndarray) -> np.ndarray:
    """(n, 2) plane positions x, y of lattice centres (i, j): x = i − j/2, y = j·√3/2 (H3's hex2d)."""
    ij = np.asarray(ij, dtype=float).reshape(-1, 2)
    return np.column_stack([ij[:, 0] - ij[:, 1] / 2, ij[:, 1] * SQRT3 / 2])


def nearest_centre(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(i, j) of the lattice centre nearest each plane point: the centres are two rectangular lattices
    (j even: x whole, y/√3 whole; j odd: both half-way), so the nearer of the two candidates wins."""
    ay, by = np.floor(y / SQRT3 + 0.5), np.floor(y / SQRT3)
    ax, bx = np.floor(x + 0.5), np.floor(x)
    a_far = (x - ax) ** 2 + (y - ay * SQRT3) ** 2
    b_far = (x - bx - 0.5) ** 2 + (y - (by + 0.5) * SQRT3) ** 2
    i = np.where(a_far <= b_far, ax + ay, bx + by + 1)
    j = np.where(a_far <= b_far, 2 * ay, 2 * by + 1)
    return np.column_stack([i, j]).astype(np.int64)


def fitted_lattice(cells: Sequence[str], resolution: int) -> Lattice | None:
    """The lattice through ``cells`` (H3 ids at ``resolution``, e.g. a study area) and a ring around them,
    or None where no polynomial of DEGREES reaches TOLERANCE (a face edge or a pentagon in the area)."""
    ring = sorted(set(cells) | {n for c in cells for n in h3.grid_ring(c, 1)})
    if not ring:
        return None
    origin = ring[len(ring) // 2]
    try:
        ij = np.array([h3.cell_to_local_ij(origin, c) for c in ring], dtype=float)
    except h3.H3BaseException:
        return None
    centres = np.array([h3.cell_to_latlng(c) for c in ring])[:, ::-1]
    corners = np.array([h3.cell_to_boundary(c)[:6] for c in ring])[:, :, ::-1]  # (n, 6, lon/lat)
    lon0, lat0 = (float(v) for v in centres.mean(axis=0))
    plane = plane_centres(ij)
    for degree in DEGREES:
        terms = tuple((a, b) for a in range(degree + 1) for b in range(degree + 1 - a))
        rough = _fit(centres, plane, lon0, lat0, terms)  # centres only, to tell which corner is which
        ground = np.vstack([centres, corners.reshape(-1, 2)])
        exact = np.vstack([plane, _snapped(rough(corners.reshape(-1, 2)), plane)])
        fit = _fit(ground, exact, lon0, lat0, terms)
        if np.abs(fit(ground) - exact).max() <= TOLERANCE:
            design = _design(ground[:, 0] - lon0, ground[:, 1] - lat0, terms)
            coefficients = np.linalg.lstsq(design, exact @ _LINES.T, rcond=None)[0].T
            return _bounded(Lattice(resolution, origin, lon0, lat0, terms, coefficients, (0.0, 0.0, 0.0, 0.0),
                                    np.zeros(3, np.int64), np.zeros(3, np.int64)), ground)
    return None


def _bounded(lattice: Lattice, ground: np.ndarray) -> Lattice:
    """``lattice`` with the bounds of ``ground`` (lon/lat points) and the range of triangle keys over them
    (sampled densely; the polynomials are nearly linear, with two keys of margin each side)."""
    west, south = ground.min(axis=0)
    east, north = ground.max(axis=0)
    lon, lat = np.meshgrid(np.linspace(west, east, 101), np.linspace(south, north, 101))
    keys = lattice.triangles(lon.ravel(), lat.ravel())
    low = keys.min(axis=0) - 2
    return replace(lattice, bounds=(float(west), float(south), float(east), float(north)), low=low,
                   size=keys.max(axis=0) - low + 3)


def _fit(ground: np.ndarray, plane: np.ndarray, lon0: float, lat0: float, terms):
    """Least-squares polynomial lon/lat → plane x, y, as a function of (n, 2) lon/lat."""
    design = _design(ground[:, 0] - lon0, ground[:, 1] - lat0, terms)
    coefficients = np.linalg.lstsq(design, plane, rcond=None)[0]
    return lambda points: _design(points[:, 0] - lon0, points[:, 1] - lat0, terms) @ coefficients


def _snapped(rough: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Each corner's exact plane position: of the six corners of its cell's hexagon (1/√3 from the centre at
    30° + k·60°), the one nearest its rough position."""
    angles = np.radians(30.0 + 60.0 * np.arange(6))
    candidates = np.stack([np.cos(angles), np.sin(angles)], axis=1) / SQRT3  # (6, 2)
    own = np.repeat(centres, 6, axis=0)
    offset = rough - own
    best = np.argmin(((offset[:, None, :] - candidates[None, :, :]) ** 2).sum(axis=2), axis=1)
    return own + candidates[best]


def _design(dx: np.ndarray, dy: np.ndarray, terms: tuple[tuple[int, int], ...]) -> np.ndarray:
    return np.column_stack([dx**a * dy**b for a, b in terms])
