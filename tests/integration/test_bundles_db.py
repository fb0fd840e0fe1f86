from datetime import timedelta

import pytest
from sqlalchemy import select

from geo.db.models import Case, CaseEvent
from geo.domain.actors import Actor
from geo.domain.clustering import ClusterRule
from geo.domain.vocabulary import Role
from geo.domain.workflow import InvalidInput
from geo.read.bundles import bundle_candidates
from geo.usecases.bundles import create_bundle
from tests.integration.factories import T0, X0, Y0, add_case, add_departments_and_category

SUPERVISOR = Actor("王主任", Role.SUPERVISOR)


@pytest.fixture
def corridor_cases(db):
    with db.transaction() as s:
        _, category = add_departments_and_category(s)
        ids = [add_case(s, category, number=f"C{i}", lon=X0 + i * 0.0002, lat=Y0,
                        reported_at=T0 + timedelta(days=i)).id for i in range(5)]
        add_case(s, category, number="FAR", lon=X0 + 0.05, lat=Y0)
    return db, ids


def test_close_cases_of_one_category_are_proposed_as_a_bundle(corridor_cases):
    db, ids = corridor_cases
    with db.session() as s:
        candidates = bundle_candidates(s, T0 + timedelta(days=6), ClusterRule(min_cases=3, radius_m=50, days=3))
    assert sorted(candidates["number"]) == ["C0", "C1", "C2", "C3", "C4"]
    assert candidates["cluster"].nunique() == 1


def test_a_bundle_is_logged_on_each_case_and_bumps_its_version(corridor_cases):
    db, ids = corridor_cases
    with db.transaction() as s:
        bundle = create_bundle(s, ids[:3], "楼道堆物集中整治", SUPERVISOR, T0, escalated_to="区住建局")
    with db.session() as s:
        cases = s.scalars(select(Case).where(Case.id.in_(ids[:3]))).all()
        assert {c.bundle_id for c in cases} == {bundle.id} and {c.version for c in cases} == {2}
        notes = s.execute(select(CaseEvent.note_key, CaseEvent.note_params, CaseEvent.note)
                          .where(CaseEvent.action == "bundle")).all()
        assert notes == [("bundled", f'{{"bundle_id":{bundle.id},"title":"楼道堆物集中整治"}}', "区住建局")] * 3


def test_a_case_cannot_be_bundled_twice(corridor_cases):
    db, ids = corridor_cases
    with db.transaction() as s:
        create_bundle(s, ids[:2], "A", SUPERVISOR, T0)
    with pytest.raises(InvalidInput, match="already closed or bundled: C0, C1"):
        with db.transaction() as s:
            create_bundle(s, ids[:3], "B", SUPERVISOR, T0)


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.STREET, Role.GRID_MEMBER, Role.ANALYST, Role.RESIDENT])
def test_only_the_center_bundles_cases(corridor_cases, role):
    from geo.domain.permissions import NotAllowed

    db, ids = corridor_cases
    with db.transaction() as s, pytest.raises(NotAllowed, match="may not create bundle"):
        create_bundle(s, ids[:3], "越权打包", Actor("某人", role, department_id=1, street_id=1), T0)
    with db.session() as s:
        assert s.scalars(select(Case.bundle_id).where(Case.id.in_(ids))).all() == [None] * 5
