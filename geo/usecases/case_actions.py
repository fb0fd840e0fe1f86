"""Acting on a case: one function per loop step, each checked against the state machine, written with its
CaseEvent in the same transaction, guarded by the case's version (optimistic lock).

``perform(session, case_id, action, actor, expected_version, now, **params)`` is the single entry the pages,
the CLI and tests use; it raises a WorkflowError subclass and writes nothing when the action is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from geo.config import work_calendar
from geo.db.models import Case, CaseDispatch, CaseEvent, Category, Department
from geo.db.scope import OutOfScope, require_case
from geo.domain.actors import Actor
from geo.domain.deadlines import category_deadline, resume_deadline
from geo.domain.permissions import is_reporter
from geo.domain.vocabulary import DispatchRole, Rating, Role, Status, Tier
from geo.domain.workflow import CaseChanged, InvalidInput, NotPermitted, check
from geo.read.routing import route_for_case


def perform(session: Session, case_id: int, action: str, actor: Actor, expected_version: int,
            now: datetime | None = None, **params) -> Case:
    """Apply ``action`` to the case if its version is still ``expected_version``; flushes, does not commit."""
    now = now or datetime.now(UTC)
    case = session.get(Case, case_id)
    if case is None:
        raise InvalidInput(f"no case with id {case_id}")
    _require_may_act(session, actor, case)
    if case.version != expected_version:
        raise CaseChanged(case.number, expected_version, case.version)
    check(case.number, case.status, action, actor.role)
    from_status = case.status
    note = _HANDLERS[action](session, case, actor, now, **params)
    session.add(CaseEvent(case_id=case.id, at=now, actor=actor.name, role=str(actor.role), action=action,
                          from_status=from_status, to_status=case.status, note=note or ""))
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        current = session.scalar(select(Case.version).where(Case.id == case_id))
        raise CaseChanged(case.number, expected_version, current) from None
    return case


def _require_may_act(session: Session, actor: Actor, case: Case) -> None:
    """A resident acts through their own channel (mini-program, hotline call-back) only on a case they
    reported (and the transition table lets them only rate); everyone else must have the case in scope."""
    if actor.role != Role.RESIDENT:
        require_case(session, actor, case.id)
    elif not is_reporter(actor, case.reporter_phone):
        raise OutOfScope(actor, case.id)


def _accept(session, case: Case, actor: Actor, now: datetime, tier: str, deadline: datetime | None = None,
            note: str = "") -> str:
    try:
        case.tier = str(Tier(tier))
    except ValueError:
        raise InvalidInput(f"unknown triage tier {tier!r}; tiers: {', '.join(Tier)}") from None
    if case.category is None:
        raise InvalidInput(f"case {case.number} has no category: set one before accepting it")
    case.status, case.accepted_at = Status.ACCEPTED, now
    # A long-running case gets the deadline agreed with the department; others the category's time limit.
    case.deadline = deadline or category_deadline(case.category.time_limit, case.category.time_unit,
                                                   case.reported_at, work_calendar())
    return note or f"tier={case.tier}"


def _reject(session, case: Case, actor: Actor, now: datetime, reason: str) -> str:
    if not reason.strip():
        raise InvalidInput(f"rejecting case {case.number} needs a reason")
    case.status, case.rejected_at, case.reject_reason = Status.REJECTED, now, reason
    return reason


def _whistle(session, case: Case, actor: Actor, now: datetime, lead_department_id: int,
             co_department_ids: tuple[int, ...] = (), note: str = "") -> str:
    if case.tier == Tier.COMMUNITY:
        raise InvalidInput(f"case {case.number} is for the community to solve itself; triage it again to whistle")
    wanted = [(lead_department_id, DispatchRole.LEAD)] + [
        (d, DispatchRole.CO) for d in dict.fromkeys(co_department_ids) if d != lead_department_id]
    known = set(session.scalars(select(Department.id).where(Department.id.in_([d for d, _ in wanted]))))
    missing = [d for d, _ in wanted if d not in known]
    if missing:
        raise InvalidInput(f"unknown department id(s) {missing}")
    existing = {d.department_id: d for d in case.dispatches}
    for department_id, role in wanted:
        dispatch = existing.get(department_id) or CaseDispatch(department_id=department_id)
        dispatch.role, dispatch.whistled_at, dispatch.reported_in_at, dispatch.answered_at = role, now, None, None
        if department_id not in existing:
            case.dispatches.append(dispatch)
    case.status, case.whistled_at, case.reported_in_at, case.answered_at = Status.WHISTLED, now, None, None
    names = session.execute(select(Department.id, Department.name).where(Department.id.in_(known))).all()
    by_id = dict(names)
    return note or "lead=" + by_id[lead_department_id] + "".join(
        f"; co={by_id[d]}" for d, r in wanted if r == DispatchRole.CO)


def _own_dispatch(case: Case, actor: Actor, action: str) -> CaseDispatch:
    for dispatch in case.dispatches:
        if dispatch.department_id == actor.department_id:
            return dispatch
    raise NotPermitted(case.number, case.status, action, str(actor.role), "your department was not whistled")


def _report_in(session, case: Case, actor: Actor, now: datetime, note: str = "") -> str:
    dispatch = _own_dispatch(case, actor, "report_in")
    if dispatch.reported_in_at is not None:
        raise InvalidInput(f"case {case.number}: your department already reported in")
    dispatch.reported_in_at = now
    _advance_after_dispatch_change(case, now)
    return note


def _answer(session, case: Case, actor: Actor, now: datetime, note: str) -> str:
    dispatch = _own_dispatch(case, actor, "answer")
    if dispatch.role != DispatchRole.LEAD:
        raise NotPermitted(case.number, case.status, "answer", str(actor.role), "only the lead department answers")
    if not note.strip():
        raise InvalidInput(f"answering case {case.number} needs a note saying what was done")
    if dispatch.reported_in_at is None:
        dispatch.reported_in_at = now  # answering is also reporting in
    dispatch.answered_at = now
    _advance_after_dispatch_change(case, now)
    return note


def _advance_after_dispatch_change(case: Case, now: datetime) -> None:
    """Reported in once every dispatch is; answered once, in addition, the lead has answered."""
    if all(d.reported_in_at is not None for d in case.dispatches):
        if case.status == Status.WHISTLED:
            case.status, case.reported_in_at = Status.REPORTED_IN, now
        if any(d.role == DispatchRole.LEAD and d.answered_at is not None for d in case.dispatches):
            case.status, case.answered_at = Status.ANSWERED, now


def _close(session, case: Case, actor: Actor, now: datetime, note: str = "") -> str:
    if case.status == Status.ACCEPTED and case.tier != Tier.COMMUNITY:
        raise NotPermitted(case.number, case.status, "close", str(actor.role),
                           "only a case the community solves itself closes without a whistle")
    case.status, case.closed_at = Status.CLOSED, now
    return note


def _rate(session, case: Case, actor: Actor, now: datetime, rating: str, note: str = "") -> str:
    try:
        value = Rating(rating)
    except ValueError:
        raise InvalidInput(f"unknown rating {rating!r}; ratings: {', '.join(Rating)}") from None
    case.rating, case.rated_at = str(value), now
    if value == Rating.UNSATISFIED:  # an unsatisfied resident sends the case back
        case.status, case.rework_count = Status.REWORK, case.rework_count + 1
    else:
        case.status = Status.RATED
    return note or str(value)


def _return_for_rework(session, case: Case, actor: Actor, now: datetime, reason: str) -> str:
    if not reason.strip():
        raise InvalidInput(f"returning case {case.number} for rework needs a reason")
    case.status, case.rework_count = Status.REWORK, case.rework_count + 1
    return reason


def _reopen(session, case: Case, actor: Actor, now: datetime, reason: str) -> str:
    if not reason.strip():
        raise InvalidInput(f"reopening case {case.number} needs a reason")
    case.status, case.closed_at, case.rated_at, case.rejected_at = Status.REOPENED, None, None, None
    return reason


def _defer(session, case: Case, actor: Actor, now: datetime, reason: str) -> str:
    if not reason.strip():
        raise InvalidInput(f"deferring case {case.number} needs a reason")
    case.deferred_from, case.deferred_at, case.status = case.status, now, Status.DEFERRED
    return reason


def _resume(session, case: Case, actor: Actor, now: datetime, note: str = "") -> str:
    """Deferral paused the time-limit clock: the deadline moves by the working time spent deferred."""
    if case.deadline is not None:
        case.deadline = resume_deadline(case.deadline, case.deferred_at, now, work_calendar())
    case.status, case.deferred_from, case.deferred_at = Status(case.deferred_from), None, None
    return note


def _change_category(session, case: Case, actor: Actor, now: datetime, category_id: int) -> str:
    category = session.get(Category, category_id)
    if category is None:
        raise InvalidInput(f"no category with id {category_id}")
    old = case.category.name if case.category else "—"
    case.category = category
    route = route_for_case(session, case)
    if route is None:
        return f"{old} → {category.name}; route: manual queue"
    names = dict(session.execute(select(Department.id, Department.name)).all())
    return f"{old} → {category.name}; route: lead={names[route.lead_department_id]}" + "".join(
        f"; co={names[d]}" for d in route.co_department_ids)


_HANDLERS: dict[str, Callable[..., str]] = {
    "accept": _accept, "reject": _reject, "whistle": _whistle, "report_in": _report_in, "answer": _answer,
    "close": _close, "rate": _rate, "return_for_rework": _return_for_rework, "reopen": _reopen,
    "defer": _defer, "resume": _resume, "change_category": _change_category,
}
