import pandas as pd

from geo.domain.clustering import ClusterRule, clusters

RULE = ClusterRule(min_cases=3, radius_m=100, days=7)
LON, LAT = 106.82, 39.67
M = 1 / 85_000  # ≈ one metre of longitude here


def frame(rows):
    return pd.DataFrame(rows, columns=["category_id", "lon", "lat", "reported_at"])


def test_three_cases_of_one_category_close_in_space_and_time_form_a_cluster():
    f = frame([(1, LON, LAT, "2026-05-01"), (1, LON + 50 * M, LAT, "2026-05-03"), (1, LON + 120 * M, LAT, "2026-05-06")])
    assert clusters(f, RULE).tolist() == [0, 0, 0]  # chained: 50 m and 70 m apart


def test_cases_far_apart_in_time_do_not_cluster():
    f = frame([(1, LON, LAT, "2026-05-01"), (1, LON, LAT, "2026-05-20"), (1, LON, LAT, "2026-06-20")])
    assert clusters(f, RULE).tolist() == [-1, -1, -1]


def test_different_categories_at_the_same_place_do_not_cluster():
    f = frame([(1, LON, LAT, "2026-05-01"), (2, LON, LAT, "2026-05-01"), (3, LON, LAT, "2026-05-01")])
    assert clusters(f, RULE).tolist() == [-1, -1, -1]


def test_a_group_smaller_than_the_minimum_is_not_a_cluster():
    f = frame([(1, LON, LAT, "2026-05-01"), (1, LON, LAT, "2026-05-02"), (1, LON + 0.01, LAT, "2026-05-02")])
    assert clusters(f, RULE).tolist() == [-1, -1, -1]
