"""Setting a category's extra questions (Open311 service definition attributes): replaced as a whole, so
the definition a client reads is always one consistent set."""

from __future__ import annotations

import json

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from geo.db.models import Category, CategoryAttribute
from geo.domain.attributes import Attribute
from geo.domain.workflow import InvalidInput


def set_category_attributes(session: Session, category_code: str, attributes: list[Attribute]) -> int:
    """Replace the questions of category ``category_code``; returns how many it has now."""
    category_id = session.scalar(select(Category.id).where(Category.code == category_code))
    if category_id is None:
        raise InvalidInput(f"no category with code {category_code!r}")
    codes = [a.code for a in attributes]
    if len(set(codes)) != len(codes) or len({a.order for a in attributes}) != len(attributes):
        raise InvalidInput(f"category {category_code}: attribute codes and orders must be unique, got {codes}")
    session.execute(delete(CategoryAttribute).where(CategoryAttribute.category_id == category_id))
    session.add_all(CategoryAttribute(
        category_id=category_id, code=a.code, variable=a.variable, datatype=a.datatype, required=a.required,
        datatype_description=a.datatype_description, position=a.order, description=a.description,
        choices=json.dumps([list(v) for v in a.values], ensure_ascii=False)) for a in attributes)
    session.flush()
    return len(attributes)


def attributes_from_json(raw: dict) -> dict[str, list[Attribute]]:
    """``{"SZSS02": [{"code": …, "datatype": …, "required": …, "description": …, "values": [[key, name]]}]}``
    → attributes per category code (order: position in the list, from 1)."""
    found = {}
    for code, items in raw.items():
        found[code] = [Attribute(code=i["code"], datatype=i["datatype"], required=bool(i.get("required", False)),
                                 variable=bool(i.get("variable", True)), description=i.get("description", ""),
                                 datatype_description=i.get("datatype_description", ""), order=n,
                                 values=tuple((str(k), str(v)) for k, v in i.get("values", [])))
                       for n, i in enumerate(items, start=1)]
    return found
