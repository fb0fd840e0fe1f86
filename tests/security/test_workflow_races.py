"""Races between every pair of actions on one case (the standing attack suite, issue 11).

Two threads, each with its own engine and session, act on the same case from the same version the users
saw, against a real database (an SQLite file and PostGIS). Each thread is held at its first write statement
until the other has reached its own: both have read everything before either writes — the worst
interleaving, every time. Afterwards the workflow's invariants must hold:

- at most one of the two succeeds; the other gets a WorkflowError (CaseChanged, an illegal or refused
  action), never another exception;
- the case ends exactly where the winning action alone takes it (a twin case, acted on alone, says where);
- no case is left in a state its dispatches contradict (whistled although all reported in, …);
- one event per transition, and the version moved once per event.
"""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from geo.db.database import Database
from geo.db.models import Case, CaseEvent, Category
from geo.domain.actors import Actor
from geo.domain.vocabulary import DispatchRole, Role, Status, Tier
from geo.domain.workflow import WorkflowError, actions_for
from geo.usecases.case_actions import act_on_case, perform
from tests.integration.factories import T0, add_case, add_departments_and_category

SUPERVISOR = Actor("王主任", Role.SUPERVISOR)
RACE_AT = T0 + timedelta(hours=3)

#: The way to each starting state: (action, actor key, params) from a freshly reported case.
ACCEPT = ("accept", "center", {"tier": Tier.LEAD_DEPARTMENT})
WHISTLE = ("whistle", "center", {"lead_department_id": "SZ", "co_department_ids": ("CGJ",)})
ANSWERED = [ACCEPT, WHISTLE, ("report_in", "CGJ", {}), ("answer", "SZ", {"note": "已修复"})]
SETUPS = {
    "reported": [],
    "accepted": [ACCEPT],
    "accepted_by_community": [("accept", "center", {"tier": Tier.COMMUNITY})],
    "whistled": [ACCEPT, WHISTLE],
    "lead_reported_in": [ACCEPT, WHISTLE, ("report_in", "SZ", {})],
    "answered": ANSWERED,
    "closed": [*ANSWERED, ("close", "center", {})],
    "deferred": [ACCEPT, WHISTLE, ("defer", "center", {"reason": "等待配件"})],
    "rework": [*ANSWERED, ("return_for_rework", "center", {"reason": "未修好"})],
}
#: Every action someone could take, with who takes it and what they type.
CANDIDATES = [
    ("accept", "center", {"tier": Tier.LEAD_DEPARTMENT}), ("reject", "center", {"reason": "重复"}),
    WHISTLE, ("report_in", "SZ", {}), ("report_in", "CGJ", {}), ("answer", "SZ", {"note": "已处理"}),
    ("close", "center", {}), ("rate", "center", {"rating": "satisfied"}),
    ("return_for_rework", "center", {"reason": "未修好"}), ("reopen", "center", {"reason": "复发"}),
    ("defer", "center", {"reason": "等待"}), ("resume", "center", {}), ("change_category", "center", {"category_id": "other"}),
]


class FirstWriteGate:
    """Holds each racing thread at its first INSERT/UPDATE/DELETE until the other thread reaches its own (or
    has finished without writing)."""

    def __init__(self, databases: list[Database]):
        self.barrier = threading.Barrier(2)
        self.local = threading.local()
        for database in databases:
            event.listen(database.engine, "before_cursor_execute", self._before)

    def new_race(self) -> None:
        self.barrier = threading.Barrier(2, timeout=5)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        if getattr(self.local, "held", True) or not statement.lstrip().upper().startswith(
                ("INSERT", "UPDATE", "DELETE")):
            return
        self.local.held = True
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            pass  # the other thread finished without writing

    def run(self, database: Database, act) -> object:
        self.local.held = False
        try:
            return act(database)
        except Exception as exc:  # noqa: BLE001 — the outcome is what the test inspects
            return exc
        finally:
            self.barrier.abort()  # release the other thread if it still waits for this one


@pytest.fixture
def world(db):
    with db.transaction() as s:
        departments, category = add_departments_and_category(s)
        other = Category(code="QT", name="其他", class_code="QT", class_name="其他", time_limit=1,
                         time_unit="working_days", routing_rule="owner")
        s.add(other)
        s.flush()
        ids = {code: d.id for code, d in departments.items()} | {"other": other.id}
    actors = {"center": SUPERVISOR} | {code: Actor(f"{code}员工", Role.DEPARTMENT, department_id=ids[code])
                                       for code in ("SZ", "CGJ")}
    racers = [Database(db.url), Database(db.url)]
    yield db, ids, actors, racers
    for racer in racers:
        racer.dispose()


def _params(params: dict, ids: dict) -> dict:
    """Department and category codes in a candidate's parameters → the ids of this database."""
    resolved = {}
    for name, value in params.items():
        if name in ("lead_department_id", "category_id"):
            value = ids[value]
        elif name == "co_department_ids":
            value = tuple(ids[v] for v in value)
        resolved[name] = value
    return resolved


def _new_cases(db, state: str, n: int, ids: dict, actors: dict, first: int) -> list[int]:
    """``n`` cases taken to ``state`` through the workflow itself, in one transaction."""
    with db.transaction() as s:
        category = s.get(Category, s.scalar(select(Category.id).where(Category.code == "JG")))
        cases = [add_case(s, category, number=f"RACE{first + i}") for i in range(n)]
        for minutes, (action, who, params) in enumerate(SETUPS[state], start=1):
            for case in cases:
                perform(s, case.id, action, actors[who], case.version, T0 + timedelta(minutes=minutes),
                        **_params(params, ids))
        return [c.id for c in cases]


def _possible(state_status: str, candidate, dispatched: bool) -> bool:
    action, who, _ = candidate
    role = Role.SUPERVISOR if who == "center" else Role.DEPARTMENT
    return action in actions_for(state_status, role) and (who == "center" or dispatched)


def _snapshot(s, case_id: int) -> tuple:
    """What the workflow decided about a case: status, tier, rework count, deferral, dispatches."""
    case = s.get(Case, case_id)
    dispatches = sorted((d.department_id, d.role, d.reported_in_at is not None, d.answered_at is not None)
                        for d in case.dispatches)
    return (case.status, case.tier, case.rework_count, case.deferred_from, case.category_id, case.rating,
            tuple(dispatches))


def _contradictions(s, case_id: int) -> list[str]:
    """The invariant "no case is stuck in a state its dispatches contradict"."""
    case = s.get(Case, case_id)
    all_in = bool(case.dispatches) and all(d.reported_in_at is not None for d in case.dispatches)
    lead_answered = any(d.role == DispatchRole.LEAD and d.answered_at is not None for d in case.dispatches)
    wrong = {Status.WHISTLED: all_in, Status.REPORTED_IN: not all_in or lead_answered,
             Status.ANSWERED: not (all_in and lead_answered)}.get(case.status, False)
    return [f"case {case.number} is '{case.status}' but all reported in={all_in}, lead answered={lead_answered}"] \
        if wrong else []


def test_every_pair_of_actions_racing_on_one_case_keeps_the_workflow_invariants(world):
    problems = []
    for first, state in enumerate(SETUPS):
        problems += [f"[{state}] {p}" for p in _races_from(world, state, first * 10_000)]
    assert problems == [], "\n".join(problems)


def _races_from(world, state: str, first: int) -> list[str]:
    """Every pair of the actions possible in ``state`` raced on its own case; the invariants' violations."""
    db, ids, actors, racers = world
    probe = _new_cases(db, state, 1, ids, actors, first=first)[0]
    with db.session() as s:  # the status the setup reaches, its version and events, whether it was whistled
        status, dispatched = s.get(Case, probe).status, bool(s.get(Case, probe).dispatches)
        events_before, seen = _events_and_version(s, [probe])[probe]
    candidates = [c for c in CANDIDATES if _possible(status, c, dispatched)]
    pairs = list(itertools.combinations_with_replacement(candidates, 2))
    races = _new_cases(db, state, len(pairs), ids, actors, first=first + 1)
    twins = dict(zip(map(repr, candidates), _new_cases(db, state, len(candidates), ids, actors, first=first + 1000)))
    for candidate in candidates:  # each action alone, on a twin: where the winner should leave the case
        action, who, params = candidate
        try:
            act_on_case(db, twins[repr(candidate)], action, actors[who], seen, _params(params, ids), RACE_AT)
        except WorkflowError:
            pass
    gate = FirstWriteGate(racers)
    outcomes = {case_id: _race(racers, gate, case_id, seen, pair, ids, actors) for case_id, pair in zip(races, pairs)}
    return _check(db, outcomes, dict(zip(races, pairs)), twins, events_before)


def _race(racers, gate, case_id: int, seen: int, pair, ids, actors) -> list:
    """Both actions at once on ``case_id``, each from version ``seen``: the two outcomes (Acted or exception)."""
    gate.new_race()
    outcomes: list = [None, None]

    def racer(i: int) -> None:
        action, who, params = pair[i]
        outcomes[i] = gate.run(racers[i], lambda database: act_on_case(
            database, case_id, action, actors[who], seen, _params(params, ids), RACE_AT))

    threads = [threading.Thread(target=racer, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _check(db, outcomes: dict, pairs: dict, twins: dict, events_before: int) -> list[str]:
    """Every invariant of the module docstring, for every race."""
    problems = []
    with db.session() as s:
        counts = _events_and_version(s, [*outcomes, *twins.values()])
        for case_id, (first, second) in outcomes.items():
            pair = pairs[case_id]
            label = f"{pair[0][0]}({pair[0][1]}) vs {pair[1][0]}({pair[1][1]})"
            problems += [f"{label}: {type(o).__name__}: {o}" for o in (first, second)
                         if isinstance(o, Exception) and not isinstance(o, WorkflowError)]
            won = [pair[i] for i, o in enumerate((first, second)) if not isinstance(o, Exception)]
            if len(won) > 1:
                problems.append(f"{label}: both succeeded from the same version")
            problems += [f"{label}: {p}" for p in _contradictions(s, case_id)]
            events, version = counts[case_id]
            if events != events_before + len(won) or version != 1 + events:
                problems.append(f"{label}: {events - events_before} new events for {len(won)} winners, "
                                f"version {version} after {events} events")
            if len(won) == 1 and _snapshot(s, case_id) != _snapshot(s, twins[repr(won[0])]):
                problems.append(f"{label}: ended {_snapshot(s, case_id)}, the winner alone gives "
                                f"{_snapshot(s, twins[repr(won[0])])}")
    return problems


def _events_and_version(s, case_ids: list[int]) -> dict[int, tuple[int, int]]:
    events = dict(s.execute(select(CaseEvent.case_id, func.count()).where(CaseEvent.case_id.in_(case_ids))
                            .group_by(CaseEvent.case_id)).all())
    versions = dict(s.execute(select(Case.id, Case.version).where(Case.id.in_(case_ids))).all())
    return {case_id: (events.get(case_id, 0), versions[case_id]) for case_id in case_ids}
