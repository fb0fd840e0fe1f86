"""Case deadlines on the district's work calendar: category time limits count working hours or days.

The calendar is passed in (``geo.config.work_calendar()`` in production), so the rule stays pure."""

from __future__ import annotations

from datetime import datetime

from geo.domain.workcalendar import WorkCalendar, add_working_time, working_seconds_between


def category_deadline(time_limit: float, time_unit: str, reported_at: datetime, calendar: WorkCalendar) -> datetime:
    """When a case of a category with this time limit, reported at ``reported_at``, is due."""
    return add_working_time(reported_at, time_limit, time_unit, calendar)


def resume_deadline(deadline: datetime, deferred_at: datetime, resumed_at: datetime,
                    calendar: WorkCalendar) -> datetime:
    """The deadline moved later by the working time the case spent deferred (deferral pauses the clock)."""
    paused = working_seconds_between(deferred_at, resumed_at, calendar)
    return add_working_time(deadline, paused / 3600.0, "working_hours", calendar)
