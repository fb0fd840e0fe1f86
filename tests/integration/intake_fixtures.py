"""A small district for intake tests: grids A B / C D (0.001° squares near 106.8E 39.67N), one building with
an address in D, the manhole-cover category (with a required question) and a street-light category of the
same class, and one API client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import shapely
from sqlalchemy import func, select

from geo.db.database import Database
from geo.db.models import Building, Case, CaseMedia, CaseReporter, Category, CategoryAttribute
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases.api_clients import create_client
from tests.integration.factories import STEP, X0, Y0, add_departments_and_category, add_layout, square
from tests.photo_files import jpeg  # noqa: F401  (re-exported for the API tests)

ADMIN = Actor("admin", Role.ADMIN)
INSIDE_D = (X0 + 1.5 * STEP, Y0 + 0.5 * STEP)  # (lon, lat) in grid D
FAR_AWAY = (X0 + 0.5, Y0 + 0.5)  # tens of kilometres from every grid
ADDRESS = "北环路177号3栋"


@dataclass(frozen=True)
class District:
    db: Database
    key: str
    category_id: int
    building_id: int


def make_district(db: Database) -> District:
    with db.transaction() as s:
        add_layout(s, {"A": square(0, 1), "B": square(1, 1), "C": square(0, 0), "D": square(1, 0)})
        departments, category = add_departments_and_category(s)
        s.add(Category(code="LD", name="路灯不亮", class_code="SZSS", class_name="市政设施",
                       lead_department_id=departments["SZ"].id, time_limit=2, time_unit="working_days",
                       routing_rule="owner"))
        s.add(CategoryAttribute(category_id=category.id, code="state", datatype="singlevaluelist", required=True,
                                position=1, description="井盖状态",
                                choices=json.dumps([["missing", "缺失"], ["broken", "破损"]], ensure_ascii=False)))
        s.add(CategoryAttribute(category_id=category.id, code="kind", datatype="multivaluelist", required=False,
                                position=2, description="井盖种类",
                                choices=json.dumps([["rain", "雨水"], ["sewage", "污水"]], ensure_ascii=False)))
        building = Building(code="B001", address=ADDRESS)
        building.set_geometry(shapely.MultiPolygon([shapely.box(X0 + 1.4 * STEP, Y0 + 0.4 * STEP,
                                                                X0 + 1.6 * STEP, Y0 + 0.6 * STEP)]))
        s.add(building)
        s.flush()
        key = create_client(s, "mini-program", "resident_app", ADMIN, datetime.now(UTC))
        return District(db, key, category.id, building.id)


def counts(db: Database) -> dict[str, int]:
    """Rows that an intake writes: a refused report must leave all of them unchanged."""
    with db.session() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t))
                for t in (Case, CaseReporter, CaseMedia)}


def signed_in_cookie(db: Database, username: str, role: Role = Role.GRID_MEMBER, name: str = "张网格",
                     grids: tuple[str, ...] = ("D",)) -> str:
    """An account and the session token its browser would hold in the gridgov_session cookie (as the
    dashboard's sign-in leaves it)."""
    from datetime import timedelta

    from geo.usecases.accounts import Binding, add_user
    from geo.usecases.sessions import adopt, create

    now = datetime.now(UTC)
    with db.transaction() as s:
        add_user(s, username, "a-long-password", role, ADMIN, now, display_name=name,
                 binding=Binding(grids=grids) if role == Role.GRID_MEMBER else Binding())
        ticket = create(s, username, now, timedelta(hours=1)).ticket
        return adopt(s, ticket, now)[0]
