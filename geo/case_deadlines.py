"""Case deadlines on the district's work calendar: category time limits count working hours or days."""

from __future__ import annotations

import json
import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from geo.models import Category
from geo.workcalendar import WorkCalendar, add_working_time, default_calendar, working_seconds_between


@lru_cache(maxsize=1)
def district_calendar() -> WorkCalendar:
    """The default calendar (China's official holidays), or the JSON file named by GRIDGOV_CALENDAR."""
    path = os.environ.get("GRIDGOV_CALENDAR")
    if path:
        return WorkCalendar.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    return default_calendar()


def category_deadline(category: Category, reported_at: datetime) -> datetime:
    return add_working_time(reported_at, category.time_limit, category.time_unit, district_calendar())


def resume_deadline(deadline: datetime, deferred_at: datetime, resumed_at: datetime) -> datetime:
    """The deadline moved later by the working time the case spent deferred (deferral pauses the clock)."""
    paused = working_seconds_between(deferred_at, resumed_at, district_calendar())
    return add_working_time(deadline, paused / 3600.0, "working_hours", district_calendar())
