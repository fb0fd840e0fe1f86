"""The sample district loads the same on both backends."""

import pytest
from sqlalchemy import func, select

from geo.db.models import Case, Grid
from samples.load import table_counts


def _summary(db):
    with db.session() as s:
        per_grid = dict(s.execute(select(Grid.code, func.count(Case.id)).outerjoin(Case, Case.grid_id == Grid.id)
                                  .group_by(Grid.code)).all())
        return table_counts(s), per_grid


def test_the_sample_has_the_published_scale(sample_db):
    counts, per_grid = _summary(sample_db)
    assert (counts["streets"], counts["communities"], counts["grids"]) == (7, 42, 435)
    assert counts["buildings"] == 6027 and counts["cases"] == 48022
    assert sum(per_grid.values()) == 48022  # every sample case is placed in a grid


def test_sqlite_and_postgis_hold_identical_counts_and_per_grid_cases(sample_databases):
    sqlite, postgis = _summary(sample_databases.get("sqlite")), _summary(sample_databases.get("postgis"))
    assert sqlite[0] == postgis[0]
    assert sqlite[1] == postgis[1]


def test_sample_grids_match_the_generators_grid_codes(sample_db):
    import pandas as pd

    from samples.load import SAMPLE_DIR

    expected = pd.read_csv(SAMPLE_DIR / "cases.csv.gz", dtype=str, usecols=["grid_code"])["grid_code"]
    _, per_grid = _summary(sample_db)
    assert per_grid == {code: int(n) for code, n in expected.value_counts().items()} | {
        c: 0 for c in set(per_grid) - set(expected)}


@pytest.mark.parametrize("table", ["cases", "case_events"])
def test_stage_timestamps_are_in_order(sample_db, table):
    from geo.db.models import CaseEvent

    with sample_db.session() as s:
        if table == "cases":
            bad = s.scalar(select(func.count()).select_from(Case).where(
                (Case.accepted_at < Case.reported_at) | (Case.whistled_at < Case.accepted_at)
                | (Case.closed_at < Case.reported_at) | (Case.rated_at < Case.closed_at)))
        else:
            bad = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.at.is_(None)))
    assert bad == 0


def test_territory_dispatches_go_to_the_office_of_the_cases_own_street(sample_db):
    from geo.db.models import CaseDispatch, Community, Department

    with sample_db.session() as s:
        rows = s.execute(select(Department.street_id, Community.street_id)
                         .join(CaseDispatch, CaseDispatch.department_id == Department.id)
                         .join(Case, Case.id == CaseDispatch.case_id).join(Grid, Grid.id == Case.grid_id)
                         .join(Community, Community.id == Grid.community_id)
                         .where(Department.street_id.is_not(None))).all()
        placeholders = s.scalar(select(func.count()).select_from(Department).where(Department.code == "STREET"))
    assert len(rows) > 2000 and placeholders == 0
    assert all(office == own for office, own in rows)


def test_every_deferred_sample_case_knows_when_and_from_where_it_was_deferred(sample_db):
    from geo.db.models import CaseEvent

    with sample_db.session() as s:
        deferred = s.execute(select(Case.deferred_from, func.count(), func.count(Case.deferred_at))
                             .where(Case.status == "deferred").group_by(Case.deferred_from)).all()
        defer_events = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "defer"))
    assert {whence: (n, timed) for whence, n, timed in deferred} == {
        "accepted": (392, 392), "reported_in": (668, 668)}  # never deferred after the answer
    assert defer_events == 1060


def test_a_deferred_sample_case_resumes_and_its_deadline_moves_on(sample_sqlite_copy):
    from datetime import UTC, datetime

    from geo.db.database import Database
    from geo.domain.actors import Actor
    from geo.domain.vocabulary import Role
    from geo.usecases.case_actions import act_on_case

    db = Database(sample_sqlite_copy)
    with db.session() as s:
        case = s.scalars(select(Case).where(Case.status == "deferred", Case.deferred_from == "reported_in")
                         .order_by(Case.id)).first()
        case_id, version, deadline = case.id, case.version, case.deadline
    acted = act_on_case(db, case_id, "resume", Actor("王主任", Role.SUPERVISOR), version,
                        now=datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    with db.session() as s:
        assert acted.status == "reported_in" and s.get(Case, case_id).deadline > deadline
    db.dispose()
