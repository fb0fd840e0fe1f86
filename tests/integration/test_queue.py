"""Work queues on both backends: what waits on each role, worst first, and one action on several cases with an
outcome per case."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from geo.db.models import Case, CaseDispatch
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role, Status, Tier
from geo.read.queue import ROLE_QUEUES, queue_counts, queue_rows
from geo.usecases.bulk_actions import Seen, act_on_cases
from tests.integration.factories import T0, add_case, add_departments_and_category

H = timedelta(hours=1)
NOW = T0 + 10 * H
SUPERVISOR = Actor("王主任", Role.SUPERVISOR)


@pytest.fixture
def world(db):
    """N1, N2 reported; W whistled to SZ 2 h ago (yellow), R whistled to SZ and CGJ 5 h ago (red), SZ reported in
    on R; A answered by SZ; C closed 2 days ago, OLD closed 30 days ago; X triaged for the community."""
    with db.transaction() as s:
        departments, category = add_departments_and_category(s)
        sz, cgj = departments["SZ"].id, departments["CGJ"].id
        cases = {n: add_case(s, category, number=n, reported_at=T0) for n in ("N1", "N2", "W", "R", "A", "C", "OLD", "X")}
        for name, status, deadline in (("W", Status.WHISTLED, NOW + 5 * H), ("R", Status.WHISTLED, NOW - H),
                                       ("A", Status.ANSWERED, NOW + H), ("C", Status.CLOSED, None),
                                       ("OLD", Status.CLOSED, None), ("X", Status.ACCEPTED, None)):
            c = cases[name]
            c.status, c.deadline, c.tier = status, deadline, Tier.LEAD_DEPARTMENT
        cases["X"].tier = Tier.COMMUNITY
        cases["C"].closed_at, cases["OLD"].closed_at = NOW - 48 * H, NOW - 30 * 24 * H
        s.add_all([CaseDispatch(case_id=cases["W"].id, department_id=sz, role="lead", whistled_at=NOW - 2 * H),
                   CaseDispatch(case_id=cases["R"].id, department_id=sz, role="lead", whistled_at=NOW - 5 * H,
                                reported_in_at=NOW - 4.5 * H),
                   CaseDispatch(case_id=cases["R"].id, department_id=cgj, role="co", whistled_at=NOW - 5 * H),
                   CaseDispatch(case_id=cases["A"].id, department_id=sz, role="lead", whistled_at=NOW - 9 * H,
                                reported_in_at=NOW - 8.5 * H, answered_at=NOW - 3 * H)])
        ids = {name: c.id for name, c in cases.items()}
    return db, ids, {"SZ": sz, "CGJ": cgj}


def version(db, case_id: int) -> int:
    with db.session() as s:
        return s.get(Case, case_id).version


def test_a_supervisor_sees_every_queue_with_its_count(world):
    db, _, _ = world
    with db.session() as s:
        counts = queue_counts(s, NOW, SUPERVISOR)
    assert list(counts) == list(ROLE_QUEUES[Role.SUPERVISOR])
    assert counts == {"new": 2, "unassigned": 6, "to_whistle": 0, "report_in_yellow": 1, "report_in_red": 1,
                      "report_in_discipline": 0, "overdue": 1, "to_close": 2, "awaiting_rating": 1, "rework": 0}


def test_rows_come_worst_card_first_then_earliest_deadline(world):
    db, _, _ = world
    with db.session() as s:
        rows = queue_rows(s, "unassigned", NOW, SUPERVISOR)
    assert rows["number"].tolist()[:3] == ["R", "W", "A"]  # red, yellow, then the earliest deadline
    assert rows["card"].tolist()[:3] == ["red", "yellow", "none"]
    with db.session() as s:
        late = queue_rows(s, "report_in_red", NOW, SUPERVISOR)
    assert late["departments"].tolist() == [["城市管理局"]]  # the department still to report in, not the lead


def test_a_department_sees_its_own_report_ins_and_answers_due(world):
    db, _, departments = world
    sz = Actor("市政", Role.DEPARTMENT, department_id=departments["SZ"])
    cgj = Actor("城管", Role.DEPARTMENT, department_id=departments["CGJ"])
    with db.session() as s:
        assert queue_counts(s, NOW, sz) == {"to_report_in": 1, "to_answer": 2}
        assert queue_rows(s, "to_report_in", NOW, sz)["number"].tolist() == ["W"]
        assert queue_rows(s, "to_answer", NOW, sz)["number"].tolist() == ["W", "R"]  # yellow first
        assert queue_counts(s, NOW, cgj) == {"to_report_in": 1, "to_answer": 0}  # a co-department never answers
        assert queue_rows(s, "to_report_in", NOW, cgj)["card"].tolist() == ["red"]


def test_the_rating_queue_holds_only_closures_within_the_call_back_window(world):
    db, _, _ = world
    with db.session() as s:
        assert queue_rows(s, "awaiting_rating", NOW, SUPERVISOR)["number"].tolist() == ["C"]


def test_the_community_closes_what_it_solves_itself_and_what_was_answered(world):
    db, _, _ = world
    with db.session() as s:
        assert sorted(queue_rows(s, "to_close", NOW, SUPERVISOR)["number"]) == ["A", "X"]


def test_an_unknown_queue_is_refused_with_the_list():
    with pytest.raises(ValueError, match="unknown queue 'later'; queues: new, unassigned"):
        queue_rows(None, "later", NOW, SUPERVISOR)


def test_one_action_on_several_cases_reports_each_case(world):
    db, ids, _ = world
    seen = [Seen(ids[n], n, version(db, ids[n])) for n in ("N1", "N2", "A")]
    with db.transaction() as s:  # someone else touches N2 after the supervisor saw it
        s.execute(update(Case).where(Case.id == ids["N2"]).values(version=Case.version + 1))
    outcomes = act_on_cases(db, seen, "accept", SUPERVISOR, {"tier": "lead_department"}, NOW)
    assert [(o.number, o.kind, o.status) for o in outcomes] == [
        ("N1", "done", "accepted"), ("N2", "conflict", None), ("A", "illegal", "answered")]
    with db.session() as s:
        assert s.get(Case, ids["N1"]).status == Status.ACCEPTED and s.get(Case, ids["N2"]).status == Status.REPORTED


def test_a_department_cannot_act_on_a_case_outside_its_scope(world):
    db, ids, departments = world
    cgj = Actor("城管", Role.DEPARTMENT, department_id=departments["CGJ"])
    seen = [Seen(ids[n], n, version(db, ids[n])) for n in ("W", "R")]
    outcomes = act_on_cases(db, seen, "report_in", cgj, None, NOW)
    assert [(o.number, o.kind) for o in outcomes] == [("W", "out_of_scope"), ("R", "done")]
