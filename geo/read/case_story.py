"""What the pages need about one case: its whole story in one call (the work queues are geo.read.queue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.config import escalation_policy
from geo.db.models import (
    Building,
    Bundle,
    Case,
    CaseDispatch,
    CaseEvent,
    Category,
    Community,
    Department,
    Grid,
    Street,
)
from geo.db.scope import case_condition, require_case
from geo.domain.actors import Actor
from geo.domain.escalation import card_for
from geo.domain.event_notes import stored
from geo.domain.personal_data import mask_name, mask_phone
from geo.domain.rules import worst_card


@dataclass(frozen=True)
class CaseStory:
    case: dict
    dispatches: list[dict]
    events: list[dict]
    bundle: dict | None = None  # id, title, closed_at, cases: [(number, status)] in the actor's scope

    @property
    def card(self) -> str:
        """The case's worst card now (geo.domain.rules.worst_card over its dispatches)."""
        return str(worst_card(d["card"] for d in self.dispatches))


def case_story(session: Session, case_id: int, now: datetime, actor: Actor) -> CaseStory | None:
    """The case with its place (grid, member, building, community, street), its dispatches with their cards,
    and its events in order; None if there is no such case; OutOfScope if it is not the actor's to see.
    Reporter name and phone are always masked here: ``reveal_reporter`` unmasks them and audits it."""
    if session.get(Case, case_id) is None:
        return None
    require_case(session, actor, case_id)
    row = session.execute(
        select(Case, Category.name, Category.class_name, Grid.code, Grid.name, Grid.member_name, Grid.member_phone,
               Building.address, Community.name, Street.name)
        .outerjoin(Category, Category.id == Case.category_id).outerjoin(Grid, Grid.id == Case.grid_id)
        .outerjoin(Building, Building.id == Case.building_id)
        .outerjoin(Community, Community.id == Grid.community_id).outerjoin(Street, Street.id == Community.street_id)
        .where(Case.id == case_id)).first()
    if row is None:
        return None
    case = row[0]
    info = {c.key: getattr(case, c.key) for c in Case.__table__.columns if c.key != "location"}
    info.update(category=row[1], category_class=row[2], grid_code=row[3], grid_name=row[4], grid_member=row[5],
                grid_member_phone=row[6], building_address=row[7], community=row[8], street=row[9])
    info["reporter_phone"], info["reporter_name"] = mask_phone(case.reporter_phone), mask_name(case.reporter_name)
    policy = escalation_policy()
    dispatches = [
        {"id": d.id, "department_id": d.department_id, "department": name, "role": d.role,
         "whistled_at": d.whistled_at, "reported_in_at": d.reported_in_at, "answered_at": d.answered_at,
         "card": str(card_for(d.whistled_at, d.reported_in_at, now, policy))}
        for d, name in session.execute(
            select(CaseDispatch, Department.name).join(Department, Department.id == CaseDispatch.department_id)
            .where(CaseDispatch.case_id == case_id).order_by(CaseDispatch.role.desc(), CaseDispatch.id))]
    events = [_event(e) for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                                 .order_by(CaseEvent.at, CaseEvent.id))]
    return CaseStory(info, dispatches, events, _bundle(session, case.bundle_id, actor))


def _bundle(session: Session, bundle_id: int | None, actor: Actor) -> dict | None:
    """The case's bundle with its cases the actor may see (oldest first)."""
    bundle = None if bundle_id is None else session.get(Bundle, bundle_id)
    if bundle is None:
        return None
    cases = session.execute(select(Case.number, Case.status).where(Case.bundle_id == bundle_id, case_condition(actor))
                            .order_by(Case.reported_at, Case.id)).all()
    return {"id": bundle.id, "title": bundle.title, "closed_at": bundle.closed_at,
            "cases": [(number, status) for number, status in cases]}


def _event(e: CaseEvent) -> dict:
    """An event for the timeline: GridGov's note as a key and parameters (``said``, None without one; old
    English sentences read back by geo.domain.event_notes) apart from the person's own words (``note``)."""
    said, words = stored(e.note_key, e.note_params, e.note or "")
    return {"at": e.at, "actor": e.actor, "role": e.role, "action": e.action, "from_status": e.from_status,
            "to_status": e.to_status, "said": said, "note": words}
