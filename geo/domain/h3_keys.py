"""A case location's H3 cells at every resolution the hotspots page studies, stored as one number.

H3's hierarchy is not geometric: a point's cell at resolution 9 is not always the parent of its cell at
resolution 10 (for ≈ 6 % of points near cell edges it is a neighbour of that parent). So the number keeps
the point's own cell at FINEST, and, for each coarser resolution down to COARSEST, a 3-bit code saying which
cell of the parent's ring the point really lies in: 0 the parent itself, 1–6 its neighbours in id order.
The codes sit in digits 11–13 of the cell index, which a resolution-10 cell leaves unused (all 7s), so the
number is no H3 index itself but restores one exactly (``cells_at``).

The database groups cases by ``parent bits + code`` with two bitwise operations per row, on SQLite and
PostgreSQL alike (geo.read.hotspot_sql.packed_key spells the SQL form of ``parent_masks``/``code_shift``);
Python turns the few thousand (parent, code) pairs back into cells (``cells_at``).

Bit layout of an H3 cell index: bit 63 reserved (0, so the number fits a signed 64-bit integer), mode in
59–62, resolution in 52–55, base cell in 45–51, then 15 digits of 3 bits, digit 1 highest.
"""

from __future__ import annotations

from functools import lru_cache

import h3.api.basic_int as h3_int
import numpy as np

#: The resolutions a location's key answers for (the hotspots page chooses among them by the study's area).
FINEST, COARSEST = 10, 7
_RESOLUTION_FIELD = 0xF << 52
_DIGITS_BELOW_FINEST = (1 << 3 * (15 - FINEST)) - 1


def code_shift(resolution: int) -> int:
    """Where the ring code of ``resolution`` (COARSEST … FINEST − 1) sits in a location key."""
    return 3 * (15 - FINEST) - 3 * (FINEST - int(resolution))


def location_key(lon: float, lat: float) -> int:
    """The key of one WGS84 point: its FINEST cell with the ring codes of the coarser resolutions."""
    cell = h3_int.latlng_to_cell(lat, lon, FINEST)
    key = cell & ~_DIGITS_BELOW_FINEST
    for resolution in range(COARSEST, FINEST):
        own, parent = h3_int.latlng_to_cell(lat, lon, resolution), h3_int.cell_to_parent(cell, resolution)
        ring = (parent, *_neighbours(parent))
        key |= (ring.index(own) if own in ring else 0) << code_shift(resolution)
    return key


def location_keys(lon, lat) -> list[int | None]:
    """``location_key`` of each point, None where a coordinate is missing or not finite (no location)."""
    x, y = np.asarray(lon, dtype=float).ravel(), np.asarray(lat, dtype=float).ravel()
    if x.shape != y.shape:
        raise ValueError("lon and lat must be of the same length")
    located = np.isfinite(x) & np.isfinite(y)
    return [location_key(a, b) if ok else None for a, b, ok in zip(x.tolist(), y.tolist(), located.tolist())]


def location_key_of(lon: float | None, lat: float | None) -> int | None:
    """``location_keys`` of one point (None without a location)."""
    return None if lon is None or lat is None else location_keys([lon], [lat])[0]


def finer_bits(resolution: int) -> int:
    """How many low bits hold the digits finer than ``resolution`` (COARSEST … FINEST)."""
    if not (isinstance(resolution, int | np.integer) and COARSEST <= resolution <= FINEST):
        raise ValueError(f"resolution must be an integer H3 resolution {COARSEST}..{FINEST}, got {resolution!r}")
    return 3 * (15 - int(resolution))


def parent_masks(resolution: int) -> tuple[int, int]:
    """(keep, fill): the H3 parent at ``resolution`` of a key's cell is ``(key & keep) | fill``. ``keep`` clears
    the resolution field and the finer digits (the ring codes with them), ``fill`` writes the resolution and
    sets those digits to 7. Between the two, the cleared low bits may carry small numbers of one's own."""
    low = (1 << finer_bits(resolution)) - 1
    keep = ((1 << 63) - 1) & ~(_RESOLUTION_FIELD | low)
    return keep, (int(resolution) << 52) | low


def cells_at(parents: np.ndarray, codes: np.ndarray, resolution: int) -> np.ndarray:
    """The cells (int64) at ``resolution`` given each key's H3 parent there and its ring code."""
    parents, codes = np.asarray(parents, dtype=np.int64), np.asarray(codes, dtype=np.int64)
    out = parents.copy()
    moved = np.flatnonzero(codes > 0)
    out[moved] = [_neighbours(int(p))[int(c) - 1] for p, c in zip(parents[moved], codes[moved])]
    return out


@lru_cache(maxsize=65_536)
def _neighbours(cell: int) -> tuple[int, ...]:
    """The cells touching ``cell``, in id order (five around a pentagon)."""
    return tuple(sorted(set(h3_int.grid_disk(cell, 1)) - {cell}))
