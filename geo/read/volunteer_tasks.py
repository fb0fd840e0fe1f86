"""The needs list as the pages read it: tasks in scope with how many volunteers are on them, one task with its
volunteers (names masked), the community-tier cases a task can be published for, and the volunteers to
suggest for a task — ranked by geo.domain.volunteer_match (distance in the metric CRS, skills,
availability, fairness)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ, metric_crs
from geo.db.models import (
    Case,
    Category,
    Community,
    Grid,
    Volunteer,
    VolunteerAssignment,
    VolunteerPoints,
    VolunteerTask,
)
from geo.db.scope import case_condition, community_condition
from geo.domain.actors import Actor
from geo.domain.permissions import require
from geo.domain.personal_data import mask_contacts_in_text, mask_name, mask_phone
from geo.domain.vocabulary import Status, Tier
from geo.domain.volunteer_match import MatchWeights, distances_m, rank_candidates
from geo.domain.volunteers import AssignmentStatus, TaskStatus, joined, skills_for_category, split, task_slots
from geo.read.volunteers import VolunteerOutOfScope

#: How far back a volunteer's completed tasks count towards their load (fairness).
LOAD_DAYS = 30
TASK_COLUMNS = ["id", "number", "community", "kind", "title", "case_number", "starts_at", "ends_at", "headcount",
                "on_task", "done", "status", "created_at"]


def require_task(session: Session, actor: Actor, task_id: int) -> VolunteerTask:
    """The task, if the actor may see it (LookupError for none, VolunteerOutOfScope otherwise)."""
    require(actor, "view_volunteers")
    task = session.get(VolunteerTask, task_id)
    if task is None:
        raise LookupError(f"no volunteer task with id {task_id}")
    if session.scalar(select(VolunteerTask.id).where(VolunteerTask.id == task_id,
                                                     community_condition(actor, VolunteerTask.community_id))) is None:
        raise VolunteerOutOfScope(actor, f"task {task.number}")
    return task


def _counts():
    """Subquery: task_id, on_task (assignments), done (assignments done)."""
    done = func.sum(case((VolunteerAssignment.status == AssignmentStatus.DONE, 1), else_=0))
    return (select(VolunteerAssignment.task_id, func.count().label("on_task"), done.label("done"))
            .group_by(VolunteerAssignment.task_id).subquery())


def task_table(session: Session, actor: Actor, statuses: tuple[str, ...] = (), limit: int = 500) -> pd.DataFrame:
    """Tasks in the actor's scope (TASK_COLUMNS), open first then newest."""
    require(actor, "view_volunteers")
    counts = _counts()
    query = (select(VolunteerTask.id, VolunteerTask.number, Community.name, VolunteerTask.kind,
                    VolunteerTask.title, Case.number, VolunteerTask.starts_at, VolunteerTask.ends_at,
                    VolunteerTask.headcount, func.coalesce(counts.c.on_task, 0), func.coalesce(counts.c.done, 0),
                    VolunteerTask.status, VolunteerTask.created_at)
             .join(Community, Community.id == VolunteerTask.community_id)
             .outerjoin(Case, Case.id == VolunteerTask.case_id)
             .outerjoin(counts, counts.c.task_id == VolunteerTask.id)
             .where(community_condition(actor, VolunteerTask.community_id))
             .order_by((VolunteerTask.status == TaskStatus.OPEN).desc(), VolunteerTask.created_at.desc())
             .limit(limit))
    if statuses:
        query = query.where(VolunteerTask.status.in_(statuses))
    frame = pd.DataFrame(session.execute(query).all(), columns=TASK_COLUMNS)
    return frame.astype({"on_task": int, "done": int, "headcount": int})


@dataclass(frozen=True)
class TaskView:
    task: dict  # the task's columns plus community, case_number, case_status, case_version
    volunteers: pd.DataFrame  # volunteer_id, name (masked), assigned_by, assigned_at, status, done_at, note,
    #                           photo_key, thumb_key, points


def task_view(session: Session, task_id: int, actor: Actor) -> TaskView:
    """One task with the volunteers on it and the points each earned for it."""
    task = require_task(session, actor, task_id)
    info = {c.key: getattr(task, c.key) for c in VolunteerTask.__table__.columns}
    info["community"] = session.scalar(select(Community.name).where(Community.id == task.community_id))
    row = session.execute(select(Case.number, Case.status, Case.version).where(Case.id == task.case_id)).first()
    info.update(case_number=row[0] if row else None, case_status=row[1] if row else None,
                case_version=row[2] if row else None)
    rows = session.execute(
        select(Volunteer.id, Volunteer.name, VolunteerAssignment.assigned_by, VolunteerAssignment.assigned_at,
               VolunteerAssignment.status, VolunteerAssignment.done_at, VolunteerAssignment.note,
               VolunteerAssignment.photo_key, VolunteerAssignment.thumb_key,
               func.coalesce(VolunteerPoints.points, 0))
        .join(Volunteer, Volunteer.id == VolunteerAssignment.volunteer_id)
        .outerjoin(VolunteerPoints, VolunteerPoints.assignment_id == VolunteerAssignment.id)
        .where(VolunteerAssignment.task_id == task.id).order_by(VolunteerAssignment.assigned_at)).all()
    people = pd.DataFrame(rows, columns=["volunteer_id", "name", "assigned_by", "assigned_at", "status", "done_at",
                                         "note", "photo_key", "thumb_key", "points"])
    people["name"] = people["name"].map(mask_name)
    return TaskView(info, people.astype({"points": int}))


def eligible_cases(session: Session, actor: Actor) -> pd.DataFrame:
    """Community-tier cases still open at triage (accepted) in the actor's scope without an open task: id,
    number, category, description (contacts masked), address, lon, lat, community_id, skills (suggested from
    the category), version — what "publish a task from a case" offers."""
    require(actor, "manage_volunteers")
    open_task = select(VolunteerTask.id).where(VolunteerTask.case_id == Case.id,
                                               VolunteerTask.status == TaskStatus.OPEN).exists()
    rows = session.execute(
        select(Case.id, Case.number, Category.name, Category.code, Category.class_code, Case.description,
               Case.address, Case.lon, Case.lat, Grid.community_id, Case.version, Case.reported_at)
        .join(Grid, Grid.id == Case.grid_id).outerjoin(Category, Category.id == Case.category_id)
        .where(Case.tier == Tier.COMMUNITY, Case.status == Status.ACCEPTED, case_condition(actor), ~open_task,
               community_condition(actor, Grid.community_id))
        .order_by(Case.reported_at.desc()).limit(200)).all()
    frame = pd.DataFrame(rows, columns=["id", "number", "category", "code", "class_code", "description", "address",
                                        "lon", "lat", "community_id", "version", "reported_at"])
    frame["description"] = frame["description"].map(mask_contacts_in_text)
    frame["skills"] = [joined(skills_for_category(c, k)) for c, k in zip(frame["code"], frame["class_code"])]
    return frame.drop(columns=["code", "class_code"])


def suggest_volunteers(session: Session, task_id: int, actor: Actor, now: datetime, limit: int = 20,
                       weights: MatchWeights = MatchWeights()) -> pd.DataFrame:
    """Active volunteers of the task's community not on it yet, best first: volunteer_id, name and phone
    (masked), grid_code, skills, availability, load, distance_m, matched, skill_match, available, score."""
    task = require_task(session, actor, task_id)
    on_task = select(VolunteerAssignment.volunteer_id).where(VolunteerAssignment.task_id == task.id)
    load = _load(now)
    rows = session.execute(
        select(Volunteer.id, Volunteer.name, Volunteer.phone, Volunteer.grid_code, Volunteer.lon, Volunteer.lat,
               Volunteer.skills, Volunteer.availability, func.coalesce(load.c.load, 0))
        .outerjoin(load, load.c.volunteer_id == Volunteer.id)
        .where(Volunteer.community_id == task.community_id, Volunteer.active.is_(True),
               Volunteer.id.not_in(on_task))).all()
    candidates = pd.DataFrame(rows, columns=["volunteer_id", "name", "phone", "grid_code", "lon", "lat", "skills",
                                             "availability", "load"])
    lon = candidates["lon"].astype(float).to_numpy()
    lat = candidates["lat"].astype(float).to_numpy()
    distance = distances_m(lon, lat, task.lon, task.lat, metric_crs()) if len(candidates) else np.array([])
    ranked = rank_candidates(candidates, distance, split(task.skills), task_slots(task.starts_at, task.ends_at,
                                                                                   LOCAL_TZ), weights)
    ranked["name"], ranked["phone"] = ranked["name"].map(mask_name), ranked["phone"].map(mask_phone)
    return ranked.drop(columns=["lon", "lat"]).head(limit)


def _load(now: datetime):
    """Subquery: volunteer_id, load = tasks still on + tasks done in the last LOAD_DAYS days."""
    recent = or_(VolunteerAssignment.status == AssignmentStatus.ACTIVE,
                 and_(VolunteerAssignment.status == AssignmentStatus.DONE,
                      VolunteerAssignment.done_at >= now - timedelta(days=LOAD_DAYS)))
    return (select(VolunteerAssignment.volunteer_id, func.count().label("load")).where(recent)
            .group_by(VolunteerAssignment.volunteer_id).subquery())


def community_tier_cases(session: Session, since: datetime) -> pd.DataFrame:
    """Every community-tier case accepted since ``since`` with its community: number, status, community_code,
    category code, class code, category name, lon, lat, address, accepted_at, closed_at — what a migration
    or the sample links its volunteer tasks to."""
    rows = session.execute(
        select(Case.number, Case.status, Community.code, Category.code, Category.class_code, Category.name, Case.lon,
               Case.lat, Case.address, Case.accepted_at, Case.closed_at)
        .join(Grid, Grid.id == Case.grid_id).join(Community, Community.id == Grid.community_id)
        .outerjoin(Category, Category.id == Case.category_id)
        .where(Case.tier == Tier.COMMUNITY, Case.accepted_at >= since).order_by(Case.number)).all()
    frame = pd.DataFrame(rows, columns=["number", "status", "community_code", "category_code", "class_code",
                                        "category", "lon", "lat", "address", "accepted_at", "closed_at"])
    for column in ("accepted_at", "closed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame
