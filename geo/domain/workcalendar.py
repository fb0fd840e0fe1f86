"""Working-time arithmetic for category time limits: deadlines and elapsed working time.

Digital city management counts a category's time limit in working hours or working days: only time
inside the day's working periods on a working day counts. A working day is a Monday to Friday that is
not a public holiday, or a make-up working day (调休上班日, a Saturday or Sunday worked in exchange for a
longer holiday). The escalation cards (geo/escalation.py) are different: they run on wall-clock hours.

How it is fast: for the years it needs, a calendar is laid out once (and cached) as a sorted table of
its working intervals in UTC nanoseconds, with the working time accumulated before each one. Working
time up to an instant is then a binary search plus a clip, and a deadline is the inverse search, so a
batch of cases costs a few numpy calls whatever the amounts: no loop over minutes or days.

Instants are aware datetimes (any zone; results are in UTC). The array functions also take naive
datetime64 values, read as UTC, which is how numpy and SQLite columns carry them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

Unit = Literal["working_hours", "working_days"]
UNITS: tuple[str, ...] = ("working_hours", "working_days")
DEFAULT_TZ = "Asia/Shanghai"
# Usual office hours of Chinese district government bodies: a morning and an afternoon period.
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(14, 30), time(18, 0)))

_NS_PER_S = 1_000_000_000
_NS_PER_HOUR = 3600 * _NS_PER_S
_NAT = np.iinfo(np.int64).min  # how pandas stores NaT in int64
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CALENDAR_KEYS = ("periods", "holidays", "makeup_workdays", "tz")


@dataclass(frozen=True)
class WorkCalendar:
    """When the clock of a category time limit runs.

    periods: the working periods of a working day, local wall-clock (start, end), sorted, not overlapping.
    holidays: dates off although Monday to Friday. makeup_workdays: Saturdays or Sundays worked (调休).
    tz: IANA zone of the periods and dates. Lists and ISO strings are accepted and normalised.
    """

    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()
    tz: str = DEFAULT_TZ

    def __post_init__(self) -> None:
        object.__setattr__(self, "periods", tuple((_as_time(a), _as_time(b)) for a, b in self.periods))
        object.__setattr__(self, "holidays", frozenset(_as_date(d) for d in self.holidays))
        object.__setattr__(self, "makeup_workdays", frozenset(_as_date(d) for d in self.makeup_workdays))
        _check_calendar(self)

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    @property
    def day_seconds(self) -> float:
        """Working seconds in one working day (7 h with the default periods)."""
        return sum(_seconds_of_day(b) - _seconds_of_day(a) for a, b in self.periods)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> WorkCalendar:
        """Build from a TOML/JSON shape: {"periods": [["08:30", "12:00"], …], "holidays": ["2025-01-01", …],
        "makeup_workdays": [...], "tz": "Asia/Shanghai"}; missing keys take the defaults (no holidays)."""
        unknown = sorted(set(d) - set(_CALENDAR_KEYS))
        if unknown:
            raise ValueError(f"unknown work calendar keys {unknown}; accepted: {list(_CALENDAR_KEYS)}")
        return cls(
            periods=tuple(tuple(p) for p in d.get("periods", DEFAULT_PERIODS)),
            holidays=frozenset(d.get("holidays", ())),
            makeup_workdays=frozenset(d.get("makeup_workdays", ())),
            tz=d.get("tz", DEFAULT_TZ),
        )

    def to_dict(self) -> dict[str, Any]:
        """The from_dict shape, with ISO strings, sorted: round-trips through TOML or JSON."""
        return {
            "periods": [[a.isoformat("minutes"), b.isoformat("minutes")] for a, b in self.periods],
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "makeup_workdays": sorted(d.isoformat() for d in self.makeup_workdays),
            "tz": self.tz,
        }


def _as_time(value: time | str) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def _as_date(value: date | str) -> date:
    if isinstance(value, datetime):
        raise TypeError(f"calendar dates must be dates, not datetimes: {value!r}")
    return value if isinstance(value, date) else date.fromisoformat(value)


def _seconds_of_day(t: time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


def _check_calendar(cal: WorkCalendar) -> None:
    if not cal.periods:
        raise ValueError("a work calendar needs at least one working period, e.g. [('08:30', '12:00')]")
    previous_end = time.min
    for start, end in cal.periods:
        if not start < end or start < previous_end:
            raise ValueError(
                f"working periods must be sorted, non-overlapping (start, end) pairs within one day; "
                f"got {[(a.isoformat(), b.isoformat()) for a, b in cal.periods]}"
            )
        previous_end = end
    both = sorted(cal.holidays & cal.makeup_workdays)
    if both:
        raise ValueError(f"dates both holiday and make-up working day: {[d.isoformat() for d in both]}")
    try:
        ZoneInfo(cal.tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {cal.tz!r}; expected an IANA name like 'Asia/Shanghai'") from exc


# Mainland China public holidays and make-up working days (调休上班日), from the State Council General
# Office notices. Only published years are listed; later years fall back to plain weekends until added.
# - 2025: 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12),
#   https://www.gov.cn/zhengce/content/202411/content_6986382.htm
# - 2026: 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04), Xinhua full text as reprinted at
#   https://politics.gmw.cn/2025-11/04/content_38391083.htm (gov.cn: zhengce/content/202511/content_7047090.htm)
_CN_HOLIDAY_RANGES: tuple[tuple[str, str], ...] = (
    ("2025-01-01", "2025-01-01"),  # New Year's Day
    ("2025-01-28", "2025-02-04"),  # Spring Festival
    ("2025-04-04", "2025-04-06"),  # Qingming
    ("2025-05-01", "2025-05-05"),  # Labour Day
    ("2025-05-31", "2025-06-02"),  # Dragon Boat
    ("2025-10-01", "2025-10-08"),  # National Day + Mid-Autumn
    ("2026-01-01", "2026-01-03"),  # New Year's Day
    ("2026-02-15", "2026-02-23"),  # Spring Festival
    ("2026-04-04", "2026-04-06"),  # Qingming
    ("2026-05-01", "2026-05-05"),  # Labour Day
    ("2026-06-19", "2026-06-21"),  # Dragon Boat
    ("2026-09-25", "2026-09-27"),  # Mid-Autumn
    ("2026-10-01", "2026-10-07"),  # National Day
)
_CN_MAKEUP_WORKDAYS: tuple[str, ...] = (
    "2025-01-26",
    "2025-02-08",
    "2025-04-27",
    "2025-09-28",
    "2025-10-11",
    "2026-01-04",
    "2026-02-14",
    "2026-02-28",
    "2026-05-09",
    "2026-09-20",
    "2026-10-10",
)


def default_calendar() -> WorkCalendar:
    """Asia/Shanghai, 08:30–12:00 and 14:30–18:00, with the 2025 and 2026 national holidays and 调休."""
    holidays: set[date] = set()
    for first, last in _CN_HOLIDAY_RANGES:
        day, stop = date.fromisoformat(first), date.fromisoformat(last)
        while day <= stop:
            holidays.add(day)
            day += timedelta(days=1)
    return WorkCalendar(holidays=frozenset(holidays), makeup_workdays=frozenset(_CN_MAKEUP_WORKDAYS))


# ---------------------------------------------------------------------------------------------------
# Public functions. Rule for "working_days" (the day a case arrives is not counted, as in the usual
# Chinese rule for periods in days): counting starts with the first working day whose first period
# starts at or after `start`; N working days end at the close of the last period of the N-th such day.
# So Friday 17:00 + 1 working day = Monday 18:00, Monday 07:00 + 1 = Monday 18:00, Monday 08:31 + 1 =
# Tuesday 18:00. A fraction f of a day adds f * day_seconds of working time after the whole days.
# "working_hours": the deadline is the instant at which `amount` hours of working time have passed
# since `start`; a deadline that falls on the end of a period is that end (12:00, not 14:30).
# ---------------------------------------------------------------------------------------------------


def add_working_time(start: datetime, amount: float, unit: Unit, cal: WorkCalendar) -> datetime:
    """The deadline (aware UTC) of a time limit of `amount` working hours or days from `start`.

    Working days count from the first working day starting at or after `start` and end at its close
    (Friday 17:00 + 1 working day = Monday 18:00); see the rule above. amount 0 gives `start`.
    """
    unit = _check_unit(unit)
    t = np.array([_datetime_ns(start, "start")], dtype=np.int64)
    if not amount >= 0:
        raise ValueError(f"amount must be a number >= 0, got {amount!r}")
    out = _deadlines_ns(t, np.array([float(amount)]), unit, cal)
    return _EPOCH + timedelta(microseconds=int(out[0]) // 1000)


def add_working_time_many(starts: Any, amounts: Any, unit: Unit, cal: WorkCalendar) -> pd.DatetimeIndex:
    """Vectorised add_working_time: deadlines (UTC) for arrays of starts and amounts (or one amount).

    NaT starts or NaN amounts give NaT; the result is positional (assignable to a DataFrame column).
    """
    unit = _check_unit(unit)
    t = _utc_ns(starts)
    amount = np.broadcast_to(np.asarray(amounts, dtype=float), t.shape)
    if (amount < 0).any():
        raise ValueError(f"amounts must be >= 0, got {amount[amount < 0][:5].tolist()}")
    ok = (t != _NAT) & ~np.isnan(amount)
    out = np.full(t.shape, _NAT, dtype=np.int64)
    if ok.any():
        out[ok] = _deadlines_ns(t[ok], amount[ok], unit, cal)
    return pd.DatetimeIndex(out.view("datetime64[ns]")).tz_localize(UTC)


def working_seconds_between(
    start: datetime,
    end: datetime,
    cal: WorkCalendar,
    pauses: Iterable[tuple[datetime, datetime | None]] = (),
) -> float:
    """Working seconds from `start` to `end` (negative if end is earlier), minus the paused spans.

    A deferral pauses the clock: each (p0, p1) pause, clipped to [start, end], is not counted;
    overlapping pauses count once; p1 = None means still paused at `end`.
    """
    a, b = _datetime_ns(start, "start"), _datetime_ns(end, "end")
    points = np.array([a, b] + [p for span in _merged_pauses(pauses, a, b) for p in span], dtype=np.int64)
    worked = _worked_ns(_table_for(cal, int(points.min()), int(points.max()), 0), points)
    total = worked[1] - worked[0] - (worked[3::2] - worked[2::2]).sum()
    return float(total) / _NS_PER_S


def working_seconds_between_many(starts: Any, ends: Any, cal: WorkCalendar) -> np.ndarray:
    """Vectorised working_seconds_between without pauses: float seconds, NaN where either end is NaT.

    For deferrals, compute the working seconds of each pause with this function and subtract per case.
    """
    a, b = _utc_ns(starts), _utc_ns(ends)
    if a.shape != b.shape:
        raise ValueError(f"starts and ends differ in length: {a.shape[0]} and {b.shape[0]}")
    ok = (a != _NAT) & (b != _NAT)
    out = np.full(a.shape, np.nan)
    if ok.any():
        both = np.concatenate([a[ok], b[ok]])
        tab = _table_for(cal, int(both.min()), int(both.max()), 0)
        out[ok] = (_worked_ns(tab, b[ok]) - _worked_ns(tab, a[ok])) / _NS_PER_S
    return out


def _check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise ValueError(f"unknown time-limit unit {unit!r}; accepted: {list(UNITS)}")
    return unit


def _datetime_ns(value: datetime, name: str) -> int:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (e.g. UTC), got {value!r}")
    return (value - _EPOCH) // timedelta(microseconds=1) * 1000


def _utc_ns(values: Any) -> np.ndarray:
    """int64 UTC nanoseconds (NaT as _NAT); aware values are converted, naive ones read as UTC."""
    return pd.DatetimeIndex(pd.to_datetime(values, utc=True)).as_unit("ns").asi8


def _merged_pauses(
    pauses: Iterable[tuple[datetime, datetime | None]], a: int, b: int
) -> list[tuple[int, int]]:
    clipped = []
    for p0, p1 in pauses:
        s = _datetime_ns(p0, "pause start")
        e = b if p1 is None else _datetime_ns(p1, "pause end")
        if e < s:
            raise ValueError(f"pause ends before it starts: ({p0!r}, {p1!r})")
        s, e = max(s, a), min(e, b)
        if s < e:
            clipped.append((s, e))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(clipped):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


# --- the interval table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    starts: np.ndarray  # int64 UTC ns of each working interval's start, sorted
    ends: np.ndarray
    cum: np.ndarray  # working ns before each interval (from the table's origin)
    cum_end: np.ndarray  # cum + interval length
    day_first: np.ndarray  # index of the first interval of each working day
    day_last: np.ndarray


@functools.lru_cache(maxsize=32)
def _table(cal: WorkCalendar, first_year: int, last_year: int) -> _Table:
    zone = ZoneInfo(cal.tz)
    starts: list[int] = []
    ends: list[int] = []
    day_first: list[int] = []
    day, stop = date(first_year, 1, 1), date(last_year, 12, 31)
    while day <= stop:
        if cal.is_working_day(day):
            day_first.append(len(starts))
            for a, b in cal.periods:
                starts.append(_datetime_ns(datetime.combine(day, a, zone), "period start"))
                ends.append(_datetime_ns(datetime.combine(day, b, zone), "period end"))
        day += timedelta(days=1)
    s, e = np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
    cum_end = np.cumsum(e - s)
    first = np.array(day_first, dtype=np.int64)
    return _Table(s, e, cum_end - (e - s), cum_end, first, first + len(cal.periods) - 1)


def _table_for(cal: WorkCalendar, lo_ns: int, hi_ns: int, extra_years: int) -> _Table:
    """A table covering lo..hi with a year's margin before and `extra_years` + 1 after (years so it caches)."""
    lo, hi = (_EPOCH + timedelta(microseconds=ns // 1000) for ns in (lo_ns, hi_ns))
    return _table(cal, lo.year - 1, hi.year + 1 + extra_years)


def _worked_ns(tab: _Table, t: np.ndarray) -> np.ndarray:
    """Working ns from the table's origin up to each instant t."""
    i = np.maximum(np.searchsorted(tab.starts, t, side="right") - 1, 0)
    return tab.cum[i] + np.clip(t - tab.starts[i], 0, tab.ends[i] - tab.starts[i])


def _instant_ns(tab: _Table, target: np.ndarray) -> np.ndarray:
    """The earliest instant at which `target` working ns have passed since the origin (target > 0)."""
    j = np.searchsorted(tab.cum_end, target, side="left")
    return tab.starts[j] + (target - tab.cum[j])


def _deadlines_ns(t: np.ndarray, amount: np.ndarray, unit: str, cal: WorkCalendar) -> np.ndarray:
    day_ns = round(cal.day_seconds * _NS_PER_S)
    step = _days_deadline if unit == "working_days" else _hours_deadline
    unit_ns = day_ns if unit == "working_days" else _NS_PER_HOUR
    extra = 1 + int(amount.max() * unit_ns // (200 * day_ns))  # a year has at least ~200 working days
    while extra < 10_000:
        out = step(_table_for(cal, int(t.min()), int(t.max()), extra), t, amount, day_ns)
        if out is not None:
            return np.where(amount == 0, t, out)
        extra *= 2
    raise ValueError("the work calendar has too few working days to reach the deadline")


def _hours_deadline(tab: _Table, t: np.ndarray, amount: np.ndarray, day_ns: int) -> np.ndarray | None:
    target = _worked_ns(tab, t) + np.round(amount * _NS_PER_HOUR).astype(np.int64)
    if target.max() > tab.cum_end[-1]:
        return None
    return _instant_ns(tab, target)


def _days_deadline(tab: _Table, t: np.ndarray, amount: np.ndarray, day_ns: int) -> np.ndarray | None:
    first_day = np.searchsorted(tab.starts[tab.day_first], t, side="left")
    whole = np.floor(amount).astype(np.int64)
    frac_ns = np.round((amount - whole) * day_ns).astype(np.int64)
    last_needed = first_day + whole - (frac_ns == 0)  # the day the deadline falls on
    if last_needed.max() >= len(tab.day_first):
        return None
    at_day_end = tab.ends[tab.day_last[np.maximum(last_needed, 0)]]
    next_day = np.minimum(first_day + whole, len(tab.day_first) - 1)
    in_next_day = _instant_ns(tab, tab.cum[tab.day_first[next_day]] + frac_ns)
    return np.where(frac_ns == 0, at_day_end, in_next_day)
