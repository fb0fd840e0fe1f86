"""Building the two-level lookup raster of :mod:`geo.domain.grid_raster` from lon/lat (multi)polygons.

The raster is built in horizontal strips of whole block rows, so the build holds dense per-cell arrays for one
strip at a time (≈ 0.5 M fine cells) and keeps only the blocks a boundary comes near. In each strip:
a scanline fill of fine cell centres (which grids cover each centre), an enumeration of the cells around
short pieces of every ring segment (which cells a boundary touches, and which lie within ``boundary_m`` of
one), then the mixed blocks' fine codes, groups and segment lists. All of it is vectorised numpy: no Python
loop over cells, blocks or grids, only over the strips.
"""

from dataclasses import dataclass, fields

import numpy as np
import shapely

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

_EPS_DEG = 1e-9  # widen piece boxes by ~0.1 mm against rounding in the interpolated piece ends
_MAX_FINE_CELLS = 1 << 27  # ≈ 134 M fine cells (13,000 km² at 10 m); the cell grows beyond that
_STRIP_CELLS = 1 << 19  # fine cells per strip, bounding the build's temporary arrays
_CHUNK_PIECES = 1 << 16  # segment pieces per chunk, bounding them where boundaries are dense
_BLOCK_SIDES = (2, 4, 8, 16, 32)  # fine cells per block side to choose from
_NONE = np.iinfo(np.int32).max


@dataclass(frozen=True)
class Segments:
    """Every ring segment of every grid (lon/lat), its grid position and the index of its first vertex."""

    x1: np.ndarray
    y1: np.ndarray
    x2: np.ndarray
    y2: np.ndarray
    owner: np.ndarray
    vertex: np.ndarray


@dataclass(frozen=True)
class Frame:
    x0: float
    y0: float
    dx: float
    dy: float
    k: int
    ncols: int  # blocks
    nrows: int
    reach_x: float
    reach_y: float

    @property
    def fine_cols(self) -> int:
        return self.ncols * self.k


def build_raster(geoms: np.ndarray, cell_m: float, boundary_m: float, k: int | None = None) -> LookupRaster:
    """Rasterise valid (multi)polygons in lon/lat; ``k`` (a power of 2) fixes the block side (default: see
    _block_side)."""
    if k is not None and (k < 2 or k & (k - 1)):
        raise ValueError(f"block side k={k} is not a power of 2 (2, 4, 8, …)")
    vx, vy, segs = ring_segments(geoms)
    frame = _frame(geoms, segs, cell_m, boundary_m, k)
    blocks = np.full(frame.ncols * frame.nrows + 1, OUTSIDE, dtype=np.int32)  # + the off-raster sentinel
    strip_rows = max(1, _STRIP_CELLS // (frame.fine_cols * frame.k))
    parts, mixed_so_far = [], 0
    for row0, strip_segs in _segments_by_strip(segs, frame, strip_rows):
        if strip_segs.owner.size == 0:  # no boundary reaches these rows, so no grid does: all OUTSIDE
            continue
        row1 = min(row0 + strip_rows, frame.nrows)
        codes, part = _strip(strip_segs, frame, row0, row1, geoms.size, vx.size)
        mixed = codes == MIXED_BASE
        codes[mixed] = MIXED_BASE - mixed_so_far - np.arange(mixed.sum(), dtype=np.int32)
        blocks[row0 * frame.ncols : row1 * frame.ncols] = codes
        mixed_so_far += int(mixed.sum())
        parts.append(part)
    return _assemble(frame, blocks, parts, vx, vy)


def _segments_by_strip(segs: Segments, frame: Frame, strip_rows: int):
    """(first block row, the segments that reach it) for every strip of ``strip_rows`` block rows."""
    rows = strip_rows * frame.k
    ylo, yhi = np.minimum(segs.y1, segs.y2), np.maximum(segs.y1, segs.y2)
    first = np.floor((ylo - frame.reach_y - _EPS_DEG - frame.y0) / frame.dy) // rows
    last = np.floor((yhi + frame.reach_y + _EPS_DEG - frame.y0) / frame.dy) // rows
    n_strips = -(-frame.nrows // strip_rows)
    first, stop = (np.clip(v, 0, n_strips).astype(np.int64) for v in (first, last + 1))
    seg, strip = _expand(first, stop)
    order = np.argsort(strip, kind="stable")
    seg, bounds = seg[order], np.searchsorted(strip[order], np.arange(n_strips + 1))
    for i in range(n_strips):
        mine = seg[bounds[i] : bounds[i + 1]]
        yield i * strip_rows, Segments(*(getattr(segs, f.name)[mine] for f in fields(segs)))


def ring_segments(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, Segments]:
    """All ring vertices, and every exterior and interior ring segment tagged with its grid position."""
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    start = np.flatnonzero(coord_ring[:-1] == coord_ring[1:])
    owner = part_owner[ring_part[coord_ring[start]]].astype(np.int32)
    x, y = coords[:, 0].copy(), coords[:, 1].copy()
    return x, y, Segments(x[start], y[start], x[start + 1], y[start + 1], owner, start.astype(np.int32))


def _frame(geoms: np.ndarray, segs: Segments, cell_m: float, boundary_m: float, k: int | None) -> Frame:
    """Origin, fine cell size in degrees, block side and the degree reach of ``boundary_m`` (conservative)."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    reach_x, reach_y = degree_reach(ymin, ymax, boundary_m, _EPS_DEG)
    kx_mid, ky_mid = metres_per_degree((ymin + ymax) / 2.0)
    dx, dy = cell_m / kx_mid, cell_m / ky_mid
    x0, y0 = xmin - 2 * dx - reach_x, ymin - 2 * dy - reach_y
    width, height = xmax + 2 * dx + reach_x - x0, ymax + 2 * dy + reach_y - y0
    grow = max(1.0, np.sqrt(width * height / (dx * dy) / _MAX_FINE_CELLS))
    dx, dy = dx * grow, dy * grow
    fine_cols, fine_rows = int(np.ceil(width / dx)), int(np.ceil(height / dy))
    if k is None:
        length_m = np.hypot((segs.x2 - segs.x1) * kx_mid, (segs.y2 - segs.y1) * ky_mid).sum()
        k = _block_side(
            fine_cols * fine_rows, length_m / (cell_m * grow), segs.owner.size, boundary_m / (cell_m * grow)
        )
    ncols, nrows = -(-fine_cols // k), -(-fine_rows // k)
    return Frame(float(x0), float(y0), float(dx), float(dy), k, ncols, nrows, reach_x, reach_y)


def _block_side(fine_cells: int, length_cells: float, n_segments: int, reach_cells: float) -> int:
    """The block side: small, for speed, as long as the raster stays near its smallest.

    Smaller blocks hold fewer grids and segments each, so a point needs fewer exact tests and a shorter
    segment list for its near-boundary flag. So: the smallest side within 25 % of the fewest estimated
    bytes; and preferably at most four mean segment lengths, which keeps the lists to a handful of segments
    where boundaries have a vertex every few metres — unless that would cost more than twice the fewest
    bytes and 32 MB more (a few small grids far apart).

    Memory estimate: each boundary is shared by two grids, so the lines are half the ring length; lines of
    total length L, widened by the band w, meet ≈ L·(4/π)·(1 + w/k)/k blocks of side k (random orientation),
    and a block is mixed unless none reaches it (Poisson: 1 - e^-λ). A block costs 4 bytes; a mixed one k²
    fine codes of a byte and ≈ 24 + 2k bytes of groups and segment lists (measured on Voronoi layouts).
    """

    def cost(k: int) -> float:
        blocks = fine_cells / k**2
        lines_per_block = length_cells / 2 * 4 / np.pi * (1 + (2 * reach_cells + 1) / k) / k / blocks
        return 4 * blocks + blocks * -np.expm1(-lines_per_block) * (k * k + 24 + 2 * k)

    def smallest_near_best(sides: list[int]) -> int:
        best = min(costs[k] for k in sides)
        return min(k for k in sides if costs[k] <= 1.25 * best)

    costs = {k: cost(k) for k in _BLOCK_SIDES}
    fewest = min(costs.values())
    short = smallest_near_best([k for k in _BLOCK_SIDES if k <= 4 * length_cells / max(n_segments, 1)] or [2])
    if costs[short] <= max(2 * fewest, fewest + (32 << 20)):
        return short
    return smallest_near_best(list(_BLOCK_SIDES))


@dataclass(frozen=True)
class StripCells:
    """What the scanline and the boundary pieces found for each fine cell of one strip."""

    label: np.ndarray  # int32: the lowest grid covering the cell's centre, or _NONE
    first: np.ndarray  # int32: for a crossing cell, its lowest candidate grid
    crossing: np.ndarray  # bool: a boundary passes through the cell
    band: np.ndarray  # bool: a boundary passes within reach
    cand_cells: np.ndarray  # (cell, grid) pairs: the candidates of crossing cells (touching grids and
    cand_grids: np.ndarray  # the grids covering the centre)
    band_cells: np.ndarray  # (cell, segment) pairs: the segments within reach of each band cell
    band_segs: np.ndarray


def _strip(segs: Segments, frame: Frame, row0: int, row1: int, n_grids: int, n_vertices: int):
    """Block codes of block rows [row0, row1) (mixed blocks as MIXED_BASE) and the mixed blocks' data."""
    cells = _strip_cells(segs, frame, row0 * frame.k, row1 * frame.k)
    shape = (row1 - row0, frame.k, frame.ncols, frame.k)  # block row, fine row, block column, fine column
    mixed = cells.band.reshape(shape).any(axis=(1, 3)).ravel()
    codes = np.where(mixed, MIXED_BASE, cells.label.reshape(shape)[:, 0, :, 0].ravel())
    codes[codes == _NONE] = OUTSIDE
    part = _mixed_blocks(cells, segs, frame, np.flatnonzero(mixed), (n_grids, n_vertices))
    return codes.astype(np.int32), part


def _strip_cells(segs: Segments, frame: Frame, a: int, b: int) -> StripCells:
    """Covering grids, boundary contact and candidates of every fine cell in rows [a, b)."""
    cover_cells, cover_grids = _scanline_cover(segs, frame, a, b)
    band_cells, band_segs, touches = _cells_near_pieces(segs, frame, a, b)
    touch_cells, touch_segs = band_cells[touches], band_segs[touches]
    n_cells = (b - a) * frame.fine_cols
    label = np.full(n_cells, _NONE, dtype=np.int32)
    np.minimum.at(label, cover_cells, cover_grids)
    crossing = np.zeros(n_cells, dtype=bool)
    crossing[touch_cells] = True
    band = np.zeros(n_cells, dtype=bool)
    band[band_cells] = True  # touching cells are among them: a piece's own box lies in its widened one
    in_crossing = crossing[cover_cells]
    cand_cells = np.concatenate([touch_cells, cover_cells[in_crossing]])
    cand_grids = np.concatenate([segs.owner[touch_segs], cover_grids[in_crossing]])
    first = np.full(n_cells, _NONE, dtype=np.int32)
    np.minimum.at(first, cand_cells, cand_grids)
    return StripCells(label, first, crossing, band, cand_cells, cand_grids, band_cells, band_segs)


def _mixed_blocks(cells: StripCells, segs: Segments, frame: Frame, mixed_ids: np.ndarray, sizes):
    """The mixed blocks' fine codes, their groups (grids, ascending) and each group's segments within reach.

    A block's groups are every grid a fine cell of it refers to, every candidate of its crossing cells and
    every owner of a segment within reach of its band cells.
    """
    (n_grids, n_vertices), k, cols = sizes, frame.k, frame.fine_cols
    mixed_of_block = np.full(cells.band.size // (k * k), -1, dtype=np.int64)
    mixed_of_block[mixed_ids] = np.arange(mixed_ids.size)

    def key(cells_: np.ndarray, grids: np.ndarray) -> np.ndarray:  # (mixed block, grid) as one sortable int64
        row, col = np.divmod(cells_, cols)
        shift = k.bit_length() - 1
        return mixed_of_block[(row >> shift) * frame.ncols + (col >> shift)] * n_grids + grids

    block_row, block_col = np.divmod(mixed_ids, frame.ncols)
    within = (np.arange(k)[:, None] * cols + np.arange(k)).ravel()  # a block's cells, row-major
    fine_cells = (block_row * (k * cols) + block_col * k)[:, None] + within
    crossing = cells.crossing[fine_cells]
    ref = np.where(crossing, cells.first[fine_cells], cells.label[fine_cells])
    has_ref = ref != _NONE
    ref_keys = np.flatnonzero(has_ref) // (k * k) * n_grids + ref[has_ref]
    band_keys = key(cells.band_cells, segs.owner[cells.band_segs])
    group_keys = _sorted_unique(
        np.concatenate([_run_heads(ref_keys), key(cells.cand_cells, cells.cand_grids), _run_heads(band_keys)])
    )
    group_start = np.searchsorted(group_keys, np.arange(mixed_ids.size + 1) * n_grids)
    local = np.zeros(ref.shape, dtype=np.int64)
    local[has_ref] = _searchsorted_runs(group_keys, ref_keys) + 1 - group_start[ref_keys // n_grids]
    flags = np.where(cells.band[fine_cells], BAND, 0) | np.where(crossing, CROSSING, 0)
    fine = (local << GROUP_SHIFT) | flags
    seg_keys = _searchsorted_runs(group_keys, band_keys) * n_vertices + segs.vertex[cells.band_segs]
    seg_keys = _sorted_unique(_run_heads(seg_keys))
    return (
        fine.astype(np.min_scalar_type(int(fine.max(initial=0)))),
        np.diff(group_start),
        (group_keys % n_grids).astype(np.int32),
        np.bincount(seg_keys // n_vertices, minlength=group_keys.size),
        (seg_keys % n_vertices).astype(np.int32),
    )


def _run_heads(values: np.ndarray) -> np.ndarray:
    """The first of each run of equal neighbours: a cheap first pass before a sort-based deduplication."""
    return values[np.r_[True, values[1:] != values[:-1]]] if values.size else values


def _searchsorted_runs(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.searchsorted(keys, values)``, searched once per run of equal neighbouring values."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    heads = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    return np.repeat(np.searchsorted(keys, values[heads]), np.diff(np.r_[heads, values.size]))


def _assemble(frame: Frame, blocks: np.ndarray, parts: list, vx: np.ndarray, vy: np.ndarray) -> LookupRaster:
    """One raster from the strips' parts: concatenated arrays and CSR offsets over all of them."""
    fine, group_count, group_grid, seg_count, seg_vertex = (list(p) for p in zip(*parts))
    k = frame.k
    return LookupRaster(
        frame.x0, frame.y0, frame.dx, frame.dy, k.bit_length() - 1, frame.ncols, frame.nrows, blocks,
        np.concatenate(fine) if fine else np.zeros((0, k * k), dtype=np.uint8),
        _offsets(group_count), np.concatenate(group_grid), _offsets(seg_count), np.concatenate(seg_vertex),
        vx, vy,
    )  # fmt: skip


def _offsets(counts: list[np.ndarray]) -> np.ndarray:
    """CSR start offsets (n + 1) from per-row counts, in the smallest integer type that holds the total."""
    counts = np.concatenate(counts)
    start = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    return start.astype(np.int32) if start[-1] < np.iinfo(np.int32).max else start


def _scanline_cover(segs: Segments, frame: Frame, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """(strip cell, grid) for every fine cell centre in rows [a, b) inside a grid, by an even-odd fill."""
    x0, y0, dx, dy = frame.x0, frame.y0, frame.dx, frame.dy
    ylo, yhi = np.minimum(segs.y1, segs.y2), np.maximum(segs.y1, segs.y2)
    r0 = np.maximum(np.ceil((ylo - y0) / dy - 0.5).astype(np.int64), a)  # rows whose centre is in [ylo, yhi)
    r1 = np.minimum(np.ceil((yhi - y0) / dy - 0.5).astype(np.int64), b)
    seg, row = _expand(r0, r1)
    yc = y0 + (row + 0.5) * dy
    x1, y1, x2, y2 = segs.x1[seg], segs.y1[seg], segs.x2[seg], segs.y2[seg]
    xc = x1 + (yc - y1) * (x2 - x1) / (y2 - y1)
    grid = segs.owner[seg]
    order = np.lexsort((xc, row, grid))
    grid, row, xc = grid[order[0::2]], row[order[0::2]], (xc[order[0::2]], xc[order[1::2]])
    c0 = np.clip(np.ceil((xc[0] - x0) / dx - 0.5).astype(np.int64), 0, frame.fine_cols)
    c1 = np.clip(np.ceil((xc[1] - x0) / dx - 0.5).astype(np.int64), 0, frame.fine_cols)
    span, col = _expand(c0, c1)
    return (row[span] - a) * frame.fine_cols + col, grid[span]


def _cells_near_pieces(segs: Segments, frame: Frame, a: int, b: int):
    """(strip cell, segment, touches) for every fine cell in rows [a, b) within reach of a segment.

    Found through pieces of each segment at most one cell long; ``touches`` marks the cells the piece itself
    passes through (within ~0.1 mm). A pair may come more than once (neighbouring pieces share cells); the
    callers only mark cells or deduplicate keys. The segments go in chunks of about ``_CHUNK_PIECES`` pieces,
    so the temporary arrays stay small where boundaries are dense.
    """
    n_pieces = np.maximum(
        1, np.ceil(np.maximum(np.abs(segs.x2 - segs.x1) / frame.dx, np.abs(segs.y2 - segs.y1) / frame.dy))
    ).astype(np.int64)
    total = np.cumsum(n_pieces)
    cuts = np.searchsorted(total, np.arange(_CHUNK_PIECES, total[-1] if total.size else 0, _CHUNK_PIECES))
    bounds = np.unique(np.r_[0, cuts, n_pieces.size])
    parts = [(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool))]
    for s0, s1 in zip(bounds[:-1], bounds[1:]):
        ends = (segs.x1[s0:s1], segs.y1[s0:s1], segs.x2[s0:s1], segs.y2[s0:s1])
        cells, seg, touches = _cells_near_chunk(ends, n_pieces[s0:s1], frame, a, b)
        parts.append((cells, seg + s0, touches))
    return tuple(np.concatenate(column) for column in zip(*parts))


def _cells_near_chunk(ends, n_pieces: np.ndarray, frame: Frame, a: int, b: int):
    """(strip cell, segment within the chunk, touches) for one chunk of segments (see _cells_near_pieces)."""
    x0, y0, dx, dy, cols = frame.x0, frame.y0, frame.dx, frame.dy, frame.fine_cols
    x1, y1, x2, y2 = ends
    seg, j = _expand(np.zeros_like(n_pieces), n_pieces)
    t0, t1 = j / n_pieces[seg], (j + 1) / n_pieces[seg]
    xa, xb = _lerp(x1[seg], x2[seg], t0), _lerp(x1[seg], x2[seg], t1)
    ya, yb = _lerp(y1[seg], y2[seg], t0), _lerp(y1[seg], y2[seg], t1)
    xlo, xhi, ylo, yhi = np.minimum(xa, xb), np.maximum(xa, xb), np.minimum(ya, yb), np.maximum(ya, yb)
    pad_x, pad_y = frame.reach_x + _EPS_DEG, frame.reach_y + _EPS_DEG
    ix0 = np.clip(np.floor((xlo - pad_x - x0) / dx), 0, cols - 1).astype(np.int64)
    ix1 = np.clip(np.floor((xhi + pad_x - x0) / dx), 0, cols - 1).astype(np.int64)
    iy0 = np.maximum(np.floor((ylo - pad_y - y0) / dy), a).astype(np.int64)
    iy1 = np.minimum(np.floor((yhi + pad_y - y0) / dy), b - 1).astype(np.int64)
    nx = ix1 - ix0 + 1
    piece, flat = _expand(np.zeros_like(nx), nx * np.maximum(iy1 - iy0 + 1, 0))
    ix, iy = ix0[piece] + flat % nx[piece], iy0[piece] + flat // nx[piece]
    touches = (  # the piece's own box, widened by _EPS_DEG only: the same floors as a point on it gets
        (ix >= np.floor((xlo - _EPS_DEG - x0) / dx)[piece])
        & (ix <= np.floor((xhi + _EPS_DEG - x0) / dx)[piece])
        & (iy >= np.floor((ylo - _EPS_DEG - y0) / dy)[piece])
        & (iy <= np.floor((yhi + _EPS_DEG - y0) / dy)[piece])
    )
    return (iy - a) * cols + ix, seg[piece], touches


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
