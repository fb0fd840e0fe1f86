"""Cases as service requests for API clients (Open311 GET requests): the fields a client may read, the
department in charge, and whose report each one was — never a reporter's name, phone or e-mail.

A merged duplicate answers with the state of the case it was merged into (its reporter follows that case).
Descriptions of other clients' reports have phone numbers, ID numbers and e-mails masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from geo.db.models import Building, Case, CaseDispatch, CaseEvent, CaseReporter, Category, Department
from geo.domain.personal_data import mask_contacts_in_text
from geo.domain.vocabulary import DONE_STATUSES, DispatchRole, Status
from geo.read.media import first_photos
from geo.read.routing import route_for_case

#: Our statuses that a client sees as "closed" (resolved, or refused with a reason); the rest are "open".
CLOSED_STATUSES = frozenset({*DONE_STATUSES, Status.REJECTED})
MAX_REQUESTS = 1000


@dataclass(frozen=True)
class RequestQuery:
    numbers: tuple[str, ...] = ()  # overrides every other filter, as the specification says
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    closed: bool | None = None  # None: both
    viewer_client_id: int | None = None  # whose own reports are shown unmasked
    limit: int = MAX_REQUESTS


def find_requests(session: Session, query: RequestQuery) -> list[dict]:
    """The matching cases, newest first, at most ``query.limit``."""
    target = aliased(Case)
    effective = func.coalesce(target.status, Case.status)
    select_ = (select(Case, Category.code, Category.name, target.number, target.status, Building.address,
                      Building.code)
               .outerjoin(Category, Category.id == Case.category_id)
               .outerjoin(target, target.id == Case.merged_into_id)
               .outerjoin(Building, Building.id == Case.building_id))
    if query.numbers:
        select_ = select_.where(Case.number.in_(query.numbers))
    else:
        if query.service_codes:
            select_ = select_.where(Category.code.in_(query.service_codes))
        if query.start is not None:
            select_ = select_.where(Case.reported_at >= query.start)
        if query.end is not None:
            select_ = select_.where(Case.reported_at <= query.end)
        if query.closed is not None:
            closed = effective.in_([str(s) for s in CLOSED_STATUSES])
            select_ = select_.where(closed if query.closed else ~closed)
    rows = session.execute(select_.order_by(Case.reported_at.desc(), Case.id.desc()).limit(query.limit)).all()
    return _assembled(session, rows, query.viewer_client_id)


def request_by_number(session: Session, number: str, viewer_client_id: int | None = None) -> dict | None:
    found = find_requests(session, RequestQuery(numbers=(number,), viewer_client_id=viewer_client_id, limit=1))
    return found[0] if found else None


def _assembled(session: Session, rows, viewer_client_id: int | None) -> list[dict]:
    ids = [r[0].id for r in rows]
    ids_followed = ids + [r[0].merged_into_id for r in rows if r[0].merged_into_id]
    departments = _lead_departments(session, ids_followed)
    updated = dict(session.execute(select(CaseEvent.case_id, func.max(CaseEvent.at))
                                   .where(CaseEvent.case_id.in_(ids_followed)).group_by(CaseEvent.case_id)).all())
    own = set(session.scalars(select(CaseReporter.case_id).where(
        CaseReporter.case_id.in_(ids), CaseReporter.client_id == viewer_client_id))) if viewer_client_id else set()
    photos = first_photos(session, ids)
    routed = _routed_departments(session, [r[0] for r in rows if r[0].id not in departments])
    out = []
    for case, code, name, target_number, target_status, building_address, building_code in rows:
        followed = case.merged_into_id or case.id
        status = target_status or case.status
        out.append({
            "number": case.number, "status": status, "closed": status in CLOSED_STATUSES,
            "merged_into": target_number, "service_code": code, "service_name": name,
            "description": case.description if case.id in own else mask_contacts_in_text(case.description),
            "department": departments.get(followed) or routed.get(case.id, ""),
            "whistled": followed in departments,
            "requested_at": case.reported_at, "updated_at": updated.get(followed, case.reported_at),
            "closed_at": case.closed_at or case.rejected_at, "expected_at": case.deadline,
            "address": case.address or building_address or "", "address_id": building_code or "",
            "lat": case.lat, "lon": case.lon, "photo": photos.get(case.id), "own": case.id in own,
        })
    return out


def _lead_departments(session: Session, case_ids: list[int]) -> dict[int, str]:
    rows = session.execute(select(CaseDispatch.case_id, Department.name)
                           .join(Department, Department.id == CaseDispatch.department_id)
                           .where(CaseDispatch.case_id.in_(case_ids), CaseDispatch.role == DispatchRole.LEAD)).all()
    return {int(c): n for c, n in rows}


def _routed_departments(session: Session, cases: list) -> dict[int, str]:
    """Case id → the department a case not yet whistled routes to (geo.read.routing, by its category and its
    street): who will handle it."""
    names = dict(session.execute(select(Department.id, Department.name)).all())
    routes = {case.id: route_for_case(session, case) for case in cases}
    return {case_id: names.get(route.lead_department_id, "") if route else "" for case_id, route in routes.items()}
