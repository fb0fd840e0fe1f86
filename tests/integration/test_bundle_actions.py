"""A bundle through the loop as one, on both backends: made from candidates, whistled once (new cases accepted
first), closed with all its cases — every case moves, or none does."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from geo.db.models import Bundle, Case, CaseEvent
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role, Status
from geo.domain.workflow import InvalidInput
from geo.read.bundles import bundle_cases, bundle_list, bundle_proposals
from geo.read.case_story import case_story
from geo.usecases.bundle_actions import (
    BundleNotReady,
    BundleRefused,
    NothingToWhistle,
    close_bundle,
    make_bundle,
    whistle_bundle,
)
from tests.integration.factories import T0, X0, Y0, add_case, add_departments_and_category

SUPERVISOR = Actor("王主任", Role.SUPERVISOR)
NOW = T0 + timedelta(days=6)


@pytest.fixture
def bundled(db):
    """Five corridor cases close together (C0–C4, reported), bundled; C2 accepted, C3 already whistled."""
    with db.transaction() as s:
        departments, category = add_departments_and_category(s)
        ids = [add_case(s, category, number=f"C{i}", lon=X0 + i * 0.0002, lat=Y0,
                        reported_at=T0 + timedelta(days=i)).id for i in range(5)]
    bundle_id = make_bundle(db, ids, "楼道堆物集中整治", SUPERVISOR, NOW)
    with db.transaction() as s:
        s.execute(update(Case).where(Case.id == ids[2]).values(status=Status.ACCEPTED, tier="lead_department"))
        s.execute(update(Case).where(Case.id == ids[3]).values(status=Status.WHISTLED))
    return db, bundle_id, ids, {code: d.id for code, d in departments.items()}


def _seen(db, bundle_id):
    with db.session() as s:
        cases = bundle_cases(s, bundle_id, SUPERVISOR)
    return dict(zip(cases["id"].astype(int), cases["version"].astype(int)))


def _statuses(db, ids):
    with db.session() as s:
        return [s.get(Case, i).status for i in ids]


def test_candidates_become_a_bundle_and_leave_the_candidates(db):
    with db.transaction() as s:
        _, category = add_departments_and_category(s)
        for i in range(5):
            add_case(s, category, number=f"C{i}", lon=X0 + i * 0.0002, lat=Y0, reported_at=T0 + timedelta(days=i))
    with db.session() as s:
        proposals = bundle_proposals(s, NOW)
    assert proposals[["category", "cases", "grids"]].values.tolist() == [["井盖缺失破损", 5, 0]]
    make_bundle(db, proposals["case_ids"][0], "井盖集中整治", SUPERVISOR, NOW)
    with db.session() as s:
        assert bundle_proposals(s, NOW).empty
        listed = bundle_list(s, SUPERVISOR)
    assert listed[["title", "cases", "open", "to_accept"]].values.tolist() == [["井盖集中整治", 5, 5, 5]]


def test_a_bundle_is_whistled_once_new_cases_accepted_first(bundled):
    db, bundle_id, ids, departments = bundled
    done = whistle_bundle(db, bundle_id, _seen(db, bundle_id), SUPERVISOR, departments["CGJ"], (departments["SZ"],),
                          "集中整治", NOW)
    assert done.acted == ("C0", "C1", "C2", "C4") and done.left == ("C3",)
    assert _statuses(db, ids) == ["whistled"] * 5
    with db.session() as s:
        actions = s.scalars(select(CaseEvent.action).where(CaseEvent.case_id == ids[0]).order_by(CaseEvent.id)).all()
    assert actions == ["bundle", "accept", "whistle"]


def test_one_case_changed_meanwhile_leaves_the_whole_bundle_untouched(bundled):
    db, bundle_id, ids, departments = bundled
    seen = _seen(db, bundle_id)
    with db.transaction() as s:
        s.execute(update(Case).where(Case.id == ids[4]).values(version=Case.version + 1))
    with pytest.raises(BundleRefused, match="case C4: case C4 changed since you opened it") as refused:
        whistle_bundle(db, bundle_id, seen, SUPERVISOR, departments["CGJ"], now=NOW)
    assert refused.value.number == "C4"
    assert _statuses(db, ids) == ["reported", "reported", "accepted", "whistled", "reported"]


def test_a_bundle_closes_only_when_every_open_case_is_answered(bundled):
    db, bundle_id, ids, departments = bundled
    with pytest.raises(BundleNotReady) as refused:
        close_bundle(db, bundle_id, _seen(db, bundle_id), SUPERVISOR, now=NOW)
    assert refused.value.numbers == ["C0", "C1", "C2", "C3", "C4"]
    with db.transaction() as s:
        s.execute(update(Case).where(Case.id.in_(ids)).values(status=Status.ANSWERED))
    done = close_bundle(db, bundle_id, _seen(db, bundle_id), SUPERVISOR, "已集中整治", NOW)
    assert done.acted == ("C0", "C1", "C2", "C3", "C4")
    assert _statuses(db, ids) == ["closed"] * 5
    with db.session() as s:
        assert s.get(Bundle, bundle_id).closed_by == "王主任"
    with pytest.raises(InvalidInput, match="is closed"):
        close_bundle(db, bundle_id, _seen(db, bundle_id), SUPERVISOR, now=NOW)


def test_nothing_to_whistle_is_said(bundled):
    db, bundle_id, ids, departments = bundled
    with db.transaction() as s:
        s.execute(update(Case).where(Case.id.in_(ids)).values(status=Status.DEFERRED))
    with pytest.raises(NothingToWhistle):
        whistle_bundle(db, bundle_id, _seen(db, bundle_id), SUPERVISOR, departments["CGJ"], now=NOW)


def test_the_case_story_names_its_bundle_and_the_cases_in_it(bundled):
    db, bundle_id, ids, departments = bundled
    with db.session() as s:
        story = case_story(s, ids[0], NOW, SUPERVISOR)
        seen_by_sz = case_story(s, ids[3], NOW, Actor("市政", Role.ANALYST))
    assert story.bundle["title"] == "楼道堆物集中整治"
    assert [n for n, _ in story.bundle["cases"]] == ["C0", "C1", "C2", "C3", "C4"]
    assert seen_by_sz.bundle["id"] == bundle_id
