"""The closed loop's state machine: which action moves a case from which status to which, and who may act.

raise → accept (triage) → whistle → report in → answer → close → rate (docs/domain.md), plus reject, return for
rework, reopen and defer/resume. The table is data (the roles come from geo.domain.permissions): pages read it to
know which buttons a role gets, and every transition is checked against it before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from geo.domain.permissions import ACTION_ROLES
from geo.domain.vocabulary import OPEN_STATUSES, Role, Status

S = Status


class ParamKind(StrEnum):
    """What an action's parameter holds: the case panel draws one input per kind, the use case checks it."""

    TEXT = "text"  # free text (a note, a reason)
    TIER = "tier"  # a triage tier (geo.domain.vocabulary.Tier)
    RATING = "rating"  # a resident's rating (Rating)
    DEPARTMENT = "department"  # one department id
    DEPARTMENTS = "departments"  # department ids
    CATEGORY = "category"  # a category id
    DEADLINE = "deadline"  # an instant (or a local day: due at its end)


@dataclass(frozen=True)
class Param:
    """A keyword parameter of an action (geo.usecases.case_actions' handler of the same name takes it)."""

    name: str
    kind: ParamKind
    required: bool = False


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[Status]
    target: Status | None  # None: decided by the action (e.g. a report-in moves on only when all are in)
    roles: frozenset[Role]
    params: tuple[Param, ...] = ()


def _t(action: str, sources: set[Status], target: Status | None, *params: Param) -> Transition:
    return Transition(action, frozenset(sources), target, ACTION_ROLES[action], params)


_K = ParamKind
_NOTE, _NEEDED_NOTE, _REASON = Param("note", _K.TEXT), Param("note", _K.TEXT, True), Param("reason", _K.TEXT, True)

TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    # accept: a long-running case gets the deadline agreed with the department, others the category's limit.
    _t("accept", {S.REPORTED, S.REOPENED}, S.ACCEPTED, Param("tier", _K.TIER, True), Param("deadline", _K.DEADLINE),
       _NOTE),
    _t("reject", {S.REPORTED, S.REOPENED, S.ACCEPTED}, S.REJECTED, _REASON),
    _t("whistle", {S.ACCEPTED, S.REWORK}, S.WHISTLED, Param("lead_department_id", _K.DEPARTMENT, True),
       Param("co_department_ids", _K.DEPARTMENTS), _NOTE),
    # report-in: the dispatch is acknowledged; the case moves on once every department whistled has.
    _t("report_in", {S.WHISTLED}, None, _NOTE),
    # answer: the lead department reports what it did; the case is answered once co-departments are in.
    _t("answer", {S.WHISTLED, S.REPORTED_IN}, None, _NEEDED_NOTE),
    # close: after the answer, or straight from triage when the community solved it itself.
    _t("close", {S.ANSWERED, S.ACCEPTED}, S.CLOSED, _NOTE),
    _t("rate", {S.CLOSED}, None, Param("rating", _K.RATING, True), _NOTE),  # satisfied → rated; else rework
    _t("return_for_rework", {S.ANSWERED}, S.REWORK, _REASON),  # failed verification
    _t("reopen", {S.CLOSED, S.RATED, S.REJECTED}, S.REOPENED, _REASON),
    _t("defer", {S.ACCEPTED, S.WHISTLED, S.REPORTED_IN, S.REWORK}, S.DEFERRED, _REASON),
    _t("resume", {S.DEFERRED}, None, _NOTE),  # back to the status it was deferred from
    # re-categorising re-routes the case (the new route applies at the next whistle); status unchanged.
    _t("change_category", set(OPEN_STATUSES), None, Param("category_id", _K.CATEGORY, True)),
]}
assert set(TRANSITIONS) == set(ACTION_ROLES), "every action has its roles in geo.domain.permissions"


class WorkflowError(Exception):
    """A refused action: nothing was written."""


class IllegalTransition(WorkflowError):
    def __init__(self, case_number: str, status: str, action: str):
        allowed = sorted(a for a, t in TRANSITIONS.items() if status in t.sources)
        super().__init__(
            f"case {case_number} is '{status}': action '{action}' is not possible "
            f"(possible now: {', '.join(allowed) or 'none'})")
        self.case_number, self.status, self.action = case_number, status, action


class NotPermitted(WorkflowError):
    def __init__(self, case_number: str, status: str, action: str, role: str, why: str = ""):
        super().__init__(
            f"case {case_number} is '{status}': role '{role}' may not '{action}'" + (f" ({why})" if why else ""))
        self.case_number, self.status, self.action, self.role = case_number, status, action, role


class CaseChanged(WorkflowError):
    """Optimistic lock lost: someone else acted on the case since this user opened it."""

    def __init__(self, case_number: str, expected: int, actual: int | None):
        super().__init__(
            f"case {case_number} changed since you opened it (version {expected}, now {actual}): "
            "reload it to see what changed, then act again")
        self.case_number, self.expected, self.actual = case_number, expected, actual


class InvalidInput(WorkflowError):
    pass


def transition(action: str) -> Transition:
    try:
        return TRANSITIONS[action]
    except KeyError:
        raise InvalidInput(f"unknown action {action!r}; actions: {', '.join(TRANSITIONS)}") from None


def check(case_number: str, status: str, action: str, role: Role) -> Transition:
    """The transition for ``action`` if ``role`` may take it from ``status``; else the specific error."""
    t = transition(action)
    if status not in t.sources:
        raise IllegalTransition(case_number, status, action)
    if role not in t.roles:
        raise NotPermitted(case_number, status, action, str(role))
    return t


def actions_for(status: str, role: Role) -> list[str]:
    """Actions a role may take on a case in ``status`` (what the case panel offers as buttons)."""
    return [a for a, t in TRANSITIONS.items() if status in t.sources and role in t.roles]
