"""A category's extra questions (Open311 service definition attributes) and the checking of the answers.

Datatypes as the specification defines them: string (one line), number, datetime (ISO 8601), text (lines
allowed), singlevaluelist (one key of the listed values), multivaluelist (several keys). Attributes with
``variable`` false only inform the reporter and take no answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
MAX_ANSWER = 500


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    variable: bool = True
    description: str = ""
    datatype_description: str = ""
    order: int = 1
    values: tuple[tuple[str, str], ...] = ()  # (key, name) for the list datatypes

    def __post_init__(self):
        if self.datatype not in DATATYPES:
            raise ValueError(f"attribute {self.code!r}: datatype {self.datatype!r} is not one of "
                             f"{', '.join(DATATYPES)}")


def check_answers(attributes: list[Attribute], answers: dict[str, list[str]]) -> tuple[dict, list[str]]:
    """(clean answers, problems). ``answers`` maps an attribute code to the value(s) sent. Unknown codes,
    missing required answers, values of the wrong type or outside the list are problems, each naming the
    attribute and what is accepted."""
    known = {a.code: a for a in attributes if a.variable}
    problems = [f"attribute[{code}] is not a question of this service (questions: {', '.join(known) or 'none'})"
                for code in answers if code not in known]
    clean: dict = {}
    for code, attribute in known.items():
        values = [v.strip() for v in answers.get(code, []) if v.strip()]
        if not values:
            if attribute.required:
                problems.append(f"attribute[{code}] is required ({attribute.description or attribute.datatype})")
            continue
        value, problem = _check(attribute, values)
        if problem:
            problems.append(f"attribute[{code}]: {problem}")
        else:
            clean[code] = value
    return clean, problems


def _check(attribute: Attribute, values: list[str]):
    keys = [k for k, _ in attribute.values]
    if attribute.datatype == "multivaluelist":
        bad = [v for v in values if v not in keys]
        return (values, None) if not bad else (None, f"{bad} not among the keys {keys}")
    if len(values) > 1:
        return None, f"one value expected, got {len(values)}"
    value = values[0]
    if len(value) > MAX_ANSWER:
        return None, f"at most {MAX_ANSWER} characters"
    if attribute.datatype == "singlevaluelist" and value not in keys:
        return None, f"{value!r} is not among the keys {keys}"
    if attribute.datatype == "number":
        try:
            number = float(value)
        except ValueError:
            return None, f"{value!r} is not a number"
        return (number, None) if math.isfinite(number) else (None, f"{value!r} is not a finite number")
    if attribute.datatype == "datetime":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None, f"{value!r} is not an ISO 8601 date and time such as 2026-03-02T09:00:00+08:00"
    if attribute.datatype == "string" and ("\n" in value or "\r" in value):
        return None, "one line expected (datatype string)"
    return value, None


def answers_note(attributes: list[Attribute], clean: dict) -> str:
    """The answers as one line for the case's report event: "description: answer name; …"."""
    parts = []
    for a in sorted(attributes, key=lambda a: a.order):
        if a.code in clean:
            names = dict(a.values)
            value = clean[a.code]
            shown = ", ".join(names.get(v, v) for v in value) if isinstance(value, list) else names.get(value, value)
            parts.append(f"{a.description or a.code}: {shown}")
    return "; ".join(parts)
