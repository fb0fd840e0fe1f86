"""Changing the volunteer registry (热心人): registering volunteers (one from the page, many from a
spreadsheet — loaders.volunteer_import validates the rows and reports on each, this writes them all in one
transaction or none), giving one a phone sign-in, and retiring one. Every change is audited."""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from geo.db.database import Database
from geo.db.models import Community, User, Volunteer
from geo.domain.actors import Actor
from geo.domain.permissions import require
from geo.domain.vocabulary import Role
from geo.domain.volunteers import (
    Availability,
    Skill,
    VolunteerInputError,
    joined,
    normalise_phone,
    parse_codes,
)
from geo.read.volunteers import known_phones, managed_communities, require_volunteer
from geo.usecases.accounts import Binding, add_user
from geo.usecases.audit import record

#: The columns ``add_volunteers`` takes (loaders.volunteer_import builds them).
ROW_COLUMNS = ("community_id", "name", "phone", "skills", "availability", "lon", "lat", "grid_code", "placed_by",
               "note")
MAX_NAME, MAX_NOTE = 50, 500


def import_volunteers(db: Database, rows: pd.DataFrame, actor: Actor, now: datetime, source: str = "") -> int:
    """``add_volunteers`` in a transaction of its own: every row is registered, or none is."""
    with db.transaction() as session:
        return add_volunteers(session, rows, actor, now, source)


def add_volunteers(session: Session, rows: pd.DataFrame, actor: Actor, now: datetime, source: str = "") -> int:
    """Register ``rows`` (ROW_COLUMNS) in communities the actor manages; one audit entry for the lot. Refuses
    the whole set (VolunteerInputError naming the row) on any bad value or a phone registered already."""
    require(actor, "manage_volunteers")
    allowed = set(managed_communities(session, actor).values())
    records = [_checked(row, allowed, position) for position, row in enumerate(rows.to_dict("records"), start=1)]
    phones = [r["phone"] for r in records]
    twice = sorted({p for p in phones if phones.count(p) > 1})
    taken = sorted(known_phones(session, phones))
    if twice or taken:
        raise VolunteerInputError(f"phone(s) {', '.join(twice + taken)} "
                                  f"{'appear twice' if twice else 'are registered already'}: one person, one entry")
    if records:
        session.execute(insert(Volunteer), [{**r, "joined_at": now, "created_by": actor.name, "active": True}
                                            for r in records])
    record(session, now, actor.name, actor.role, "volunteer_add", f"{len(records)} volunteer(s)", source)
    return len(records)


def _checked(row: dict, allowed: set[int], position: int) -> dict:
    """One row as stored, or VolunteerInputError saying which row and what is wrong."""
    try:
        name = str(row.get("name") or "").strip()
        if not name or len(name) > MAX_NAME:
            raise VolunteerInputError(f"a name of 1 to {MAX_NAME} characters is needed, got {name[:60]!r}")
        if row.get("community_id") not in allowed:
            raise VolunteerInputError(f"community id {row.get('community_id')!r} is not one you register volunteers in")
        lon, lat = _coordinate(row.get("lon")), _coordinate(row.get("lat"))
        if (lon is None) != (lat is None) or (lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90)):
            raise VolunteerInputError(f"position ({row.get('lon')}, {row.get('lat')}) is not a WGS84 lon/lat pair")
        return {"community_id": int(row["community_id"]), "name": name, "phone": normalise_phone(row.get("phone")),
                "skills": joined(parse_codes(row.get("skills") or "", Skill, "skill")),
                "availability": joined(parse_codes(row.get("availability") or "", Availability, "availability")),
                "lon": lon, "lat": lat, "grid_code": str(row.get("grid_code") or ""),
                "placed_by": str(row.get("placed_by") or ""), "note": str(row.get("note") or "")[:MAX_NOTE]}
    except VolunteerInputError as exc:
        raise VolunteerInputError(f"volunteer {position}: {exc}") from None


def _coordinate(value) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return float(value)


def give_account(db: Database, volunteer_id: int, username: str, password: str, actor: Actor,
                 now: datetime) -> None:
    """A phone sign-in for a registered volunteer: an account with the role ``volunteer`` bound to the
    volunteer's community and linked to their registry row (audited as any new account)."""
    with db.transaction() as session:
        require(actor, "manage_volunteers")
        volunteer = require_volunteer(session, actor, volunteer_id)
        if volunteer.user_id is not None:
            raise VolunteerInputError(f"volunteer {volunteer_id} already has a sign-in")
        community = session.get(Community, volunteer.community_id)
        add_user(session, username.strip(), password, Role.VOLUNTEER, actor, now, display_name=volunteer.name,
                 binding=Binding(community=community.code))
        link_account(session, volunteer_id, username.strip())


def link_account(session: Session, volunteer_id: int, username: str) -> None:
    """Link a ``volunteer`` account to a registry row of the account's own community, in the caller's
    transaction (give_account; the sample's demo account; a migration)."""
    user = session.scalar(select(User).where(User.username == username))
    volunteer = session.get(Volunteer, volunteer_id)
    if user is None or user.role != Role.VOLUNTEER or volunteer is None or user.community_id != volunteer.community_id:
        raise VolunteerInputError(f"{username!r} is not a volunteer account of volunteer {volunteer_id}'s community")
    volunteer.user_id = user.id


def set_active(db: Database, volunteer_id: int, active: bool, actor: Actor, now: datetime) -> None:
    """Retire a volunteer (no longer suggested, cannot sign up) or take them back; the history stays."""
    with db.transaction() as session:
        require(actor, "manage_volunteers")
        volunteer = require_volunteer(session, actor, volunteer_id)
        volunteer.active = active
        record(session, now, actor.name, actor.role, "volunteer_active" if active else "volunteer_retire",
               f"volunteer:{volunteer_id}")
