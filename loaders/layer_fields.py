"""Which column of an uploaded layer holds which role (code, name, community …), and the geometry it needs.

Why propose rather than decide a code column: names such as ``网格编码`` or ``grid_code`` are the survey
office's own words for the code and are taken as they are; a column that only looks like a code (``adcode``
in a DataV export, ``区划代码``, ``*_code``, or unique whole numbers) is proposed as the answer to the
question, and the analyst confirms it — a wrong code column would key every grid wrongly.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from loaders.import_messages import MessageError, Msg, msg
from loaders.import_report import ImportReport, Question

KINDS = ("grids", "buildings", "communities", "streets")
ROLES = {
    "grids": ("code", "name", "community", "member_name", "member_phone"),
    "buildings": ("code", "address", "grid", "households"),
    "communities": ("code", "name", "street"),
    "streets": ("code", "name"),
}
REQUIRED = {"grids": ("code",), "buildings": ("code",), "communities": ("code", "name", "street"),
            "streets": ("code", "name")}
#: Column names survey offices and our own exports use for each role (lower-case for matching).
SYNONYMS = {
    "code": ("code", "网格编码", "网格编号", "编码", "编号", "wgbm", "bm", "grid_code"),
    "name": ("name", "网格名称", "名称", "社区名称", "街道名称", "wgmc", "mc"),
    "community": ("community", "community_code", "所属社区", "社区编码", "社区"),
    "member_name": ("member_name", "网格员", "网格员姓名", "姓名"),
    "member_phone": ("member_phone", "联系电话", "电话", "手机", "手机号"),
    "address": ("address", "地址", "门牌地址", "楼栋地址"),
    "grid": ("grid", "grid_code", "所属网格"),
    "households": ("households", "户数", "住户数"),
    "street": ("street", "street_code", "所属街道", "街道编码", "街道"),
}
#: Names that say "code" without being one of the synonyms: DataV's adcode, 区划代码, xxx_code, 编码/代码 suffixes.
_CODE_NAME = re.compile(r"^adcode$|代码$|编码$|编号$|_code$|^code_", re.IGNORECASE)
_WHOLE_NUMBER = re.compile(r"^\d+$")
AREA_TYPES = ("Polygon", "MultiPolygon")


def text(value) -> str:
    """A cell as text: codes as read (150302001, not 150302001.0), empty for None/NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def not_areas(frame, kind: str) -> Msg | None:
    """A layer without a single polygon (points, lines) cannot be grids, buildings, communities or streets."""
    types = sorted(set(frame.geometry.dropna().geom_type) - {"GeometryCollection"})
    if not types or any(t in AREA_TYPES for t in types):
        return None
    return msg("layer_not_areas", types=", ".join(types), kind=msg(f"kind_{kind}"))


def resolve_fields(frame, kind: str, given: dict[str, str], remembered: dict[str, str],
                   report: ImportReport) -> dict[str, str] | None:
    """role → column: the analyst's, else the remembered one, else guessed from the names; a question for
    each required role still missing (with a proposed column when one looks like a code). None while asked."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for role, column in given.items():
        if column not in columns:
            raise FieldError(msg("field_missing_column", role=role, column=column, columns=", ".join(columns)))
    mapping = {}
    for role in ROLES[kind]:
        column = given.get(role) or remembered.get(role) or _guess(role, columns)
        if column in columns:
            mapping[role] = column
    report.mapping = mapping
    missing = [r for r in REQUIRED[kind] if r not in mapping]
    for role in missing:
        report.ask(_field_question(frame, role, columns))
    return None if missing else mapping


class FieldError(MessageError):
    """A --field naming a column the layer does not have."""


def _guess(role: str, columns: list[str]) -> str | None:
    lowered = {c.lower(): c for c in columns}
    return next((lowered[s] for s in SYNONYMS[role] if s in lowered), None)


def _field_question(frame, role: str, columns: list[str]) -> Question:
    proposed = propose_code(frame, columns) if role == "code" else None
    choices = [(c, c) for c in columns]
    if proposed is None:
        return Question.of(f"field:{role}", msg("question_field", role=msg(f"role_{role}")), choices)
    column, why = proposed
    return Question.of(f"field:{role}", msg("question_field_proposed", role=msg(f"role_{role}"), column=column,
                                            why=why), choices, default=column)


def propose_code(frame, columns: list[str]) -> tuple[str, Msg] | None:
    """The column that is obviously a code: by its name (adcode, 代码, *_code) with unique values, else one
    of unique whole numbers that are not a row counter (1, 2, 3 …)."""
    values = {c: pd.Series([text(v) for v in frame[c]], dtype=object) for c in columns}
    unique = {c: bool(v.ne("").all() and v.is_unique) for c, v in values.items()}
    for c in columns:
        if _CODE_NAME.search(str(c)) and unique[c]:
            return c, msg("code_why_name")
    for c in columns:
        v = values[c]
        if unique[c] and len(v) > 1 and v.map(lambda s: bool(_WHOLE_NUMBER.match(s))).all() and not _counter(v):
            return c, msg("code_why_unique")
    return None


def _counter(values: pd.Series) -> bool:
    numbers = sorted(int(v) for v in values)
    return numbers == list(range(numbers[0], numbers[0] + len(numbers))) and numbers[0] in (0, 1)
