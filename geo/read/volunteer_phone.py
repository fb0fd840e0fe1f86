"""What the volunteer's phone page shows: who they are, the open tasks of their community that still need
people (nearest first), the tasks they are on, and their points. Only the volunteer's own data: other
volunteers appear as counts, and the task's text is shown with contact details masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.config import metric_crs
from geo.db.models import Community, Volunteer, VolunteerAssignment, VolunteerTask
from geo.domain.actors import Actor
from geo.domain.permissions import require
from geo.domain.personal_data import mask_contacts_in_text
from geo.domain.volunteer_match import distances_m
from geo.domain.volunteers import TaskStatus, split
from geo.read.volunteers import balance_of, volunteer_of_user

TASK_FIELDS = ["id", "number", "kind", "title", "description", "address", "lon", "lat", "skills", "starts_at",
               "ends_at", "headcount", "on_task", "distance_m", "mine", "my_status", "status"]


@dataclass(frozen=True)
class VolunteerHome:
    name: str
    community: str
    skills: tuple[str, ...]
    balance: int
    open_tasks: pd.DataFrame  # TASK_FIELDS: open, not over, places left or mine; nearest first
    my_tasks: pd.DataFrame  # TASK_FIELDS: the tasks I am on (active first, then the last done)


class NotAVolunteer(PermissionError):
    """The signed-in account is not linked to an active registry entry."""


def volunteer_home(session: Session, actor: Actor, user_id: int, now: datetime, done_shown: int = 10) -> VolunteerHome:
    require(actor, "volunteer_tasks")
    me = volunteer_of_user(session, user_id)
    if me is None:
        raise NotAVolunteer(f"{actor.name} is not an active volunteer of the registry")
    tasks = _tasks(session, me, now)
    mine = tasks[tasks["mine"]]
    mine = pd.concat([mine[mine["my_status"] == "active"],
                      mine[mine["my_status"] == "done"].sort_values("ends_at", ascending=False).head(done_shown)])
    open_ = tasks[(tasks["status"] == TaskStatus.OPEN) & (tasks["ends_at"] > pd.Timestamp(now)) & ~tasks["mine"]
                  & (tasks["on_task"] < tasks["headcount"])]
    return VolunteerHome(me.name, session.scalar(select(Community.name).where(Community.id == me.community_id)),
                         tuple(sorted(split(me.skills))), balance_of(session, me.id),
                         open_.sort_values(["distance_m", "starts_at"]).reset_index(drop=True),
                         mine.reset_index(drop=True))


def _tasks(session: Session, me: Volunteer, now: datetime) -> pd.DataFrame:
    """The community's open tasks and every task I am on, with places taken and my distance to each."""
    counts = (select(VolunteerAssignment.task_id, func.count().label("on_task"))
              .group_by(VolunteerAssignment.task_id).subquery())
    mine = (select(VolunteerAssignment.task_id, VolunteerAssignment.status)
            .where(VolunteerAssignment.volunteer_id == me.id).subquery())
    rows = session.execute(
        select(VolunteerTask.id, VolunteerTask.number, VolunteerTask.kind, VolunteerTask.title,
               VolunteerTask.description, VolunteerTask.address, VolunteerTask.lon, VolunteerTask.lat,
               VolunteerTask.skills, VolunteerTask.starts_at, VolunteerTask.ends_at, VolunteerTask.headcount,
               func.coalesce(counts.c.on_task, 0), mine.c.status, VolunteerTask.status)
        .outerjoin(counts, counts.c.task_id == VolunteerTask.id).outerjoin(mine, mine.c.task_id == VolunteerTask.id)
        .where(VolunteerTask.community_id == me.community_id,
               (VolunteerTask.status == TaskStatus.OPEN) | mine.c.status.is_not(None))).all()
    frame = pd.DataFrame(rows, columns=[c for c in TASK_FIELDS if c not in ("distance_m", "mine")])
    frame["description"] = frame["description"].map(mask_contacts_in_text)
    frame["mine"] = frame["my_status"].notna()
    frame["ends_at"] = pd.to_datetime(frame["ends_at"], utc=True)
    home = (me.lon, me.lat) if me.lon is not None else (np.nan, np.nan)
    frame["distance_m"] = (distances_m(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float), *home,
                                       metric_crs()).round() if len(frame) else [])
    return frame[TASK_FIELDS]
