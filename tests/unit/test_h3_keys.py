"""A location's key answers for its own H3 cell at every resolution the hotspots page studies — not H3's
parent of its finest cell, which is a neighbour for ≈ 6 % of points near cell edges."""

import h3
import numpy as np
import pytest

from geo.domain.h3_keys import (
    COARSEST,
    FINEST,
    cells_at,
    code_shift,
    location_key_of,
    location_keys,
    parent_masks,
)


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(7)
    return rng.uniform(73.5, 135.0, 20_000), rng.uniform(18.0, 53.5, 20_000)  # China's extent


def _decoded(keys: np.ndarray, resolution: int) -> np.ndarray:
    """What the database and geo.read.hotspot_sql do with a key: parent bits, ring code, cell."""
    keep, fill = parent_masks(resolution)
    code = (keys >> code_shift(resolution)) & 7 if resolution < FINEST else np.zeros_like(keys)
    return cells_at((keys & keep) | fill, code, resolution)


@pytest.mark.parametrize("resolution", range(COARSEST, FINEST + 1))
def test_the_key_gives_the_cell_h3_puts_the_point_in_at_every_studied_resolution(points, resolution):
    lon, lat = points
    keys = np.array(location_keys(lon, lat), dtype=np.int64)
    expected = [h3.str_to_int(h3.latlng_to_cell(y, x, resolution)) for x, y in zip(lon, lat)]
    assert _decoded(keys, resolution).tolist() == expected


def test_the_parent_alone_would_be_wrong_near_edges(points):
    """Why the ring codes exist: without them, hundreds of these points would count in a neighbour cell."""
    keys = np.array(location_keys(*points), dtype=np.int64)
    assert ((keys >> code_shift(9)) & 7 > 0).sum() > 500


def test_a_point_a_few_centimetres_either_side_of_a_cell_edge_keeps_its_own_cell():
    cell = h3.latlng_to_cell(39.909, 116.397, 9)
    (clat, clon), corners = h3.cell_to_latlng(cell), np.array(h3.cell_to_boundary(cell))
    mid_lat, mid_lon = (corners[0] + corners[1]) / 2
    for f in (0.9995, 1.0005):  # ≈ 9 cm inside and outside the edge
        lon, lat = clon + (mid_lon - clon) * f, clat + (mid_lat - clat) * f
        got = _decoded(np.array([location_key_of(lon, lat)]), 9)[0]
        assert got == h3.str_to_int(h3.latlng_to_cell(lat, lon, 9))


def test_a_case_without_a_location_has_no_key():
    assert location_keys([116.4, np.nan, 116.4], [39.9, 39.9, np.inf])[1:] == [None, None]
    assert location_key_of(None, 39.9) is None and location_key_of(116.4, None) is None


@pytest.mark.parametrize("resolution", [COARSEST - 1, FINEST + 1, 9.0, "9"])
def test_a_resolution_the_key_does_not_hold_is_refused(resolution):
    with pytest.raises(ValueError, match="resolution"):
        parent_masks(resolution)
