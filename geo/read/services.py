"""Our categories as the services a client may report (Open311 service list and definitions), with their
extra questions."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.db.models import Category, CategoryAttribute, Department
from geo.domain.attributes import Attribute


@dataclass(frozen=True)
class Service:
    category_id: int
    code: str
    name: str
    group: str  # the category class, e.g. 市政设施
    department: str  # the lead department's name ("" when the category routes by territory only)
    time_limit: str  # e.g. "2 working_hours"
    attributes: tuple[Attribute, ...]

    @property
    def metadata(self) -> bool:
        """True when a client must read the service definition (there are questions to answer)."""
        return bool(self.attributes)


def services(session: Session) -> list[Service]:
    """Every category, by code, with its questions."""
    rows = session.execute(
        select(Category, Department.name).outerjoin(Department, Department.id == Category.lead_department_id)
        .order_by(Category.code)).all()
    questions = _attributes(session)
    return [Service(c.id, c.code, c.name, c.class_name, dept or "", f"{c.time_limit:g} {c.time_unit}",
                    tuple(questions.get(c.id, ()))) for c, dept in rows]


def service(session: Session, code: str) -> Service | None:
    """The category with this code, or None."""
    return next((s for s in services(session) if s.code == code), None)


def _attributes(session: Session) -> dict[int, list[Attribute]]:
    found: dict[int, list[Attribute]] = {}
    for a in session.scalars(select(CategoryAttribute).order_by(CategoryAttribute.category_id,
                                                                CategoryAttribute.position)):
        found.setdefault(a.category_id, []).append(Attribute(
            a.code, a.datatype, a.required, a.variable, a.description, a.datatype_description, a.position,
            tuple((str(k), str(n)) for k, n in json.loads(a.choices or "[]"))))
    return found
