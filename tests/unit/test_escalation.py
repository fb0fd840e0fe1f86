"""Escalation cards and reminders derived from whistle and report-in timestamps (wall-clock hours)."""

import time as clock
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from geo.domain.escalation import (
    DEFAULT_POLICY,
    EscalationPolicy,
    card_for,
    card_thresholds_seconds,
    cards_for,
    due_reminders,
    reminder_levels,
)
from geo.domain.vocabulary import Card

WHISTLE = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


def after(**delta: float) -> datetime:
    return WHISTLE + timedelta(**delta)


@pytest.mark.parametrize(
    ("elapsed", "card"),
    [
        (timedelta(minutes=59, seconds=59), Card.NONE),
        (timedelta(hours=1), Card.YELLOW),  # "after 1 h" is inclusive: elapsed >= 1 h
        (timedelta(hours=3, minutes=59), Card.YELLOW),
        (timedelta(hours=4), Card.RED),
        (timedelta(hours=14, minutes=59), Card.RED),
        (timedelta(hours=15), Card.DISCIPLINE),
        (timedelta(days=10), Card.DISCIPLINE),
    ],
)
def test_a_dispatch_not_reported_in_gets_the_card_of_its_elapsed_time(elapsed, card):
    assert card_for(WHISTLE, None, WHISTLE + elapsed, DEFAULT_POLICY) is card


def test_reported_in_after_two_hours_keeps_its_yellow_card_forever():
    assert card_for(WHISTLE, after(hours=2), after(days=30)) is Card.YELLOW


def test_reported_in_after_thirty_minutes_has_no_card():
    assert card_for(WHISTLE, after(minutes=30), after(days=30)) is Card.NONE


def test_a_report_in_after_now_has_not_happened_yet_as_of_now():
    assert card_for(WHISTLE, after(hours=5), now=after(hours=2)) is Card.YELLOW


def test_a_whistle_in_the_future_has_no_card_and_no_reminder():
    assert card_for(WHISTLE, None, after(hours=-1)) is Card.NONE
    assert due_reminders(WHISTLE, None, after(hours=-1)) == []


def test_cards_run_on_wall_clock_hours_through_the_night():
    friday_evening = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)  # 18:00 in Shanghai
    assert card_for(friday_evening, None, friday_evening + timedelta(hours=15)) is Card.DISCIPLINE


def test_a_stricter_district_policy_moves_the_thresholds():
    strict = EscalationPolicy(
        yellow=timedelta(minutes=30), red=timedelta(hours=2), discipline=timedelta(hours=8)
    )
    assert card_for(WHISTLE, None, after(minutes=45), strict) is Card.YELLOW
    assert card_for(WHISTLE, None, after(minutes=45)) is Card.NONE


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError, match="whistled_at must be an aware datetime"):
        card_for(datetime(2025, 3, 14, 9), None, after(hours=1))


# --- policy ------------------------------------------------------------------------------------------


def test_default_policy_is_one_four_fifteen_hours():
    assert (DEFAULT_POLICY.yellow, DEFAULT_POLICY.red, DEFAULT_POLICY.discipline) == (
        timedelta(hours=1),
        timedelta(hours=4),
        timedelta(hours=15),
    )


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ((4, 1, 15), "strictly increasing.*'yellow': '4:00:00'"),
        ((1, 1, 15), "strictly increasing"),
        ((0, 4, 15), "positive"),
        ((-1, 4, 15), "positive"),
        ((1, 4, 1 / 7200), "strictly increasing"),
        ((1, 4, 15.0001), "whole seconds"),
    ],
)
def test_a_bad_policy_is_rejected_with_its_values(hours, message):
    yellow, red, discipline = (timedelta(hours=h) for h in hours)
    with pytest.raises(ValueError, match=message):
        EscalationPolicy(yellow=yellow, red=red, discipline=discipline)


def test_policy_from_district_config_in_hours_keeps_missing_defaults():
    policy = EscalationPolicy.from_dict({"yellow_hours": 0.5, "discipline_hours": 12})
    assert policy == EscalationPolicy(timedelta(minutes=30), timedelta(hours=4), timedelta(hours=12))
    with pytest.raises(ValueError, match="unknown escalation policy keys \\['orange_hours'\\]"):
        EscalationPolicy.from_dict({"orange_hours": 2})


def test_sql_thresholds_are_whole_seconds():
    assert card_thresholds_seconds(DEFAULT_POLICY) == (3600, 14400, 54000)


# --- reminders ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reported_in_at", "now", "levels"),
    [
        (None, after(minutes=0), [1]),
        (None, after(minutes=59), [1]),
        (None, after(hours=1), [1, 2]),
        (None, after(hours=4), [1, 2, 3]),
        (None, after(hours=15), [1, 2, 3, 4]),
        (after(minutes=30), after(days=2), [1]),
        (after(hours=5), after(days=2), [1, 2, 3]),
    ],
)
def test_due_reminders_follow_the_thresholds_while_not_reported_in(reported_in_at, now, levels):
    assert due_reminders(WHISTLE, reported_in_at, now) == levels


def test_reminder_levels_give_the_highest_due_and_zero_when_not_whistled():
    whistled = pd.Series([WHISTLE, WHISTLE, WHISTLE, pd.NaT], dtype="datetime64[ns, UTC]")
    reported = pd.Series([after(minutes=30), pd.NaT, after(hours=20), pd.NaT], dtype="datetime64[ns, UTC]")
    assert reminder_levels(whistled, reported, after(hours=16)).tolist() == [1, 4, 4, 0]


# --- arrays ------------------------------------------------------------------------------------------


def random_dispatches(n: int, seed: int = 11) -> tuple[pd.Series, pd.Series, datetime]:
    rng = np.random.default_rng(seed)
    whistled = WHISTLE + pd.to_timedelta(rng.integers(0, 3 * 86400, n), unit="s")
    delay = pd.to_timedelta(rng.integers(0, 20 * 3600, n), unit="s")
    reported = pd.Series(whistled + delay).where(rng.random(n) < 0.6)  # 40 % not reported in (NaT)
    return pd.Series(whistled), reported, WHISTLE + timedelta(days=2)


def test_vectorised_cards_equal_the_scalar_ones_on_random_data():
    whistled, reported, now = random_dispatches(2000)
    scalar = [card_for(w, None if pd.isna(r) else r, now) for w, r in zip(whistled, reported, strict=True)]
    assert cards_for(whistled, reported, now).tolist() == scalar
    levels = [
        len(due_reminders(w, None if pd.isna(r) else r, now)) for w, r in zip(whistled, reported, strict=True)
    ]
    assert reminder_levels(whistled, reported, now).tolist() == levels


def test_vectorised_cards_accept_naive_utc_arrays_and_no_report_ins():
    naive = np.array(["2025-03-14T09:00", "2025-03-14T04:00"], dtype="datetime64[s]")
    assert cards_for(naive, None, after(hours=1)).tolist() == [Card.YELLOW, Card.RED]


def test_cards_for_100000_dispatches_take_well_under_a_tenth_of_a_second():
    whistled, reported, now = random_dispatches(100_000)
    cards_for(whistled[:10], reported[:10], now)
    t0 = clock.perf_counter()
    cards_for(whistled, reported, now)
    assert clock.perf_counter() - t0 < 0.1
