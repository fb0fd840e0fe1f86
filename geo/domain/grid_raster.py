"""The lookup raster behind :class:`geo.domain.grid_index.GridIndex`: which grid covers each small cell.

A regular lon/lat raster over the grids' bounding box. Each cell is one of
- *pure*: no grid boundary comes within ``boundary_m`` of the cell, so every point in it lies in the same
  grids (its code is the lowest such grid position, or ``OUTSIDE``), and none is near a boundary;
- *band*: a boundary passes through the cell or within ``boundary_m`` of it. Band cells carry
  the segments within reach (for the near-boundary flag) and, when a boundary passes through the cell
  ("crossing"), the candidate grids to test exactly; otherwise their grid, as for pure cells.

Why this is exact: points are mapped to cells with the same monotone float expression used to mark the
cells every boundary piece touches, so a point lying on a boundary always lands in a crossing cell; a
cell no boundary touches is a connected set with one membership, read at its centre (which is at least
half a cell from every boundary, so the scanline fill there is robust).

All of it is vectorised numpy: a scanline fill of cell centres and an enumeration of the cells around
short pieces of every ring segment; no Python loop over cells or grids.
"""

from dataclasses import dataclass

import numpy as np
import shapely

OUTSIDE = -1
#: Codes <= BAND_BASE are band cells: code = BAND_BASE - band_index.
BAND_BASE = -2
_EPS_DEG = 1e-9  # widen piece boxes by ~0.1 mm against rounding in the interpolated piece ends
_MAX_CELLS = 1 << 25  # ≈ 33 M cells (130 MB of int32); the cell grows beyond that


@dataclass(frozen=True)
class Segments:
    """Every ring segment of every grid (lon/lat), with the position of the grid it bounds."""

    x1: np.ndarray
    y1: np.ndarray
    x2: np.ndarray
    y2: np.ndarray
    owner: np.ndarray


@dataclass(frozen=True)
class LookupRaster:
    x0: float
    y0: float
    dx: float  # cell width, degrees of longitude
    dy: float  # cell height, degrees of latitude
    ncols: int
    nrows: int
    codes: np.ndarray  # int32 per cell: grid position, OUTSIDE, or a band code
    band_grid: np.ndarray  # per band cell: the grid of a non-crossing cell (or OUTSIDE)
    band_crossing: np.ndarray  # per band cell: a boundary passes through it
    cand_start: np.ndarray  # per band cell: CSR into cand_grid (ascending grid positions)
    cand_grid: np.ndarray
    seg_start: np.ndarray  # per band cell: CSR into seg_index (segments within boundary_m)
    seg_index: np.ndarray
    segments: Segments

    def cells_of(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Flat cell index of each point, -1 off the raster or for NaN coordinates."""
        with np.errstate(over="ignore", invalid="ignore"):
            fx = (lon - self.x0) / self.dx
            fy = (lat - self.y0) / self.dy
        on = (fx >= 0) & (fx < self.ncols) & (fy >= 0) & (fy < self.nrows)
        cells = np.full(lon.shape, -1, dtype=np.int64)
        cells[on] = fy[on].astype(np.int64) * self.ncols + fx[on].astype(np.int64)
        return cells


def metres_per_degree(lat) -> tuple[np.ndarray, np.ndarray]:
    """Metres per degree of longitude and of latitude at ``lat`` on the WGS84 ellipsoid."""
    a, e2 = 6378137.0, 0.00669437999014
    phi = np.radians(lat)
    w = 1.0 - e2 * np.sin(phi) ** 2
    per_rad_lat = a * (1.0 - e2) / w**1.5
    per_rad_lon = a * np.cos(phi) / np.sqrt(w)
    return per_rad_lon * np.pi / 180.0, per_rad_lat * np.pi / 180.0


def degree_reach(ymin: float, ymax: float, metres: float) -> tuple[float, float]:
    """Degrees of longitude and latitude that surely cover ``metres`` anywhere between two latitudes."""
    lat_far = max(abs(ymin), abs(ymax))  # where a metre is the most degrees of longitude
    kx_min, _ = metres_per_degree(min(lat_far + 0.01, 89.0))
    _, ky_min = metres_per_degree(0.0)  # a degree of latitude is shortest at the equator
    return float(1.01 * metres / kx_min + _EPS_DEG), float(1.01 * metres / ky_min + _EPS_DEG)


def ring_segments(geoms: np.ndarray) -> Segments:
    """All exterior and interior ring segments of (multi)polygons, tagged with their grid position."""
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    same_ring = coord_ring[:-1] == coord_ring[1:]
    start = np.flatnonzero(same_ring)
    owner = part_owner[ring_part[coord_ring[start]]].astype(np.int32)
    return Segments(coords[start, 0], coords[start, 1], coords[start + 1, 0], coords[start + 1, 1], owner)


def build_raster(geoms: np.ndarray, cell_m: float, boundary_m: float) -> LookupRaster:
    """Rasterise valid (multi)polygons in lon/lat; see the module docstring."""
    segs = ring_segments(geoms)
    frame = _frame(geoms, cell_m, boundary_m)
    x0, y0, dx, dy, ncols, nrows, reach_x, reach_y = frame
    cover_cells, cover_grids = _scanline_cover(segs, x0, y0, dx, dy, ncols, nrows)
    ncells = ncols * nrows
    label = np.full(ncells, np.iinfo(np.int32).max, dtype=np.int32)
    np.minimum.at(label, cover_cells, cover_grids)
    label[label == np.iinfo(np.int32).max] = OUTSIDE

    touch_cells, touch_segs = _cells_near_pieces(segs, x0, y0, dx, dy, ncols, nrows, 0.0, 0.0)
    band_cells, band_segs = _cells_near_pieces(segs, x0, y0, dx, dy, ncols, nrows, reach_x, reach_y)
    crossing = np.zeros(ncells, dtype=bool)
    crossing[touch_cells] = True
    in_band = np.zeros(ncells, dtype=bool)
    in_band[band_cells] = True
    in_band |= crossing

    band_ids = np.flatnonzero(in_band)
    band_of_cell = np.full(ncells, -1, dtype=np.int64)
    band_of_cell[band_ids] = np.arange(band_ids.size)
    codes = label.copy()
    codes[band_ids] = (BAND_BASE - np.arange(band_ids.size)).astype(np.int32)

    from_cover = crossing[cover_cells]
    cand_start, cand_grid = _csr(
        band_of_cell[np.concatenate([touch_cells, cover_cells[from_cover]])],
        np.concatenate([segs.owner[touch_segs], cover_grids[from_cover]]),
        band_ids.size,
    )
    seg_start, seg_index = _csr(band_of_cell[band_cells], band_segs, band_ids.size)
    return LookupRaster(
        x0, y0, dx, dy, ncols, nrows, codes, label[band_ids], crossing[band_ids],
        cand_start, cand_grid, seg_start, seg_index, segs,
    )  # fmt: skip


def _frame(geoms: np.ndarray, cell_m: float, boundary_m: float):
    """Origin, cell size in degrees and the degree reach of ``boundary_m`` (conservative)."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    reach_x, reach_y = degree_reach(ymin, ymax, boundary_m)
    kx_mid, ky_mid = metres_per_degree((ymin + ymax) / 2.0)
    dx, dy = cell_m / kx_mid, cell_m / ky_mid
    x0, y0 = xmin - 2 * dx - reach_x, ymin - 2 * dy - reach_y
    width, height = xmax + 2 * dx + reach_x - x0, ymax + 2 * dy + reach_y - y0
    grow = max(1.0, np.sqrt(width * height / (dx * dy) / _MAX_CELLS))
    dx, dy = dx * grow, dy * grow
    ncols, nrows = int(np.ceil(width / dx)), int(np.ceil(height / dy))
    return float(x0), float(y0), float(dx), float(dy), ncols, nrows, reach_x, reach_y


def _scanline_cover(segs: Segments, x0, y0, dx, dy, ncols, nrows) -> tuple[np.ndarray, np.ndarray]:
    """(cell, grid) for every cell whose centre lies inside a grid, by an even-odd scanline fill."""
    ylo, yhi = np.minimum(segs.y1, segs.y2), np.maximum(segs.y1, segs.y2)
    r0 = np.ceil((ylo - y0) / dy - 0.5).astype(np.int64)  # rows whose centre is in [ylo, yhi)
    r1 = np.ceil((yhi - y0) / dy - 0.5).astype(np.int64)
    seg, row = _expand(r0, r1)
    yc = y0 + (row + 0.5) * dy
    x1, y1, x2, y2 = segs.x1[seg], segs.y1[seg], segs.x2[seg], segs.y2[seg]
    xc = x1 + (yc - y1) * (x2 - x1) / (y2 - y1)
    grid = segs.owner[seg]
    order = np.lexsort((xc, row, grid))
    grid, row, xc = grid[order[0::2]], row[order[0::2]], (xc[order[0::2]], xc[order[1::2]])
    c0 = np.clip(np.ceil((xc[0] - x0) / dx - 0.5).astype(np.int64), 0, ncols)
    c1 = np.clip(np.ceil((xc[1] - x0) / dx - 0.5).astype(np.int64), 0, ncols)
    span, col = _expand(c0, c1)
    return row[span] * ncols + col, grid[span]


def _cells_near_pieces(segs: Segments, x0, y0, dx, dy, ncols, nrows, reach_x, reach_y):
    """(cell, segment) for every cell within reach of a segment, by pieces at most one cell long."""
    n_pieces = np.maximum(
        1, np.ceil(np.maximum(np.abs(segs.x2 - segs.x1) / dx, np.abs(segs.y2 - segs.y1) / dy))
    ).astype(np.int64)
    seg, k = _expand(np.zeros_like(n_pieces), n_pieces)
    t0, t1 = k / n_pieces[seg], (k + 1) / n_pieces[seg]
    xa, xb = _lerp(segs.x1[seg], segs.x2[seg], t0), _lerp(segs.x1[seg], segs.x2[seg], t1)
    ya, yb = _lerp(segs.y1[seg], segs.y2[seg], t0), _lerp(segs.y1[seg], segs.y2[seg], t1)
    pad_x, pad_y = reach_x + _EPS_DEG, reach_y + _EPS_DEG
    ix0 = np.clip(np.floor((np.minimum(xa, xb) - pad_x - x0) / dx), 0, ncols - 1).astype(np.int64)
    ix1 = np.clip(np.floor((np.maximum(xa, xb) + pad_x - x0) / dx), 0, ncols - 1).astype(np.int64)
    iy0 = np.clip(np.floor((np.minimum(ya, yb) - pad_y - y0) / dy), 0, nrows - 1).astype(np.int64)
    iy1 = np.clip(np.floor((np.maximum(ya, yb) + pad_y - y0) / dy), 0, nrows - 1).astype(np.int64)
    nx = ix1 - ix0 + 1
    piece, flat = _expand(np.zeros_like(nx), nx * (iy1 - iy0 + 1))
    cells = (iy0[piece] + flat // nx[piece]) * ncols + ix0[piece] + flat % nx[piece]
    key = _sorted_unique(cells * segs.owner.size + seg[piece])
    return key // segs.owner.size, key % segs.owner.size


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    # Exact at both ends (t = 0 gives a, t = 1 gives b), so pieces meet the segment's own vertices.
    return np.where(t >= 1.0, b, a + (b - a) * t)


def _expand(start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges [start_i, stop_i): (i, value) for every value in every range, vectorised."""
    lengths = np.maximum(stop - start, 0)
    owner = np.repeat(np.arange(lengths.size), lengths)
    offsets = np.cumsum(lengths) - lengths
    values = np.arange(owner.size) - offsets[owner] + start[owner]
    return owner, values


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    # np.unique's hash path is several times slower than a plain sort for millions of int64 keys.
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if values.size else values


def _csr(rows: np.ndarray, values: np.ndarray, nrows: int) -> tuple[np.ndarray, np.ndarray]:
    """Unique sorted values per row as (start, values); row i owns values[start[i]:start[i + 1]]."""
    width = int(values.max()) + 1 if values.size else 1
    key = _sorted_unique(rows.astype(np.int64) * width + values)
    row = key // width
    start = np.zeros(nrows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=nrows), out=start[1:])
    return start, (key % width).astype(np.int32)
