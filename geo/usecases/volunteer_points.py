"""The points ledger (积分): a credit when a volunteer completes a task, a debit when the community records a
redemption at a local shop. Entries are only ever added (the table's triggers refuse UPDATE and DELETE, like
the case log), each with who wrote it and when; the balance is their sum."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from geo.db.database import Database
from geo.db.models import Volunteer, VolunteerAssignment, VolunteerPoints, VolunteerTask
from geo.domain.actors import Actor
from geo.domain.permissions import require
from geo.domain.volunteer_points import PointsRule, check_redemption
from geo.domain.volunteers import LedgerKind, VolunteerInputError
from geo.read.volunteers import balance_of, require_volunteer

MAX_NOTE = 200


def credit_task(session: Session, assignment: VolunteerAssignment, task: VolunteerTask, rule: PointsRule,
                actor: Actor, now: datetime) -> int:
    """Credit the points ``rule`` gives for this completed assignment (once: the ledger's assignment_id is
    unique); returns them. The note keeps the figures the rule used."""
    points = rule.points_for(task.starts_at, task.ends_at, assignment.photo_key is not None)
    hours = (task.ends_at - task.starts_at).total_seconds() / 3600
    session.add(VolunteerPoints(volunteer_id=assignment.volunteer_id, at=now, kind=LedgerKind.TASK, points=points,
                                task_id=task.id, assignment_id=assignment.id, actor=actor.name,
                                role=str(actor.role),
                                note=f"base={rule.base} per_hour={rule.per_hour} hours={hours:.1f} "
                                     f"max_hours={rule.max_hours:g} photo={assignment.photo_key is not None}"))
    return points


def redeem(db: Database, volunteer_id: int, points: int, note: str, actor: Actor, now: datetime) -> int:
    """Record a redemption (what was exchanged and where, in ``note``) by the volunteer's community; refuses
    more than the balance. Returns the new balance. The volunteer's row is locked first, so two redemptions
    at once cannot both spend the same points."""
    with db.transaction() as session:
        require(actor, "manage_volunteers")
        require_volunteer(session, actor, volunteer_id)
        text = (note or "").strip()
        if not text or len(text) > MAX_NOTE:
            raise VolunteerInputError(f"say what was exchanged, and where, in 1 to {MAX_NOTE} characters")
        session.execute(update(Volunteer).where(Volunteer.id == volunteer_id).values(active=Volunteer.active))
        balance = balance_of(session, volunteer_id)
        check_redemption(points, balance)
        session.add(VolunteerPoints(volunteer_id=volunteer_id, at=now, kind=LedgerKind.REDEEM, points=-points,
                                    actor=actor.name, role=str(actor.role), note=text))
        return balance - points
