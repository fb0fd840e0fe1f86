"""The sample's year is placed so that it ends when it is loaded: alive on any date, same relative pattern."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from geo.usecases.bulk_load import CASE_TIMES
from samples.load import SAMPLE_END, read_sample

LOADED = datetime(2027, 3, 15, 2, 37, 41, tzinfo=UTC)


@pytest.fixture(scope="module")
def committed():
    return read_sample()


@pytest.fixture(scope="module")
def moved():
    return read_sample(LOADED)


def _latest(data) -> pd.Timestamp:
    return max(data.cases[c].max() for c in CASE_TIMES if c != "deadline")


def test_the_committed_year_ends_at_the_snapshot(committed):
    assert _latest(committed) <= pd.Timestamp(SAMPLE_END)
    assert committed.cases["number"].iloc[0] == "HB20251101000001"


def test_a_sample_loaded_later_ends_in_the_minutes_before_it_is_loaded(moved):
    latest = _latest(moved)
    assert pd.Timestamp(LOADED) - pd.Timedelta(hours=1) < latest <= pd.Timestamp(LOADED)


def test_every_time_moves_by_the_same_whole_minutes(committed, moved):
    shift = moved.cases["reported_at"] - committed.cases["reported_at"]
    assert shift.nunique() == 1 and shift.iloc[0] % pd.Timedelta(minutes=1) == pd.Timedelta(0)
    for column in [*CASE_TIMES, "deferred_at"]:
        assert ((moved.cases[column] - committed.cases[column]).dropna() == shift.iloc[0]).all()
    assert ((moved.dispatches["whistled_at"] - committed.dispatches["whistled_at"]) == shift.iloc[0]).all()
    assert (moved.events["at"].sort_values().to_numpy() == (committed.events["at"] + shift.iloc[0])
            .sort_values().to_numpy()).all()


def test_case_numbers_carry_the_moved_local_date_and_stay_unique(moved):
    local_day = moved.cases["reported_at"].dt.tz_convert(ZoneInfo("Asia/Shanghai")).dt.strftime("%Y%m%d")
    assert (moved.cases["number"].str[2:10] == local_day).all()
    assert moved.cases["number"].is_unique
    assert set(moved.dispatches["case_number"]) <= set(moved.cases["number"])
    assert set(moved.events["case_number"]) == set(moved.cases["number"])
