"""The sample's community forces, generated at load time: the published 2,815 volunteers over the 42
communities, a year of tasks whose ledger never overdraws, tasks open now in every community, the demo
volunteer linked — and the bulk loader refusing a second load or an unknown key on both backends."""

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from geo.db.database import Database
from geo.db.models import User, Volunteer, VolunteerPoints, VolunteerTask
from geo.usecases.volunteer_bulk import ForcesData, ForcesNotEmpty, load_forces
from samples.accounts import add_demo_accounts
from samples.load import SAMPLE_END
from samples.volunteers import load_sample_forces
from tests.integration.factories import T0
from tests.integration.volunteer_fixtures import make_forces


@pytest.fixture
def sample_forces(sample_sqlite_copy):
    db = Database(sample_sqlite_copy)
    counts = load_sample_forces(db, SAMPLE_END)
    add_demo_accounts(db)  # the copy has the demo accounts already: this links the demo volunteer
    yield db, counts
    db.dispose()


def test_the_sample_has_the_published_number_of_volunteers_in_every_community(sample_forces):
    db, counts = sample_forces
    assert counts["volunteers"] == 2815 and 1000 < counts["volunteer_tasks"] < 1500
    with db.session() as s:
        per_community = s.execute(select(Volunteer.community_id, func.count()).group_by(Volunteer.community_id)).all()
        open_now = s.execute(select(VolunteerTask.community_id, func.count()).where(
            VolunteerTask.status == "open", VolunteerTask.ends_at > SAMPLE_END).group_by(VolunteerTask.community_id)).all()
        user = s.scalar(select(User).where(User.username == "volunteer"))
        linked = s.scalar(select(Volunteer).where(Volunteer.user_id == user.id))
    assert len(per_community) == 42 and min(n for _, n in per_community) >= 5
    assert len(open_now) == 42
    assert linked.community_id == user.community_id


def test_no_balance_ever_goes_negative_and_nothing_lies_after_the_load(sample_forces):
    db, _ = sample_forces
    with db.session() as s:
        ledger = pd.DataFrame(s.execute(select(VolunteerPoints.volunteer_id, VolunteerPoints.at, VolunteerPoints.id,
                                               VolunteerPoints.points)).all(), columns=["v", "at", "id", "points"])
        latest = s.scalar(select(func.max(VolunteerTask.created_at)))
    running = ledger.sort_values(["v", "at", "id"]).groupby("v")["points"].cumsum()
    assert running.min() >= 0 and (ledger["points"] < 0).sum() > 50
    assert ledger["at"].max() <= SAMPLE_END and latest <= SAMPLE_END


def _tiny(forces, phone="13900000031", case="CASE-COMMUNITY"):
    at = pd.Timestamp(T0)
    return ForcesData(
        volunteers=pd.DataFrame([{"community_code": "C1", "name": "甲", "phone": phone, "skills": "patrol",
                                  "availability": "anytime", "lon": 106.8002, "lat": 39.6705, "grid_code": "G1",
                                  "placed_by": "home", "joined_at": at - timedelta(days=9)}]),
        tasks=pd.DataFrame([{"number": "VT1", "community_code": "C1", "case_number": case, "kind": "case",
                             "title": "t", "description": "", "lon": 106.8002, "lat": 39.6705, "address": "",
                             "skills": "patrol", "starts_at": at, "ends_at": at + timedelta(hours=2), "headcount": 1,
                             "status": "done", "created_at": at, "created_by": "x", "done_at": at + timedelta(hours=2)}]),
        assignments=pd.DataFrame([{"task_number": "VT1", "phone": phone, "assigned_by": "community",
                                   "assigned_at": at, "actor": "x", "status": "done",
                                   "done_at": at + timedelta(hours=2), "note": ""}]),
        ledger=pd.DataFrame([{"phone": phone, "at": at + timedelta(hours=2), "kind": "task", "points": 20,
                              "task_number": "VT1", "assigned": True, "actor": "x", "role": "volunteer",
                              "note": ""}]))


def test_the_bulk_loader_links_by_keys_and_refuses_a_second_load(db):
    forces = make_forces(db)
    with db.transaction() as s:  # the fixture registers four volunteers: start from an empty registry
        s.query(Volunteer).update({"user_id": None})
        s.query(Volunteer).delete()
    assert load_forces(forces.db, _tiny(forces), "test") == {
        "volunteers": 1, "volunteer_tasks": 1, "volunteer_assignments": 1, "volunteer_points": 1}
    with pytest.raises(ForcesNotEmpty):
        load_forces(forces.db, _tiny(forces, phone="13900000032"), "test")


def test_the_bulk_loader_names_an_unknown_case_and_writes_nothing(db):
    forces = make_forces(db)
    with db.transaction() as s:
        s.query(Volunteer).update({"user_id": None})
        s.query(Volunteer).delete()
    with pytest.raises(ValueError, match="unknown case key"):
        load_forces(forces.db, _tiny(forces, case="NO-SUCH-CASE"), "test")
    with forces.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Volunteer)) == 0
