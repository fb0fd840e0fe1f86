from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from geo.db.models import CaseDispatch, Notification
from geo.domain.escalation import reminder_levels
from geo.usecases.notify import deliver_pending
from geo.usecases.sweep import sweep
from tests.integration.factories import T0, add_case, add_departments_and_category


def _dispatch(db, number, reported_in_after: timedelta | None):
    with db.transaction() as s:
        if not s.scalar(select(func.count()).select_from(CaseDispatch)):
            departments, category = add_departments_and_category(s)
        else:
            category = None
        case = add_case(s, category, number=number)
        dept_id = s.scalar(select(func.min(CaseDispatch.department_id))) or 1
        dispatch = CaseDispatch(case_id=case.id, department_id=dept_id, role="lead", whistled_at=T0,
                                reported_in_at=None if reported_in_after is None else T0 + reported_in_after)
        s.add(dispatch)
        s.flush()
        return dispatch.id


def _levels(db, dispatch_id):
    with db.session() as s:
        return sorted(s.scalars(select(Notification.level).where(Notification.dispatch_id == dispatch_id)))


def _sweep(db, at):
    with db.transaction() as s:
        return sweep(s, at)


def test_reminders_follow_the_clock_and_a_second_sweep_adds_nothing(db):
    late = _dispatch(db, "C1", None)
    assert _sweep(db, T0 + timedelta(minutes=30)) == 1
    assert _sweep(db, T0 + timedelta(hours=2)) == 1
    assert _sweep(db, T0 + timedelta(hours=2)) == 0
    assert _levels(db, late) == [1, 2]
    assert _sweep(db, T0 + timedelta(hours=16)) == 2
    assert _levels(db, late) == [1, 2, 3, 4]


def test_a_dispatch_reported_in_late_keeps_the_reminders_it_earned_and_no_more(db):
    reported_at_5h = _dispatch(db, "C1", timedelta(hours=5))
    on_time = _dispatch(db, "C2", timedelta(minutes=20))
    _sweep(db, T0 + timedelta(days=3))
    assert _levels(db, reported_at_5h) == [1, 2, 3]
    assert _levels(db, on_time) == [1]


def test_two_sweeps_at_once_write_each_reminder_once(db):
    dispatch = _dispatch(db, "C1", None)
    first, second = db.session(), db.session()
    sweep(first, T0 + timedelta(hours=5))
    first.commit()
    sweep(second, T0 + timedelta(hours=5))  # its snapshot may predate the first's commit: conflict ignored
    second.commit()
    assert _levels(db, dispatch) == [1, 2, 3]
    first.close()
    second.close()


class FlakyNotifier:
    def __init__(self, failures: int):
        self.failures, self.sent = failures, []

    def send(self, message):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("gateway down")
        self.sent.append(message)


def test_a_failed_delivery_is_kept_and_retried_until_it_succeeds(db):
    _dispatch(db, "C1", None)
    _sweep(db, T0)
    notifier = FlakyNotifier(failures=1)
    assert deliver_pending(db, notifier, T0) == (0, 1)
    with db.session() as s:
        row = s.scalars(select(Notification)).one()
        assert (row.delivered_at, row.attempts, row.last_error) == (None, 1, "ConnectionError: gateway down")
    assert deliver_pending(db, notifier, T0 + timedelta(seconds=30)) == (0, 0)  # backoff not over yet
    assert deliver_pending(db, notifier, T0 + timedelta(minutes=5)) == (1, 0)
    assert notifier.sent[0]["case"] == "C1" and notifier.sent[0]["level"] == 1


def test_the_sweep_over_the_sample_gives_the_cards_its_response_times_imply(sample_db):
    now = datetime(2026, 11, 1, tzinfo=UTC)
    with sample_db.session() as s:
        frame = pd.DataFrame(s.execute(select(CaseDispatch.id, CaseDispatch.whistled_at,
                                              CaseDispatch.reported_in_at)).all())
        expected = reminder_levels(frame["whistled_at"], frame["reported_in_at"], now)
        assert sweep(s, now) == int(expected.sum())
        written = dict(s.execute(select(Notification.level, func.count()).group_by(Notification.level)).all())
        for level in (1, 2, 3, 4):
            assert written.get(level, 0) == int(np.sum(expected >= level))
        assert written[2] > 0 and written[3] > 0 and written[4] > 0
        assert sweep(s, now) == 0
        s.rollback()


def test_a_second_whistle_after_rework_earns_its_own_reminders(db):
    from geo.db.models import Case
    from geo.domain.actors import Actor
    from geo.domain.vocabulary import Role, Tier
    from geo.usecases.case_actions import perform

    with db.transaction() as s:
        departments, category = add_departments_and_category(s)
        case_id, sz = add_case(s, category).id, departments["SZ"].id
    center, staff = Actor("王主任", Role.SUPERVISOR), Actor("市政", Role.DEPARTMENT, department_id=sz)

    def act(action, actor, after, **params):
        with db.transaction() as s:
            perform(s, case_id, action, actor, s.get(Case, case_id).version, now=T0 + after, **params)

    act("accept", center, timedelta(minutes=5), tier=Tier.LEAD_DEPARTMENT)
    act("whistle", center, timedelta(minutes=10), lead_department_id=sz)
    assert _sweep(db, T0 + timedelta(hours=2)) == 2  # reminder 1 and the yellow card of the first whistle
    act("report_in", staff, timedelta(hours=2, minutes=5))
    act("answer", staff, timedelta(hours=2, minutes=10), note="已处理")
    act("return_for_rework", center, timedelta(hours=3), reason="井盖仍缺失")
    act("whistle", center, timedelta(hours=4), lead_department_id=sz)
    assert _sweep(db, T0 + timedelta(hours=5, minutes=30)) == 2  # the second whistle's reminder 1 and yellow
    with db.session() as s:
        rows = s.execute(select(Notification.whistled_at, Notification.level).order_by(Notification.id)).all()
    first, second = T0 + timedelta(minutes=10), T0 + timedelta(hours=4)
    assert [tuple(r) for r in rows] == [(first, 1), (first, 2), (second, 1), (second, 2)]
