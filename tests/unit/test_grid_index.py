"""GridIndex: points to grids, checked on squares of 0.001° (≈ 86 m × 111 m) near Haibowan, 106.8 E 39.67 N.

Layout (x = lon - 106.8, y = lat - 39.67, in thousandths of a degree):

    y 3 |                    E E E E E E
    y 2 | C C D D            E E [hole: F] E E     H H [empty hole] H H
    y 1 | A A B B            E E E E E E
    y 0 +-------------------------------------------------------------> x
          0   1   2   3      3   4   5   6         7  8             9  10

plus a two-part grid M (x 11–12 and 13–14, y 0–1). Positions (input order = grid code order):
A=0, B=1, C=2, D=3, E=4 (hole 4–5 × 1–2, filled by F=5), H=6 (hole 8–9 × 1–2 left empty), M=7.
"""

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from geo.domain.grid_index import GridIndex
from geo.domain.grid_raster import metres_per_degree
from geo.domain.nearest import FootprintIndex, nearest_within

X0, Y0, U = 106.8, 39.67, 0.001
KX, KY = (float(k) for k in metres_per_degree(Y0 + 1.5 * U))  # ≈ 85.9 km and 111.0 km per degree


def square(x: float, y: float, w: float = 1, h: float = 1) -> Polygon:
    return box(X0 + x * U, Y0 + y * U, X0 + (x + w) * U, Y0 + (y + h) * U)


def with_hole(x: float, y: float, w: float, h: float, hole: Polygon) -> Polygon:
    return Polygon(square(x, y, w, h).exterior.coords, [hole.exterior.coords])


A, B, C, D = square(0, 0), square(1, 0), square(0, 1), square(1, 1)
F = square(4, 1)
E = with_hole(3, 0, 3, 3, F)
H = with_hole(7, 0, 3, 3, square(8, 1))
M = MultiPolygon([square(11, 0), square(13, 0)])
GRIDS = [A, B, C, D, E, F, H, M]
CODES = ["A", "B", "C", "D", "E", "F", "H", "M"]


@pytest.fixture(scope="module", params=[5.0, 10.0, 37.0], ids=lambda c: f"cell_{c:g}m")
def index(request) -> GridIndex:
    return GridIndex(GRIDS, CODES, cell_m=request.param)


def at(index: GridIndex, *points: tuple[float, float]):
    """Assign points given in the layout's units (thousandths of a degree from the origin)."""
    x = np.array([X0 + p[0] * U for p in points])
    y = np.array([Y0 + p[1] * U for p in points])
    return index.assign(x, y)


def east_of(x_units: float, metres: float) -> float:
    return x_units + metres / KX / U


def test_a_point_strictly_inside_a_grid_goes_to_that_grid(index):
    result = at(index, (0.5, 0.5), (1.5, 1.5), (4.5, 1.5))
    assert result.grid.tolist() == [0, 3, 5]
    assert index.ids_of(result.grid).tolist() == ["A", "D", "F"]
    assert result.snapped.tolist() == [False, False, False]
    assert result.distance_m.tolist() == [0.0, 0.0, 0.0]


def test_a_point_on_a_shared_edge_goes_to_the_lowest_position_every_time(index):
    for _ in range(3):
        assert at(index, (1, 0.5), (0.5, 1), (1.5, 1), (1, 1.5)).grid.tolist() == [0, 0, 1, 2]


def test_a_point_on_a_vertex_shared_by_four_grids_goes_to_the_lowest_position(index):
    assert at(index, (1, 1)).grid.tolist() == [0]


def test_the_lowest_position_rule_follows_the_order_the_grids_are_given_in():
    reordered = GridIndex([D, C, B, A], ["D", "C", "B", "A"], cell_m=10.0)
    assert reordered.ids_of(at(reordered, (1, 1), (1, 0.5)).grid).tolist() == ["D", "B"]


@pytest.mark.parametrize(("order", "expected"), [(("big", "small"), "big"), (("small", "big"), "small")])
def test_where_grids_overlap_the_lowest_position_wins(order, expected):
    shapes = {"big": square(0, 0, 3, 3), "small": square(1, 1)}
    overlapping = GridIndex([shapes[name] for name in order], list(order), cell_m=5.0)
    result = at(overlapping, (1.5, 1.5), (1.02, 1.5), (0.5, 0.5))
    assert overlapping.ids_of(result.grid).tolist() == [expected, expected, "big"]


def test_a_point_on_a_grids_outer_edge_is_inside_it_and_near_its_boundary(index):
    result = at(index, (0, 0.5))
    assert (result.grid[0], result.snapped[0], result.near_boundary[0]) == (0, False, True)


def test_a_point_outside_within_the_tolerance_snaps_to_the_nearest_grid_with_its_distance(index):
    result = at(index, (east_of(2, 12.0), 0.5))
    assert (result.grid[0], result.snapped[0]) == (1, True)
    assert result.distance_m[0] == pytest.approx(12.0, abs=0.05)
    assert not result.near_boundary[0]


def test_a_snapped_point_within_the_boundary_band_is_flagged_near(index):
    result = at(index, (east_of(2, 3.0), 0.5))
    assert (result.grid[0], result.snapped[0], result.near_boundary[0]) == (1, True, True)


def test_a_point_beyond_the_tolerance_is_unassigned(index):
    result = at(index, (east_of(2, 40.0), 0.5))
    assert result.grid[0] == -1
    assert not result.snapped[0] and not result.near_boundary[0]
    assert math.isnan(result.distance_m[0])


def test_a_point_in_a_filled_hole_goes_to_the_filler_grid_not_the_holed_one(index):
    assert at(index, (4.5, 1.5), (4.02, 1.5)).grid.tolist() == [5, 5]


def test_a_point_deep_in_an_empty_hole_is_unassigned(index):
    # The hole's centre is ≈ 43 m from every side of it, beyond the 30 m tolerance.
    assert at(index, (8.5, 1.5)).grid.tolist() == [-1]


def test_a_point_in_an_empty_hole_near_its_side_snaps_back_to_the_holed_grid(index):
    result = at(index, (east_of(8, 10.0), 1.5))
    assert (result.grid[0], result.snapped[0]) == (6, True)
    assert result.distance_m[0] == pytest.approx(10.0, abs=0.05)


def test_both_parts_of_a_multipart_grid_belong_to_it_and_the_gap_between_them_does_not(index):
    result = at(index, (11.5, 0.5), (13.5, 0.5), (12.5, 0.5))
    assert result.grid.tolist() == [7, 7, -1]  # the gap's middle is ≈ 43 m from both parts


@pytest.mark.parametrize(("metres", "near"), [(0.5, True), (4.0, True), (6.0, False), (20.0, False)])
def test_a_point_within_five_metres_of_its_grids_boundary_is_flagged_near(index, metres, near):
    result = at(index, (east_of(0, metres), 0.5))  # inside A, `metres` east of its west side
    assert result.grid[0] == 0
    assert bool(result.near_boundary[0]) is near


def test_the_boundary_of_a_hole_counts_as_a_boundary_for_the_near_flag(index):
    result = at(index, (4 - 2.0 / KX / U, 1.5))  # in E, 2 m west of its hole (filled by F)
    assert (result.grid[0], result.near_boundary[0]) == (4, True)


def test_a_point_in_the_middle_of_a_grid_is_not_near_a_boundary(index):
    assert not at(index, (0.5, 0.5)).near_boundary[0]


def test_nan_and_infinite_coordinates_are_unassigned_without_an_error(index):
    result = index.assign(
        np.array([np.nan, X0 + 0.5 * U, np.inf, np.nan]), np.array([Y0 + 0.5 * U, np.nan, Y0, np.nan])
    )
    assert result.grid.tolist() == [-1, -1, -1, -1]
    assert not result.snapped.any() and not result.near_boundary.any()
    assert np.isnan(result.distance_m).all()


def test_far_away_coordinates_are_unassigned_without_a_search_or_a_warning(index, recwarn):
    result = index.assign(np.array([0.0, -180.0, 1e300, 116.4]), np.array([0.0, 90.0, 5.0, 39.9]))
    assert result.grid.tolist() == [-1, -1, -1, -1]
    assert not result.snapped.any() and len(recwarn) == 0


def test_an_empty_input_gives_empty_results(index):
    result = index.assign(np.array([]), np.array([]))
    assert result.grid.size == result.snapped.size == result.near_boundary.size == result.distance_m.size == 0


def test_ids_of_gives_none_for_unassigned_points(index):
    assert index.ids_of(np.array([7, -1, 0])).tolist() == ["M", None, "A"]


def test_invalid_or_non_polygon_grids_are_refused_with_their_positions():
    bowtie = Polygon([(X0, Y0), (X0 + U, Y0 + U), (X0 + U, Y0), (X0, Y0 + U)])
    with pytest.raises(ValueError, match=r"positions \[1\] are invalid"):
        GridIndex([A, bowtie])
    with pytest.raises(ValueError, match=r"positions \[0\] are not Polygon/MultiPolygon.*LinearRing"):
        GridIndex([A.exterior, B])


def test_a_raster_cell_smaller_than_the_boundary_band_is_refused():
    with pytest.raises(ValueError, match="cell_m=2"):
        GridIndex([A], cell_m=2.0, boundary_m=5.0)


def voronoi_layout(n: int, seed: int) -> np.ndarray:
    """n Voronoi grids in a ≈ 3 × 3 km square, in lon/lat."""
    rng = np.random.default_rng(seed)
    frame = box(X0, Y0, X0 + 0.035, Y0 + 0.027)
    seeds = shapely.multipoints(np.c_[rng.uniform(X0, X0 + 0.035, n), rng.uniform(Y0, Y0 + 0.027, n)])
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame)), frame)
    return cells[~shapely.is_empty(cells)]


def test_assignment_agrees_with_geopandas_sjoin_on_random_points_over_a_voronoi_layout():
    grids = voronoi_layout(60, seed=7)
    rng = np.random.default_rng(8)
    lon, lat = rng.uniform(X0 - 0.002, X0 + 0.037, 5000), rng.uniform(Y0 - 0.002, Y0 + 0.029, 5000)
    result = GridIndex(grids).assign(lon, lat)
    expected = sjoin_grid(grids, lon, lat)
    ours = np.where(result.snapped, -1, result.grid)
    assert (expected >= 0).sum() > 3500 and result.snapped.sum() > 0  # both kinds are exercised
    assert np.array_equal(ours, expected)


def test_snapped_distances_match_shapely_in_the_metric_crs():
    from pyproj import Transformer

    grids = voronoi_layout(20, seed=3)
    rng = np.random.default_rng(4)
    lon, lat = rng.uniform(X0 - 0.0005, X0 + 0.0355, 3000), rng.uniform(Y0 - 0.0005, Y0 + 0.0275, 3000)
    result = GridIndex(grids).assign(lon, lat)
    snapped = np.flatnonzero(result.snapped)
    to_metric = Transformer.from_crs("EPSG:4326", "EPSG:4545", always_xy=True)
    metric = shapely.transform(grids, to_metric.transform, interleaved=False)
    points = shapely.points(*to_metric.transform(lon[snapped], lat[snapped]))
    expected = shapely.distance(points[:, None], metric[None, :]).min(axis=1)
    assert snapped.size > 50
    np.testing.assert_allclose(result.distance_m[snapped], expected, atol=1e-6)


def test_near_boundary_flags_match_distances_to_each_grids_boundary_in_the_metric_crs():
    from pyproj import Transformer

    grids = voronoi_layout(40, seed=5)
    rng = np.random.default_rng(6)
    lon, lat = rng.uniform(X0, X0 + 0.035, 20_000), rng.uniform(Y0, Y0 + 0.027, 20_000)
    result = GridIndex(grids, cell_m=7.0).assign(lon, lat)
    inside = np.flatnonzero((result.grid >= 0) & ~result.snapped)
    to_metric = Transformer.from_crs("EPSG:4326", "EPSG:4545", always_xy=True)
    rings = shapely.transform(shapely.boundary(grids), to_metric.transform, interleaved=False)
    points = shapely.points(*to_metric.transform(lon[inside], lat[inside]))
    metres = shapely.distance(points, rings[result.grid[inside]])
    clear = np.abs(metres - 5.0) > 0.01  # the two metrics differ by ~1e-4 relative
    assert 500 < result.near_boundary[inside].sum() < inside.size - 500
    assert np.array_equal(result.near_boundary[inside][clear], metres[clear] < 5.0)


def test_two_worker_threads_give_exactly_the_single_threaded_result():
    grids = voronoi_layout(40, seed=9)
    rng = np.random.default_rng(10)
    lon, lat = rng.uniform(X0 - 0.001, X0 + 0.036, 150_000), rng.uniform(Y0 - 0.001, Y0 + 0.028, 150_000)
    one, two = (GridIndex(grids, workers=w).assign(lon, lat) for w in (1, 2))
    for field in ("grid", "snapped", "near_boundary", "distance_m"):
        assert np.array_equal(getattr(one, field), getattr(two, field), equal_nan=True), field


def sjoin_grid(grids: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The grid geopandas puts each point in (strictly within; -1 for none), the reference for agreement."""
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    joined = gpd.sjoin(points, gpd.GeoDataFrame(geometry=grids, crs="EPSG:4326"), predicate="within")
    expected = np.full(lon.size, -1)
    expected[joined.index.to_numpy()] = joined["index_right"].to_numpy()
    return expected


def test_assignment_agrees_with_sjoin_over_a_small_synthetic_city():
    from bench.synthetic_city import city_layout, city_points

    city = city_layout(2_000, 20_000.0, seed=11)
    lon, lat = city_points(city, 60_000, seed=12, clusters=40)
    xmin, ymin, xmax, ymax = city.boundary.bounds
    rng = np.random.default_rng(13)  # and a frame of points around the city's edge, some to snap
    lon, lat = (
        np.r_[lon, rng.uniform(xmin - 0.001, xmax + 0.001, 20_000)],
        np.r_[lat, rng.uniform(ymin, ymax, 20_000)],
    )
    result = GridIndex(city.grids).assign(lon, lat)
    assert result.snapped.sum() > 50 and result.near_boundary.sum() > 1_000
    assert np.array_equal(np.where(result.snapped, -1, result.grid), sjoin_grid(city.grids, lon, lat))


@pytest.mark.parametrize(("block_side", "strip_cells"), [(2, 1 << 8), (8, 1 << 12), (32, 1 << 30)])
def test_the_result_does_not_depend_on_the_block_side_or_the_build_strips(
    monkeypatch, block_side, strip_cells
):
    import geo.domain.grid_raster_build as build

    grids = voronoi_layout(60, seed=14)
    rng = np.random.default_rng(15)
    lon, lat = rng.uniform(X0 - 0.001, X0 + 0.036, 40_000), rng.uniform(Y0 - 0.001, Y0 + 0.028, 40_000)
    default = GridIndex(grids).assign(lon, lat)
    monkeypatch.setattr(build, "_BLOCK_SIDES", (block_side,))
    monkeypatch.setattr(build, "_STRIP_CELLS", strip_cells)
    other = GridIndex(grids).assign(lon, lat)
    for field in ("grid", "snapped", "near_boundary", "distance_m"):
        assert np.array_equal(getattr(default, field), getattr(other, field), equal_nan=True), field


def test_a_spot_where_hundreds_of_grids_meet_still_assigns_every_point_exactly():
    # 300 slivers 0.5 m wide side by side: far more grids in one raster block than a byte can number.
    width = 0.5 / KX
    slivers = [box(X0 + i * width, Y0, X0 + (i + 1) * width, Y0 + 0.0005) for i in range(300)]
    index = GridIndex(slivers)
    rng = np.random.default_rng(16)
    lon, lat = (
        rng.uniform(X0 - 0.0001, X0 + 301 * width, 20_000),
        rng.uniform(Y0 - 0.0001, Y0 + 0.0006, 20_000),
    )
    result = index.assign(lon, lat)
    assert np.array_equal(np.where(result.snapped, -1, result.grid), sjoin_grid(np.array(slivers), lon, lat))
    assert index._raster.fine.itemsize >= 2  # the fine codes grew past one byte for it


def test_the_index_memory_follows_the_boundaries_not_the_area_between_them():
    # Two small grids 40 km apart: a dense 10 m raster over their box would be ≈ 16 M cells (≥ 64 MB).
    far = GridIndex([square(0, 0), square(470, 360)])
    near = GridIndex([square(0, 0), square(2, 0)])
    assert far.nbytes < 1_000_000 and near.nbytes < 100_000
    assert far.assign(*at_lonlat((0.5, 0.5), (470.5, 360.5), (200, 200))).grid.tolist() == [0, 1, -1]


def at_lonlat(*points: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([X0 + p[0] * U for p in points]), np.array([Y0 + p[1] * U for p in points])


# Footprints: two buildings of ≈ 17 m × 22 m, 0.0005° (≈ 43 m) apart.
BUILDINGS = [box(X0, Y0, X0 + 0.0002, Y0 + 0.0002), box(X0 + 0.0007, Y0, X0 + 0.0009, Y0 + 0.0002)]


def test_a_point_inside_a_building_footprint_gets_that_building():
    assert FootprintIndex(BUILDINGS).nearest_within([X0 + 0.0008], [Y0 + 0.0001]).tolist() == [1]


def test_a_point_near_a_building_gets_the_nearest_footprint_within_20_metres():
    lon = [X0 + 0.0002 + 8.0 / KX, X0 + 0.0007 - 15.0 / KX]
    assert FootprintIndex(BUILDINGS).nearest_within(lon, [Y0 + 0.0001] * 2, 20.0).tolist() == [0, 1]


def test_a_point_farther_than_20_metres_from_every_building_gets_none():
    lon, lat = [X0 + 0.00045, X0 + 0.0001, np.nan], [Y0 + 0.0001, Y0 + 0.0005, Y0]
    assert nearest_within(lon, lat, BUILDINGS, 20.0).tolist() == [-1, -1, -1]
