"""Demo accounts for the sample district, one per kind of user, all with the demo password
(GRIDGOV_DEMO_PASSWORD, default ``gridgov-demo``). For the sample only: a real district adds its own users
with ``gridgov user add``."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from geo.config import demo_password
from geo.db.database import Database
from geo.db.models import Community, Department, Grid, Street, User, Volunteer
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases.accounts import Binding, add_user
from geo.usecases.volunteers import link_account


def add_demo_accounts(db: Database) -> list[str]:
    """Create the demo users that do not exist yet; returns their user names."""
    now, by = datetime.now(UTC), Actor("gridgov load-sample", Role.ADMIN)
    with db.transaction() as session:
        existing = set(session.scalars(select(User.username)))
        street = session.scalars(select(Street.code).order_by(Street.code)).first()
        community = session.scalars(select(Community.code).order_by(Community.code)).first()
        grid = session.scalars(select(Grid.code).order_by(Grid.code)).first()
        accounts = [
            ("admin", "区管理员", Role.ADMIN, Binding()),
            ("supervisor", "综治中心值班长", Role.SUPERVISOR, Binding()),
            ("analyst", "数据分析员", Role.ANALYST, Binding()),
            ("street", "街道工作人员", Role.STREET, Binding(street=street)),
            ("community", "社区工作人员", Role.COMMUNITY, Binding(community=community)),
            ("gridmember", "网格员", Role.GRID_MEMBER, Binding(grids=(grid,))),
            ("volunteer", "热心人", Role.VOLUNTEER, Binding(community=community)),
            *[(f"dept_{code.lower()}", name, Role.DEPARTMENT, Binding(department=code))
              for code, name in session.execute(select(Department.code, Department.name).order_by(Department.code))],
        ]
        created = []
        for username, name, role, binding in accounts:
            if username not in existing:
                add_user(session, username, demo_password(), role, by, now, display_name=name, binding=binding)
                created.append(username)
        _link_demo_volunteer(session)
    return created


def _link_demo_volunteer(session) -> None:
    """The demo ``volunteer`` signs in as the first registered volunteer of its community (when the sample's
    community forces are loaded and nobody is linked yet)."""
    user = session.scalar(select(User).where(User.username == "volunteer"))
    if user is None or session.scalar(select(Volunteer.id).where(Volunteer.user_id == user.id)) is not None:
        return
    first = session.scalar(select(Volunteer.id).where(Volunteer.community_id == user.community_id,
                                                      Volunteer.user_id.is_(None)).order_by(Volunteer.id))
    if first is not None:
        link_account(session, first, "volunteer")
