"""Figures on community forces, for the load pages, the monthly report and the wall screen: volunteers'
coverage per grid (how many live within 500 m), tasks open and done per community with their response time
(published → first volunteer on it) and completion time, the monthly points ranking per street, and the
kiosk's counts — which carry no names at all.

Distances are measured in the metric CRS (geo.config.metric_crs); counts and sums are aggregated in SQL, the
medians over one row per task in pandas (a district publishes about a thousand tasks a year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from geo.config import metric_crs
from geo.db.models import (
    Community,
    Grid,
    Street,
    Volunteer,
    VolunteerAssignment,
    VolunteerPoints,
    VolunteerTask,
)
from geo.db.scope import community_condition
from geo.domain.actors import Actor
from geo.domain.permissions import NotAllowed, may, require
from geo.domain.personal_data import mask_name
from geo.domain.volunteer_match import metric_transformer
from geo.domain.volunteers import AssignmentStatus, LedgerKind, TaskStatus
from geo.read.analysis_filters import Window, month_window
from geo.read.layouts import active_layout

COVERAGE_M = 500.0


def _scope(actor: Actor, column):
    """District-wide figures for the roles that see them, else the actor's communities (or NotAllowed)."""
    if may(actor.role, "view_district_metrics"):
        return true()
    if not may(actor.role, "view_volunteers"):
        raise NotAllowed(actor.name, actor.role, "view_volunteers")
    return community_condition(actor, column)


def grid_coverage(session: Session, actor: Actor, radius_m: float = COVERAGE_M) -> pd.DataFrame:
    """Per grid of the active layout (in scope): grid_id, code, name, community, its bbox (minx … maxy) and
    volunteers — active volunteers whose home is within ``radius_m`` of the grid (inside it counts as 0 m)."""
    layout = active_layout(session)
    grids = pd.DataFrame(session.execute(
        select(Grid.id, Grid.code, Grid.name, Community.name, Grid.minx, Grid.miny, Grid.maxx, Grid.maxy, Grid.geom)
        .outerjoin(Community, Community.id == Grid.community_id)
        .where(Grid.layout_id == layout.id, _scope(actor, Grid.community_id)).order_by(Grid.code)).all(),
        columns=["grid_id", "code", "name", "community", "minx", "miny", "maxx", "maxy", "geom"])
    homes = session.execute(select(Volunteer.lon, Volunteer.lat).where(
        Volunteer.active.is_(True), Volunteer.lon.is_not(None))).all()
    counts = np.zeros(len(grids), dtype=int)
    if len(grids) and homes:
        project = metric_transformer(metric_crs())
        lon, lat = np.array(homes, dtype=float).T
        points = shapely.points(*project.transform(lon, lat))
        polygons = shapely.transform(grids["geom"].to_numpy(), project.transform, interleaved=False)
        pairs = shapely.STRtree(points).query(polygons, predicate="dwithin", distance=radius_m)
        counts = np.bincount(pairs[0], minlength=len(grids))
    return grids.drop(columns="geom").assign(volunteers=counts)


def task_rows(session: Session, actor: Actor, start: datetime, end: datetime) -> pd.DataFrame:
    """One row per task published in [start, end) in scope: number, community, street, status, created_at,
    first_on (first volunteer assigned or signed up), done_at, turns (volunteers done)."""
    first = (select(VolunteerAssignment.task_id, func.min(VolunteerAssignment.assigned_at).label("first_on"))
             .group_by(VolunteerAssignment.task_id).subquery())
    turns = (select(VolunteerAssignment.task_id, func.count().label("turns"))
             .where(VolunteerAssignment.status == AssignmentStatus.DONE)
             .group_by(VolunteerAssignment.task_id).subquery())
    rows = session.execute(
        select(VolunteerTask.number, Community.name, Street.name, VolunteerTask.status, VolunteerTask.created_at,
               first.c.first_on, VolunteerTask.done_at, func.coalesce(turns.c.turns, 0))
        .join(Community, Community.id == VolunteerTask.community_id).join(Street, Street.id == Community.street_id)
        .outerjoin(first, first.c.task_id == VolunteerTask.id).outerjoin(turns, turns.c.task_id == VolunteerTask.id)
        .where(VolunteerTask.created_at >= start, VolunteerTask.created_at < end,
               _scope(actor, VolunteerTask.community_id))).all()
    frame = pd.DataFrame(rows, columns=["number", "community", "street", "status", "created_at", "first_on",
                                        "done_at", "turns"])
    for column in ("created_at", "first_on", "done_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.astype({"turns": int})


def tasks_by(tasks: pd.DataFrame, level: str) -> pd.DataFrame:
    """Per community or street: published, open, done, turns, response_h_median (published → first
    volunteer), done_h_median (published → done)."""
    def hours(a: str, b: str) -> pd.Series:
        return (tasks[b] - tasks[a]).dt.total_seconds() / 3600

    frame = tasks.assign(response_h=hours("created_at", "first_on"), done_h=hours("created_at", "done_at"),
                         is_open=tasks["status"] == TaskStatus.OPEN, is_done=tasks["status"] == TaskStatus.DONE)
    keys = ["street", "community"] if level == "community" else ["street"]
    table = frame.groupby(keys, as_index=False).agg(
        published=("number", "size"), open=("is_open", "sum"), done=("is_done", "sum"), turns=("turns", "sum"),
        response_h_median=("response_h", "median"), done_h_median=("done_h", "median"))
    return table.astype({"published": int, "open": int, "done": int, "turns": int})


def street_ranking(session: Session, actor: Actor, start: datetime, end: datetime, top: int = 5) -> pd.DataFrame:
    """The month's most active volunteers per street by points credited in [start, end): street, rank,
    volunteer (masked name), community, points, tasks. Redemptions do not count against a month's service."""
    credited = func.sum(VolunteerPoints.points)
    rows = session.execute(
        select(Street.name, Volunteer.name, Community.name, credited, func.count(VolunteerPoints.id), Volunteer.id)
        .join(Volunteer, Volunteer.id == VolunteerPoints.volunteer_id)
        .join(Community, Community.id == Volunteer.community_id).join(Street, Street.id == Community.street_id)
        .where(VolunteerPoints.kind == LedgerKind.TASK, VolunteerPoints.at >= start, VolunteerPoints.at < end,
               _scope(actor, Volunteer.community_id))
        .group_by(Street.name, Volunteer.id, Volunteer.name, Community.name)).all()
    frame = pd.DataFrame(rows, columns=["street", "volunteer", "community", "points", "tasks", "id"])
    frame = frame.sort_values(["street", "points", "tasks", "id"], ascending=[True, False, False, True])
    frame["rank"] = frame.groupby("street").cumcount() + 1
    frame["volunteer"] = frame["volunteer"].map(mask_name)
    frame = frame[frame["rank"] <= top].astype({"points": int, "tasks": int})
    return frame[["street", "rank", "volunteer", "community", "points", "tasks"]].reset_index(drop=True)


@dataclass(frozen=True)
class ScreenCounts:
    """The wall's 热心人 panel: counts only, never names."""

    volunteers: int  # active, registered
    serving: int  # with a task done in the window
    tasks_open: int  # open now
    tasks_done: int  # done in the window
    turns: int  # volunteer turns done in the window
    points: int  # credited in the window


def screen_counts(session: Session, now: datetime, actor: Actor, days: int = 30) -> ScreenCounts:
    require(actor, "view_district_metrics")
    since = now - timedelta(days=days)
    done = (VolunteerAssignment.status == AssignmentStatus.DONE) & VolunteerAssignment.done_at.between(since, now)
    return ScreenCounts(
        volunteers=session.scalar(select(func.count()).where(Volunteer.active.is_(True),
                                                             Volunteer.joined_at <= now)),
        serving=session.scalar(select(func.count(func.distinct(VolunteerAssignment.volunteer_id))).where(done)),
        tasks_open=session.scalar(select(func.count()).where(VolunteerTask.status == TaskStatus.OPEN,
                                                             VolunteerTask.created_at <= now)),
        tasks_done=session.scalar(select(func.count()).where(VolunteerTask.status == TaskStatus.DONE,
                                                             VolunteerTask.done_at.between(since, now))),
        turns=session.scalar(select(func.count()).where(done)),
        points=int(session.scalar(select(func.coalesce(func.sum(VolunteerPoints.points), 0)).where(
            VolunteerPoints.kind == LedgerKind.TASK, VolunteerPoints.at.between(since, now)))),
    )


@dataclass(frozen=True)
class VolunteerMonth:
    """Community forces in one local calendar month, for the load pages and the monthly report."""

    window: Window
    streets: pd.DataFrame  # tasks_by(…, "street") plus volunteers (active, registered) and points credited
    communities: pd.DataFrame  # tasks_by(…, "community")
    ranking: pd.DataFrame  # street_ranking
    coverage: pd.DataFrame  # grid_coverage: grids and how many volunteers live within 500 m


def volunteer_month(session: Session, year: int, month: int, actor: Actor) -> VolunteerMonth:
    window = month_window(year, month)
    tasks = task_rows(session, actor, window.start, window.end)
    streets = tasks_by(tasks, "street")
    people = pd.DataFrame(session.execute(
        select(Street.name, func.count(Volunteer.id)).join(Community, Community.street_id == Street.id)
        .join(Volunteer, Volunteer.community_id == Community.id)
        .where(Volunteer.active.is_(True), _scope(actor, Volunteer.community_id))
        .group_by(Street.code, Street.name).order_by(Street.code)).all(), columns=["street", "volunteers"])
    credited = street_ranking(session, actor, window.start, window.end, top=10**6).groupby("street")["points"].sum()
    streets = people.merge(streets, on="street", how="left").fillna(
        {c: 0 for c in ("published", "open", "done", "turns")})
    streets["points"] = streets["street"].map(credited).fillna(0).astype(int)
    return VolunteerMonth(window, streets.astype({c: int for c in ("published", "open", "done", "turns")}),
                          tasks_by(tasks, "community"), street_ranking(session, actor, window.start, window.end),
                          grid_coverage(session, actor))
