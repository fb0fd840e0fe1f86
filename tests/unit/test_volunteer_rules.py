"""The pure rules of community forces: which slots a task window touches, how volunteers are ranked, what a
task earns, codes and phones as a spreadsheet types them."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from geo.domain.volunteer_match import MatchWeights, distances_m, rank_candidates
from geo.domain.volunteer_points import PointsRule, check_redemption
from geo.domain.volunteers import (
    Skill,
    VolunteerInputError,
    available_for,
    normalise_phone,
    parse_codes,
    skills_for_category,
    task_slots,
)

TZ = "Asia/Shanghai"
MONDAY_10 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


@pytest.mark.parametrize("start_hours, length_hours, slots", [
    (0, 2, {"weekday_day"}),  # Monday 10–12
    (9, 2, {"weekday_evening"}),  # Monday 19–21
    (7, 2, {"weekday_day", "weekday_evening"}),  # 17–19
    (13, 8, set()),  # Monday 23:00 – Tuesday 07:00: the night fits only "anytime"
    (5 * 24, 3, {"weekend"}),  # Saturday 10–13
    (0, 24 * 30, {"weekday_day", "weekday_evening", "weekend"}),  # a month-long campaign
])
def test_a_task_window_touches_the_slots_of_its_local_hours(start_hours, length_hours, slots):
    start = MONDAY_10 + timedelta(hours=start_hours)
    assert task_slots(start, start + timedelta(hours=length_hours), TZ) == frozenset(slots)


def test_anytime_fits_every_window_even_the_night():
    assert available_for(frozenset({"anytime"}), frozenset())
    assert not available_for(frozenset({"weekend"}), frozenset({"weekday_day"}))


def _candidates():
    return pd.DataFrame({"volunteer_id": [1, 2, 3, 4], "lon": 0.0, "lat": 0.0,
                         "skills": ["patrol", "electrical;patrol", "", "electrical;patrol"],
                         "availability": ["anytime", "weekday_day", "weekend", "weekday_day"],
                         "load": [0, 0, 0, 6]})


def test_the_near_skilled_available_volunteer_ranks_first_and_load_breaks_the_tie():
    ranked = rank_candidates(_candidates(), np.array([900.0, 900.0, 50.0, 900.0]),
                             frozenset({"patrol", "electrical"}), frozenset({"weekday_day"}))
    assert ranked["volunteer_id"].tolist() == [2, 4, 1, 3]
    assert ranked["matched"].tolist() == [2, 2, 1, 0]
    w = MatchWeights()
    expected = w.distance * np.exp(-900 / 800) + w.skill + w.availability + w.fairness
    assert ranked.loc[0, "score"] == pytest.approx(expected, abs=1e-6)
    assert ranked.loc[1, "score"] == pytest.approx(expected - w.fairness + w.fairness / 7, abs=1e-6)


def test_distance_decides_when_skills_and_availability_are_equal_and_unknown_homes_go_last():
    frame = _candidates().assign(skills="patrol", availability="anytime", load=0)
    ranked = rank_candidates(frame, np.array([300.0, np.nan, 100.0, 300.0]), frozenset({"patrol"}),
                             frozenset({"weekend"}))
    assert ranked["volunteer_id"].tolist() == [3, 1, 4, 2]


def test_a_task_naming_no_skill_counts_every_volunteer_as_matching():
    ranked = rank_candidates(_candidates(), np.zeros(4), frozenset(), frozenset({"weekday_day"}))
    assert set(ranked["skill_match"]) == {1.0}


def test_distances_are_metres_in_the_metric_crs():
    # 0.01° of latitude is about 1,110 m; 0.01° of longitude at 39.67° N about 857 m.
    d = distances_m(np.array([106.81, 106.80]), np.array([39.67, 39.68]), 106.80, 39.67, "EPSG:4545")
    assert d == pytest.approx([857, 1110], rel=0.01)


@pytest.mark.parametrize("hours, photo, points", [
    (2, False, 20), (2, True, 22), (1 + 10 / 60, False, 18),  # 70 minutes count as 1.5 h
    (10, False, 30),  # capped at 4 h
    (0.25, False, 13),
])
def test_points_are_base_plus_hours_of_the_window_plus_a_photo_bonus(hours, photo, points):
    rule = PointsRule(base=10, per_hour=5, max_hours=4, photo_bonus=2)
    assert rule.points_for(MONDAY_10, MONDAY_10 + timedelta(hours=hours), photo) == points


def test_a_points_rule_refuses_negative_or_unknown_fields():
    with pytest.raises(ValueError, match="base must be a whole number of points"):
        PointsRule(base=-1)
    with pytest.raises(ValueError, match="unknown points rule field"):
        PointsRule.from_dict({"bonus": 3})


def test_a_redemption_cannot_overdraw_or_be_zero():
    check_redemption(5, 5)
    with pytest.raises(VolunteerInputError, match="balance is 4"):
        check_redemption(5, 4)
    with pytest.raises(VolunteerInputError, match="positive whole number"):
        check_redemption(0, 10)


def test_codes_are_read_as_spreadsheets_type_them():
    assert parse_codes("治安巡逻、电工维修; patrol", Skill, "skill") == ("patrol", "electrical")
    with pytest.raises(VolunteerInputError, match="unknown skill '跳舞'; known: mediation"):
        parse_codes("跳舞", Skill, "skill")


@pytest.mark.parametrize("raw, stored", [("138 1234 5678", "13812345678"), ("+86-13812345678", "13812345678"),
                                         ("0473-1234567", "04731234567")])
def test_phones_are_stored_as_digits(raw, stored):
    assert normalise_phone(raw) == stored


def test_a_phone_that_is_neither_mobile_nor_landline_is_refused():
    with pytest.raises(VolunteerInputError, match="e.g. 13812345678"):
        normalise_phone("1234567")


def test_a_case_of_a_category_suggests_the_skills_it_needs():
    assert skills_for_category("MSFW04", "MSFW") == ("elderly_care",)
    assert skills_for_category("SRZX01", "SRZX") == ("patrol",)
    assert skills_for_category("XX", None) == ()
