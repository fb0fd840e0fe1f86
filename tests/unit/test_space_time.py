"""Space-time patterns on a 7 × 7 lattice of unit squares over 12 weeks, with a 3 × 3 cluster in one corner
switched on in chosen weeks; the centre of the cluster (unit 8) is the one whose pattern is read."""

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from geo.domain.hotspots import clear_weights_cache, grid_weights
from geo.domain.space_time import PATTERNS, space_time_patterns

SIDE, WEEKS, CENTRE = 7, 12, 8
CLUSTER = [r * SIDE + c for r in range(3) for c in range(3)]


@pytest.fixture(scope="module")
def weights():
    clear_weights_cache()
    grids = gpd.GeoDataFrame(geometry=[box(c, r, c + 1, r + 1) for r in range(SIDE) for c in range(SIDE)])
    yield grid_weights(grids, "space-time-lattice")
    clear_weights_cache()


def weekly(cluster: list[float], seed: int = 1) -> np.ndarray:
    """Background Poisson(2) everywhere; the cluster's units get cluster[k] cases on top in week k."""
    values = np.random.default_rng(seed).poisson(2, (SIDE * SIDE, WEEKS)).astype(float)
    values[CLUSTER] += np.asarray(cluster, dtype=float)
    return values


ON, OFF = 12.0, 0.0


@pytest.mark.parametrize("cluster, pattern", [
    ([ON] * WEEKS, "persistent_hot"),
    ([OFF] * 11 + [ON], "new_hot"),
    ([OFF] * 9 + [ON] * 3, "consecutive_hot"),
    ([OFF, ON, OFF, OFF, ON, OFF, OFF, OFF, ON, OFF, OFF, ON], "sporadic_hot"),
    ([ON] * 11 + [OFF], "historical_hot"),
    (np.linspace(6, 40, WEEKS), "intensifying_hot"),
    (np.linspace(40, 6, WEEKS), "diminishing_hot"),
])
def test_the_cluster_centre_gets_the_pattern_of_its_weekly_hot_spots(weights, cluster, pattern):
    units, _ = space_time_patterns(weekly(cluster), weights)
    assert units.loc[CENTRE, "pattern"] == pattern


def test_a_place_cold_before_and_now_and_then_hot_up_to_the_last_week_oscillates(weights):
    values = weekly([OFF] * WEEKS) + 4.0
    values[CLUSTER, :3] = 0.0  # three weeks with nothing where everywhere else has ≈ 6
    values[np.ix_(CLUSTER, [8, 11])] += ON
    units, _ = space_time_patterns(values, weights)
    assert units.loc[CENTRE, "cold_weeks"] >= 1
    assert units.loc[CENTRE, "pattern"] == "oscillating_hot"


def test_a_place_empty_every_week_among_busy_ones_is_a_persistent_cold_spot(weights):
    values = weekly([OFF] * WEEKS) + 6.0
    values[CLUSTER] = 0.0
    units, _ = space_time_patterns(values, weights)
    assert units.loc[CENTRE, "pattern"] == "persistent_cold"


def test_background_noise_has_no_pattern_and_every_pattern_is_known(weights):
    units, weeks = space_time_patterns(weekly([ON] * WEEKS), weights)
    far = [r * SIDE + c for r in range(4, SIDE) for c in range(4, SIDE)]
    assert (units.loc[far, "pattern"] == "no_pattern").all()
    assert set(units["pattern"]) <= set(PATTERNS)
    assert len(weeks) == WEEKS and (weeks["hot"] >= 1).all()
    assert list(units.columns) == ["hot_weeks", "cold_weeks", "tau", "trend_p", "pattern"]


def test_a_trend_is_tested_only_where_a_pattern_needs_it(weights):
    units, _ = space_time_patterns(weekly(np.linspace(6, 40, WEEKS)), weights)
    assert units.loc[CENTRE, "tau"] > 0 and units.loc[CENTRE, "trend_p"] < 0.05
    assert units["tau"].isna().sum() > SIDE * SIDE - len(CLUSTER) - 1


@pytest.mark.parametrize("values, message", [
    (np.zeros(SIDE * SIDE), "units × weeks"),
    (np.zeros((SIDE * SIDE, 1)), "at least 2 weeks"),
])
def test_values_must_be_units_by_weeks(weights, values, message):
    with pytest.raises(ValueError, match=message):
        space_time_patterns(values, weights)
