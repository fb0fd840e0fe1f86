"""The lookup raster behind :class:`geo.domain.grid_index.GridIndex`: the grid covering each small cell, two-level.

The grids' bounding box is cut into small *fine* cells (``cell_m``, 10 m by default) grouped in square
*blocks* of ``k × k`` fine cells. A fine cell is
- *pure*: no grid boundary comes within ``boundary_m`` of it, so every point in it lies in the same grids
  and none is near a boundary;
- *band*: a boundary passes within ``boundary_m`` of it;
- *crossing* (also band): a boundary passes through it, so its points are tested exactly.

A block whose fine cells are all pure is itself pure and stores one int32: the lowest grid position covering
it, or ``OUTSIDE``. Only *mixed* blocks (those a boundary comes near) keep their fine cells, as small unsigned
codes that point into the block's own short list of grids (its *groups*, ascending positions); each group
lists the segments of its grid's boundary within reach of the block's band cells. So the memory grows with
the boundary length and the number of grids, not with the area: for 40,000 grids over 6,400 km² the arrays
take ≈ 55 MB and the build peaks at ≈ 0.15 GB, where a dense 10 m raster with per-cell lists took ≈ 0.3 GB
and peaked at ≈ 2 GB (bench/RESULTS.md).

Why this is exact: points are mapped to fine cells with the same monotone float expression used to mark the
cells every boundary piece touches, so a point lying on a boundary always lands in a crossing cell; a cell
(or block) no boundary touches is a connected set with one membership, read at a fine cell's centre (at
least half a cell from every boundary, so the scanline fill there is robust). A crossing cell's block
lists every grid whose boundary touches the cell and every grid covering its centre, so testing the block's
groups in ascending order, from the cell's lowest candidate, finds the lowest covering grid. How it is
built: :mod:`geo.domain.grid_raster_build`.
"""

from dataclasses import dataclass, fields

import numpy as np

OUTSIDE = -1
#: Block codes <= MIXED_BASE are mixed blocks: code = MIXED_BASE - mixed block index.
MIXED_BASE = -2
#: Fine code bits: a boundary passes within boundary_m of the cell (BAND) or through it (CROSSING).
BAND, CROSSING = 1, 2
#: Fine code >> GROUP_SHIFT: 0 for outside every grid, else 1 + the block's group of the cell's grid
#: (for a crossing cell: of its lowest candidate, where the exact tests start).
GROUP_SHIFT = 2


@dataclass(frozen=True)
class LookupRaster:
    x0: float
    y0: float
    dx: float  # fine cell width, degrees of longitude
    dy: float  # fine cell height, degrees of latitude
    shift: int  # blocks are k × k fine cells, k = 2 ** shift
    ncols: int  # blocks per row
    nrows: int  # block rows
    blocks: np.ndarray  # int32 per block (grid position, OUTSIDE, or MIXED_BASE - mixed index), then OUTSIDE
    fine: np.ndarray  # (mixed blocks, k * k) unsigned fine codes, row-major within the block
    group_start: np.ndarray  # per mixed block + 1: CSR into group_grid
    group_grid: np.ndarray  # int32 grid positions, ascending within each block
    seg_start: np.ndarray  # per group + 1: CSR into seg_vertex
    seg_vertex: np.ndarray  # int32: the group's boundary segments within reach; segment j is vertex j → j + 1
    vx: np.ndarray  # ring vertex longitudes
    vy: np.ndarray  # ring vertex latitudes

    @property
    def k(self) -> int:
        return 1 << self.shift

    @property
    def nbytes(self) -> int:
        """Bytes held in the raster's arrays."""
        arrays = (getattr(self, f.name) for f in fields(self))
        return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Block code and fine cell (row-major within its block) of each point.

        Off the raster and for NaN coordinates: block code ``OUTSIDE`` (the sentinel after the last block).
        """
        k, shift = self.k, self.shift
        with np.errstate(over="ignore", invalid="ignore"):
            fx = (lon - self.x0) / self.dx
            fy = (lat - self.y0) / self.dy
        on = (fx >= 0) & (fx < self.ncols * k) & (fy >= 0) & (fy < self.nrows * k)
        col = np.where(on, fx, 0.0).astype(np.int64)
        row = np.where(on, fy, 0.0).astype(np.int64)
        block = np.where(on, (row >> shift) * self.ncols + (col >> shift), -1)
        return self.blocks.take(block), ((row & (k - 1)) << shift) | (col & (k - 1))

    def fine_codes(self, mixed: np.ndarray, cell: np.ndarray) -> np.ndarray:
        """Fine code of each (mixed block index, fine cell within the block), as int64."""
        return self.fine.reshape(-1).take(mixed * (1 << 2 * self.shift) + cell).astype(np.int64)


def metres_per_degree(lat) -> tuple[np.ndarray, np.ndarray]:
    """Metres per degree of longitude and of latitude at ``lat`` on the WGS84 ellipsoid."""
    a, e2 = 6378137.0, 0.00669437999014
    phi = np.radians(lat)
    w = 1.0 - e2 * np.sin(phi) ** 2
    per_rad_lat = a * (1.0 - e2) / w**1.5
    per_rad_lon = a * np.cos(phi) / np.sqrt(w)
    return per_rad_lon * np.pi / 180.0, per_rad_lat * np.pi / 180.0


def degree_reach(ymin: float, ymax: float, metres: float, eps_deg: float = 1e-9) -> tuple[float, float]:
    """Degrees of longitude and latitude that surely cover ``metres`` anywhere between two latitudes."""
    lat_far = max(abs(ymin), abs(ymax))  # where a metre is the most degrees of longitude
    kx_min, _ = metres_per_degree(min(lat_far + 0.01, 89.0))
    _, ky_min = metres_per_degree(0.0)  # a degree of latitude is shortest at the equator
    return float(1.01 * metres / kx_min + eps_deg), float(1.01 * metres / ky_min + eps_deg)
