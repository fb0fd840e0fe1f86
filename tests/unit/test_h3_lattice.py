"""The H3 plane lattice: triangle keys (what the database groups by) name the same cell as h3 itself."""

import h3
import numpy as np
import pytest

from geo.domain.h3_lattice import fitted_lattice


def _study(lon0: float, lat0: float, span: float, resolution: int, rng) -> tuple[list[str], np.ndarray, np.ndarray]:
    lon = rng.uniform(lon0 - span, lon0 + span, 60_000)
    lat = rng.uniform(lat0 - span * 0.8, lat0 + span * 0.8, 60_000)
    cells = sorted({h3.latlng_to_cell(y, x, resolution) for x, y in zip(lon, lat)})
    return cells, lon, lat


@pytest.mark.parametrize("lon0, lat0, span, resolution", [
    (107.3, 39.8, 0.45, 8),    # a city of ≈ 1,400 km² (the bench city's place)
    (121.47, 31.23, 0.12, 9),  # a district
    (116.40, 39.90, 0.02, 10),  # the test district's scale
    (-73.9, 40.7, 0.5, 7),     # another face of the icosahedron, west of Greenwich
])
def test_every_point_gets_the_cell_h3_gives_it(lon0, lat0, span, resolution):
    rng = np.random.default_rng(7)
    cells, lon, lat = _study(lon0, lat0, span, resolution, rng)
    lattice = fitted_lattice(cells, resolution)
    assert lattice is not None
    got = lattice.hexes(lattice.triangles(lon, lat))
    truth = lattice.cell_hexes([h3.latlng_to_cell(y, x, resolution) for x, y in zip(lon, lat)])
    assert (got == truth).all()
    keys = lattice.triangles(lon, lat)
    assert (keys >= lattice.low).all() and (keys < lattice.low + lattice.size).all()


def test_points_next_to_a_cell_edge_fall_on_the_right_side():
    """Edge midpoints nudged by a centimetre each way: the side h3 says, every time."""
    cells, _, _ = _study(107.3, 39.8, 0.05, 9, np.random.default_rng(1))
    lattice = fitted_lattice(cells, 9)
    lon, lat = [], []
    for cell in cells[:200]:
        corners = np.array(h3.cell_to_boundary(cell))
        clat, clon = h3.cell_to_latlng(cell)
        mids = (corners + np.roll(corners, 1, axis=0)) / 2
        for y, x in mids:
            for f in (0.99995, 1.00005):  # ≈ ±1 cm at resolution 9 (≈ 200 m from centre to edge)
                lat.append(clat + (y - clat) * f)
                lon.append(clon + (x - clon) * f)
    lon, lat = np.array(lon), np.array(lat)
    truth = lattice.cell_hexes([h3.latlng_to_cell(y, x, 9) for x, y in zip(lon, lat)])
    assert (lattice.hexes(lattice.triangles(lon, lat)) == truth).all()


def test_no_lattice_where_the_plane_is_not_one_lattice():
    """Around a pentagon the cells do not tile one plane: no fit, so the caller looks points up one by one."""
    pentagon = sorted(h3.get_pentagons(8))[0]
    assert fitted_lattice(sorted(h3.grid_disk(pentagon, 3)), 8) is None
    assert fitted_lattice([], 8) is None


