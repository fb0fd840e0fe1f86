"""The four measures, the H3 study area and its weights, and the check against known hotspot centres."""

import geopandas as gpd
import h3
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from geo.domain.hotspot_check import TruthCheck, check_against_truth
from geo.domain.hotspot_measures import (
    MEASURES,
    MIN_SHARE,
    RECOMMENDED,
    cell_weights,
    gi_values,
    h3_resolution,
    h3_study_area,
)
from geo.domain.hotspots import clear_weights_cache

# ≈ 2.6 km × 2.2 km near the sample district
DISTRICT = box(106.80, 39.66, 106.83, 39.68)


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_weights_cache()
    yield
    clear_weights_cache()


# ------------------------------------------------------------------------------------------- measures


def test_the_recommended_measure_is_uniform_cells_and_comes_first():
    assert RECOMMENDED == MEASURES[0] == "h3"


def test_counts_and_per_km2_test_every_unit():
    counts = np.array([4.0, 0.0, 10.0])
    assert gi_values("counts", counts).gi.tolist() == [4, 0, 10]
    per_km2 = gi_values("per_km2", counts, area_km2=np.array([2.0, 1.0, 0.5]))
    assert per_km2.value.tolist() == per_km2.gi.tolist() == [2, 0, 20]
    assert per_km2.tested.all()


def test_grids_without_households_have_no_rate_and_are_not_tested():
    result = gi_values("per_households", np.array([5.0, 3.0, 8.0, 2.0]), households=np.array([100, 0, 400, 50]))
    assert result.tested.tolist() == [True, False, True, True]
    assert result.value[[0, 2, 3]] == pytest.approx([50.0, 20.0, 40.0])
    assert np.isnan(result.value[1])
    assert result.gi.size == 3  # only the tested grids go into Gi*


def test_empirical_bayes_pulls_a_small_grid_towards_the_district_rate():
    counts, households = np.array([5.0, 60.0, 50.0, 40.0]), np.array([12, 1000, 1000, 1000])
    result = gi_values("per_households", counts, households=households)
    district = counts.sum() / households.sum() * 1000
    raw_small, smoothed_small = result.value[0], result.gi[0]
    assert raw_small == pytest.approx(416.7, abs=0.1)
    assert district < smoothed_small < raw_small
    assert abs(result.gi[1] - result.value[1]) < abs(smoothed_small - raw_small) / 10  # big grids barely move


def test_an_edge_cell_half_outside_the_district_counts_as_if_whole_but_a_sliver_not_more_than_four_times():
    result = gi_values("h3", np.array([10.0, 10.0, 1.0]), share=np.array([1.0, 0.5, 0.05]))
    assert result.value.tolist() == [10, 10, 1]
    assert result.gi.tolist() == pytest.approx([10, 20, 1 / MIN_SHARE])


@pytest.mark.parametrize("measure, kwargs, message", [
    ("per_person", {}, "measure must be one of h3, per_households, per_km2, counts"),
    ("per_km2", {"area_km2": np.array([1.0, 0.0])}, "area_km2 must give a positive value for each of the 2"),
    ("per_households", {}, "needs the households of every unit"),
])
def test_bad_measure_input_is_refused_with_what_is_expected(measure, kwargs, message):
    with pytest.raises(ValueError, match=message):
        gi_values(measure, np.array([1.0, 2.0]), **kwargs)


# ------------------------------------------------------------------------------------------------ H3


@pytest.mark.parametrize("area_km2, resolution", [(0.5, 10), (133.0, 9), (1_400.0, 8), (12_000.0, 7),
                                                  (1e6, 7)])
def test_the_h3_resolution_follows_the_district_size(area_km2, resolution):
    assert h3_resolution(area_km2) == resolution


@pytest.mark.parametrize("area", [0, -3.0, float("nan"), "133"])
def test_a_district_without_a_positive_area_gets_no_resolution(area):
    with pytest.raises(ValueError, match="positive number of km²"):
        h3_resolution(area)


def test_the_study_area_covers_the_district_with_whole_cells_inside_and_shares_at_the_edge():
    study = h3_study_area(DISTRICT, 9)
    assert shapely.union_all(study.geometry.values).covers(DISTRICT)
    assert shapely.intersects(study.geometry.values, DISTRICT).all()
    inner = shapely.within(study.geometry.values, DISTRICT)
    assert np.allclose(study.loc[inner, "share"], 1.0) and inner.sum() > 30
    assert ((study.loc[~inner, "share"] > 0) & (study.loc[~inner, "share"] < 1)).all()
    assert study["cell"].is_monotonic_increasing and study.crs.to_epsg() == 4326


def test_the_study_area_refuses_a_district_that_is_not_a_polygon():
    with pytest.raises(ValueError, match="non-empty"):
        h3_study_area(shapely.Point(106.8, 39.67), 9)


def test_cell_neighbours_are_the_ring_around_a_cell_within_the_study():
    study = h3_study_area(DISTRICT, 9)
    w = cell_weights(study, "district#h3r9")
    index = {c: i for i, c in enumerate(study["cell"])}
    inner = study.index[shapely.within(study.geometry.values, DISTRICT.buffer(-0.004))][0]
    assert sorted(w.neighbors[inner]) == sorted(index[c] for c in h3.grid_ring(study["cell"][inner], 1))
    edge = int(np.argmin(study["share"]))
    assert 0 < len(w.neighbors[edge]) < 6  # cells outside the district are not neighbours
    assert w.islands == [] and cell_weights(study, "district#h3r9") is w


def test_a_cell_cut_off_from_the_others_gets_its_nearest_cell_as_neighbour():
    two_places = shapely.union_all([box(106.80, 39.66, 106.805, 39.664), box(106.83, 39.66, 106.831, 39.661)])
    study = h3_study_area(two_places, 9)
    w = cell_weights(study, "two-places")
    assert w.islands == []


# ---------------------------------------------------------------------------------------- truth check


def squares(n: int) -> gpd.GeoSeries:
    """n × n squares of 0.01° (≈ 860 m × 1,110 m) from 106.8E 39.6N."""
    return gpd.GeoSeries([box(106.8 + 0.01 * c, 39.6 + 0.01 * r, 106.81 + 0.01 * c, 39.61 + 0.01 * r)
                          for r in range(n) for c in range(n)], crs=4326)


def test_recall_counts_centres_in_hot_units_at_95_percent():
    classes = ["hot_99", "hot_90", "not_significant", "cold_95"]
    check = check_against_truth(squares(2), classes, lon=[106.805, 106.815], lat=[39.605, 39.605])
    assert (check.found, check.centres, check.recall) == (1, 2, 0.5)  # the 90 % square does not count


def test_precision_is_the_share_of_hot_area_within_the_radius_of_a_centre():
    check = check_against_truth(squares(1), ["hot_95"], lon=[106.805], lat=[39.605], radius_m=200)
    assert check.precision == pytest.approx(np.pi * 200**2 / check.hot_m2, rel=0.01)
    assert check.hot_m2 == pytest.approx(860 * 1110, rel=0.02)


def test_checks_pool_into_one_recall_and_precision():
    pooled = TruthCheck(3, 3, 100.0, 90.0) + TruthCheck(1, 2, 300.0, 150.0)
    assert (pooled.recall, pooled.precision) == (0.8, 0.6)


def test_a_map_without_hot_units_finds_nothing_and_has_no_precision():
    check = check_against_truth(squares(2), ["not_significant"] * 4, lon=[106.805], lat=[39.605])
    assert check.recall == 0 and np.isnan(check.precision)


def test_a_class_per_unit_is_required():
    with pytest.raises(ValueError, match="4 units but 3 classes"):
        check_against_truth(squares(2), ["hot_95"] * 3, lon=[106.805], lat=[39.605])
