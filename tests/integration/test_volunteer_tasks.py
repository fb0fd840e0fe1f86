"""The needs list on both backends: a community publishes a task from its community-tier case, GridGov ranks
its volunteers (near and skilled first), the community assigns within the headcount, a volunteer signs up,
completion with a photo credits points by the rule, and the case closes through the normal loop."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from geo.db.media_store import FileMediaStore
from geo.db.models import Case, CaseEvent, CaseMedia, VolunteerPoints, VolunteerTask
from geo.domain.volunteer_points import PointsRule
from geo.domain.volunteers import VolunteerInputError
from geo.read.volunteer_phone import volunteer_home
from geo.read.volunteer_tasks import eligible_cases, suggest_volunteers, task_table, task_view
from geo.read.volunteers import ledger
from geo.usecases.volunteer_completion import Completion, complete
from geo.usecases.volunteer_points import redeem
from geo.usecases.volunteer_tasks import (
    TaskDraft,
    assign_volunteers,
    close_case_of_task,
    publish_task,
    sign_up,
)
from tests.integration.factories import T0, X0, Y0
from tests.integration.volunteer_fixtures import WINDOW, make_forces
from tests.photo_files import jpeg

NOW = T0 + timedelta(minutes=30)
RULE = PointsRule(base=10, per_hour=5, max_hours=4, photo_bonus=2)


@pytest.fixture
def forces(db):
    return make_forces(db)


@pytest.fixture
def store(tmp_path):
    return FileMediaStore(tmp_path / "media")


def _from_case(forces, headcount=2, **changes):
    draft = TaskDraft(kind="case", title="清理楼道飞线", starts_at=WINDOW[0], ends_at=WINDOW[1],
                      headcount=headcount, skills=("patrol", "electrical"), case_id=forces.case_id)
    number = publish_task(forces.db, TaskDraft(**{**draft.__dict__, **changes}), forces.community, NOW)
    with forces.db.session() as s:
        return s.scalar(select(VolunteerTask.id).where(VolunteerTask.number == number))


def test_a_task_from_a_community_tier_case_takes_its_place_and_community_and_logs_on_the_case(forces):
    with forces.db.session() as s:
        offered = eligible_cases(s, forces.community)
    assert offered["number"].tolist() == ["CASE-COMMUNITY"]
    task_id = _from_case(forces)
    with forces.db.session() as s:
        task = s.get(VolunteerTask, task_id)
        event = s.scalars(select(CaseEvent).where(CaseEvent.case_id == forces.case_id)).one()
        assert (task.number, task.address, task.community_id) == ("VT20260302000001", "G1 某小区 3 栋",
                                                                  forces.community.community_id)
        assert (event.action, event.note) == ("volunteer_task", task.number)
        assert eligible_cases(s, forces.community).empty  # one open task per case


@pytest.mark.parametrize("changes, message", [
    ({"case_id": "lead"}, "is not an open case the community solves itself"),
    ({"headcount": 0}, "headcount must be a whole number from 1 to 50"),
    ({"ends_at": T0}, "must end after it starts, and in the future"),
    ({"skills": ("cooking",)}, "unknown skill 'cooking'"),
    ({"title": " "}, "needs a title"),
])
def test_a_bad_task_is_refused_and_nothing_is_written(forces, changes, message):
    if changes.get("case_id") == "lead":
        changes["case_id"] = forces.lead_case_id
    with pytest.raises(VolunteerInputError, match=message):
        _from_case(forces, **changes)
    with forces.db.session() as s:
        assert s.scalar(select(func.count()).select_from(VolunteerTask)) == 0


def test_another_community_cannot_publish_for_the_case(forces):
    from geo.db.scope import OutOfScope

    with pytest.raises(OutOfScope):
        publish_task(forces.db, TaskDraft(kind="case", title="x", starts_at=WINDOW[0], ends_at=WINDOW[1],
                                          headcount=1, case_id=forces.case_id), forces.other_community, NOW)


def test_suggestions_rank_near_and_skilled_first_and_leave_out_other_communities(forces):
    task_id = _from_case(forces)
    with forces.db.session() as s:
        ranked = suggest_volunteers(s, task_id, forces.community, NOW)
    names = {v: k for k, v in forces.ids.items()}
    assert ranked["volunteer_id"].map(names).tolist() == ["中", "近", "远"]  # 邻 is of C2
    top = ranked.iloc[0]
    assert (top["name"], top["matched"], bool(top["available"])) == ("中*", 2, True)
    assert 100 < top["distance_m"] < 130 and ranked.iloc[1]["distance_m"] < 10
    assert not ranked.iloc[2]["available"]  # weekends only; the task is on a Monday


def test_assigning_respects_the_headcount_and_the_community(forces):
    task_id = _from_case(forces, headcount=2)
    assert assign_volunteers(forces.db, task_id, [forces.ids["近"], forces.ids["中"]], forces.community, NOW) == 2
    with pytest.raises(VolunteerInputError, match="needs 2; 2 already on it, 0 place"):
        assign_volunteers(forces.db, task_id, [forces.ids["远"]], forces.community, NOW)
    with pytest.raises(VolunteerInputError, match="not active volunteers of the task's community"):
        assign_volunteers(forces.db, task_id, [forces.ids["邻"]], forces.community, NOW)


def test_a_volunteer_signs_up_once_and_sees_the_task_as_theirs(forces):
    task_id = _from_case(forces, headcount=3)
    sign_up(forces.db, task_id, forces.volunteer_user_id, forces.volunteer, NOW)
    with pytest.raises(VolunteerInputError, match="is on task VT20260302000001 already"):
        sign_up(forces.db, task_id, forces.volunteer_user_id, forces.volunteer, NOW)
    with forces.db.session() as s:
        home = volunteer_home(s, forces.volunteer, forces.volunteer_user_id, NOW)
    assert home.open_tasks.empty and home.my_tasks["number"].tolist() == ["VT20260302000001"]
    assert (home.name, home.community) == ("中", "社区1")


def test_completion_with_a_photo_credits_points_and_the_case_closes_through_the_loop(forces, store):
    task_id = _from_case(forces)
    assign_volunteers(forces.db, task_id, [forces.ids["近"], forces.ids["中"]], forces.community, NOW)
    done = complete(forces.db, store, task_id, Completion(note="已清理", photo=jpeg(), user_id=forces.volunteer_user_id),
                    forces.volunteer, WINDOW[1], RULE)
    assert (done.points, done.task_done) == (10 + 5 * 2 + 2, False)
    done = complete(forces.db, store, task_id, Completion(volunteer_id=forces.ids["近"]), forces.community,
                    WINDOW[1], RULE)
    assert (done.points, done.task_done) == (20, True)
    with forces.db.session() as s:
        view = task_view(s, task_id, forces.community)
        after = s.scalars(select(CaseMedia).where(CaseMedia.case_id == forces.case_id)).one()
        assert ledger(s, forces.ids["中"], forces.community)["balance"].tolist() == [22]
    assert view.task["status"] == "done" and sorted(view.volunteers["points"]) == [20, 22]
    assert after.kind == "after" and store.get(view.volunteers["photo_key"].dropna().iloc[0])
    acted = close_case_of_task(forces.db, task_id, forces.community, view.task["case_version"], "热心人任务完成",
                               WINDOW[1])
    assert acted.status == "closed"


def test_a_part_is_completed_once_and_a_bad_photo_leaves_nothing_behind(forces, store):
    task_id = _from_case(forces)
    assign_volunteers(forces.db, task_id, [forces.ids["中"]], forces.community, NOW)
    with pytest.raises(VolunteerInputError, match="not a photo we accept"):
        complete(forces.db, store, task_id, Completion(photo=b"not an image", user_id=forces.volunteer_user_id),
                 forces.volunteer, NOW, RULE)
    complete(forces.db, store, task_id, Completion(user_id=forces.volunteer_user_id), forces.volunteer, NOW, RULE)
    with pytest.raises(VolunteerInputError, match="no open part"):
        complete(forces.db, store, task_id, Completion(user_id=forces.volunteer_user_id), forces.volunteer, NOW, RULE)
    with forces.db.session() as s:
        assert s.scalar(select(func.count()).select_from(VolunteerPoints)) == 1
    assert not list(store.root.rglob("*.jpg"))


def test_the_ledger_is_append_only_and_redemptions_cannot_overdraw(forces, store):
    task_id = _from_case(forces, headcount=1)
    assign_volunteers(forces.db, task_id, [forces.ids["中"]], forces.community, NOW)
    complete(forces.db, store, task_id, Completion(user_id=forces.volunteer_user_id), forces.volunteer, NOW, RULE)
    assert redeem(forces.db, forces.ids["中"], 15, "大米一袋 @ 新华超市", forces.community, NOW) == 5
    with pytest.raises(VolunteerInputError, match="cannot redeem 6 points: the balance is 5"):
        redeem(forces.db, forces.ids["中"], 6, "食用油", forces.community, NOW)
    for statement in (update(VolunteerPoints).values(points=999), text("DELETE FROM volunteer_points")):
        with pytest.raises(DBAPIError, match="append-only"), forces.db.transaction() as s:
            s.execute(statement)
    with forces.db.session() as s:
        assert ledger(s, forces.ids["中"], forces.community)["points"].tolist() == [20, -15]


def test_the_task_list_counts_volunteers_on_and_done(forces, store):
    task_id = _from_case(forces)
    assign_volunteers(forces.db, task_id, [forces.ids["近"], forces.ids["中"]], forces.community, NOW)
    complete(forces.db, store, task_id, Completion(user_id=forces.volunteer_user_id), forces.volunteer, NOW, RULE)
    with forces.db.session() as s:
        row = task_table(s, forces.street).iloc[0]
        assert task_table(s, forces.other_community).empty
    assert (row["on_task"], row["done"], row["status"], row["case_number"]) == (2, 1, "open", "CASE-COMMUNITY")


def test_the_case_cannot_be_closed_before_the_task_is_done(forces):
    task_id = _from_case(forces)
    with forces.db.session() as s:
        version = s.get(Case, forces.case_id).version
    with pytest.raises(VolunteerInputError, match="is not a completed task of a case"):
        close_case_of_task(forces.db, task_id, forces.community, version, "x", NOW)


def test_a_task_of_its_own_needs_a_place(forces):
    draft = TaskDraft(kind="patrol", title="夜间巡查飞线充电", starts_at=WINDOW[0], ends_at=WINDOW[1], headcount=3)
    with pytest.raises(VolunteerInputError, match="needs a place"):
        publish_task(forces.db, draft, forces.community, NOW)
    number = publish_task(forces.db, TaskDraft(**{**draft.__dict__, "lon": X0 + 0.0005, "lat": Y0 + 0.0005}),
                          forces.community, NOW)
    assert number == "VT20260302000001"
