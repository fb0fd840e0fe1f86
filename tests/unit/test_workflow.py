"""The state machine, checked against a literal table (not derived from the code's own table)."""

import itertools

import pytest

from geo.domain.vocabulary import Role, Status
from geo.domain.workflow import IllegalTransition, InvalidInput, NotPermitted, actions_for, check

R, S = Role, Status
CENTER = {R.SUPERVISOR, R.ADMIN}

#: (action, statuses it is legal from, roles allowed) — written out by hand from docs/domain.md's loop.
EXPECTED = {
    "accept": ({S.REPORTED, S.REOPENED}, CENTER | {R.STREET, R.COMMUNITY}),
    "reject": ({S.REPORTED, S.REOPENED, S.ACCEPTED}, CENTER),
    "whistle": ({S.ACCEPTED, S.REWORK}, CENTER | {R.STREET}),
    "report_in": ({S.WHISTLED}, {R.DEPARTMENT}),
    "answer": ({S.WHISTLED, S.REPORTED_IN}, {R.DEPARTMENT}),
    "close": ({S.ANSWERED, S.ACCEPTED}, CENTER | {R.STREET, R.COMMUNITY}),
    "rate": ({S.CLOSED}, CENTER | {R.RESIDENT}),
    "return_for_rework": ({S.ANSWERED}, CENTER),
    "reopen": ({S.CLOSED, S.RATED, S.REJECTED}, CENTER),
    "defer": ({S.ACCEPTED, S.WHISTLED, S.REPORTED_IN, S.REWORK}, CENTER),
    "resume": ({S.DEFERRED}, CENTER),
    "change_category": ({S.REPORTED, S.ACCEPTED, S.WHISTLED, S.REPORTED_IN, S.ANSWERED, S.REWORK, S.DEFERRED,
                         S.REOPENED}, CENTER),
}

CASES = list(itertools.product(EXPECTED, list(Status), list(Role)))


@pytest.mark.parametrize("action,status,role", CASES)
def test_every_action_status_and_role_is_allowed_or_refused_as_the_table_says(action, status, role):
    legal_from, roles = EXPECTED[action]
    if status not in legal_from:
        with pytest.raises(IllegalTransition, match=f"case C1 is '{status}': action '{action}' is not possible"):
            check("C1", status, action, role)
    elif role not in roles:
        with pytest.raises(NotPermitted, match=f"role '{role}' may not '{action}'"):
            check("C1", status, action, role)
    else:
        assert check("C1", status, action, role).action == action


def test_unknown_action_is_refused_with_the_list_of_actions():
    with pytest.raises(InvalidInput, match="unknown action 'teleport'; actions: accept, reject"):
        check("C1", S.REPORTED, "teleport", R.SUPERVISOR)


def test_illegal_transition_error_names_case_state_action_and_what_is_possible():
    with pytest.raises(IllegalTransition) as err:
        check("HB1", S.CLOSED, "whistle", R.SUPERVISOR)
    assert str(err.value) == "case HB1 is 'closed': action 'whistle' is not possible (possible now: rate, reopen)"


def test_a_department_sees_only_report_in_and_answer_on_a_whistled_case():
    assert actions_for(S.WHISTLED, R.DEPARTMENT) == ["report_in", "answer"]


def test_the_big_screen_and_analysts_get_no_actions_anywhere():
    for status in Status:
        assert actions_for(status, R.SCREEN) == []
        assert actions_for(status, R.ANALYST) == []


def test_each_actions_declared_parameters_are_exactly_what_its_handler_takes():
    import inspect

    from geo.domain.workflow import TRANSITIONS
    from geo.usecases.case_actions import _HANDLERS

    for action, t in TRANSITIONS.items():
        handler = inspect.signature(_HANDLERS[action]).parameters
        keywords = {n: p for n, p in handler.items() if n not in ("session", "case", "actor", "now")}
        assert [p.name for p in t.params] == list(keywords), action
        assert [p.required for p in t.params] == [k.default is inspect.Parameter.empty for k in keywords.values()], \
            action


def test_the_panel_inputs_of_each_action_are_declared_on_its_transition():
    from geo.domain.workflow import TRANSITIONS

    declared = {a: [(p.name, str(p.kind), p.required) for p in t.params] for a, t in TRANSITIONS.items()}
    assert declared["accept"] == [("tier", "tier", True), ("deadline", "deadline", False), ("note", "text", False)]
    assert declared["whistle"] == [("lead_department_id", "department", True),
                                   ("co_department_ids", "departments", False), ("note", "text", False)]
    assert declared["answer"] == [("note", "text", True)]
    assert declared["change_category"] == [("category_id", "category", True)]
