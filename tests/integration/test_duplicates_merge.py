"""Duplicates at intake and the supervisor's merge, on every backend: likely duplicates are found by place,
time, category class and text; a merged case is one case with several reporters, counted once in every
metric, and all its reporters are told when it closes."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from geo.db.models import Case, CaseEvent
from geo.domain.actors import Actor
from geo.domain.duplicates import DuplicatePolicy, DuplicateRule
from geo.domain.vocabulary import Role, Status
from geo.domain.workflow import CaseChanged, InvalidInput
from geo.read.duplicates import duplicates_of_case, likely_duplicates
from geo.read.metrics import metrics
from geo.read.overview import district_kpis
from geo.read.screen import latest_cases
from geo.usecases.duplicates import follow_case, merge_case
from geo.usecases.intake import NewCase, Reporter, report_case
from geo.usecases.reporter_notices import notify_reporters
from tests.integration.factories import STEP, T0
from tests.integration.intake_fixtures import INSIDE_D

CENTER = Actor("王主任", Role.SUPERVISOR)
CLERK = Actor("接线员", Role.SUPERVISOR)


def new(db, description="井盖缺失，存在安全隐患", dx=0.0, hours=0.0, category="JG", phone="13800000001"):
    from geo.db.models import Category

    with db.transaction() as s:
        category_id = s.scalar(select(Category.id).where(Category.code == category))
        case = report_case(s, NewCase(source="resident_app", lon=INSIDE_D[0] + dx, lat=INSIDE_D[1],
                                      category_id=category_id, description=description, reporter_phone=phone,
                                      reported_at=T0 + timedelta(hours=hours)), CLERK)
        return case.id, case.number, case.version


def test_an_open_case_nearby_with_a_similar_text_is_a_likely_duplicate(district):
    first = new(district.db)
    with district.db.session() as s:
        found = likely_duplicates(s, INSIDE_D[0] + 0.0001, INSIDE_D[1], district.category_id, "井盖缺失了",
                                  T0 + timedelta(hours=2))
    assert found["number"].tolist() == [first[1]] and 0 < found["distance_m"][0] < 10


@pytest.mark.parametrize("dx,hours,category", [(3 * STEP, 0, "JG"), (0, 100, "JG")])
def test_far_or_old_cases_are_not_duplicates(district, dx, hours, category):
    new(district.db, dx=dx, hours=hours, category=category)
    with district.db.session() as s:
        assert likely_duplicates(s, *INSIDE_D, district.category_id, "井盖缺失", T0).empty


def test_a_related_category_of_the_same_class_counts_and_rules_are_per_category(district):
    new(district.db, category="LD", description="路灯不亮")
    policy = DuplicatePolicy(by_category={"JG": DuplicateRule(radius_m=5, hours=1)}, min_score=0.3)
    with district.db.session() as s:
        assert len(likely_duplicates(s, INSIDE_D[0], INSIDE_D[1], district.category_id, "路灯不亮", T0)) == 1
        assert likely_duplicates(s, INSIDE_D[0] + 0.0002, INSIDE_D[1], district.category_id, "路灯不亮", T0,
                                 policy).empty


def test_merging_makes_one_case_with_two_reporters_counted_once_everywhere(district):
    keep, dup = new(district.db, phone="13800000001"), new(district.db, hours=1, phone="13800000002")
    with district.db.session() as s:
        assert duplicates_of_case(s, dup[0])["number"].tolist() == [keep[1]]
        before = district_kpis(s, T0 + timedelta(days=1), actor=CENTER).received
    with district.db.transaction() as s:
        merge_case(s, dup[0], keep[0], CENTER, dup[2], T0 + timedelta(hours=2))
    now = T0 + timedelta(days=1)
    with district.db.session() as s:
        merged = s.get(Case, dup[0])
        assert (merged.status, merged.merged_into_id) == (Status.MERGED, keep[0])
        assert district_kpis(s, now, actor=CENTER).received == before - 1 == 1
        assert int(metrics(s, "district", now, actor=CENTER)["received"].sum()) == 1
        assert int(metrics(s, "grid", now, actor=CENTER)["received"].sum()) == 1
        assert latest_cases(s, now)["number"].tolist() == [keep[1]]
        actions = s.scalars(select(CaseEvent.action).where(CaseEvent.case_id == keep[0])).all()
    assert "merged_in" in actions


def test_a_merge_is_refused_for_a_stale_version_a_whistled_case_or_itself(district):
    keep, dup = new(district.db), new(district.db, hours=1)
    with district.db.transaction() as s:
        with pytest.raises(CaseChanged):
            merge_case(s, dup[0], keep[0], CENTER, dup[2] + 1, T0)
        with pytest.raises(InvalidInput, match="into itself"):
            merge_case(s, dup[0], dup[0], CENTER, dup[2], T0)
    with district.db.transaction() as s:
        with pytest.raises(PermissionError):
            merge_case(s, dup[0], keep[0], Actor("li", Role.DEPARTMENT, department_id=1), dup[2], T0)


def test_every_reporter_of_a_merged_and_followed_case_is_told_once_when_it_closes(district):
    keep, dup = new(district.db, phone="13800000001"), new(district.db, hours=1, phone="13800000002")
    with district.db.transaction() as s:
        merge_case(s, dup[0], keep[0], CENTER, dup[2], T0)
        follow_case(s, dup[1], "hotline_12345", Reporter(phone="13800000003"), CLERK, T0)
    sent = []

    class Outbox:
        def send(self, message):
            sent.append(message)

    with district.db.transaction() as s:
        assert notify_reporters(s, Outbox(), T0) == (0, 0)  # still open: nobody told yet
        s.get(Case, keep[0]).status = Status.CLOSED
    with district.db.transaction() as s:
        assert notify_reporters(s, Outbox(), T0) == (3, 0)
        assert notify_reporters(s, Outbox(), T0) == (0, 0)
    assert sorted(m["phone"] for m in sent) == ["13800000001", "13800000002", "13800000003"]
    assert {m["case"] for m in sent} == {keep[1]}


def test_the_log_notifier_writes_closing_notices_with_phone_and_email_masked(district, caplog):
    from geo.usecases.notify import LogNotifier

    keep = new(district.db, phone="13812345678")
    follow_case_with_email(district.db, keep[1], "zhang.san@example.com")
    with district.db.transaction() as s:
        s.get(Case, keep[0]).status = Status.CLOSED
    with caplog.at_level("INFO", logger="gridgov.notify"), district.db.transaction() as s:
        assert notify_reporters(s, LogNotifier(), T0) == (2, 0)
    logged = caplog.text
    assert keep[1] in logged and "138****5678" in logged and "z***@example.com" in logged
    assert "13812345678" not in logged and "zhang.san" not in logged


def follow_case_with_email(db, number, email):
    with db.transaction() as s:
        follow_case(s, number, "resident_app", Reporter(email=email), CLERK, T0)
