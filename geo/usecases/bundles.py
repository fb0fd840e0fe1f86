"""Bundling open cases of one category into one escalation (a supervisor's decision)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.db.models import Bundle, Case, CaseEvent
from geo.db.scope import case_condition
from geo.domain.actors import Actor
from geo.domain.event_notes import Note
from geo.domain.permissions import require
from geo.domain.vocabulary import OPEN_STATUSES
from geo.domain.workflow import InvalidInput


def create_bundle(session: Session, case_ids: list[int], title: str, actor: Actor, now: datetime,
                  escalated_to: str = "") -> Bundle:
    """Bundle open cases of one category and log it on each case; refuses mixed categories or closed cases.
    Only a role allowed to bundle may, and only cases in its scope count as found (NotAllowed otherwise)."""
    require(actor, "create_bundle")
    cases = session.scalars(select(Case).where(Case.id.in_(case_ids), case_condition(actor))).all()
    if len(cases) != len(set(case_ids)) or len(cases) < 2:
        raise InvalidInput(f"a bundle needs at least two existing cases; found {len(cases)} of {len(set(case_ids))}")
    categories = {c.category_id for c in cases}
    if len(categories) != 1 or None in categories:
        raise InvalidInput(f"a bundle holds cases of one category; these have {len(categories)}")
    closed = [c.number for c in cases if c.status not in OPEN_STATUSES or c.bundle_id is not None]
    if closed:
        raise InvalidInput(f"cases already closed or bundled: {', '.join(closed[:5])}")
    bundle = Bundle(category_id=categories.pop(), title=title, created_at=now, created_by=actor.name,
                    escalated_to=escalated_to)
    session.add(bundle)
    session.flush()
    for case in cases:
        case.bundle_id = bundle.id  # an ORM change: the version column moves, so open panels see the change
    said = Note("bundled", {"bundle_id": bundle.id, "title": title})
    session.add_all(CaseEvent(case_id=c.id, at=now, actor=actor.name, role=str(actor.role), action="bundle",
                              from_status=c.status, to_status=c.status, note=escalated_to, note_key=said.key,
                              note_params=said.dumps())
                    for c in cases)
    session.flush()
    return bundle
