"""The closed loop's state machine: which action moves a case from which status to which, and who may act.

raise → accept (triage) → whistle → report in → answer → close → rate (docs/domain.md), plus reject, return for
rework, reopen and defer/resume. The table is data (the roles come from geo.domain.permissions): pages read it to
know which buttons a role gets, and every transition is checked against it before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.domain.permissions import ACTION_ROLES
from geo.domain.vocabulary import OPEN_STATUSES, Role, Status

S = Status


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[Status]
    target: Status | None  # None: decided by the action (e.g. a report-in moves on only when all are in)
    roles: frozenset[Role]


def _t(action: str, sources: set[Status], target: Status | None) -> Transition:
    return Transition(action, frozenset(sources), target, ACTION_ROLES[action])


TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    _t("accept", {S.REPORTED, S.REOPENED}, S.ACCEPTED),
    _t("reject", {S.REPORTED, S.REOPENED, S.ACCEPTED}, S.REJECTED),
    _t("whistle", {S.ACCEPTED, S.REWORK}, S.WHISTLED),
    # report-in: the dispatch is acknowledged; the case moves on once every department whistled has.
    _t("report_in", {S.WHISTLED}, None),
    # answer: the lead department reports what it did; the case is answered once co-departments are in.
    _t("answer", {S.WHISTLED, S.REPORTED_IN}, None),
    # close: after the answer, or straight from triage when the community solved it itself.
    _t("close", {S.ANSWERED, S.ACCEPTED}, S.CLOSED),
    _t("rate", {S.CLOSED}, None),  # satisfied → rated; unsatisfied → rework
    _t("return_for_rework", {S.ANSWERED}, S.REWORK),  # failed verification
    _t("reopen", {S.CLOSED, S.RATED, S.REJECTED}, S.REOPENED),
    _t("defer", {S.ACCEPTED, S.WHISTLED, S.REPORTED_IN, S.REWORK}, S.DEFERRED),
    _t("resume", {S.DEFERRED}, None),  # back to the status it was deferred from
    # re-categorising re-routes the case (the new route applies at the next whistle); status unchanged.
    _t("change_category", set(OPEN_STATUSES), None),
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
