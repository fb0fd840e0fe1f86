"""Routing a case to departments by its category (the configurable table is the categories' lead department,
co-departments and routing rule).

- "owner" (facility problems: a missing manhole cover goes to the cover's owner): the owner department leads,
  the co-departments assist; without a known owner, the territory (street office) leads.
- "territory" (events: noise, clutter, disputes): the street office of the place leads, and the category's
  department(s) assist.
No category, or no department to be found → None: the center's manual queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.db.models import Category, Department

#: The department code that stands for the street office of the case's territory.
TERRITORY_DEPARTMENT = "STREET"


@dataclass(frozen=True)
class Route:
    lead_department_id: int
    co_department_ids: tuple[int, ...]
    rule: str


def route_for(session: Session, category: Category | None) -> Route | None:
    """The departments a case of ``category`` goes to, or None for the manual queue."""
    if category is None or category.routing_rule not in ("owner", "territory"):
        return None
    codes = [c for c in category.co_department_codes.split(";") if c]
    by_code = dict(session.execute(
        select(Department.code, Department.id).where(Department.code.in_(codes + [TERRITORY_DEPARTMENT]))).all())
    territory = by_code.get(TERRITORY_DEPARTMENT)
    owner = category.lead_department_id
    co = [by_code[c] for c in codes if c in by_code]
    if category.routing_rule == "owner" and owner is not None:
        lead, rest = owner, co
    else:
        lead, rest = (territory, [owner, *co]) if territory is not None else (owner, co)
    if lead is None:
        return None
    return Route(lead, tuple(dict.fromkeys(d for d in rest if d is not None and d != lead)), category.routing_rule)
