"""The volunteer registry on both backends: scoped like every record, names and phones masked, revealed only
by roles that may see personal data and always audited; registering refuses bad rows and writes nothing."""

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from geo.db.models import AuditEntry, Volunteer
from geo.domain.actors import Actor
from geo.domain.permissions import NotAllowed
from geo.domain.vocabulary import Role
from geo.domain.volunteers import VolunteerInputError
from geo.read.volunteers import VolunteerOutOfScope, volunteer_table
from geo.usecases.personal_data import reveal_volunteer
from geo.usecases.volunteers import add_volunteers, give_account, import_volunteers, set_active
from tests.integration.factories import T0, X0, Y0
from tests.integration.volunteer_fixtures import ADMIN, SUPERVISOR, make_forces

NOW = T0 + timedelta(hours=1)


@pytest.fixture
def forces(db):
    return make_forces(db)


def _names(forces, actor):
    with forces.db.session() as s:
        return sorted(volunteer_table(s, actor)["id"].map({v: k for k, v in forces.ids.items()}))


def test_each_role_sees_the_volunteers_of_its_own_area(forces):
    assert _names(forces, SUPERVISOR) == ["中", "近", "远", "邻"]
    assert _names(forces, forces.community) == ["中", "近", "远"]
    assert _names(forces, forces.other_community) == ["邻"]
    assert _names(forces, forces.street) == ["中", "近", "远"]
    assert _names(forces, Actor("网格员", Role.GRID_MEMBER, grid_codes=frozenset({"G3"}))) == ["邻"]
    # analysts and the wall get figures (geo.read.volunteer_figures), never the registry
    for actor in (Actor("部门", Role.DEPARTMENT, department_id=1), forces.volunteer, Actor("大屏", Role.SCREEN),
                  Actor("分析员", Role.ANALYST)):
        with forces.db.session() as s, pytest.raises(NotAllowed):
            volunteer_table(s, actor)


def test_the_registry_shows_names_and_phones_masked(forces):
    with forces.db.session() as s:
        table = volunteer_table(s, forces.community).set_index("id")
    row = table.loc[forces.ids["中"]]
    assert (row["name"], row["phone"], row["has_account"]) == ("中*", "138****0002", True)


def test_revealing_a_volunteer_is_audited_and_only_in_scope(forces):
    assert reveal_volunteer(forces.db, forces.ids["近"], forces.community, NOW) == ("近", "13800000001")
    with forces.db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "reveal_personal")).one()
    assert (entry.actor, entry.target) == ("社区一", f"volunteer:{forces.ids['近']}")
    with pytest.raises(VolunteerOutOfScope):
        reveal_volunteer(forces.db, forces.ids["近"], forces.other_community, NOW)
    with pytest.raises(PermissionError):  # analysts see figures, never personal data
        reveal_volunteer(forces.db, forces.ids["近"], Actor("分析员", Role.ANALYST), NOW)
    with forces.db.session() as s:
        assert s.scalar(select(func.count()).where(AuditEntry.action == "reveal_personal")) == 1


def _row(**changes):
    row = {"community_id": None, "name": "新人", "phone": "139 0000 0009", "skills": "助老服务、patrol",
           "availability": "weekend", "lon": X0 + 0.0005, "lat": Y0 + 0.0005, "grid_code": "G1",
           "placed_by": "home", "note": ""}
    return {**row, **changes}


def test_registering_normalises_phone_and_chinese_skill_names(forces):
    c1 = forces.community.community_id
    assert import_volunteers(forces.db, pd.DataFrame([_row(community_id=c1)]), forces.community, NOW) == 1
    with forces.db.session() as s:
        added = s.scalars(select(Volunteer).where(Volunteer.name == "新人")).one()
    assert (added.phone, added.skills, added.availability) == ("13900000009", "elderly_care;patrol", "weekend")


@pytest.mark.parametrize("change, message", [
    ({"phone": "12345"}, "phone '12345' is not a mobile number"),
    ({"skills": "cooking"}, "unknown skill 'cooking'"),
    ({"name": ""}, "a name of 1 to 50 characters"),
    ({"lat": None}, "is not a WGS84 lon/lat pair"),
    ({"phone": "13800000001"}, "are registered already"),
])
def test_a_bad_row_refuses_the_whole_set_and_nothing_is_written(forces, change, message):
    c1 = forces.community.community_id
    rows = pd.DataFrame([_row(community_id=c1, phone="13900000008"), _row(community_id=c1, **change)])
    with pytest.raises(VolunteerInputError, match=message):
        import_volunteers(forces.db, rows, forces.community, NOW)
    with forces.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Volunteer)) == 4


def test_a_community_registers_only_in_its_own_community(forces):
    rows = pd.DataFrame([_row(community_id=forces.other_community.community_id)])
    with pytest.raises(VolunteerInputError, match="not one you register volunteers in"):
        import_volunteers(forces.db, rows, forces.community, NOW)
    with forces.db.transaction() as s, pytest.raises(NotAllowed):
        add_volunteers(s, rows, forces.street, NOW)  # a street sees volunteers but does not register them


def test_a_volunteer_gets_a_phone_sign_in_and_retired_volunteers_stay_in_the_registry(forces):
    give_account(forces.db, forces.ids["近"], "jin", "jin-password-1", forces.community, NOW)
    with pytest.raises(VolunteerInputError, match="already has a sign-in"):
        give_account(forces.db, forces.ids["近"], "jin2", "jin-password-1", forces.community, NOW)
    set_active(forces.db, forces.ids["远"], False, forces.community, NOW)
    with forces.db.session() as s:
        table = volunteer_table(s, ADMIN).set_index("id")
    assert table.loc[forces.ids["近"], "has_account"] and not table.loc[forces.ids["远"], "active"]
