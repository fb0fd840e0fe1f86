"""A volunteer's part of a task done: recorded by the volunteer on the phone page (or by the community on their
behalf), with an optional note and photo. The photo is checked and re-encoded like a report's (EXIF and GPS
stripped) and kept in the media store; for a task from a case it is also added to the case as an "after"
photo, so the case panel shows what was done. Completion credits the volunteer's points by the district's
rule; when everyone on the task is done, the task is done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from geo.db.database import Database
from geo.db.media_store import MediaStore
from geo.db.models import Case, VolunteerAssignment, VolunteerTask
from geo.domain.actors import Actor
from geo.domain.permissions import may, require
from geo.domain.photos import Photo, PhotoLimits, PhotoRefused, process_photo
from geo.domain.volunteer_points import PointsRule
from geo.domain.volunteers import AssignmentStatus, TaskStatus, VolunteerInputError
from geo.read.volunteer_tasks import require_task
from geo.read.volunteers import volunteer_of_user
from geo.usecases.media import new_key, store_photo
from geo.usecases.volunteer_points import credit_task

MAX_NOTE = 1000


@dataclass(frozen=True)
class Completed:
    task_number: str
    points: int  # credited to the volunteer
    task_done: bool  # everyone on the task is done


@dataclass(frozen=True)
class Completion:
    """Who says the part is done, and what they send."""

    note: str = ""
    photo: bytes | None = None
    volunteer_id: int | None = None  # the community recording for someone; None: the signed-in volunteer
    user_id: int | None = None  # the signed-in volunteer's account (phone page)


def complete(db: Database, store: MediaStore, task_id: int, completion: Completion, actor: Actor, now: datetime,
             rule: PointsRule, limits: PhotoLimits = PhotoLimits()) -> Completed:
    """Record completion in one transaction; the photo's bytes are removed from the store again if the
    transaction fails, so nothing is left behind."""
    photo = _photo(completion.photo, limits)
    written: list[str] = []
    try:
        with db.transaction() as session:
            return _complete(session, store, task_id, completion, photo, actor, now, rule, written)
    except BaseException:
        for key in written:
            store.delete(key)
        raise


def _photo(data: bytes | None, limits: PhotoLimits) -> Photo | None:
    if not data:
        return None
    try:
        return process_photo(data, limits)
    except PhotoRefused as exc:
        raise VolunteerInputError(str(exc)) from None


def _complete(session: Session, store: MediaStore, task_id: int, completion: Completion, photo: Photo | None,
              actor: Actor, now: datetime, rule: PointsRule, written: list[str]) -> Completed:
    task, volunteer_id = _task_and_volunteer(session, task_id, completion, actor)
    session.execute(update(VolunteerTask).where(VolunteerTask.id == task.id)
                    .values(version=VolunteerTask.version + 1))  # one completion at a time per task
    session.refresh(task)
    assignment = session.scalar(select(VolunteerAssignment).where(VolunteerAssignment.task_id == task.id,
                                                                  VolunteerAssignment.volunteer_id == volunteer_id))
    if assignment is None or assignment.status != AssignmentStatus.ACTIVE or task.status != TaskStatus.OPEN:
        raise VolunteerInputError(f"task {task.number}: there is no open part of this volunteer to complete")
    note = (completion.note or "").strip()
    if len(note) > MAX_NOTE:
        raise VolunteerInputError(f"the note is {len(note)} characters; at most {MAX_NOTE}")
    assignment.status, assignment.done_at, assignment.note = AssignmentStatus.DONE, now, note
    if photo is not None:
        _keep_photo(session, store, assignment, task, photo, actor, now, written)
    session.flush()
    points = credit_task(session, assignment, task, rule, actor, now)
    left = session.scalar(select(func.count()).where(VolunteerAssignment.task_id == task.id,
                                                     VolunteerAssignment.status == AssignmentStatus.ACTIVE))
    if left == 0:
        task.status, task.done_at = TaskStatus.DONE, now
    return Completed(task.number, points, left == 0)


def _task_and_volunteer(session: Session, task_id: int, completion: Completion,
                        actor: Actor) -> tuple[VolunteerTask, int]:
    """The volunteer completes their own part; the community may record anyone's part of a task in scope."""
    if may(actor.role, "volunteer_tasks"):
        volunteer = volunteer_of_user(session, completion.user_id) if completion.user_id is not None else None
        task = session.get(VolunteerTask, task_id)
        if volunteer is None or task is None or task.community_id != volunteer.community_id:
            raise VolunteerInputError("no such task in your community")
        return task, volunteer.id
    require(actor, "manage_volunteers")
    if completion.volunteer_id is None:
        raise VolunteerInputError("say whose part is done")
    return require_task(session, actor, task_id), completion.volunteer_id


def _keep_photo(session: Session, store: MediaStore, assignment: VolunteerAssignment, task: VolunteerTask,
                photo: Photo, actor: Actor, now: datetime, written: list[str]) -> None:
    key = new_key()
    assignment.photo_key, assignment.thumb_key = f"{key}.jpg", f"{key}-thumb.jpg"
    store.put(assignment.photo_key, photo.jpeg, "image/jpeg")
    store.put(assignment.thumb_key, photo.thumbnail, "image/jpeg")
    written += [assignment.photo_key, assignment.thumb_key]
    case = session.get(Case, task.case_id) if task.case_id is not None else None
    if case is not None:
        row = store_photo(session, store, case, photo, "after", f"{actor.name} ({task.number})", now)
        written += [row.key, row.thumb_key]
