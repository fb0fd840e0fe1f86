"""Work queues (我的待办): what waits on the signed-in person, per role, worst first.

- center supervisors and admins: new cases to triage, unassigned (outside every grid), triaged cases to
  whistle, whistles awaiting report-in by card, overdue, answered cases to close, closed cases awaiting the
  resident's rating, cases back for rework;
- department staff: whistles to their department to report in, and (lead department) answers due;
- street and community staff: cases in their area to accept, (street) to whistle, to close, overdue;
- grid members: cases in their grids to check on the spot — new reports, answered cases before closure,
  rework — and the overdue ones.

Every queue is a condition of geo.db.rules (no status list or deadline comparison is spelled here) within
the actor's scope (geo.db.scope). Rows are ordered worst first: the worst card, then the earliest deadline,
then the oldest report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import and_, case, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from geo.db import rules
from geo.db.database import backend
from geo.db.models import Case, CaseDispatch, Category, Department, Grid
from geo.db.scope import case_condition
from geo.db.sql import count_if
from geo.domain.actors import Actor
from geo.domain.rules import CARD_ORDER
from geo.domain.vocabulary import Card, Role, Status

#: How long after the closure the center calls the resident back for a rating: older unrated closures stay
#: unrated (most residents never rate; a year of them is not a queue).
RATING_CALLBACK = timedelta(days=7)
Condition = Callable[[datetime, object], ColumnElement[bool]]  # (now, the backend's SQL module) → condition


@dataclass(frozen=True)
class QueueSpec:
    """A queue: which cases it holds (``where(now, sql)`` over ``cases``; for department queues also ``own``
    over the department's own dispatch), and the one action that takes a case out of it for several cases at
    once (None where each case needs its own decision, e.g. whom to whistle to)."""

    where: Condition
    bulk_action: str | None = None
    own: Condition | None = None


def _card_band(card: str) -> Condition:
    """Open, with a dispatch still waiting for its report-in whose card is exactly ``card``."""
    def where(now: datetime, sql) -> ColumnElement[bool]:
        late = select(CaseDispatch.case_id).where(rules.waiting_for_report_in(now),
                                                  rules.in_card(rules.elapsed_seconds(sql, now), card))
        return and_(rules.is_open(), Case.id.in_(late))
    return where


QUEUES: dict[str, QueueSpec] = {
    "new": QueueSpec(lambda now, sql: rules.awaits("accept"), "accept"),
    "unassigned": QueueSpec(lambda now, sql: and_(rules.is_open(), Case.grid_id.is_(None))),
    "to_whistle": QueueSpec(lambda now, sql: rules.ready_to_whistle()),
    "report_in_yellow": QueueSpec(_card_band(Card.YELLOW)),
    "report_in_red": QueueSpec(_card_band(Card.RED)),
    "report_in_discipline": QueueSpec(_card_band(Card.DISCIPLINE)),
    "overdue": QueueSpec(lambda now, sql: rules.is_overdue(now)),
    "to_close": QueueSpec(lambda now, sql: rules.ready_to_close(), "close"),
    "answered": QueueSpec(lambda now, sql: and_(rules.ready_to_close(), Case.status == Status.ANSWERED)),
    "awaiting_rating": QueueSpec(lambda now, sql: and_(rules.awaits("rate"), Case.closed_at >= now - RATING_CALLBACK)),
    "rework": QueueSpec(lambda now, sql: Case.status == Status.REWORK),
    "to_report_in": QueueSpec(lambda now, sql: rules.awaits("report_in"), "report_in",
                              own=lambda now, sql: rules.waiting_for_report_in(now)),
    "to_answer": QueueSpec(lambda now, sql: rules.awaits("answer"), own=lambda now, sql: rules.answer_due()),
}
_CENTER = ("new", "unassigned", "to_whistle", "report_in_yellow", "report_in_red", "report_in_discipline",
           "overdue", "to_close", "awaiting_rating", "rework")
#: The queues of each role, in the order the page shows them.
ROLE_QUEUES: dict[Role, tuple[str, ...]] = {
    Role.SUPERVISOR: _CENTER,
    Role.ADMIN: _CENTER,
    Role.DEPARTMENT: ("to_report_in", "to_answer"),
    Role.STREET: ("new", "to_whistle", "to_close", "overdue"),
    Role.COMMUNITY: ("new", "to_close", "overdue"),
    Role.GRID_MEMBER: ("new", "answered", "rework", "overdue"),
}
#: Columns of a queue's rows.
COLUMNS = ["id", "number", "version", "status", "card", "deadline", "reported_at", "category", "grid", "address",
           "departments"]


def queues_for(actor: Actor) -> tuple[str, ...]:
    """The queues the actor's role works (none for roles with nothing to do on single cases)."""
    return ROLE_QUEUES.get(actor.role, ())


def queue_counts(session: Session, now: datetime, actor: Actor, names: tuple[str, ...] | None = None
                 ) -> dict[str, int]:
    """How many cases of the actor's scope wait in each queue of ``names`` (default: the actor's queues), in
    one pass over the cases."""
    names = queues_for(actor) if names is None else names
    if not names:
        return {}
    counts = session.execute(select(*(count_if(and_(*_conditions(session, name, now, actor)[1:])) for name in names))
                             .select_from(Case).where(case_condition(actor))).one()
    return {name: int(n) for name, n in zip(names, counts)}


def queue_rows(session: Session, name: str, now: datetime, actor: Actor, limit: int | None = 500) -> pd.DataFrame:
    """The cases of queue ``name`` (any of QUEUES: the scope decides what the actor sees) in the actor's scope,
    worst first (COLUMNS): the card is the case's worst (a department's: its own dispatch's), ``departments``
    the departments the case waits on or was whistled to (lead first)."""
    _spec(name)
    sql = backend(session.get_bind().dialect.name)
    own = [CaseDispatch.department_id == actor.department_id] if actor.role == Role.DEPARTMENT else []
    card = rules.worst_card(sql, now, *own)
    severity = case(*((card == str(c), i) for i, c in enumerate(CARD_ORDER)), else_=0)
    query = (select(Case.id, Case.number, Case.version, Case.status, card.label("card"), Case.deadline,
                    Case.reported_at, Category.name, Grid.code, Case.address)
             .outerjoin(Category, Category.id == Case.category_id).outerjoin(Grid, Grid.id == Case.grid_id)
             .where(*_conditions(session, name, now, actor))
             .order_by(severity.desc(), Case.deadline.is_(None), Case.deadline, Case.reported_at, Case.id)
             .limit(limit))
    frame = pd.DataFrame(session.execute(query).all(), columns=COLUMNS[:-1])
    return frame.assign(departments=_departments(session, frame["id"].tolist(), name, now))


def _spec(name: str) -> QueueSpec:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; queues: {', '.join(QUEUES)}")
    return QUEUES[name]


def _conditions(session: Session, name: str, now: datetime, actor: Actor) -> list:
    spec, sql = _spec(name), backend(session.get_bind().dialect.name)
    where = [case_condition(actor), spec.where(now, sql)]
    if spec.own is not None:  # and the department's own dispatch meets its condition
        where.append(Case.id.in_(select(CaseDispatch.case_id).where(
            CaseDispatch.department_id == actor.department_id, spec.own(now, sql))))
    return where


def _departments(session: Session, case_ids: list[int], name: str, now: datetime) -> list[list[str]]:
    """Per case (in ``case_ids`` order): the departments it waits on for a report-in in report-in queues,
    else every department whistled, lead first."""
    if not case_ids:
        return []
    query = (select(CaseDispatch.case_id, Department.name).join(Department, Department.id == CaseDispatch.department_id)
             .where(CaseDispatch.case_id.in_(case_ids)).order_by(CaseDispatch.case_id, CaseDispatch.role.desc(),
                                                                 CaseDispatch.id))
    if name.startswith("report_in_"):
        query = query.where(rules.waiting_for_report_in(now))
    names: dict[int, list[str]] = {}
    for case_id, department in session.execute(query):
        names.setdefault(case_id, []).append(department)
    return [names.get(i, []) for i in case_ids]
