"""Revealing a reporter's or a volunteer's personal data: only for roles allowed to, only within scope, and
every reveal audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from geo.db.database import Database
from geo.db.models import Case
from geo.db.scope import require_case
from geo.domain.actors import Actor
from geo.domain.permissions import may
from geo.read.volunteers import require_volunteer
from geo.usecases.audit import record


def reveal_reporter(session: Session, case_id: int, actor: Actor, now: datetime) -> tuple[str, str]:
    """(name, phone) of the reporter, for roles allowed to see personal data; every reveal is audited in the
    caller's transaction (commit it)."""
    require_case(session, actor, case_id)
    if not may(actor.role, "reveal_personal"):
        raise PermissionError(f"{actor.name} ({actor.role}) may not see reporters' personal data")
    case = session.get(Case, case_id)
    record(session, now, actor.name, actor.role, "reveal_personal", case.number)
    return case.reporter_name, case.reporter_phone


def reveal(db: Database, case_id: int, actor: Actor, now: datetime) -> tuple[str, str]:
    """``reveal_reporter`` in a transaction of its own (the page's one call): the reveal and its audit entry are
    committed together, or neither."""
    with db.transaction() as session:
        return reveal_reporter(session, case_id, actor, now)


def reveal_volunteer_in(session: Session, volunteer_id: int, actor: Actor, now: datetime) -> tuple[str, str]:
    """(name, phone) of a volunteer in the actor's scope, for roles allowed to see personal data (the same
    right as for reporters); every reveal is audited in the caller's transaction (commit it)."""
    volunteer = require_volunteer(session, actor, volunteer_id)
    if not may(actor.role, "reveal_personal"):
        raise PermissionError(f"{actor.name} ({actor.role}) may not see volunteers' personal data")
    record(session, now, actor.name, actor.role, "reveal_personal", f"volunteer:{volunteer_id}")
    return volunteer.name, volunteer.phone


def reveal_volunteer(db: Database, volunteer_id: int, actor: Actor, now: datetime) -> tuple[str, str]:
    """``reveal_volunteer_in`` in a transaction of its own (the page's one call)."""
    with db.transaction() as session:
        return reveal_volunteer_in(session, volunteer_id, actor, now)
