"""The needs list (需求清单): a community (or the center) publishes a task — from a community-tier case (社区自办)
or on its own (a patrol, a campaign, an errand) — volunteers are assigned by the community or sign up on
the phone page, and each records completion (with a photo if they like), which credits their points. A case
handled by volunteers is then closed by the community through the normal loop (``close_case_of_task``,
geo.usecases.case_actions). Each function owns its transaction: all of it is written, or nothing.

The headcount holds under concurrency: every assignment first moves the task's ``version`` with a
conditional UPDATE, which takes the task row's write lock, so the last place cannot be taken twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ
from geo.db.database import Database
from geo.db.models import Case, CaseEvent, Community, Grid, Volunteer, VolunteerAssignment, VolunteerTask
from geo.db.scope import require_case
from geo.domain.actors import Actor
from geo.domain.permissions import require
from geo.domain.vocabulary import Role, Status, Tier
from geo.domain.volunteers import (
    MAX_HEADCOUNT,
    AssignedBy,
    AssignmentStatus,
    Skill,
    TaskKind,
    TaskStatus,
    VolunteerInputError,
    joined,
    parse_codes,
)
from geo.read.volunteer_tasks import require_task
from geo.read.volunteers import managed_communities, volunteer_of_user
from geo.usecases.case_actions import Acted, act_on_case

NUMBER_PREFIX = "VT"
MAX_TITLE, MAX_TEXT = 200, 2000


@dataclass(frozen=True)
class TaskDraft:
    """What the community fills in. From a case, place and community default to the case's."""

    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    headcount: int
    skills: tuple[str, ...] = ()
    description: str = ""
    case_id: int | None = None
    community_id: int | None = None  # the center names it for a task of its own; community staff: their own
    lon: float | None = None
    lat: float | None = None
    address: str = ""


def publish_task(db: Database, draft: TaskDraft, actor: Actor, now: datetime) -> str:
    """Publish a task; returns its number (VT + local date + sequence)."""
    with db.transaction() as session:
        require(actor, "manage_volunteers")
        fields = _checked_draft(draft, now)
        place = _from_case(session, draft, actor) if draft.case_id is not None else _own_place(session, draft, actor)
        if place["community_id"] not in managed_communities(session, actor).values():
            raise VolunteerInputError("the task's community is not one you publish tasks for")
        task = VolunteerTask(number=task_number(session, now), status=TaskStatus.OPEN, created_at=now,
                             created_by=actor.name, **fields, **place)
        session.add(task)
        session.flush()
        if task.case_id is not None:
            case = session.get(Case, task.case_id)
            session.add(CaseEvent(case_id=case.id, at=now, actor=actor.name, role=str(actor.role),
                                  action="volunteer_task", from_status=case.status, to_status=case.status,
                                  note=task.number))
        return task.number


def _checked_draft(draft: TaskDraft, now: datetime) -> dict:
    title, description = (draft.title or "").strip(), (draft.description or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise VolunteerInputError(f"a task needs a title of 1 to {MAX_TITLE} characters")
    if len(description) > MAX_TEXT:
        raise VolunteerInputError(f"the description is {len(description)} characters; at most {MAX_TEXT}")
    if not isinstance(draft.headcount, int) or not 1 <= draft.headcount <= MAX_HEADCOUNT:
        raise VolunteerInputError(f"headcount must be a whole number from 1 to {MAX_HEADCOUNT}, got {draft.headcount!r}")
    for name in ("starts_at", "ends_at"):
        if getattr(draft, name).utcoffset() is None:
            raise VolunteerInputError(f"{name} must be an aware date and time")
    if draft.ends_at <= draft.starts_at or draft.ends_at <= now:
        raise VolunteerInputError("the task's window must end after it starts, and in the future")
    kind = TaskKind(draft.kind) if draft.kind in {str(k) for k in TaskKind} else None
    if kind is None:
        raise VolunteerInputError(f"unknown task kind {draft.kind!r}; kinds: {', '.join(TaskKind)}")
    return {"kind": str(kind), "title": title, "description": description, "starts_at": draft.starts_at,
            "ends_at": draft.ends_at, "headcount": draft.headcount,
            "skills": joined(parse_codes(draft.skills, Skill, "skill"))}


def _from_case(session: Session, draft: TaskDraft, actor: Actor) -> dict:
    """A task for a case the community solves itself: accepted at the community tier, still open, with no
    open task already; at the case's place unless another is given."""
    if draft.kind != TaskKind.CASE:
        raise VolunteerInputError(f"a task from a case has the kind '{TaskKind.CASE}'")
    require_case(session, actor, draft.case_id)
    case = session.get(Case, draft.case_id)
    if case.tier != Tier.COMMUNITY or case.status != Status.ACCEPTED:
        raise VolunteerInputError(f"case {case.number} is not an open case the community solves itself "
                                  f"(tier {case.tier}, status {case.status})")
    if session.scalar(select(VolunteerTask.number).where(VolunteerTask.case_id == case.id,
                                                         VolunteerTask.status == TaskStatus.OPEN)):
        raise VolunteerInputError(f"case {case.number} already has an open volunteer task")
    community_id = session.scalar(select(Grid.community_id).where(Grid.id == case.grid_id))
    lon, lat = (draft.lon, draft.lat) if draft.lon is not None else (case.lon, case.lat)
    if community_id is None or lon is None:
        raise VolunteerInputError(f"case {case.number} has no place in a community")
    return {"case_id": case.id, "community_id": community_id, "lon": float(lon), "lat": float(lat),
            "address": (draft.address or case.address or "")[:200]}


def _own_place(session: Session, draft: TaskDraft, actor: Actor) -> dict:
    if draft.kind == TaskKind.CASE:
        raise VolunteerInputError("a task of the kind 'case' needs the case it comes from")
    community_id = actor.community_id if actor.role == Role.COMMUNITY else draft.community_id
    if community_id is None or session.get(Community, community_id) is None:
        raise VolunteerInputError("say which community the task is for")
    if draft.lon is None or draft.lat is None or not (-180 <= draft.lon <= 180 and -90 <= draft.lat <= 90):
        raise VolunteerInputError("the task needs a place (WGS84 lon/lat)")
    return {"case_id": None, "community_id": community_id, "lon": float(draft.lon), "lat": float(draft.lat),
            "address": (draft.address or "")[:200]}


def task_number(session: Session, now: datetime) -> str:
    """VT + the local date + a 6-digit sequence continuing the day's last number."""
    day = f"{NUMBER_PREFIX}{now.astimezone(ZoneInfo(LOCAL_TZ)):%Y%m%d}"
    last = session.scalar(select(func.max(VolunteerTask.number)).where(VolunteerTask.number.like(f"{day}%")))
    return f"{day}{(int(last[-6:]) + 1) if last else 1:06d}"


def assign_volunteers(db: Database, task_id: int, volunteer_ids: list[int], actor: Actor, now: datetime) -> int:
    """The community assigns volunteers of the task's community (active, not on it yet) within the headcount;
    returns how many were added."""
    with db.transaction() as session:
        require(actor, "manage_volunteers")
        task = require_task(session, actor, task_id)
        ids = sorted({int(v) for v in volunteer_ids})
        found = session.scalars(select(Volunteer).where(Volunteer.id.in_(ids))).all()
        wrong = sorted(set(ids) - {v.id for v in found if v.community_id == task.community_id and v.active})
        if wrong:
            raise VolunteerInputError(f"volunteer(s) {wrong} are not active volunteers of the task's community")
        _lock_places(session, task, len(ids), now)
        for volunteer_id in ids:
            _add(session, task, volunteer_id, AssignedBy.COMMUNITY, actor.name, now)
        return len(ids)


def sign_up(db: Database, task_id: int, user_id: int, actor: Actor, now: datetime) -> None:
    """A volunteer takes an open task of their own community on the phone page while places are left."""
    with db.transaction() as session:
        require(actor, "volunteer_tasks")
        volunteer = volunteer_of_user(session, user_id)
        task = session.get(VolunteerTask, task_id)
        if volunteer is None or task is None or task.community_id != volunteer.community_id:
            raise VolunteerInputError("no such task in your community")
        _lock_places(session, task, 1, now)
        _add(session, task, volunteer.id, AssignedBy.SIGN_UP, volunteer.name, now)


def _lock_places(session: Session, task: VolunteerTask, wanted: int, now: datetime) -> None:
    """Lock the task row (its version moves), then check it is open, not over, and has ``wanted`` places."""
    session.execute(update(VolunteerTask).where(VolunteerTask.id == task.id)
                    .values(version=VolunteerTask.version + 1))
    session.refresh(task)
    if task.status != TaskStatus.OPEN or task.ends_at <= now:
        raise VolunteerInputError(f"task {task.number} is {task.status if task.status != TaskStatus.OPEN else 'over'}:"
                                  " nobody more can join it")
    taken = session.scalar(select(func.count()).where(VolunteerAssignment.task_id == task.id))
    if taken + wanted > task.headcount:
        raise VolunteerInputError(f"task {task.number} needs {task.headcount}; {taken} already on it, "
                                  f"{task.headcount - taken} place(s) left")


def _add(session: Session, task: VolunteerTask, volunteer_id: int, how: AssignedBy, by: str, now: datetime) -> None:
    if session.scalar(select(VolunteerAssignment.id).where(VolunteerAssignment.task_id == task.id,
                                                           VolunteerAssignment.volunteer_id == volunteer_id)):
        raise VolunteerInputError(f"volunteer {volunteer_id} is on task {task.number} already")
    session.add(VolunteerAssignment(task_id=task.id, volunteer_id=volunteer_id, assigned_by=how, assigned_at=now,
                                    actor=by, status=AssignmentStatus.ACTIVE))
    session.flush()


def cancel_task(db: Database, task_id: int, actor: Actor, now: datetime) -> None:
    """Withdraw an open task (nobody has completed it): it leaves the phone page; its history stays."""
    with db.transaction() as session:
        require(actor, "manage_volunteers")
        task = require_task(session, actor, task_id)
        done = session.scalar(select(func.count()).where(VolunteerAssignment.task_id == task.id,
                                                         VolunteerAssignment.status == AssignmentStatus.DONE))
        if task.status != TaskStatus.OPEN or done:
            raise VolunteerInputError(f"task {task.number} is {task.status} or partly done: it cannot be cancelled")
        task.status, task.done_at = TaskStatus.CANCELLED, now


def close_case_of_task(db: Database, task_id: int, actor: Actor, seen_version: int, note: str,
                       now: datetime) -> Acted:
    """Close the case a completed task was published for, through the loop's own "close" (scope, state
    machine, version check and the case's event log all apply)."""
    with db.session() as session:
        task = require_task(session, actor, task_id)
        if task.case_id is None or task.status != TaskStatus.DONE:
            raise VolunteerInputError(f"task {task.number} is not a completed task of a case")
        case_id = task.case_id
    return act_on_case(db, case_id, "close", actor, seen_version, {"note": note}, now)
