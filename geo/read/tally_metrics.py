"""geo.read.metrics' counts from the tallies, so that a city's pages never rescan ten million cases.

A window [start, end) is split into whole units the tallies hold — local days for the district, its
districts and streets and for departments; local months for communities, grids and grid members — and the
partial units at its edges, counted from the cases as before (less than a day, or a month, of them). Over the
whole units the tallies give every clock-independent count; what changes with the clock alone is read live:
overdue cases (open ones only, through the status index) and the cards of dispatches still waiting for a
report-in (through their partial index).

The tallies hold the cases as they are; a reading as of an earlier ``now`` (a replay of the past) cannot use
them and gets None (the caller counts from the cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ
from geo.db import rules
from geo.db.database import backend
from geo.db.models import (
    CASE_COUNTERS,
    Case,
    CaseDispatch,
    Category,
    Community,
    Department,
    District,
    Grid,
    Street,
    TallyCategory,
    TallyDay,
    TallyDepartment,
    TallyMonth,
    TallyState,
)
from geo.db.scope import area_condition
from geo.db.sql import count_if, keyed_cases, keyed_dispatches
from geo.read.analysis_filters import local_midnight

MONTHLY = {"community", "grid", "grid_member"}
#: The counts geo.read.metrics returns, in its order.
COUNTS = ("received", "open", "overdue", "closed", "due", "answered_on_time", "closed_on_time", "rated",
          "satisfied", "reworked", "finished_once", "whistled", "reported_in_on_time", "report_in_decided",
          "yellow", "red", "discipline")
#: What the tallies hold under other names, and what only the live part adds.
_TALLIED = [*CASE_COUNTERS, "whistled", "reported_in_on_time", "reported_in", "yellow_in", "red_in", "discipline_in"]


@dataclass(frozen=True)
class Plan:
    """Whole units ``first`` ≤ unit < ``last`` (None: open) if ``whole``, their report-time span, and the
    edges counted from the cases."""

    first: date | None
    last: date | None
    span: tuple[datetime | None, datetime | None]
    edges: tuple[tuple[datetime | None, datetime | None], ...]
    whole: bool = True


def plan(session: Session, dimension: str, now: datetime, start: datetime | None,
         end: datetime | None) -> Plan | None:
    """How to count ``dimension`` over [start, end) from the tallies, or None when they cannot serve ``now``."""
    state = session.get(TallyState, 1)
    if state is None or state.through is None or now < state.through:
        return None
    monthly = dimension in MONTHLY
    if end is not None and end > state.through:
        end = None  # no case is reported past ``through``: the window runs to the tallies' end
    first = None if start is None else _unit_at_or_after(start, monthly)
    last = None if end is None else _unit_at_or_before(end, monthly)
    if first is not None and last is not None and first >= last:
        return Plan(None, None, (start, end), ((start, end),), whole=False)  # inside one unit: all raw
    edges = []
    if start is not None and local_midnight(first) > start:
        edges.append((start, local_midnight(first)))
    if end is not None and local_midnight(last) < end:
        edges.append((local_midnight(last), end))
    span = (None if first is None else local_midnight(first), None if last is None else local_midnight(last))
    return Plan(first, last, span, tuple(edges))


def counts(session: Session, dimension: str, now: datetime, plan_: Plan, district_id: int | None,
           raw) -> pd.DataFrame:
    """key, label and every count of geo.read.metrics over the plan's window; ``raw(start, end)`` counts an
    edge from the cases."""
    frames = [raw(a, b) for a, b in plan_.edges]
    if plan_.whole:
        frames += [_tallied(session, dimension, plan_, district_id),
                   _live(session, dimension, now, plan_.span, district_id)]
    table = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    table = table.reindex(columns=["key", "label", *COUNTS]).fillna({c: 0 for c in COUNTS})
    labels = table.dropna(subset=["label"]).drop_duplicates("key").set_index("key")["label"]
    summed = table.groupby("key", dropna=False, sort=False)[list(COUNTS)].sum().reset_index()
    return summed.assign(label=summed["key"].map(labels))[["key", "label", *COUNTS]]


def _tallied(session: Session, dimension: str, plan_: Plan, district_id: int | None) -> pd.DataFrame:
    if dimension == "department":
        model, key, label = TallyDepartment, TallyDepartment.department_id, Department.name
        query = select(key.label("key"), label.label("label"), *_sums(model)).join(
            Department, Department.id == TallyDepartment.department_id)
        if district_id is not None:
            query = query.where(TallyDepartment.district_id == district_id)
    elif dimension in MONTHLY:
        model = TallyMonth
        key, label = {"grid": (Grid.id, Grid.code), "community": (Community.id, Community.name),
                      "grid_member": (Grid.member_name, Grid.member_name)}[dimension]
        query = (select(key.label("key"), label.label("label"), *_sums(model)).select_from(TallyMonth)
                 .outerjoin(Grid, Grid.id == TallyMonth.grid_id).outerjoin(Community, Community.id == Grid.community_id)
                 .outerjoin(Street, Street.id == Community.street_id))
    else:
        model = TallyDay
        key, label = {"district": (literal(0), literal("district")), "city_district": (District.id, District.name),
                      "street": (Street.id, Street.name)}[dimension]
        query = (select(key.label("key"), label.label("label"), *_sums(model)).select_from(TallyDay)
                 .outerjoin(Street, Street.id == TallyDay.street_id)
                 .outerjoin(District, District.id == Street.district_id))
    if district_id is not None and dimension != "department":
        query = query.where(Street.district_id == district_id)
    unit = model.month if model is TallyMonth else model.day
    if plan_.first is not None:
        query = query.where(unit >= plan_.first)
    if plan_.last is not None:
        query = query.where(unit < plan_.last)
    result = session.execute(query.group_by(key, label))
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    return frame.rename(columns={"reported_in": "report_in_decided", "yellow_in": "yellow", "red_in": "red",
                                 "discipline_in": "discipline"})


def _sums(model) -> list:
    return [func.coalesce(func.sum(getattr(model, c)), 0).label(c) for c in _TALLIED]


def _live(session: Session, dimension: str, now: datetime, span: tuple, district_id: int | None) -> pd.DataFrame:
    """What the clock changes: overdue cases, and the dispatches still waiting (decided once late, by card)."""
    within = _within(span, district_id)
    overdue = keyed_cases(dimension, [func.count().label("overdue")]).where(rules.is_overdue(now), *within)
    elapsed = rules.elapsed_seconds(backend(session.get_bind().dialect.name), now)
    waiting = keyed_dispatches(dimension, [
        count_if(rules.at_least(elapsed, rules.CARDS[0])).label("report_in_decided"),
        *(count_if(rules.in_card(elapsed, card)).label(str(card)) for card in rules.CARDS)]).where(
        CaseDispatch.reported_in_at.is_(None), *within)
    frames = []
    for query in (overdue, waiting):
        result = session.execute(query.group_by("key", "label"))
        frames.append(pd.DataFrame(result.all(), columns=list(result.keys())))
    return pd.concat(frames, ignore_index=True)


def _within(span: tuple, district_id: int | None) -> list:
    where = [] if district_id is None else [area_condition(district_id)]
    if span[0] is not None:
        where.append(Case.reported_at >= span[0])
    if span[1] is not None:
        where.append(Case.reported_at < span[1])
    return where


def _unit_at_or_after(moment: datetime, monthly: bool) -> date:
    """The first whole unit starting at or after ``moment`` (local midnight / first of a month)."""
    unit = _unit_of(moment, monthly)
    if local_midnight(unit) < moment:
        unit = _next(unit, monthly)
    return unit


def _unit_at_or_before(moment: datetime, monthly: bool) -> date:
    """The unit whose start is the last unit boundary at or before ``moment`` (exclusive end of the span)."""
    return _unit_of(moment, monthly)


def _unit_of(moment: datetime, monthly: bool) -> date:
    day = moment.astimezone(ZoneInfo(LOCAL_TZ)).date()
    return day.replace(day=1) if monthly else day


def _next(unit: date, monthly: bool) -> date:
    if not monthly:
        return unit + timedelta(days=1)
    return date(unit.year + unit.month // 12, unit.month % 12 + 1, 1)



def department_months(session: Session, plan_: Plan, district_id: int | None, late: pd.DataFrame) -> pd.DataFrame:
    """geo.read.load_service.department_trend's rows from tally_departments over the plan's whole days, plus
    ``late``: the dispatches still waiting that the clock made late (its other figures are in the tallies)."""
    t = TallyDepartment
    sums = [func.sum(t.whistled), func.sum(t.reported_in_on_time), func.sum(t.yellow_in + t.red_in + t.discipline_in),
            func.sum(t.closed), func.sum(t.answered_on_time), func.sum(t.closed_on_time), func.sum(t.due)]
    month = backend(session.get_bind().dialect.name).month_of(t.day)  # a tally's day is a local day already
    query = (select(month, t.department_id, Department.name, *sums).join(Department, Department.id == t.department_id)
             .group_by(month, t.department_id, Department.name))
    if district_id is not None:
        query = query.where(t.district_id == district_id)
    if plan_.first is not None:
        query = query.where(t.day >= plan_.first)
    if plan_.last is not None:
        query = query.where(t.day < plan_.last)
    figures = ["whistled", "reported_in_on_time", "late", "closed", "answered_on_time", "closed_on_time", "due"]
    months = pd.DataFrame(session.execute(query).all(), columns=["month", "department_id", "department", *figures])
    waiting = late.assign(**{f: 0 for f in figures if f != "late"})
    table = pd.concat([months, waiting], ignore_index=True)
    table = table.groupby(["month", "department_id", "department"], as_index=False)[figures].sum()
    return table.sort_values(["month", "department_id"]).reset_index(drop=True)


def _date_of(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def class_counts(session: Session, plan_: Plan, district_id: int | None) -> pd.DataFrame:
    """category_class (None: uncategorised) and cases reported over the plan's whole days."""
    query = (select(Category.class_name, func.sum(TallyCategory.received)).select_from(TallyCategory)
             .outerjoin(Category, Category.id == TallyCategory.category_id).group_by(Category.class_name))
    query = _days(query, TallyCategory, plan_, district_id)
    return pd.DataFrame(session.execute(query).all(), columns=["category_class", "cases"])


def day_counts(session: Session, plan_: Plan, district_id: int | None) -> pd.DataFrame:
    """received and closed per local day (index ``day``) over the plan's whole days."""
    query = select(TallyDay.day, func.sum(TallyDay.received), func.sum(TallyDay.closed_day)).group_by(TallyDay.day)
    if district_id is not None:
        query = query.join(Street, Street.id == TallyDay.street_id).where(Street.district_id == district_id)
    query = _days(query, TallyDay, plan_, None)
    frame = pd.DataFrame(session.execute(query).all(), columns=["day", "received", "closed"])
    return frame.assign(day=frame["day"].map(_date_of)).set_index("day")


def _days(query, model, plan_: Plan, district_id: int | None):
    if district_id is not None:
        query = query.where(model.district_id == district_id)
    if plan_.first is not None:
        query = query.where(model.day >= plan_.first)
    if plan_.last is not None:
        query = query.where(model.day < plan_.last)
    return query


def open_by_area(session: Session, now: datetime, level: str, district_id: int | None) -> dict[int, int] | None:
    """Open cases per grid, street or district id from the tallies (None when they cannot serve ``now``)."""
    if plan(session, "district", now, None, None) is None:
        return None
    if level == "grid":
        query = select(TallyMonth.grid_id, func.sum(TallyMonth.open)).where(TallyMonth.grid_id != 0).group_by(
            TallyMonth.grid_id)
        if district_id is not None:
            query = query.join(Grid, Grid.id == TallyMonth.grid_id).join(
                Community, Community.id == Grid.community_id).join(Street, Street.id == Community.street_id).where(
                Street.district_id == district_id)
    else:
        key = Street.district_id if level == "district" else Street.id
        query = select(key, func.sum(TallyDay.open)).join(Street, Street.id == TallyDay.street_id).group_by(key)
        if district_id is not None:
            query = query.where(Street.district_id == district_id)
    return {int(a): int(n) for a, n in session.execute(query).all() if a is not None and n}
