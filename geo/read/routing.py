"""Routing a case to departments by its category and its place (the configurable table is the categories'
lead department, co-departments and routing rule; the street offices are the departments bound to a street).

- "owner" (facility problems: a missing manhole cover goes to the cover's owner): the owner department leads,
  the co-departments assist; without a known owner, the territory (the street office of the case's street)
  leads.
- "territory" (events: noise, clutter, disputes): the street office of the case's own street leads, and the
  category's department(s) assist.
The code ``TERRITORY`` in a category's lead or co-departments stands for "the street office of the place".
A case whose street is unknown (outside every grid) has no territory: the owner leads if there is one, else
it goes to the center's manual queue (None), as does a case without a category or rule. Community-tier
cases are solved by the community's own staff, who see them by scope, without a whistle.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.db.models import Case, Category, Community, Department, Grid

#: The code that stands for the street office of the case's territory in a category's route.
TERRITORY = "STREET"


@dataclass(frozen=True)
class Route:
    lead_department_id: int
    co_department_ids: tuple[int, ...]
    rule: str


def route_for(session: Session, category: Category | None, street_id: int | None) -> Route | None:
    """The departments a case of ``category`` in street ``street_id`` goes to, or None for the manual queue."""
    if category is None or category.routing_rule not in ("owner", "territory"):
        return None
    codes = [c for c in category.co_department_codes.split(";") if c]
    by_code = dict(session.execute(select(Department.code, Department.id).where(Department.code.in_(codes))).all())
    territory = street_office(session, street_id)
    owner = category.lead_department_id
    co = [territory if c == TERRITORY else by_code.get(c) for c in codes]
    if category.routing_rule == "owner" and owner is not None:
        lead, rest = owner, co
    else:
        lead, rest = (territory, [owner, *co]) if territory is not None else (owner, co)
    if lead is None:
        return None
    return Route(lead, tuple(dict.fromkeys(d for d in rest if d is not None and d != lead)), category.routing_rule)


def route_for_case(session: Session, case: Case) -> Route | None:
    """The route of a case: its category's, with the street office of the street its grid lies in."""
    street_id = None
    if case.grid_id is not None:
        street_id = session.scalar(select(Community.street_id).join(Grid, Grid.community_id == Community.id)
                                   .where(Grid.id == case.grid_id))
    return route_for(session, case.category, street_id)


def street_office(session: Session, street_id: int | None) -> int | None:
    """The department id of the street's office, or None (no street, or the street has no office yet)."""
    if street_id is None:
        return None
    return session.scalar(select(Department.id).where(Department.street_id == street_id).order_by(Department.id))
