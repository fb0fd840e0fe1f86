"""Escalation cards (亮牌) and reminders of a whistled dispatch, derived from its timestamps.

docs/domain.md, "Escalation cards": at the whistle, reminder 1; not reported in after 1 h, reminder 2 and a
yellow card; after 4 h, reminder 3 and a red card; after 15 h, pushed to the discipline-inspection
supervision platform (here: reminder 4). A card is a function of (whistled_at, reported_in_at, now)
and the district's policy, so it is computed, never stored as the source of truth: a stored card goes
stale the moment the clock passes a threshold or a report-in is corrected.

Conventions, the same in the scalar, the vectorised and the SQL forms (the SQL twins are in geo.db.rules:
``card_of`` / ``in_card`` for ``card_for`` / ``cards_for``, ``reminder_thresholds`` for ``reminder_levels``;
tests/integration/test_rules.py asserts they agree):
- elapsed = min(reported_in_at, now) - whistled_at, or now - whistled_at while not reported in;
  a report-in after `now` has not happened as of `now`, so replaying a past day gives that day's cards.
- thresholds are inclusive: "not reported in after 1 h" means elapsed >= 1 h is yellow.
- wall-clock time: the 1/4/15 h rule runs through nights, weekends and holidays, unlike category time
  limits, which count working time on a work calendar (geo.domain.workcalendar).
- the card records lateness: once reported in, a dispatch keeps the card it had reached at the report-in.
Scalar instants must be aware datetimes; array values may be naive datetime64, read as UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from geo.domain.vocabulary import Card

_NAT = np.iinfo(np.int64).min  # how pandas stores NaT in int64
_CARDS = (Card.NONE, Card.YELLOW, Card.RED, Card.DISCIPLINE)
_CARD_ARRAY = np.array(_CARDS, dtype=object)
REMINDER_WHISTLE, REMINDER_YELLOW, REMINDER_RED, REMINDER_DISCIPLINE = 1, 2, 3, 4
_POLICY_KEYS = ("yellow_hours", "red_hours", "discipline_hours")


@dataclass(frozen=True)
class EscalationPolicy:
    """How long a department may leave a whistle without reporting in before each card.

    Why 1 h, 4 h and 15 h: these are the whistle-and-answer rules (街道吹哨、部门报到) quoted in
    docs/domain.md. Not reported in after 1 h, the center head phones the department head (yellow); after
    4 h the deputy district head is told (red); after 15 h the case goes to the discipline-inspection
    supervision platform. Districts set their own numbers; they must be positive, strictly increasing
    and whole seconds (so the SQL CASE form compares exactly what Python compares).
    """

    yellow: timedelta = timedelta(hours=1)
    red: timedelta = timedelta(hours=4)
    discipline: timedelta = timedelta(hours=15)

    def __post_init__(self) -> None:
        values = {"yellow": self.yellow, "red": self.red, "discipline": self.discipline}
        shown = {name: str(v) for name, v in values.items()}
        if not all(isinstance(v, timedelta) for v in values.values()):
            raise ValueError(f"escalation thresholds must be timedeltas, got {values!r}")
        if not timedelta(0) < self.yellow < self.red < self.discipline:
            raise ValueError(
                f"escalation thresholds must be positive and strictly increasing "
                f"(0 < yellow < red < discipline), got {shown}"
            )
        if any(v % timedelta(seconds=1) for v in values.values()):
            raise ValueError(f"escalation thresholds must be whole seconds, got {shown}")

    @classmethod
    def from_dict(cls, d: Mapping[str, float]) -> EscalationPolicy:
        """From a district config: {"yellow_hours": 1, "red_hours": 4, "discipline_hours": 15}."""
        unknown = sorted(set(d) - set(_POLICY_KEYS))
        if unknown:
            raise ValueError(f"unknown escalation policy keys {unknown}; accepted: {list(_POLICY_KEYS)}")
        default = cls()
        return cls(
            yellow=timedelta(hours=d["yellow_hours"]) if "yellow_hours" in d else default.yellow,
            red=timedelta(hours=d["red_hours"]) if "red_hours" in d else default.red,
            discipline=timedelta(hours=d["discipline_hours"])
            if "discipline_hours" in d
            else default.discipline,
        )


DEFAULT_POLICY = EscalationPolicy()


def card_thresholds_seconds(policy: EscalationPolicy = DEFAULT_POLICY) -> tuple[int, int, int]:
    """(yellow, red, discipline) in whole seconds, for a SQL CASE over elapsed seconds:

    CASE WHEN elapsed >= :discipline THEN 'discipline' WHEN elapsed >= :red THEN 'red'
         WHEN elapsed >= :yellow THEN 'yellow' ELSE 'none' END
    with elapsed = seconds from whistled_at to COALESCE(LEAST(reported_in_at, :now), :now).
    """
    return (
        int(policy.yellow.total_seconds()),
        int(policy.red.total_seconds()),
        int(policy.discipline.total_seconds()),
    )


def card_for(
    whistled_at: datetime,
    reported_in_at: datetime | None,
    now: datetime,
    policy: EscalationPolicy = DEFAULT_POLICY,
) -> Card:
    """The card of one dispatch as of `now` (see the module docstring for the rule). SQL twin:
    geo.db.rules.card_of over geo.db.rules.elapsed_seconds."""
    return _CARDS[max(_reminder_level(whistled_at, reported_in_at, now, policy) - 1, 0)]


def due_reminders(
    whistled_at: datetime,
    reported_in_at: datetime | None,
    now: datetime,
    policy: EscalationPolicy = DEFAULT_POLICY,
) -> list[int]:
    """The reminders due for one dispatch as of `now`, ascending: 1 at the whistle, 2 at yellow, 3 at
    red, 4 at discipline (the push to the supervision platform); a level is due only if the dispatch was
    not reported in when its threshold was reached. Reported in at 30 min: [1]."""
    return list(range(1, _reminder_level(whistled_at, reported_in_at, now, policy) + 1))


def reminder_levels(
    whistled_at: Any, reported_in_at: Any, now: datetime, policy: EscalationPolicy = DEFAULT_POLICY
) -> np.ndarray:
    """Vectorised: the highest reminder level due (0-4, int8) per dispatch; the sweep inserts the
    missing (dispatch_id, level) rows for 1..level. NaT whistled_at (not whistled yet) gives 0;
    reported_in_at may hold NaT or be None (none reported in). SQL twin: geo.db.rules.reminder_thresholds."""
    elapsed = _elapsed_ns(whistled_at, reported_in_at, now)
    thresholds = np.array([0, *card_thresholds_seconds(policy)], dtype=np.int64) * 1_000_000_000
    return np.searchsorted(thresholds, elapsed, side="right").astype(np.int8)


def cards_for(
    whistled_at: Any, reported_in_at: Any, now: datetime, policy: EscalationPolicy = DEFAULT_POLICY
) -> np.ndarray:
    """Vectorised card_for: an object array of Card, positional with the inputs. SQL twin: geo.db.rules.card_of."""
    levels = reminder_levels(whistled_at, reported_in_at, now, policy)
    return _CARD_ARRAY[np.maximum(levels - 1, 0)]


def _reminder_level(
    whistled_at: datetime, reported_in_at: datetime | None, now: datetime, policy: EscalationPolicy
) -> int:
    _check_aware(whistled_at, "whistled_at")
    _check_aware(now, "now")
    end = now
    if reported_in_at is not None and not pd.isna(reported_in_at):
        _check_aware(reported_in_at, "reported_in_at")
        end = min(reported_in_at, now)
    elapsed = end - whistled_at
    thresholds = (timedelta(0), policy.yellow, policy.red, policy.discipline)
    return sum(elapsed >= t for t in thresholds)


def _check_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime) or pd.isna(value) or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (e.g. UTC), got {value!r}")


def _elapsed_ns(whistled_at: Any, reported_in_at: Any, now: datetime) -> np.ndarray:
    """Elapsed ns per dispatch by the module's rule; -1 where not whistled (below every threshold)."""
    _check_aware(now, "now")
    n = pd.Timestamp(now).as_unit("ns").value
    w = _utc_ns(whistled_at)
    r = np.full(w.shape, _NAT) if reported_in_at is None else _utc_ns(reported_in_at)
    if r.shape != w.shape:
        raise ValueError(f"whistled_at and reported_in_at differ in length: {w.shape[0]} and {r.shape[0]}")
    end = np.where(r == _NAT, n, np.minimum(r, n))
    whistled = w != _NAT
    return np.where(whistled, end - np.where(whistled, w, n), -1)


def _utc_ns(values: Any) -> np.ndarray:
    """int64 UTC nanoseconds (NaT as _NAT); aware values are converted, naive ones read as UTC."""
    return pd.DatetimeIndex(pd.to_datetime(values, utc=True)).as_unit("ns").asi8
