"""Load per area and per department for the grid-load and department-load pages, built on ``geo.read.metrics``.

- ``grid_load``: drill street → community → grid; per grid (as a choropleth and a table) and per grid member.
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
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ
from geo.db import rules
from geo.db.database import backend
from geo.db.models import Case, CaseDispatch, Department
from geo.db.sql import count_if
from geo.domain.actors import Actor
from geo.domain.permissions import require
from geo.domain.rules import RATES, with_rates
from geo.domain.vocabulary import Card
from geo.read.analysis_filters import Window, area_choices, local_midnight
from geo.read.layouts import active_layout
from geo.read.metrics import metrics, rank

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
    """One drill level: ``areas`` holds the rows of the level below the chosen parent (streets of the district,
    communities of a street, or the grids of a community); ``grids`` every grid under the parent (zero rows
    for grids without cases, for the choropleth); ``members`` the grid members of those grids."""

    level: str  # "street" | "community" | "grid": what ``areas`` lists
    areas: pd.DataFrame
    grids: pd.DataFrame
    members: pd.DataFrame
    layout_id: int


def grid_load(session: Session, now: datetime, window: Window, street_id: int | None = None,
              community_id: int | None = None, with_members: bool = True, *, actor: Actor) -> GridLoad:
    """Load under the chosen parent: the whole district, one street, or one community of that street.

    ``with_members=False`` leaves ``members`` empty and saves one metrics query (a page showing the grid
    table does not need it)."""
    require(actor, "view_district_metrics")
    layout = active_layout(session)
    places = _checked_parent(area_choices(session, layout.id), street_id, community_id)
    grids = _with_figures(metrics(session, "grid", now, window.start, window.end, actor=actor), places, "grid_id")
    grids = grids.rename(columns={"grid_code": "code", "grid_name": "name", "community_name": "community",
                                  "street_name": "street", "member_name": "member"})
    members = _member_rows(session, now, window, places, actor) if with_members else pd.DataFrame()
    if community_id is not None:
        return GridLoad("grid", grids, grids, members, layout.id)
    level = "community" if street_id is not None else "street"
    rows = metrics(session, level, now, window.start, window.end, actor=actor)
    parents = places.drop_duplicates(f"{level}_id")[[f"{level}_id", f"{level}_name"]]
    areas = _with_figures(rows, parents, f"{level}_id").rename(columns={f"{level}_id": "id", f"{level}_name": "name"})
    return GridLoad(level, areas, grids, members, layout.id)


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


def _member_rows(session: Session, now: datetime, window: Window, places: pd.DataFrame, actor: Actor) -> pd.DataFrame:
    """Per grid member of the chosen grids (a member may keep several grids): figures and grid codes."""
    grids_of = places.groupby("member_name", sort=True)["grid_code"].agg(lambda c: "、".join(sorted(c)))
    members = pd.DataFrame({"member": grids_of.index, "grids": grids_of.to_numpy()})
    figures = metrics(session, "grid_member", now, window.start, window.end, actor=actor)
    return _with_figures(figures, members, "member")


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
                    actor: Actor) -> pd.DataFrame:
    """Every department (those without a whistle in the window too), best first by ``ranking``.

    Column ``score`` is the lower bound of the 95 % Wilson interval of the ranking's rate and ``rank`` the
    1-based place: 2 of 2 on time scores 0.34 and cannot top 95 of 100 (0.89).
    """
    require(actor, "view_district_metrics")
    if ranking not in RANKINGS:
        raise ValueError(f"ranking must be one of {', '.join(RANKINGS)}, got {ranking!r}")
    departments = pd.DataFrame(session.execute(
        select(Department.id, Department.name, Department.short_name).order_by(Department.code)).all(),
        columns=["department_id", "department", "short_name"])
    figures = metrics(session, "department", now, window.start, window.end, actor=actor)
    table = _with_figures(figures, departments, "department_id")
    successes, trials = RANKINGS[ranking]
    ranked = rank(table, successes, trials)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    return ranked


def department_trend(session: Session, now: datetime, window: Window, *, actor: Actor) -> pd.DataFrame:
    """Per department and local month of report: whistled, reported_in_on_time,
    late (reported in after the yellow threshold or not at all by then), closed, answered_on_time,
    closed_on_time, due, and the rates report_in_on_time_rate, on_time_answer_rate and on_time_closure_rate. One
    row per (month, department) with a whistle.

    Months are the district's local calendar months (a case reported at 07:00 on 1 November in Shanghai is a
    November case), bucketed by a CASE over the month boundaries computed here; ``backend.month_of`` would
    give UTC months, which put the first eight hours of every month into the month before."""
    require(actor, "view_district_metrics")
    elapsed = rules.elapsed_seconds(backend(session.get_bind().dialect.name), now)
    month = _local_month(Case.reported_at, window).label("month")
    query = (
        select(month, Department.id, Department.name,
               count_if(CaseDispatch.id.is_not(None)), count_if(rules.reported_in_on_time(elapsed)),
               count_if(rules.at_least(elapsed, Card.YELLOW)), count_if(rules.is_closed()),
               count_if(rules.answered_on_time()), count_if(rules.closed_on_time()), count_if(rules.is_due()))
        .select_from(CaseDispatch).join(Case, Case.id == CaseDispatch.case_id)
        .join(Department, Department.id == CaseDispatch.department_id)
        .where(Case.reported_at >= window.start, Case.reported_at < window.end)
        .group_by(month, Department.id, Department.name).order_by(month, Department.id)
    )
    table = pd.DataFrame(session.execute(query).all(),
                         columns=["month", "department_id", "department", *TREND_FIGURES])
    table[list(TREND_FIGURES)] = table[list(TREND_FIGURES)].astype("int64")
    table["report_in_decided"] = table["reported_in_on_time"] + table["late"]
    return with_rates(table)
