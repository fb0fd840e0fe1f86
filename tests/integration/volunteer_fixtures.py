"""A small district for the community-forces tests: street S1 ⊃ community C1 ⊃ grids G1, G2 (side by side,
0.001° ≈ 85 × 111 m each); street S2 ⊃ C2 ⊃ G3 further east. One community-tier case accepted in G1, one
lead-department case in G1. Volunteers of C1: 近 (near the case, patrol), 中 (a grid away, electrical +
patrol), 远 (far, patrol only on weekends); of C2: 邻 (C2). A community account for C1 and a volunteer
account for 中."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
from sqlalchemy import select

from geo.db.database import Database
from geo.db.models import Community, Street, User, Volunteer
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role, Status
from geo.usecases.accounts import Binding, add_user
from geo.usecases.volunteers import add_volunteers
from tests.integration.factories import STEP, T0, X0, Y0, add_case, add_departments_and_category, add_layout, square

ADMIN = Actor("admin", Role.ADMIN)
SUPERVISOR = Actor("值班长", Role.SUPERVISOR)
PASSWORD = "volunteer-pass-1"
CASE_POINT = (X0 + 0.2 * STEP, Y0 + 0.5 * STEP)


@dataclass(frozen=True)
class Forces:
    db: Database
    community: Actor  # staff of C1
    other_community: Actor  # staff of C2
    street: Actor  # staff of S1
    volunteer: Actor  # the account of 中
    volunteer_user_id: int
    case_id: int  # community tier, accepted, in G1
    lead_case_id: int  # lead-department tier, in G1
    ids: dict[str, int]  # volunteer name -> id


def make_forces(db: Database) -> Forces:
    with db.transaction() as s:
        _, category = add_departments_and_category(s)
        streets = [Street(code=f"S{i}", name=f"街道{i}") for i in (1, 2)]
        for i, street in enumerate(streets):
            street.set_geometry(square(3 * i, 0))
        s.add_all(streets)
        s.flush()
        communities = [Community(code=f"C{i + 1}", name=f"社区{i + 1}", street_id=streets[i].id) for i in (0, 1)]
        for i, community in enumerate(communities):
            community.set_geometry(square(3 * i, 0))
        s.add_all(communities)
        s.flush()
        _, grids = add_layout(s, {"G1": square(0, 0), "G2": square(1, 0), "G3": square(3, 0)})
        for code, community in (("G1", communities[0]), ("G2", communities[0]), ("G3", communities[1])):
            grids[code].community_id = community.id
        s.flush()
        ids = _cases(s, category, grids)
        _volunteers(s, communities)
        user = add_user(s, "zhong", PASSWORD, Role.VOLUNTEER, ADMIN, T0, display_name="中",
                        binding=Binding(community="C1"))
        s.scalar(select(Volunteer).where(Volunteer.name == "中")).user_id = user.id
        c1, c2 = communities[0].id, communities[1].id
        names = dict(s.execute(select(Volunteer.name, Volunteer.id)).all())
        user_id = s.scalar(select(User.id).where(User.username == "zhong"))
        street_id = streets[0].id
    return Forces(db, Actor("社区一", Role.COMMUNITY, community_id=c1), Actor("社区二", Role.COMMUNITY, community_id=c2),
                  Actor("街道一", Role.STREET, street_id=street_id),
                  Actor("中", Role.VOLUNTEER, community_id=c1), user_id, ids[0], ids[1], names)


def _cases(s, category, grids) -> tuple[int, int]:
    own = add_case(s, category, number="CASE-COMMUNITY", lon=CASE_POINT[0], lat=CASE_POINT[1])
    own.grid_id, own.status, own.tier, own.accepted_at = grids["G1"].id, Status.ACCEPTED, "community", T0
    own.address = "G1 某小区 3 栋"
    lead = add_case(s, category, number="CASE-LEAD", lon=CASE_POINT[0], lat=CASE_POINT[1])
    lead.grid_id, lead.status, lead.tier, lead.accepted_at = grids["G1"].id, Status.ACCEPTED, "lead_department", T0
    s.flush()
    return own.id, lead.id


def _volunteers(s, communities) -> None:
    c1, c2 = communities[0].id, communities[1].id
    rows = pd.DataFrame([
        # name, community, phone, skills, availability, lon, lat
        ("近", c1, "13800000001", "patrol", "anytime", X0 + 0.25 * STEP, Y0 + 0.5 * STEP),
        ("中", c1, "13800000002", "electrical;patrol", "weekday_day", X0 + 1.5 * STEP, Y0 + 0.5 * STEP),
        ("远", c1, "13800000003", "patrol", "weekend", X0 + 2.9 * STEP, Y0 + 0.9 * STEP),
        ("邻", c2, "13800000004", "patrol", "anytime", X0 + 3.5 * STEP, Y0 + 0.5 * STEP),
    ], columns=["name", "community_id", "phone", "skills", "availability", "lon", "lat"])
    rows = rows.assign(grid_code="", placed_by="home", note="")
    add_volunteers(s, rows, ADMIN, T0 - timedelta(days=60))


WINDOW = (T0 + timedelta(hours=1), T0 + timedelta(hours=3))  # Monday 10:00–12:00 local: weekday day
