"""Load per area and per department for the grid-load and department-load pages, built on ``geo.read.metrics``.

- ``grid_load``: drill city → district → street → community → grid; per grid (as a choropleth and a table) and
  per grid member.
- ``department_load``: per department, ranked so that a tiny sample cannot win (Wilson lower bound).
- ``department_trend``: per department and month (one SQL GROUP BY).
The supervision-notice list (督办单) and the monthly report live in ``geo.read.supervision``.

Every figure follows docs/metrics.md: cases *reported* in the window, point-in-time figures as of ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ
from geo.db import rules
from geo.db.database import backend
from geo.db.models import Case, CaseDispatch, Department, District, Street
from geo.db.scope import area_condition
from geo.db.sql import count_if
from geo.domain.actors import Actor
from geo.domain.permissions import figures_district, require
from geo.domain.rules import RATES, with_rates
from geo.domain.vocabulary import Card
from geo.read import tally_metrics
from geo.read.analysis_filters import Window, area_choices, local_midnight
from geo.read.layouts import active_layout
from geo.read.metrics import PERCENTILES, metrics, rank

#: The figures a grid-load table shows, in order (docs/metrics.md names them).
GRID_FIGURES = ["received", "open", "overdue", "closed", "closure_rate", "on_time_answer_rate", "on_time_closure_rate",
                "close_h_median"]
#: The figures a department-load table shows, in order.
DEPARTMENT_FIGURES = ["whistled", "reported_in_on_time", "report_in_on_time_rate", "yellow", "red", "discipline",
                      "open", "overdue", "closure_rate", "on_time_answer_rate", "on_time_closure_rate",
                      "satisfaction_rate", "rework_rate"]
#: Rankings a page may choose: name → (successes, trials) of the rate (geo.domain.rules.RATES). Ranked by the
#: 95 % Wilson lower bound of the rate.
RANKINGS = {name: RATES[f"{name}_rate"] for name in
            ("report_in_on_time", "on_time_answer", "on_time_closure", "closure", "satisfaction")}
TREND_FIGURES = ("whistled", "reported_in_on_time", "late", "closed", "answered_on_time", "closed_on_time", "due")


@dataclass(frozen=True)
class GridLoad:
    """One drill level: ``areas`` holds the rows of the level below the chosen parent (districts of the city,
    streets of a district, communities of a street, or the grids of a community); ``grids`` every grid under
    the parent (zero rows for grids without cases, for the choropleth); ``members`` the grid members of those
    grids. A city of one district starts at its streets."""

    level: str  # "city_district" | "street" | "community" | "grid": what ``areas`` lists
    areas: pd.DataFrame
    grids: pd.DataFrame
    members: pd.DataFrame
    layout_id: int


def grid_load(session: Session, now: datetime, window: Window, street_id: int | None = None,
              community_id: int | None = None, with_members: bool = True, *, actor: Actor,
              district_id: int | None = None) -> GridLoad:
    """Load under the chosen parent: the whole city, one district, one street of it, or one community of that
    street. An actor bound to a district sees that district (``district_id`` may only name it).

    ``with_members=False`` leaves ``members`` empty and saves one metrics query (a page showing the grid
    table does not need it)."""
    require(actor, "view_district_metrics")
    district_id = figures_district(actor, district_id)
    layout = active_layout(session)
    places = _checked_parent(area_choices(session, layout.id, district_id), street_id, community_id)
    figures = {"window": (now, window.start, window.end), "district_id": district_id, "actor": actor}
    level = "grid" if community_id is not None else _level_below(session, district_id, street_id)
    # A whole city's 40,000 grids are listed district by district: at the city level, its districts only.
    shown = places.iloc[0:0] if level == "city_district" else places
    grid_figures = _metrics(session, "grid", figures) if len(shown) else _no_figures()
    grids = _with_figures(grid_figures, shown, "grid_id")
    grids = grids.rename(columns={"grid_code": "code", "grid_name": "name", "community_name": "community",
                                  "street_name": "street", "member_name": "member", "district_name": "district"})
    members = _member_rows(session, figures, shown) if with_members else pd.DataFrame()
    if level == "grid":
        return GridLoad("grid", grids, grids, members, layout.id)
    key = "district" if level == "city_district" else level
    parents = places.drop_duplicates(f"{key}_id")[[f"{key}_id", f"{key}_name"]]
    areas = _with_figures(_metrics(session, level, figures), parents, f"{key}_id")
    return GridLoad(level, areas.rename(columns={f"{key}_id": "id", f"{key}_name": "name"}), grids, members, layout.id)


def _level_below(session: Session, district_id: int | None, street_id: int | None) -> str:
    """The level the drill table lists: communities of a street, streets of a district (or of a city of one
    district), else the districts of the city."""
    if street_id is not None:
        return "community"
    if district_id is not None or session.scalar(select(func.count()).select_from(District)) <= 1:
        return "street"
    return "city_district"


def _metrics(session: Session, dimension: str, figures: dict) -> pd.DataFrame:
    return metrics(session, dimension, *figures["window"], actor=figures["actor"],
                   district_id=figures["district_id"])


def _no_figures() -> pd.DataFrame:
    """geo.read.metrics' columns without a row (a level whose grids are not listed)."""
    counts = {c: pd.Series(dtype="int64") for c in tally_metrics.COUNTS}
    others = {c: pd.Series(dtype=float) for c in (*RATES, *PERCENTILES)}
    return pd.DataFrame({"key": pd.Series(dtype="int64"), "label": pd.Series(dtype=object), **counts, **others})


def _checked_parent(places: pd.DataFrame, street_id: int | None, community_id: int | None) -> pd.DataFrame:
    """The grids under the parent, or a ValueError naming the unknown street / community."""
    if street_id is not None:
        if street_id not in set(places["street_id"]):
            raise ValueError(f"no street with id {street_id} in the active grid layout")
        places = places[places["street_id"] == street_id]
    if community_id is not None:
        if community_id not in set(places["community_id"]):
            where = f"street {street_id}" if street_id is not None else "the active grid layout"
            raise ValueError(f"no community with id {community_id} in {where}")
        places = places[places["community_id"] == community_id]
    return places.reset_index(drop=True)


def _with_figures(figures: pd.DataFrame, rows: pd.DataFrame, key: str) -> pd.DataFrame:
    """``rows`` (one per area, in their order) with the metrics joined on; areas without cases get zeros."""
    joined = rows.merge(figures.drop(columns="label"), left_on=key, right_on="key", how="left").drop(columns="key")
    counts = [c for c in figures.columns if figures[c].dtype.kind == "i" and c != "key"]
    joined[counts] = joined[counts].fillna(0).astype("int64")
    return joined


def _member_rows(session: Session, figures: dict, places: pd.DataFrame) -> pd.DataFrame:
    """Per grid member of the chosen grids (a member may keep several grids): figures and grid codes."""
    grids_of = places.groupby("member_name", sort=True)["grid_code"].agg(lambda c: "、".join(sorted(c)))
    members = pd.DataFrame({"member": grids_of.index, "grids": grids_of.to_numpy()})
    return _with_figures(_metrics(session, "grid_member", figures), members, "member")


def _local_month(column, window: Window):
    """SQL CASE: 'YYYY-MM' of the local month ``column`` falls in (within ``window``)."""
    tz = ZoneInfo(LOCAL_TZ)
    first = window.start.astimezone(tz).date().replace(day=1)
    whens, month = [], first
    while True:
        following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        whens.append((column < local_midnight(following), f"{month:%Y-%m}"))
        if local_midnight(following) >= window.end:
            return case(*whens, else_=f"{following:%Y-%m}")
        month = following


# ------------------------------------------------------------------------------------------ departments


def department_load(session: Session, now: datetime, window: Window, ranking: str = "report_in_on_time", *,
                    actor: Actor, district_id: int | None = None) -> pd.DataFrame:
    """Every department (those without a whistle in the window too), best first by ``ranking``, over the
    city's cases or one district's (its street offices and the line departments; a bound actor: its own).

    Column ``score`` is the lower bound of the 95 % Wilson interval of the ranking's rate and ``rank`` the
    1-based place: 2 of 2 on time scores 0.34 and cannot top 95 of 100 (0.89).
    """
    require(actor, "view_district_metrics")
    district_id = figures_district(actor, district_id)
    if ranking not in RANKINGS:
        raise ValueError(f"ranking must be one of {', '.join(RANKINGS)}, got {ranking!r}")
    departments = pd.DataFrame(session.execute(district_departments(district_id)).all(),
                               columns=["department_id", "department", "short_name"])
    figures = metrics(session, "department", now, window.start, window.end, actor=actor, district_id=district_id)
    table = _with_figures(figures, departments, "department_id")
    successes, trials = RANKINGS[ranking]
    ranked = rank(table, successes, trials)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    return ranked


def district_departments(district_id: int | None):
    """SELECT id, name, short_name of the departments serving a district (the line departments and the offices
    of its streets), or every department of the city (None); by code."""
    query = select(Department.id, Department.name, Department.short_name).order_by(Department.code)
    if district_id is None:
        return query
    streets = select(Street.id).where(Street.district_id == district_id)
    return query.where(Department.street_id.is_(None) | Department.street_id.in_(streets))


def department_trend(session: Session, now: datetime, window: Window, *, actor: Actor,
                     district_id: int | None = None) -> pd.DataFrame:
    """Per department and local month of report (the city's cases or one district's): whistled,
    reported_in_on_time, late (reported in after the yellow threshold or not at all by then), closed,
    answered_on_time, closed_on_time, due, and the rates report_in_on_time_rate, on_time_answer_rate and
    on_time_closure_rate. One row per (month, department) with a whistle.

    Months are the district's local calendar months (a case reported at 07:00 on 1 November in Shanghai is a
    November case), bucketed by a CASE over the month boundaries computed here; ``backend.month_of`` would
    give UTC months, which put the first eight hours of every month into the month before."""
    require(actor, "view_district_metrics")
    district_id = figures_district(actor, district_id)
    plan = tally_metrics.plan(session, "department", now, window.start, window.end)
    if plan is None or plan.edges or not plan.whole:
        table = _trend_rows(session, now, window, district_id)
    else:  # the tallies per day, and what only the clock changes: waiting dispatches gone late
        late = _trend_rows(session, now, window, district_id, CaseDispatch.reported_in_at.is_(None))
        table = tally_metrics.department_months(session, plan, district_id, late)
    table[list(TREND_FIGURES)] = table[list(TREND_FIGURES)].astype("int64")
    table["report_in_decided"] = table["reported_in_on_time"] + table["late"]
    return with_rates(table)


def _trend_rows(session: Session, now: datetime, window: Window, district_id: int | None, *where) -> pd.DataFrame:
    """month, department_id, department and TREND_FIGURES, counted from the cases' dispatches."""
    elapsed = rules.elapsed_seconds(backend(session.get_bind().dialect.name), now)
    month = _local_month(Case.reported_at, window).label("month")
    query = (
        select(month, Department.id, Department.name,
               count_if(CaseDispatch.id.is_not(None)), count_if(rules.reported_in_on_time(elapsed)),
               count_if(rules.at_least(elapsed, Card.YELLOW)), count_if(rules.is_closed()),
               count_if(rules.answered_on_time()), count_if(rules.closed_on_time()), count_if(rules.is_due()))
        .select_from(CaseDispatch).join(Case, Case.id == CaseDispatch.case_id)
        .join(Department, Department.id == CaseDispatch.department_id)
        .where(Case.reported_at >= window.start, Case.reported_at < window.end, area_condition(district_id), *where)
        .group_by(month, Department.id, Department.name).order_by(month, Department.id)
    )
    return pd.DataFrame(session.execute(query).all(), columns=["month", "department_id", "department", *TREND_FIGURES])
