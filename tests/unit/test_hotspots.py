"""Hot spots, emerging trends, H3 cells and kernel density on small geometries checkable by eye."""

import warnings

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from geo.domain.hotspots import (
    HOTSPOT_CLASSES,
    cached_weights,
    clear_weights_cache,
    emerging,
    getis_ord,
    getis_ord_columns,
    grid_weights,
    h3_counts,
    h3_polygons,
    kernel_density,
    rank_hotspots,
)

SIDE = 7
CLUSTER = [r * SIDE + c for r in range(3) for c in range(3)]  # 3×3 block in the south-west corner
OPPOSITE = [r * SIDE + c for r in range(4, SIDE) for c in range(4, SIDE)]  # 3×3 block in the north-east


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_weights_cache()
    yield
    clear_weights_cache()


def lattice(side: int = SIDE) -> gpd.GeoDataFrame:
    """side × side unit squares, row-major from the south-west corner; codes G00, G01, …"""
    squares = [box(c, r, c + 1, r + 1) for r in range(side) for c in range(side)]
    n = side * side
    return gpd.GeoDataFrame({"code": [f"G{i:02d}" for i in range(n)], "name": [f"grid {i}" for i in range(n)]},
                            geometry=squares)  # fmt: skip


def clustered_counts() -> np.ndarray:
    counts = np.random.default_rng(1).poisson(2, SIDE * SIDE).astype(float)
    counts[CLUSTER] = [25, 23, 24, 22, 24, 24, 21, 26, 23]
    return counts


# ------------------------------------------------------------------------------------------- weights


def test_queen_weights_link_edges_and_corners_of_unit_squares():
    w = grid_weights(lattice(), "layout-v1")
    assert w.n == 49
    assert sorted(w.neighbors[0]) == [1, 7, 8]  # corner: right, above, diagonal
    assert len(w.neighbors[24]) == 8  # centre square
    assert w.transform.upper() == "B"


def test_weights_are_cached_per_layout_version():
    grids = lattice()
    assert grid_weights(grids, "layout-v1") is grid_weights(grids, "layout-v1")
    assert grid_weights(grids, "layout-v1") is not grid_weights(grids, "layout-v2")


def test_cached_layout_with_a_different_number_of_grids_is_refused():
    grid_weights(lattice(), "layout-v1")
    with pytest.raises(ValueError, match="new layout version id"):
        grid_weights(lattice(3), "layout-v1")


def test_island_grid_gets_its_nearest_grid_as_neighbour():
    grids = lattice(3)
    island = gpd.GeoDataFrame({"code": ["ISL"], "name": ["island"]}, geometry=[box(5, 0, 6, 1)])
    grids = gpd.GeoDataFrame(gpd.pd.concat([grids, island], ignore_index=True))
    w = grid_weights(grids, "with-island")
    assert w.islands == []
    assert w.neighbors[9] == [2]  # square (2, 0)–(3, 1) is the closest


def test_island_grid_does_not_crash_gi_star():
    grids = lattice(3)
    island = gpd.GeoDataFrame({"code": ["ISL"], "name": ["island"]}, geometry=[box(5, 0, 6, 1)])
    grids = gpd.GeoDataFrame(gpd.pd.concat([grids, island], ignore_index=True))
    result = getis_ord(np.array([1, 2, 3, 1, 2, 3, 1, 2, 3, 9]), grid_weights(grids, "with-island"))
    assert len(result) == 10
    assert np.isfinite(result["z"]).all()


# ----------------------------------------------------------------------------------------------- Gi*


def test_strong_corner_cluster_is_hot_and_opposite_corner_is_not():
    result = getis_ord(clustered_counts(), grid_weights(lattice(), "layout-v1"))
    cluster_core = [0, 1, 7, 8]
    assert set(result.loc[cluster_core, "hotspot_class"]) <= {"hot_99", "hot_95"}
    assert set(result.loc[OPPOSITE, "hotspot_class"]) <= {"not_significant", "cold_90", "cold_95", "cold_99"}
    assert set(result["hotspot_class"]) <= set(HOTSPOT_CLASSES)


def test_uniform_counts_have_no_significant_grid():
    result = getis_ord(np.full(49, 5), grid_weights(lattice(), "layout-v1"))
    assert (result["hotspot_class"] == "not_significant").all()
    assert (result["z"] == 0).all() and (result["p"] == 1).all()


def test_all_zero_counts_are_not_significant_and_warn_nothing():
    w = grid_weights(lattice(), "layout-v1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = getis_ord(np.zeros(49), w)
        getis_ord(clustered_counts(), w)
    assert (result["hotspot_class"] == "not_significant").all()


def test_zeros_surrounded_by_zeros_are_not_painted_cold():
    counts = np.zeros(49)
    counts[CLUSTER] = 10
    counts[[30, 40]] = 1
    result = getis_ord(counts, grid_weights(lattice(), "layout-v1"), correction="none")
    assert not result.loc[OPPOSITE, "hotspot_class"].str.startswith("cold").any()


def test_fdr_correction_flags_no_more_grids_than_no_correction():
    w = grid_weights(lattice(), "layout-v1")
    counts = clustered_counts()
    flagged = {
        c: (getis_ord(counts, w, correction=c)["hotspot_class"] != "not_significant").sum()
        for c in ("none", "fdr", "bonferroni")
    }
    assert flagged["bonferroni"] <= flagged["fdr"] <= flagged["none"]
    assert flagged["none"] > 0


def test_same_seed_gives_identical_results_and_leaves_numpy_state_alone():
    w = grid_weights(lattice(), "layout-v1")
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    first = getis_ord(clustered_counts(), w, seed=42)
    assert (np.random.get_state()[1] == before).all()
    second = getis_ord(clustered_counts(), w, seed=42)
    assert first.equals(second)


def test_without_permutations_p_is_the_two_sided_normal_p():
    result = getis_ord(clustered_counts(), grid_weights(lattice(), "layout-v1"), permutations=0)
    z, p = result.loc[0, "z"], result.loc[0, "p"]
    assert p == pytest.approx(2 * (1 - __import__("scipy").stats.norm.cdf(abs(z))))


def test_counts_not_matching_the_weights_are_refused():
    with pytest.raises(ValueError, match="48 values but the weights cover 49"):
        getis_ord(np.ones(48), grid_weights(lattice(), "layout-v1"))


def test_ranking_puts_the_hottest_grid_first_and_untested_grids_last():
    grids, counts = lattice(), clustered_counts()
    gi = getis_ord(counts, grid_weights(grids, "layout-v1"))
    table = grids.drop(columns="geometry").assign(count=counts, z=gi["z"], p=gi["p"])
    table.loc[5, "z"] = np.nan  # a grid left out of the test
    ranked = rank_hotspots(table)
    assert ranked["z"].iloc[:-1].is_monotonic_decreasing
    assert ranked.loc[0, "code"] in {"G00", "G01", "G07", "G08"}
    assert ranked["code"].iloc[-1] == "G05"


def test_ranking_needs_z_count_and_code():
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['count'\]"):
        rank_hotspots(lattice().assign(z=0.0))


def test_analytic_z_is_getis_and_ords_z_on_binary_weights():
    """z_i = (Σ_j w_ij x_j − x̄ Σ_j w_ij) / (S √[(n Σ_j w_ij² − (Σ_j w_ij)²) / (n − 1)]), w binary with w_ii = 1
    (Getis & Ord 1992; ArcGIS) – not the √(k+1) times smaller value esda gives for row-standardised weights."""
    w = grid_weights(lattice(), "layout-v1")
    x = clustered_counts()
    n, mean, s = x.size, x.mean(), np.sqrt((x**2).mean() - x.mean() ** 2)
    expected = []
    for i in range(n):
        ring = [i, *w.neighbors[i]]
        k = len(ring)
        expected.append((x[ring].sum() - mean * k) / (s * np.sqrt((n * k - k**2) / (n - 1))))
    assert getis_ord(x, w, permutations=0)["z"].to_numpy() == pytest.approx(expected)


def test_gi_star_of_many_columns_is_the_analytic_gi_star_of_each():
    w = grid_weights(lattice(), "layout-v1")
    values = np.column_stack([clustered_counts(), np.full(49, 3.0), clustered_counts()[::-1]])
    z, classes = getis_ord_columns(values, w)
    for k in range(3):
        one = getis_ord(values[:, k], w, permutations=0)
        assert z[:, k] == pytest.approx(one["z"].to_numpy())
        assert list(classes[:, k]) == list(one["hotspot_class"])


def test_cached_weights_of_another_size_under_the_same_key_are_refused():
    w = grid_weights(lattice(), "layout-v1")
    assert cached_weights("layout-v1", 49, lambda: None) is w
    with pytest.raises(ValueError, match="cached with 49 units but 9 were given"):
        cached_weights("layout-v1", 9, lambda: None)


# ------------------------------------------------------------------------------------------ emerging


def test_emerging_classes_on_literal_counts():
    result = emerging(np.array([5, 20, 4, 0, 1, 0, 2]), np.array([0, 15, 12, 30, 0, 0, 3]))
    assert list(result["trend"]) == [
        "new",
        "intensifying",
        "steady",
        "diminishing",
        "steady",
        "steady",
        "steady",
    ]
    assert result.loc[1, "rate_ratio"] == pytest.approx((20 / 4) / (15 / 12))
    assert result.loc[0, "rate_ratio"] == np.inf
    assert np.isnan(result.loc[5, "rate_ratio"]) and result.loc[5, "p"] == 1.0


def test_emerging_rule_follows_the_week_lengths():
    # three times the weekly rate: 6 vs 6 is not enough evidence (p = 0.054), 9 vs 9 is (p = 0.019)
    result = emerging(np.array([6, 9]), np.array([6, 9]), recent_weeks=2, before_weeks=6)
    assert list(result["rate_ratio"]) == pytest.approx([3.0, 3.0])
    assert list(result["trend"]) == ["steady", "intensifying"]


def test_emerging_refuses_negative_counts():
    with pytest.raises(ValueError, match="counts_before"):
        emerging(np.array([1, 2]), np.array([1, -2]))


# ---------------------------------------------------------------------------------------- H3 and KDE


def cluster_points(n: int = 2000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return 106.8 + rng.normal(0, 0.002, n), 39.67 + rng.normal(0, 0.002, n)


def test_h3_counts_sum_to_the_number_of_valid_points():
    lon, lat = cluster_points()
    lon[:3] = np.nan
    cells = h3_counts(lon, lat, resolution=9)
    assert cells["count"].sum() == 1997
    assert list(cells.columns) == ["cell", "count", "lon", "lat"]
    assert cells["cell"].is_unique


def test_h3_duplicate_coordinates_count_once_per_point():
    cells = h3_counts(np.array([106.8, 106.8, 106.8]), np.array([39.67, 39.67, 39.67]))
    assert list(cells["count"]) == [3]
    assert cells.loc[0, "lon"] == pytest.approx(106.8, abs=0.005)


def test_h3_polygons_are_in_lon_lat_order():
    lon, lat = cluster_points(200)
    cells = h3_counts(lon, lat, resolution=9)
    polygons = h3_polygons(cells["cell"])
    assert polygons.crs.to_epsg() == 4326
    centroid = polygons.union_all().centroid
    assert centroid.x == pytest.approx(106.8, abs=0.01)
    assert centroid.y == pytest.approx(39.67, abs=0.01)
    assert len(polygons.geometry.iloc[0].exterior.coords) == 7  # hexagon, closed ring


def test_h3_polygons_refuse_a_non_cell():
    with pytest.raises(ValueError, match="not H3 cell ids"):
        h3_polygons(["not-a-cell"])


def test_kernel_density_peaks_near_the_cluster():
    rng = np.random.default_rng(5)
    lon = np.concatenate([106.80 + rng.normal(0, 0.002, 3000), rng.uniform(106.75, 106.90, 500)])
    lat = np.concatenate([39.65 + rng.normal(0, 0.002, 3000), rng.uniform(39.60, 39.72, 500)])
    bbox = (106.75, 39.60, 106.90, 39.72)
    image, bounds = kernel_density(lon, lat, bbox, cell_m=100, bandwidth_m=300)
    assert bounds == bbox
    rows, cols = image.shape
    assert 120 <= rows <= 140 and 120 <= cols <= 135  # ≈ 13.3 km × 12.9 km at 100 m
    r, c = np.unravel_index(np.argmax(image), image.shape)
    peak_lon = bbox[0] + (c + 0.5) * (bbox[2] - bbox[0]) / cols
    peak_lat = bbox[3] - (r + 0.5) * (bbox[3] - bbox[1]) / rows  # row 0 is north
    assert peak_lon == pytest.approx(106.80, abs=0.003)
    assert peak_lat == pytest.approx(39.65, abs=0.003)


def test_kernel_density_integrates_to_the_number_of_points_inside():
    lon, lat = cluster_points(1000)
    image, _ = kernel_density(lon, lat, (106.7, 39.6, 106.9, 39.74), cell_m=100, bandwidth_m=200)
    pixel_km2 = 0.1 * 0.1  # pixels are ≈ 100 m × 100 m
    assert image.sum() * pixel_km2 == pytest.approx(1000, rel=0.03)


def test_kernel_density_of_no_points_is_zero():
    image, _ = kernel_density(np.array([]), np.array([]), (106.7, 39.6, 106.9, 39.74))
    assert image.dtype == np.float32 and not image.any()
