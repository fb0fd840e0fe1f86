"""Each rule's SQL form (geo.db.rules) agrees with its Python form (geo.domain.rules, geo.domain.escalation) on
the same cases and dispatches, on every backend — including instants exactly on a threshold and a district
with its own escalation hours."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from geo.config import escalation_policy
from geo.db import rules as sql_rules
from geo.db.models import Case, CaseDispatch
from geo.domain import rules
from geo.domain.escalation import card_for, reminder_levels
from geo.domain.vocabulary import Rating, Status, Tier
from tests.integration.factories import T0, add_departments_and_category

H = timedelta(hours=1)
NOW = T0 + 30 * H
CASE_RULES = ["is_open", "is_closed", "is_due", "is_rated", "is_satisfied", "was_reworked", "finished_once",
              "answered_on_time", "closed_on_time", "ready_to_whistle", "ready_to_close"]
ACTIONS = ["accept", "whistle", "report_in", "answer", "close", "rate"]
#: (answered after report, closed after report) with the deadline 2 h after the report.
TIMINGS = [(None, None), (1 * H, 1.5 * H), (1 * H, 26 * H), (3 * H, 4 * H), (2 * H, 2 * H), (None, 1 * H)]
#: Whistled this long before NOW, reported in this long after the whistle (None: not yet).
WHISTLES = [0 * H, 0.5 * H, H - timedelta(seconds=1), H, 2 * H, 2.5 * H, 3 * H, 4 * H, 15 * H, 20 * H, -H]
REPORT_INS = [None, 0.5 * H, H, 5 * H, 40 * H]


@pytest.fixture
def world(db):
    """Cases of every status × tier × timing (with and without deadline), each with a few dispatches."""
    with db.transaction() as s:
        departments, category = add_departments_and_category(s)
        ratings = [None, *Rating]
        combos = itertools.product(Status, [None, *Tier], TIMINGS, [True, False])
        rows = [{"number": f"R{i}", "source": "hotline_12345", "status": str(status), "reported_at": T0,
                 "tier": None if tier is None else str(tier), "category_id": category.id,
                 "answered_at": None if answered is None else T0 + answered,
                 "closed_at": None if closed is None else T0 + closed,
                 "deadline": T0 + 2 * H if has_deadline else None, "rating": ratings[i % len(ratings)],
                 "rework_count": i % 3, "version": 1}
                for i, (status, tier, (answered, closed), has_deadline) in enumerate(combos)]
        s.execute(insert(Case.__table__), rows)
        ids = s.scalars(select(Case.id).order_by(Case.id)).all()
        spans = list(itertools.product(WHISTLES, REPORT_INS))
        dispatches = [{"case_id": case_id, "department_id": department.id, "role": "lead" if k == 0 else "co",
                       "whistled_at": NOW - spans[(i * 3 + k) % len(spans)][0],
                       "reported_in_at": None if spans[(i * 3 + k) % len(spans)][1] is None
                       else NOW - spans[(i * 3 + k) % len(spans)][0] + spans[(i * 3 + k) % len(spans)][1]}
                      for i, case_id in enumerate(ids) for k, department in enumerate(departments.values())
                      if (i + k) % 4]
        s.execute(insert(CaseDispatch.__table__), dispatches)
    return db


def _cases(session):
    return {c.id: c for c in session.scalars(select(Case))}


def _dispatches(session):
    return session.scalars(select(CaseDispatch).order_by(CaseDispatch.id)).all()


def test_every_case_rule_agrees_in_sql_and_python(world):
    with world.session() as s:
        query = select(Case.id, sql_rules.is_overdue(NOW), sql_rules.handled_at(),
                       *(getattr(sql_rules, name)() for name in CASE_RULES),
                       *(sql_rules.awaits(action) for action in ACTIONS))
        rows = s.execute(query).all()
        cases = _cases(s)
    assert len(rows) == len(Status) * (len(Tier) + 1) * len(TIMINGS) * 2
    for case_id, overdue, handled, *flags in rows:
        flags, awaiting = flags[:len(CASE_RULES)], flags[len(CASE_RULES):]
        c = cases[case_id]
        python = {"is_open": rules.is_open(c.status), "is_closed": rules.is_closed(c.status),
                  "is_due": rules.is_due(c.status), "is_rated": rules.is_rated(c.rating),
                  "is_satisfied": rules.is_satisfied(c.rating), "was_reworked": rules.was_reworked(c.rework_count),
                  "finished_once": rules.finished_once(c.status),
                  "answered_on_time": rules.answered_on_time(c.status, c.tier, c.answered_at, c.closed_at, c.deadline),
                  "closed_on_time": rules.closed_on_time(c.status, c.tier, c.answered_at, c.closed_at, c.deadline),
                  "ready_to_whistle": rules.ready_to_whistle(c.status, c.tier),
                  "ready_to_close": rules.ready_to_close(c.status, c.tier)}
        assert {name: bool(v) for name, v in zip(CASE_RULES, flags)} == python, (c.status, c.tier, c.deadline)
        assert bool(overdue) == rules.is_overdue(c.status, c.deadline, NOW)
        assert [bool(a) for a in awaiting] == [rules.awaits(action, c.status) for action in ACTIONS]
        assert _utc(handled) == rules.handled_at(c.tier, c.answered_at, c.closed_at)


def _utc(value):
    """A CASE over two UTCDateTime columns comes back typed on PostgreSQL, as naive text on SQLite."""
    from datetime import UTC, datetime

    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed.replace(tzinfo=UTC)


@pytest.mark.parametrize("hours", ["", "0.5,2,3"])
def test_cards_report_in_and_reminders_agree_in_sql_and_python(world, monkeypatch, hours):
    monkeypatch.setenv("GRIDGOV_ESCALATION_HOURS", hours)
    policy = escalation_policy()
    with world.session() as s:
        sql = world.backend
        elapsed = sql_rules.elapsed_seconds(sql, NOW)
        levels = sql_rules.reminder_thresholds()
        reached = (select(func.count()).select_from(levels).where(elapsed >= levels.c.threshold)
                   .scalar_subquery())
        rows = s.execute(select(CaseDispatch.id, sql_rules.answer_due(), sql_rules.waiting_for_report_in(NOW),
                                sql_rules.card_of(elapsed),
                                sql_rules.reported_in_on_time(elapsed), sql_rules.report_in_decided(elapsed),
                                reached, *(sql_rules.in_card(elapsed, c) for c in rules.CARD_ORDER))).all()
        dispatches = {d.id: d for d in _dispatches(s)}
    expected_levels = reminder_levels([d.whistled_at for d in dispatches.values()],
                                      [d.reported_in_at for d in dispatches.values()], NOW, policy)
    level_of = dict(zip(dispatches, expected_levels))
    for dispatch_id, due, waiting, card, on_time, decided, level, *bands in rows:
        d = dispatches[dispatch_id]
        assert bool(due) == rules.answer_due(d.role, d.answered_at)
        assert bool(waiting) == rules.waiting_for_report_in(d.whistled_at, d.reported_in_at, NOW)
        python_card = card_for(d.whistled_at, d.reported_in_at, NOW, policy)
        assert card == python_card, (d.whistled_at, d.reported_in_at)
        assert [bool(b) for b in bands] == [python_card == c for c in rules.CARD_ORDER]
        assert bool(on_time) == rules.reported_in_on_time(d.whistled_at, d.reported_in_at, NOW, policy)
        assert bool(decided) == rules.report_in_decided(d.whistled_at, d.reported_in_at, NOW, policy)
        assert level == level_of[dispatch_id]
    assert {row[3] for row in rows} == {str(c) for c in rules.CARD_ORDER}  # every band was exercised


def test_the_worst_card_of_a_case_agrees_in_sql_and_python(world):
    policy = escalation_policy()
    with world.session() as s:
        sql = world.backend
        rows = s.execute(select(Case.id, sql_rules.worst_card(sql, NOW),
                                sql_rules.worst_card(sql, NOW, sql_rules.waiting_for_report_in(NOW)))).all()
        by_case: dict[int, list] = {}
        for d in _dispatches(s):
            by_case.setdefault(d.case_id, []).append(d)
    for case_id, worst, worst_waiting in rows:
        mine = by_case.get(case_id, [])
        cards = [card_for(d.whistled_at, d.reported_in_at, NOW, policy) for d in mine]
        waiting = [card_for(d.whistled_at, None, NOW, policy) for d in mine
                   if d.whistled_at <= NOW and (d.reported_in_at is None or d.reported_in_at > NOW)]
        assert worst == rules.worst_card(cards)
        assert worst_waiting == rules.worst_card(waiting)


def test_a_malformed_escalation_setting_is_refused_with_an_example():
    with pytest.raises(ValueError, match="such as 1,4,15, got '4,1,15'"):
        escalation_policy({"GRIDGOV_ESCALATION_HOURS": "4,1,15"})
    with pytest.raises(ValueError, match="such as 1,4,15, got 'soon'"):
        escalation_policy({"GRIDGOV_ESCALATION_HOURS": "soon"})
