"""Working-time arithmetic on the default calendar (Asia/Shanghai, 08:30-12:00 and 14:30-18:00)."""

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from geo.domain.workcalendar import (
    WorkCalendar,
    add_working_time,
    add_working_time_many,
    default_calendar,
    working_seconds_between,
    working_seconds_between_many,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL = default_calendar()
HOUR = 3600.0


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def due(start: datetime, amount: float, unit: str = "working_hours") -> datetime:
    return add_working_time(start, amount, unit, CAL).astimezone(SHANGHAI)


# --- working hours -----------------------------------------------------------------------------------


def test_hours_within_one_period_end_inside_it():
    assert due(local(2025, 3, 10, 9, 0), 2) == local(2025, 3, 10, 11, 0)


def test_deadline_on_the_end_of_a_period_is_that_end_not_the_next_start():
    assert due(local(2025, 3, 10, 10, 0), 2) == local(2025, 3, 10, 12, 0)


def test_hours_across_lunch_skip_the_break():
    assert due(local(2025, 3, 10, 11, 0), 2) == local(2025, 3, 10, 15, 30)


def test_hours_across_the_evening_continue_next_morning():
    assert due(local(2025, 3, 11, 17, 0), 2) == local(2025, 3, 12, 9, 30)


def test_hours_across_a_weekend_continue_on_monday():
    assert due(local(2025, 3, 14, 17, 0), 2) == local(2025, 3, 17, 9, 30)  # Friday -> Monday


def test_hours_across_national_day_2025_skip_oct_1_to_8():
    assert due(local(2025, 9, 30, 17, 0), 2) == local(2025, 10, 9, 9, 30)


def test_hours_across_spring_festival_2026_skip_feb_15_to_23():
    # Friday 13 Feb 17:00: 1 h that day, then Saturday 14 Feb is a make-up working day.
    assert due(local(2026, 2, 13, 17, 0), 2) == local(2026, 2, 14, 9, 30)
    # From the make-up Saturday's evening the holiday runs to Monday 23 Feb; work resumes Tuesday 24.
    assert due(local(2026, 2, 14, 17, 0), 2) == local(2026, 2, 24, 9, 30)


def test_a_make_up_saturday_counts_as_a_working_day():
    # Saturday 8 Feb 2025 is a make-up working day; Saturday 15 Feb is an ordinary weekend day.
    assert due(local(2025, 2, 8, 9, 0), 1) == local(2025, 2, 8, 10, 0)
    assert due(local(2025, 2, 15, 9, 0), 1) == local(2025, 2, 17, 9, 30)


def test_start_outside_working_time_counts_from_the_next_period():
    assert due(local(2025, 3, 10, 6, 0), 1) == local(2025, 3, 10, 9, 30)  # before work
    assert due(local(2025, 3, 10, 13, 0), 1) == local(2025, 3, 10, 15, 30)  # at lunch
    assert due(local(2025, 3, 15, 10, 0), 1) == local(2025, 3, 17, 9, 30)  # Saturday


def test_zero_amount_is_due_at_the_start():
    assert due(local(2025, 3, 15, 10, 0), 0) == local(2025, 3, 15, 10, 0)


# --- working days ------------------------------------------------------------------------------------


def test_one_working_day_from_friday_afternoon_is_due_monday_at_close():
    assert due(local(2025, 3, 14, 17, 0), 1, "working_days") == local(2025, 3, 17, 18, 0)


def test_a_day_starting_at_or_after_the_start_counts_an_earlier_one_does_not():
    assert due(local(2025, 3, 10, 7, 0), 1, "working_days") == local(2025, 3, 10, 18, 0)
    assert due(local(2025, 3, 10, 8, 30), 1, "working_days") == local(2025, 3, 10, 18, 0)
    assert due(local(2025, 3, 10, 8, 31), 1, "working_days") == local(2025, 3, 11, 18, 0)


def test_working_days_skip_the_weekend_and_holidays():
    # Thursday 25 Sep 2025 + 3: Fri 26, Sun 28 (make-up working day), Mon 29.
    assert due(local(2025, 9, 25, 10, 0), 3, "working_days") == local(2025, 9, 29, 18, 0)
    # Monday 29 Sep + 2: Tue 30, then 1-8 Oct off, Thu 9 Oct.
    assert due(local(2025, 9, 29, 10, 0), 2, "working_days") == local(2025, 10, 9, 18, 0)


def test_half_a_working_day_is_half_of_the_days_working_time():
    assert due(local(2025, 3, 14, 17, 0), 1.5, "working_days") == local(2025, 3, 18, 12, 0)


# --- elapsed working time ----------------------------------------------------------------------------


def test_elapsed_over_a_day_and_a_night_counts_only_working_periods():
    assert working_seconds_between(local(2025, 3, 10, 7, 0), local(2025, 3, 11, 10, 0), CAL) == 8.5 * HOUR


def test_elapsed_over_a_holiday_week_is_zero():
    assert working_seconds_between(local(2025, 10, 1, 0, 0), local(2025, 10, 9, 0, 0), CAL) == 0.0


def test_elapsed_is_negative_when_end_precedes_start():
    assert working_seconds_between(local(2025, 3, 10, 11, 0), local(2025, 3, 10, 10, 0), CAL) == -HOUR


def test_pauses_stop_the_clock_and_overlapping_pauses_count_once():
    start, end = local(2025, 3, 10, 8, 30), local(2025, 3, 10, 18, 0)
    pauses = [
        (local(2025, 3, 10, 9, 0), local(2025, 3, 10, 10, 0)),
        (local(2025, 3, 10, 9, 30), local(2025, 3, 10, 11, 0)),
    ]
    assert working_seconds_between(start, end, CAL, pauses=pauses) == 5 * HOUR


def test_a_pause_outside_the_interval_is_clipped_and_an_open_pause_runs_to_the_end():
    start, end = local(2025, 3, 10, 8, 30), local(2025, 3, 10, 18, 0)
    assert (
        working_seconds_between(start, end, CAL, pauses=[(local(2025, 3, 9), local(2025, 3, 10, 9, 30))])
        == 6 * HOUR
    )
    assert working_seconds_between(start, end, CAL, pauses=[(local(2025, 3, 10, 16, 0), None)]) == 5 * HOUR


def test_a_pause_ending_before_it_starts_is_rejected():
    with pytest.raises(ValueError, match="pause ends before it starts"):
        working_seconds_between(
            local(2025, 3, 10, 8),
            local(2025, 3, 11, 8),
            CAL,
            pauses=[(local(2025, 3, 10, 11), local(2025, 3, 10, 10))],
        )


@pytest.mark.parametrize("amount", [0.25, 1, 3.5, 7, 20, 100])
@pytest.mark.parametrize(
    "start", [local(2025, 3, 10, 9, 0), local(2025, 9, 30, 17, 45), local(2026, 2, 13, 20, 0)]
)
def test_adding_then_measuring_returns_the_amount(start, amount):
    deadline = add_working_time(start, amount, "working_hours", CAL)
    assert working_seconds_between(start, deadline, CAL) == amount * HOUR


# --- time zones and inputs ---------------------------------------------------------------------------


def test_input_in_utc_is_read_on_the_local_calendar_and_returned_in_utc():
    start = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)  # Friday 17:00 in Shanghai
    deadline = add_working_time(start, 1, "working_days", CAL)
    assert deadline == datetime(2025, 3, 17, 10, 0, tzinfo=UTC)  # Monday 18:00 in Shanghai
    assert deadline.utcoffset() == timedelta(0)


def test_a_naive_datetime_is_rejected():
    with pytest.raises(ValueError, match="aware datetime"):
        add_working_time(datetime(2025, 3, 10, 9), 1, "working_hours", CAL)


def test_an_unknown_unit_is_rejected_with_the_accepted_ones():
    with pytest.raises(ValueError, match="'calendar_days'.*working_hours"):
        add_working_time(local(2025, 3, 10, 9), 1, "calendar_days", CAL)


def test_calendar_round_trips_through_its_dict_shape():
    shape = {
        "periods": [["09:00", "17:00"]],
        "holidays": ["2025-05-01"],
        "makeup_workdays": ["2025-04-27"],
        "tz": "Asia/Shanghai",
    }
    cal = WorkCalendar.from_dict(shape)
    assert cal.periods == ((time(9), time(17)),)
    assert cal.to_dict() == shape
    assert WorkCalendar.from_dict(cal.to_dict()) == cal


def test_configured_periods_are_used():
    cal = WorkCalendar.from_dict({"periods": [["09:00", "17:00"]]})
    assert add_working_time(local(2025, 3, 10, 16, 0), 2, "working_hours", cal) == local(2025, 3, 11, 10, 0)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ({"periods": [["12:00", "08:30"]]}, "sorted, non-overlapping"),
        ({"periods": [["08:30", "12:00"], ["11:00", "18:00"]]}, "sorted, non-overlapping"),
        ({"periods": []}, "at least one working period"),
        ({"holidays": ["2025-04-27"], "makeup_workdays": ["2025-04-27"]}, "2025-04-27"),
        ({"tz": "Mars/Olympus"}, "Mars/Olympus"),
        ({"hours": 7}, "unknown work calendar keys"),
    ],
)
def test_a_bad_calendar_is_rejected_with_the_bad_value(shape, message):
    with pytest.raises(ValueError, match=message):
        WorkCalendar.from_dict(shape)


def test_default_calendar_holds_the_official_2025_and_2026_days():
    assert {date(2025, 10, 8), date(2026, 2, 23), date(2026, 10, 7)} <= CAL.holidays
    assert {date(2025, 1, 26), date(2026, 1, 4), date(2026, 9, 20)} <= CAL.makeup_workdays
    assert len(CAL.holidays) == 28 + 33


# --- arrays ------------------------------------------------------------------------------------------


def random_starts(n: int) -> pd.Series:
    rng = np.random.default_rng(7)
    seconds = rng.integers(0, 2 * 365 * 86400, n)
    return pd.Series(pd.Timestamp("2025-01-01", tz=UTC) + pd.to_timedelta(seconds, unit="s"))


def test_vectorised_deadlines_equal_the_scalar_ones_and_nat_stays_nat():
    starts = random_starts(300)
    amounts = np.resize([0, 0.5, 1, 2, 3, 10], 300)
    for unit in ("working_hours", "working_days"):
        many = add_working_time_many(starts, amounts, unit, CAL)
        assert list(many) == [add_working_time(s, a, unit, CAL) for s, a in zip(starts, amounts, strict=True)]
    assert add_working_time_many([pd.NaT], 1, "working_hours", CAL).isna().all()


def test_vectorised_elapsed_equals_the_scalar_one_and_nat_gives_nan():
    starts = random_starts(300)
    ends = starts + pd.to_timedelta(np.arange(300) * 5000, unit="s")
    many = working_seconds_between_many(starts, ends, CAL)
    assert many.tolist() == [working_seconds_between(a, b, CAL) for a, b in zip(starts, ends, strict=True)]
    assert np.isnan(working_seconds_between_many([pd.NaT], [ends[0]], CAL)).all()


def test_deadlines_for_48000_cases_take_under_a_second():
    starts = random_starts(48_000)
    amounts = np.resize([2, 8, 24, 72], 48_000)
    add_working_time_many(starts[:10], 1, "working_days", CAL)  # warm the calendar table
    t0 = clock.perf_counter()
    add_working_time_many(starts, amounts, "working_hours", CAL)
    add_working_time_many(starts, 3, "working_days", CAL)
    assert clock.perf_counter() - t0 < 1.0
