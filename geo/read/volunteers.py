"""The volunteer registry (热心人) as the pages read it: who is registered where, with name and phone masked
(geo.usecases.personal_data.reveal_volunteer unmasks one and audits it), their points ledger, and where a
home or a grid places someone — scoped like every record (geo.db.scope.community_condition)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.db.models import (
    Community,
    Grid,
    Street,
    Volunteer,
    VolunteerAssignment,
    VolunteerPoints,
    VolunteerTask,
)
from geo.db.scope import community_condition
from geo.domain.actors import Actor
from geo.domain.permissions import require
from geo.domain.personal_data import mask_name, mask_phone
from geo.domain.vocabulary import Role
from geo.domain.volunteers import AssignmentStatus
from geo.read.assignment import assign_points
from geo.read.layouts import NoActiveLayout, active_layout

REGISTRY_COLUMNS = ["id", "name", "phone", "community", "street", "skills", "availability", "grid_code",
                    "active", "has_account", "tasks_done", "balance", "joined_at"]


class VolunteerOutOfScope(PermissionError):
    """The volunteer (or task) exists but is not the actor's to see or touch."""

    def __init__(self, actor: Actor, what: str):
        super().__init__(f"{what} is not within the scope of {actor.name} ({actor.role})")


def require_volunteer(session: Session, actor: Actor, volunteer_id: int) -> Volunteer:
    """The volunteer, if the actor may see it (LookupError for none, VolunteerOutOfScope otherwise)."""
    require(actor, "view_volunteers")
    found = session.get(Volunteer, volunteer_id)
    if found is None:
        raise LookupError(f"no volunteer with id {volunteer_id}")
    visible = session.scalar(select(Volunteer.id).where(Volunteer.id == volunteer_id,
                                                        community_condition(actor, Volunteer.community_id)))
    if visible is None:
        raise VolunteerOutOfScope(actor, f"volunteer {volunteer_id}")
    return found


def communities_in_scope(session: Session, actor: Actor) -> pd.DataFrame:
    """id, code, name, street of the communities whose volunteers and tasks the actor sees, by code."""
    rows = session.execute(
        select(Community.id, Community.code, Community.name, Street.name)
        .join(Street, Street.id == Community.street_id)
        .where(community_condition(actor, Community.id)).order_by(Community.code)).all()
    return pd.DataFrame(rows, columns=["id", "code", "name", "street"])


def balances(session: Session):
    """Subquery: volunteer_id, balance (the ledger's sum)."""
    return (select(VolunteerPoints.volunteer_id, func.sum(VolunteerPoints.points).label("balance"))
            .group_by(VolunteerPoints.volunteer_id).subquery())


def volunteer_table(session: Session, actor: Actor, community_id: int | None = None) -> pd.DataFrame:
    """The registry in the actor's scope (REGISTRY_COLUMNS), names and phones masked, by community then
    name; tasks_done and balance aggregated in SQL."""
    require(actor, "view_volunteers")
    points = balances(session)
    done = (select(VolunteerAssignment.volunteer_id, func.count().label("done"))
            .where(VolunteerAssignment.status == AssignmentStatus.DONE)
            .group_by(VolunteerAssignment.volunteer_id).subquery())
    query = (select(Volunteer.id, Volunteer.name, Volunteer.phone, Community.name, Street.name, Volunteer.skills,
                    Volunteer.availability, Volunteer.grid_code, Volunteer.active, Volunteer.user_id.is_not(None),
                    func.coalesce(done.c.done, 0), func.coalesce(points.c.balance, 0), Volunteer.joined_at)
             .join(Community, Community.id == Volunteer.community_id).join(Street, Street.id == Community.street_id)
             .outerjoin(done, done.c.volunteer_id == Volunteer.id)
             .outerjoin(points, points.c.volunteer_id == Volunteer.id)
             .where(community_condition(actor, Volunteer.community_id))
             .order_by(Community.code, Volunteer.id))
    if community_id is not None:
        query = query.where(Volunteer.community_id == community_id)
    frame = pd.DataFrame(session.execute(query).all(), columns=REGISTRY_COLUMNS)
    frame["name"] = frame["name"].map(mask_name)
    frame["phone"] = frame["phone"].map(mask_phone)
    return frame.astype({"tasks_done": int, "balance": int, "active": bool, "has_account": bool})


def ledger(session: Session, volunteer_id: int, actor: Actor) -> pd.DataFrame:
    """The volunteer's points entries, oldest first: at, kind, points, task number, note, actor, and the
    running balance. A volunteer reads their own through the phone page (``own_ledger``)."""
    require_volunteer(session, actor, volunteer_id)
    return _ledger(session, volunteer_id)


def own_ledger(session: Session, actor: Actor, volunteer_id: int) -> pd.DataFrame:
    """The signed-in volunteer's own ledger (the phone page)."""
    require(actor, "volunteer_tasks")
    return _ledger(session, volunteer_id)


def _ledger(session: Session, volunteer_id: int) -> pd.DataFrame:
    rows = session.execute(
        select(VolunteerPoints.at, VolunteerPoints.kind, VolunteerPoints.points, VolunteerTask.number,
               VolunteerPoints.note, VolunteerPoints.actor)
        .outerjoin(VolunteerTask, VolunteerTask.id == VolunteerPoints.task_id)
        .where(VolunteerPoints.volunteer_id == volunteer_id)
        .order_by(VolunteerPoints.at, VolunteerPoints.id)).all()
    frame = pd.DataFrame(rows, columns=["at", "kind", "points", "task", "note", "actor"])
    frame["points"] = frame["points"].astype(int)
    for column in ("task", "note"):  # None where missing (an entry without a task), never NaN: JSON has no NaN
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame.assign(balance=frame["points"].cumsum())


def balance_of(session: Session, volunteer_id: int) -> int:
    """The volunteer's points balance: the ledger's sum."""
    return int(session.scalar(select(func.coalesce(func.sum(VolunteerPoints.points), 0))
                              .where(VolunteerPoints.volunteer_id == volunteer_id)))


def volunteer_of_user(session: Session, user_id: int) -> Volunteer | None:
    """The registry row an account signs in as (the phone page)."""
    return session.scalar(select(Volunteer).where(Volunteer.user_id == user_id, Volunteer.active.is_(True)))


def known_phones(session: Session, phones: list[str]) -> set[str]:
    """Which of ``phones`` are registered already (a re-imported sheet adds nobody twice)."""
    found: set[str] = set()
    for start in range(0, len(phones), 1000):
        found |= set(session.scalars(select(Volunteer.phone).where(Volunteer.phone.in_(phones[start:start + 1000]))))
    return found


def managed_communities(session: Session, actor: Actor) -> dict[str, int]:
    """Community code → id of the communities the actor may register volunteers in (its own for community
    staff, every one for the center)."""
    require(actor, "manage_volunteers")
    query = select(Community.code, Community.id)
    if actor.role == Role.COMMUNITY:
        query = query.where(Community.id == actor.community_id)
    return dict(session.execute(query).all())


def place_homes(session: Session, lon: np.ndarray, lat: np.ndarray, grid_codes: list[str]) -> pd.DataFrame:
    """Where volunteers live, for matching: per row lon, lat, grid_code, grid_community_id, placed_by
    ("home": the position given, its grid found under the active layout; "grid": only a grid code given, a
    point inside that grid; "" when neither places the row — unknown grid code or no layout)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    out = pd.DataFrame({"lon": lon, "lat": lat, "grid_code": [c or "" for c in grid_codes],
                        "grid_community_id": pd.array([None] * len(lon), dtype="Int64"), "placed_by": ""})
    try:
        layout = active_layout(session)
    except NoActiveLayout:
        return out
    grids = pd.DataFrame(session.execute(select(Grid.id, Grid.code, Grid.community_id, Grid.geom)
                                         .where(Grid.layout_id == layout.id)).all(),
                         columns=["id", "code", "community_id", "geom"])
    has_point = np.isfinite(lon) & np.isfinite(lat)
    if has_point.any():
        placed = assign_points(session, lon, lat, layout.id).grid_id
        by_id = grids.set_index("id")
        inside = has_point & (placed >= 0)
        out.loc[inside, "grid_code"] = by_id.loc[placed[inside], "code"].to_numpy()
        out.loc[has_point, "placed_by"] = "home"
    by_code = grids.set_index("code")
    by_grid = ~has_point & out["grid_code"].isin(by_code.index).to_numpy()
    if by_grid.any():
        points = shapely.point_on_surface(by_code.loc[out.loc[by_grid, "grid_code"], "geom"].to_numpy())
        out.loc[by_grid, "lon"], out.loc[by_grid, "lat"] = shapely.get_x(points), shapely.get_y(points)
        out.loc[by_grid, "placed_by"] = "grid"
    known = out["grid_code"].isin(by_code.index)
    out.loc[known, "grid_community_id"] = by_code.loc[out.loc[known, "grid_code"], "community_id"].to_numpy()
    return out


def grid_places(session: Session, actor: Actor) -> pd.DataFrame:
    """code, name, community_id, lon, lat (a point inside the grid) of the active layout's grids in the
    actor's scope: where a task of its own (a patrol, a campaign) can be placed."""
    require(actor, "view_volunteers")
    layout = active_layout(session)
    rows = session.execute(select(Grid.code, Grid.name, Grid.community_id, Grid.geom)
                           .where(Grid.layout_id == layout.id, community_condition(actor, Grid.community_id))
                           .order_by(Grid.code)).all()
    frame = pd.DataFrame(rows, columns=["code", "name", "community_id", "geom"])
    points = shapely.point_on_surface(frame["geom"].to_numpy()) if len(frame) else np.array([])
    return frame.drop(columns="geom").assign(lon=shapely.get_x(points) if len(frame) else [],
                                             lat=shapely.get_y(points) if len(frame) else [])
