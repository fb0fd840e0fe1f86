"""Acting on a case: one function per loop step, each checked against the state machine, written with its
CaseEvent in the same transaction, guarded by the case's version.

``act_on_case(db, case_id, action, actor, seen_version, params)`` is what pages, the API and the CLI call: it
owns its transaction. ``perform(session, …)`` is the same inside a caller's transaction (bulk jobs, tests).
Either raises a WorkflowError subclass and writes nothing when the action is refused.

Each handler returns what GridGov has to say about the step (a geo.domain.event_notes Note, or None); the
event keeps it beside the person's own note or reason.

Concurrency: the first write of every action is a compare-and-lock on the case row (``UPDATE cases … WHERE
version = <the version the user saw>``). It takes the row's write lock (PostgreSQL: the row; SQLite: the
database) before anything is decided, so two actions on one case run one after the other; the second finds
the version moved and gets CaseChanged. Every action then moves the version exactly once — a report-in that
changes only its dispatch row too — so no department's update can be lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from geo.config import LOCAL_TZ, work_calendar
from geo.db.database import Database
from geo.db.models import Case, CaseDispatch, CaseEvent, Category, Department
from geo.db.scope import OutOfScope, require_case
from geo.domain.actors import Actor
from geo.domain.deadlines import category_deadline, resume_deadline
from geo.domain.event_notes import Note
from geo.domain.rules import answer_due, ready_to_close, ready_to_whistle
from geo.domain.permissions import is_reporter
from geo.domain.text import text_problem
from geo.domain.vocabulary import DispatchRole, Rating, Role, Status, Tier
from geo.domain.workflow import CaseChanged, InvalidInput, NotPermitted, Param, ParamKind, Transition, check
from geo.read.routing import route_for_case
from geo.usecases import tallies


@dataclass(frozen=True)
class Acted:
    """Where an action left the case."""

    case_id: int
    number: str
    status: str
    version: int


def act_on_case(db: Database, case_id: int, action: str, actor: Actor, seen_version: int,
                params: Mapping[str, object] | None = None, now: datetime | None = None) -> Acted:
    """Apply ``action`` with ``params`` (names and kinds as its Transition declares) to the case the actor saw
    at ``seen_version``, in a transaction of its own: committed, or refused with a WorkflowError and nothing
    written (CaseChanged when someone acted on the case since)."""
    with db.transaction() as session:
        case = perform(session, case_id, action, actor, seen_version, now, **dict(params or {}))
        return Acted(case.id, case.number, str(case.status), case.version)


def perform(session: Session, case_id: int, action: str, actor: Actor, expected_version: int,
            now: datetime | None = None, **params) -> Case:
    """Apply ``action`` to the case if its version is still ``expected_version``; flushes, does not commit."""
    now = now or datetime.now(UTC)
    case = session.get(Case, case_id)
    if case is None:
        raise InvalidInput(f"no case with id {case_id}")
    _require_may_act(session, actor, case)
    case = lock_case(session, case, expected_version)
    t = check(case.number, case.status, action, actor.role)
    arguments = _checked_params(case.number, t, params)
    from_status = case.status
    try:
        with tallies.kept(session, [case.id]):
            with session.no_autoflush:  # one UPDATE of the case at the end: the version moves exactly once
                said = _HANDLERS[action](session, case, actor, now, **arguments)
                flag_modified(case, "status")  # a report-in changes only its dispatch; the version moves
                session.add(CaseEvent(case_id=case.id, at=now, actor=actor.name, role=str(actor.role),
                                      action=action, from_status=from_status, to_status=case.status,
                                      note=arguments.get("note") or arguments.get("reason") or "",
                                      note_key=said.key if said else None,
                                      note_params=said.dumps() if said else None))
            session.flush()
    except StaleDataError:  # cannot happen while the row is locked; kept so a loser never sees a traceback
        session.rollback()
        raise CaseChanged(case.number, expected_version, _current_version(session, case_id)) from None
    return case


def _require_may_act(session: Session, actor: Actor, case: Case) -> None:
    """A resident acts through their own channel (mini-program, hotline call-back) only on a case they
    reported (and the transition table lets them only rate); everyone else must have the case in scope."""
    if actor.role != Role.RESIDENT:
        require_case(session, actor, case.id)
    elif not is_reporter(actor, case.id, case.reporter_phone):
        raise OutOfScope(actor, case.id)


def lock_case(session: Session, case: Case, expected_version: int) -> Case:
    """Lock the case row if its version is still ``expected_version`` (else CaseChanged), then re-read the case
    and its dispatches as they are now — what another transaction committed meanwhile included."""
    number = case.number
    claimed = session.execute(update(Case.__table__).where(Case.id == case.id, Case.version == expected_version)
                              .values(version=Case.__table__.c.version)).rowcount
    if claimed != 1:
        raise CaseChanged(number, expected_version, _current_version(session, case.id))
    session.expire_all()
    return session.get(Case, case.id)


def _current_version(session: Session, case_id: int) -> int | None:
    return session.scalar(select(Case.version).where(Case.id == case_id))


def _checked_params(number: str, t: Transition, params: Mapping[str, object]) -> dict:
    """``params`` checked against the transition's declaration and turned into the handler's types; missing
    optional ones are left to the handler's defaults."""
    declared = {p.name: p for p in t.params}
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise InvalidInput(f"case {number}: action '{t.action}' takes {', '.join(declared) or 'no parameters'}; "
                           f"not {', '.join(unknown)}")
    checked = {}
    for p in t.params:
        value = params.get(p.name)
        if value is None or (value == "" and p.kind != ParamKind.TEXT):
            if p.required:
                raise InvalidInput(f"case {number}: action '{t.action}' needs {p.name} ({p.kind})")
            continue
        checked[p.name] = _coerced(p, value)
    return checked


def _coerced(p: Param, value):
    try:
        return _COERCE[p.kind](value)
    except (TypeError, ValueError):
        raise InvalidInput(_REFUSAL.get(p.kind, "{name} must be {kind}, got {value!r}").format(
            name=p.name, kind=p.kind, value=value)) from None


def _text(value) -> str:
    """Typed text, stored as typed — or refused when it cannot be (geo.domain.text: a NUL, say)."""
    if not isinstance(value, str):
        raise TypeError(value)
    if text_problem(value, None, multiline=True):
        raise ValueError(value)
    return value


def _ids(values) -> tuple[int, ...]:
    if isinstance(values, str | bytes):
        raise TypeError(values)
    return tuple(int(v) for v in values)


def _deadline(value) -> datetime:
    """An aware instant, or a local calendar day: due at that day's end (the next local midnight)."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError(value)
        return value
    if isinstance(value, date):
        return datetime.combine(value + timedelta(days=1), time(0), ZoneInfo(LOCAL_TZ))
    raise TypeError(value)


_COERCE: dict[ParamKind, Callable] = {
    ParamKind.TEXT: _text, ParamKind.TIER: Tier, ParamKind.RATING: Rating, ParamKind.DEPARTMENT: int,
    ParamKind.DEPARTMENTS: _ids, ParamKind.CATEGORY: int, ParamKind.DEADLINE: _deadline,
}
_REFUSAL = {
    ParamKind.TEXT: "{name} contains control characters: type plain text (line breaks are fine)",
    ParamKind.TIER: "unknown triage tier {value!r}; tiers: " + ", ".join(Tier),
    ParamKind.RATING: "unknown rating {value!r}; ratings: " + ", ".join(Rating),
    ParamKind.DEPARTMENT: "{name} must be a department id, got {value!r}",
    ParamKind.DEPARTMENTS: "{name} must be a list of department ids, got {value!r}",
    ParamKind.CATEGORY: "{name} must be a category id, got {value!r}",
    ParamKind.DEADLINE: "{name} must be an aware date and time or a day, got {value!r}",
}


def _accept(session, case: Case, actor: Actor, now: datetime, tier: Tier, deadline: datetime | None = None,
            note: str = "") -> Note:
    if case.category is None:
        raise InvalidInput(f"case {case.number} has no category: set one before accepting it")
    if deadline is not None and deadline <= case.reported_at:
        raise InvalidInput(f"case {case.number}: the agreed deadline {deadline.isoformat()} is not after the "
                           f"report ({case.reported_at.isoformat()})")
    case.tier, case.status, case.accepted_at = str(tier), Status.ACCEPTED, now
    # A long-running case gets the deadline agreed with the department; others the category's time limit.
    case.deadline = deadline or category_deadline(case.category.time_limit, case.category.time_unit,
                                                   case.reported_at, work_calendar())
    return Note("triaged", {"tier": case.tier})


def _reject(session, case: Case, actor: Actor, now: datetime, reason: str) -> None:
    if not reason.strip():
        raise InvalidInput(f"rejecting case {case.number} needs a reason")
    case.status, case.rejected_at, case.reject_reason = Status.REJECTED, now, reason


def _whistle(session, case: Case, actor: Actor, now: datetime, lead_department_id: int,
             co_department_ids: tuple[int, ...] = (), note: str = "") -> Note:
    if not ready_to_whistle(case.status, case.tier):
        raise InvalidInput(f"case {case.number} is for the community to solve itself; triage it again to whistle")
    wanted = [(lead_department_id, DispatchRole.LEAD)] + [
        (d, DispatchRole.CO) for d in dict.fromkeys(co_department_ids) if d != lead_department_id]
    names = dict(session.execute(select(Department.id, Department.name)
                                 .where(Department.id.in_([d for d, _ in wanted]))).all())
    missing = [d for d, _ in wanted if d not in names]
    if missing:
        raise InvalidInput(f"unknown department id(s) {missing}")
    existing = {d.department_id: d for d in case.dispatches}
    for department_id, role in wanted:
        dispatch = existing.get(department_id) or CaseDispatch(department_id=department_id)
        dispatch.role, dispatch.whistled_at, dispatch.reported_in_at, dispatch.answered_at = role, now, None, None
        if department_id not in existing:
            case.dispatches.append(dispatch)
    case.status, case.whistled_at, case.reported_in_at, case.answered_at = Status.WHISTLED, now, None, None
    return Note("whistled", {"lead": names[lead_department_id],
                             "co": [names[d] for d, r in wanted if r == DispatchRole.CO]})


def _own_dispatch(case: Case, actor: Actor, action: str) -> CaseDispatch:
    for dispatch in case.dispatches:
        if dispatch.department_id == actor.department_id:
            return dispatch
    raise NotPermitted(case.number, case.status, action, str(actor.role), "your department was not whistled")


def _report_in(session, case: Case, actor: Actor, now: datetime, note: str = "") -> None:
    dispatch = _own_dispatch(case, actor, "report_in")
    if dispatch.reported_in_at is not None:
        raise InvalidInput(f"case {case.number}: your department already reported in")
    dispatch.reported_in_at = now
    _advance_after_dispatch_change(case, now)


def _answer(session, case: Case, actor: Actor, now: datetime, note: str) -> None:
    dispatch = _own_dispatch(case, actor, "answer")
    if dispatch.role != DispatchRole.LEAD:
        raise NotPermitted(case.number, case.status, "answer", str(actor.role), "only the lead department answers")
    if not answer_due(dispatch.role, dispatch.answered_at):
        raise InvalidInput(f"case {case.number}: your department already answered")
    if not note.strip():
        raise InvalidInput(f"answering case {case.number} needs a note saying what was done")
    if dispatch.reported_in_at is None:
        dispatch.reported_in_at = now  # answering is also reporting in
    dispatch.answered_at = now
    _advance_after_dispatch_change(case, now)


def _advance_after_dispatch_change(case: Case, now: datetime) -> None:
    """Reported in once every dispatch is; answered once, in addition, the lead has answered."""
    status = _progress(case)
    if status == Status.REPORTED_IN and case.status == Status.WHISTLED:
        case.status, case.reported_in_at = Status.REPORTED_IN, now
    elif status == Status.ANSWERED:
        case.status, case.answered_at = Status.ANSWERED, now
        case.reported_in_at = case.reported_in_at or now


def _progress(case: Case) -> Status:
    """Where the dispatches put a whistled case: whistled, reported in (all in) or answered (all in and the
    lead answered)."""
    if not all(d.reported_in_at is not None for d in case.dispatches):
        return Status.WHISTLED
    lead_answered = any(d.role == DispatchRole.LEAD and d.answered_at is not None for d in case.dispatches)
    return Status.ANSWERED if lead_answered else Status.REPORTED_IN


def _close(session, case: Case, actor: Actor, now: datetime, note: str = "") -> None:
    if not ready_to_close(case.status, case.tier):
        raise NotPermitted(case.number, case.status, "close", str(actor.role),
                           "only a case the community solves itself closes without a whistle")
    case.status, case.closed_at = Status.CLOSED, now


def _rate(session, case: Case, actor: Actor, now: datetime, rating: Rating, note: str = "") -> Note:
    case.rating, case.rated_at = str(rating), now
    if rating == Rating.UNSATISFIED:  # an unsatisfied resident sends the case back
        case.status, case.rework_count = Status.REWORK, case.rework_count + 1
    else:
        case.status = Status.RATED
    return Note("rated", {"rating": str(rating)})


def _return_for_rework(session, case: Case, actor: Actor, now: datetime, reason: str) -> None:
    if not reason.strip():
        raise InvalidInput(f"returning case {case.number} for rework needs a reason")
    case.status, case.rework_count = Status.REWORK, case.rework_count + 1


def _reopen(session, case: Case, actor: Actor, now: datetime, reason: str) -> None:
    if not reason.strip():
        raise InvalidInput(f"reopening case {case.number} needs a reason")
    case.status, case.closed_at, case.rated_at, case.rejected_at = Status.REOPENED, None, None, None


def _defer(session, case: Case, actor: Actor, now: datetime, reason: str) -> None:
    if not reason.strip():
        raise InvalidInput(f"deferring case {case.number} needs a reason")
    case.deferred_from, case.deferred_at, case.status = case.status, now, Status.DEFERRED


def _resume(session, case: Case, actor: Actor, now: datetime, note: str = "") -> None:
    """Deferral paused the time-limit clock: the deadline moves by the working time spent deferred. A case
    deferred elsewhere (imported) may lack when or from where: then the deadline stays, and the case goes back
    to where its progress stands."""
    if case.deadline is not None and case.deferred_at is not None:
        case.deadline = resume_deadline(case.deadline, case.deferred_at, now, work_calendar())
    back = Status(case.deferred_from) if case.deferred_from else _progress_before_deferral(case)
    case.status, case.deferred_from, case.deferred_at = back, None, None


def _progress_before_deferral(case: Case) -> Status:
    if case.dispatches:
        return _progress(case)
    return Status.ACCEPTED if case.accepted_at is not None else Status.REPORTED


def _change_category(session, case: Case, actor: Actor, now: datetime, category_id: int) -> Note:
    category = session.get(Category, category_id)
    if category is None:
        raise InvalidInput(f"no category with id {category_id}")
    old = case.category.name if case.category else "—"
    case.category = category
    route = route_for_case(session, case)
    if route is None:  # no route: the manual queue
        return Note("recategorised", {"old": old, "new": category.name, "lead": None, "co": []})
    names = dict(session.execute(select(Department.id, Department.name)).all())
    return Note("recategorised", {"old": old, "new": category.name, "lead": names[route.lead_department_id],
                                  "co": [names[d] for d in route.co_department_ids]})


_HANDLERS: dict[str, Callable[..., Note | None]] = {
    "accept": _accept, "reject": _reject, "whistle": _whistle, "report_in": _report_in, "answer": _answer,
    "close": _close, "rate": _rate, "return_for_rework": _return_for_rework, "reopen": _reopen,
    "defer": _defer, "resume": _resume, "change_category": _change_category,
}
