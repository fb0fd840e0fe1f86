"""What a tally row counts, as SQL: one definition shared by the full rebuild and the per-key recount
(geo.usecases.tallies), built from geo.db.rules so that a tally counts exactly what geo.read.metrics counts.

Each tally is the union of grouped SELECTs over the cases (and their dispatches) it covers, keyed by a local
day or month of report (``local_date``/``local_month`` of the backend) and an area, department or category
(0 where a case has none). Only clock-independent counts are tallied: whether a case is open, closed, due,
on time, rated, reworked; a dispatch's whistle, its report-in and the card it reported in on. What changes
with the clock alone (overdue cases, the cards of dispatches still waiting) is read live by geo.read.tallies.
Like every figure, a tally leaves merged duplicates out (geo.db.rules.is_counted).
"""

from __future__ import annotations

from sqlalchemy import and_, func
from sqlalchemy.sql import Select, select

from geo.db import rules
from geo.db.models import (
    CASE_COUNTERS,
    DISPATCH_COUNTERS,
    Case,
    CaseDispatch,
    Community,
    Grid,
    Street,
    TallyCategory,
    TallyDay,
    TallyDepartment,
    TallyMonth,
)
from geo.db.sql import count_if

TABLES = (TallyDay, TallyMonth, TallyDepartment, TallyCategory)


def case_counts() -> list:
    """CASE_COUNTERS as labelled aggregates over ``cases`` (geo.read.metrics.case_figures less the overdue)."""
    rules_of = {"open": rules.is_open(), "closed": rules.is_closed(), "due": rules.is_due(),
                "answered_on_time": rules.answered_on_time(), "closed_on_time": rules.closed_on_time(),
                "rated": rules.is_rated(), "satisfied": rules.is_satisfied(), "reworked": rules.was_reworked(),
                "finished_once": rules.finished_once()}
    return [func.count().label("received"), *(count_if(rules_of[c]).label(c) for c in CASE_COUNTERS[1:])]


def dispatch_counts(sql) -> list:
    """DISPATCH_COUNTERS as labelled aggregates over ``case_dispatches``: a reported-in dispatch's card is
    the one its report-in came at (it never changes again)."""
    reported = CaseDispatch.reported_in_at.is_not(None)
    elapsed = sql.seconds_between(CaseDispatch.whistled_at, CaseDispatch.reported_in_at)
    cards = {f"{card}_in": count_if(and_(reported, rules.in_card(elapsed, card))) for card in rules.CARDS}
    return [func.count().label("whistled"), count_if(reported).label("reported_in"),
            count_if(and_(reported, rules.reported_in_on_time(elapsed))).label("reported_in_on_time"),
            *(cards[c].label(c) for c in DISPATCH_COUNTERS[3:])]


def _areas(query: Select) -> Select:
    """Join a case's grid, community and street (outer: a case in no grid still counts, under 0)."""
    return (query.outerjoin(Grid, Grid.id == Case.grid_id).outerjoin(Community, Community.id == Grid.community_id)
            .outerjoin(Street, Street.id == Community.street_id))


def _counted(where: list) -> list:
    """``where`` and geo.db.rules.is_counted: a merged duplicate is in no tally, as in no figure."""
    return [rules.is_counted(), *where]


def _key(column, name: str):
    return func.coalesce(column, 0).label(name)


def day_rows(sql, where: list) -> list[Select]:
    """tally_days: (case counts, dispatch counts) by local day of report × street, for the cases ``where``."""
    where = _counted(where)
    day, street = sql.local_date(Case.reported_at).label("day"), _key(Street.id, "street_id")
    cases = _areas(select(day, street, *case_counts()).select_from(Case)).where(*where).group_by(day, street)
    dispatches = _areas(select(day, street, *dispatch_counts(sql)).select_from(CaseDispatch)
                        .join(Case, Case.id == CaseDispatch.case_id)).where(*where).group_by(day, street)
    return [cases, dispatches]


def closed_rows(sql, where: list) -> Select:
    """tally_days.closed_day: cases closed per local day × street, for the closed cases ``where``."""
    where = _counted(where)
    day, street = sql.local_date(Case.closed_at).label("day"), _key(Street.id, "street_id")
    return (_areas(select(day, street, func.count().label("closed_day")).select_from(Case))
            .where(Case.closed_at.is_not(None), *where).group_by(day, street))


def month_rows(sql, where: list) -> list[Select]:
    """tally_months: (case counts, dispatch counts) by local month of report × grid."""
    where = _counted(where)
    month, grid = sql.local_month(Case.reported_at).label("month"), _key(Case.grid_id, "grid_id")
    cases = select(month, grid, *case_counts()).select_from(Case).where(*where).group_by(month, grid)
    dispatches = (select(month, grid, *dispatch_counts(sql)).select_from(CaseDispatch)
                  .join(Case, Case.id == CaseDispatch.case_id).where(*where).group_by(month, grid))
    return [cases, dispatches]


def department_rows(sql, where: list) -> list[Select]:
    """tally_departments: per dispatch, its case's counts and its own, by local day × department × district."""
    where = _counted(where)
    day, district = sql.local_date(Case.reported_at).label("day"), _key(Street.district_id, "district_id")
    department = CaseDispatch.department_id.label("department_id")
    query = _areas(select(day, department, district, *case_counts(), *dispatch_counts(sql))
                   .select_from(CaseDispatch).join(Case, Case.id == CaseDispatch.case_id))
    return [query.where(*where).group_by(day, department, district)]


def category_rows(sql, where: list) -> list[Select]:
    """tally_categories: cases received by local day × district × category."""
    where = _counted(where)
    day, district = sql.local_date(Case.reported_at).label("day"), _key(Street.district_id, "district_id")
    category = _key(Case.category_id, "category_id")
    query = _areas(select(day, district, category, func.count().label("received")).select_from(Case))
    return [query.where(*where).group_by(day, district, category)]
