"""What the analysis pages (hotspots, grid load, department load) offer in their filters: the time window the
data covers, the categories and classes, the streets and communities of a layout. Read with small SQL queries.

Windows are half-open ``[start, end)`` in UTC, cut at midnights of the district's local day (``LOCAL_TZ``), so
"one year" on a page means what a supervisor in the district means by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ
from geo.db.models import Case, Category, Community, District, Grid, Street


@dataclass(frozen=True)
class Window:
    """Cases reported in ``[start, end)`` (aware UTC datetimes)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name, value in (("start", self.start), ("end", self.end)):
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise ValueError(f"window {name} must be an aware datetime, got {value!r}")
        if self.start >= self.end:
            raise ValueError(f"window start {self.start.isoformat()} must be before its end {self.end.isoformat()}")


def local_midnight(day: date) -> datetime:
    """00:00 of ``day`` in the district's time zone, as an aware UTC datetime."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(LOCAL_TZ)).astimezone(UTC)


def window_for_days(first: date, last: date) -> Window:
    """The local days ``first`` … ``last`` (both included): what a date-range picker on a page means."""
    if last < first:
        raise ValueError(f"the window's last day {last} is before its first day {first}")
    return Window(local_midnight(first), local_midnight(last + timedelta(days=1)))


def month_window(year: int, month: int) -> Window:
    """One local calendar month, e.g. the month of a monthly report (月专报)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    following = date(year + month // 12, month % 12 + 1, 1)
    return Window(local_midnight(date(year, month, 1)), local_midnight(following))


def data_days(session: Session, now: datetime) -> tuple[date, date]:
    """(first, last) local day with a reported case, for the date pickers' bounds and default.

    The last day is capped at ``now``'s local day; with no cases both are today.
    """
    first, last = session.execute(select(func.min(Case.reported_at), func.max(Case.reported_at))).one()
    tz = ZoneInfo(LOCAL_TZ)
    today = now.astimezone(tz).date()
    if first is None:
        return today, today
    return _as_utc(first).astimezone(tz).date(), min(_as_utc(last).astimezone(tz).date(), today)


def default_window(session: Session, now: datetime, days: int = 365) -> tuple[date, date]:
    """The last ``days`` local days that hold data (the pages open on one year of cases)."""
    first, last = data_days(session, now)
    return max(first, last - timedelta(days=days - 1)), last


def category_choices(session: Session) -> pd.DataFrame:
    """Categories with their classes: columns id, code, name, class_code, class_name (sorted by class, code)."""
    rows = session.execute(
        select(Category.id, Category.code, Category.name, Category.class_code, Category.class_name)
        .order_by(Category.class_code, Category.code)
    ).all()
    return pd.DataFrame(rows, columns=["id", "code", "name", "class_code", "class_name"])


def area_choices(session: Session, layout_id: int, district_id: int | None = None) -> pd.DataFrame:
    """The layout's grids with their community, street and district: columns grid_id, grid_code, grid_name,
    member_name, community_id, community_name, street_id, street_name, minx, miny, maxx, maxy (the grid's
    bounding box, so that a map can zoom to a grid picked in a table), district_id, district_name – sorted by
    district, street, community, grid code. ``district_id``: only that district's grids."""
    query = (
        select(Grid.id, Grid.code, Grid.name, Grid.member_name, Community.id, Community.name, Street.id,
               Street.name, Grid.minx, Grid.miny, Grid.maxx, Grid.maxy, District.id, District.name)
        .outerjoin(Community, Community.id == Grid.community_id)
        .outerjoin(Street, Street.id == Community.street_id)
        .outerjoin(District, District.id == Street.district_id)
        .where(Grid.layout_id == layout_id)
        .order_by(District.code, Street.code, Community.code, Grid.code)
    )
    if district_id is not None:
        query = query.where(Street.district_id == district_id)
    return pd.DataFrame(session.execute(query).all(), columns=[
        "grid_id", "grid_code", "grid_name", "member_name", "community_id", "community_name", "street_id",
        "street_name", *BBOX, "district_id", "district_name"])


def district_choices(session: Session) -> pd.DataFrame:
    """The city's districts: columns id, code, name, minx, miny, maxx, maxy (sorted by code)."""
    rows = session.execute(select(District.id, District.code, District.name, District.minx, District.miny,
                                  District.maxx, District.maxy).order_by(District.code)).all()
    return pd.DataFrame(rows, columns=["id", "code", "name", *BBOX])


BBOX = ["minx", "miny", "maxx", "maxy"]


def _as_utc(value: datetime) -> datetime:
    return value if value.utcoffset() is not None else value.replace(tzinfo=UTC)
