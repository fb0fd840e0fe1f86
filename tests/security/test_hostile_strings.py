"""Hostile strings in every text field, through every way in (issue 11's standing attack suite), on both
backends: layer imports, case imports (the file's category word mapped by the import's category map), an
Open311 POST, the sign-in form, the case map's search box and the notes of case actions.

Each string is either stored exactly as given or refused with a clear message: never cut, never changed,
never a traceback, never SQL text or parameters in the message, and a refusal writes nothing. What the
strings do on the pages is tests/security/test_hostile_pages_browser.py's business; in exports,
test_hostile_exports.py's.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from geo.db.models import (
    Building,
    Case,
    CaseEvent,
    CaseReporter,
    Category,
    Community,
    Grid,
    GridLayout,
    Street,
)
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role, Tier
from geo.domain.workflow import WorkflowError
from geo.read.layouts import active_layout
from geo.usecases.case_actions import act_on_case
from loaders.case_import import CaseImportSpec, run_case_import
from loaders.layer_import import LayerSpec, MappingMemory, run_layer_import
from tests.integration.factories import add_case
from tests.security.hostile import (
    ADMIN,
    HOSTILE,
    STEP,
    X0,
    Y0,
    _features,
    _square,
    assert_clear,
    make_small_district,
)

#: Strings with control characters or line breaks: refusing them from a one-line field is right, and so is
#: refusing any string longer than its column (geo.domain.text). Every other string must be stored exactly.
CONTROLS = {"control", "nul", "newlines"}


def _rightly_refused(name: str, key: str, params: dict, multiline: bool = False) -> bool:
    """A refusal the rules call for: too long for its column, or control characters where none may be."""
    if key.endswith("text_too_long"):
        return len(HOSTILE[name]) == params["n"] > params["limit"]
    if key == "bad_source_id":
        return len(HOSTILE[name]) > params["limit"]
    return key.endswith("text_control") and name in (CONTROLS - {"newlines"} if multiline else CONTROLS)
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
def district(db, tmp_path):
    db.api_key = make_small_district(db, tmp_path)
    return db


def _state(db) -> tuple:
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (GridLayout, Grid, Building, Community, Street, Case, CaseEvent))


def _layer(db, tmp_path, kind: str, rows: list[dict], fields: dict, name: str):
    path = tmp_path / f"{name}.geojson"
    path.write_text(json.dumps(_features(rows), ensure_ascii=False), encoding="utf-8")
    return run_layer_import(path, LayerSpec(kind=kind, datum="wgs84", crs="EPSG:4326", fields=fields), db, True,
                            ADMIN, memory=MappingMemory(tmp_path / "m.json"))


# ---------------------------------------------------------------- layers

#: kind → (the code column, the text fields under test, other columns every feature needs, how to read back)
LAYER_FIELDS = {
    "grids": ("name", "member_name", "member_phone"),
    "buildings": ("address",),
    "communities": ("name",),
    "streets": ("name",),
}
_MODELS = {"grids": Grid, "buildings": Building, "communities": Community, "streets": Street}
_PARENTS = {"grids": {"community": "C1"}, "communities": {"street": "S1"}, "buildings": {}, "streets": {}}


def _stored(db, kind: str, field: str) -> dict[str, str]:
    model = _MODELS[kind]
    query = select(model.code, getattr(model, field))
    with db.session() as s:
        if kind == "grids":
            query = query.where(Grid.layout_id == active_layout(s).id)
        return dict(s.execute(query).all())


@pytest.mark.parametrize(("kind", "field"), [(k, f) for k, fields in LAYER_FIELDS.items() for f in fields])
def test_hostile_text_in_a_layer_field_is_stored_exactly_or_the_feature_refused_clearly(district, tmp_path,
                                                                                         kind, field):
    names = [n for n in HOSTILE if n != "nul"]  # a NUL refuses the whole file (the test below)
    rows = [{"code": f"X{i}", field: HOSTILE[n], **_PARENTS[kind], "geometry": _square(i % 12, 1 + i // 12, 0.9)}
            for i, n in enumerate(names)]
    fields = {"code": "code", field: field, **{p: p for p in _PARENTS[kind]}}
    before = _state(district)
    report = _layer(district, tmp_path, kind, rows, fields, f"{kind}-{field}")
    refused = set()
    if report.status != "applied":
        for problem in report.errors:
            assert_clear(problem.message)
            assert problem.location is not None and problem.location.feature, f"{problem.message} names no feature"
            name = names[int(problem.location.feature[1:])]
            assert _rightly_refused(name, problem.msg, problem.params), (name, problem.message)
            refused.add(name)
        assert _state(district) == before  # a refused layer writes nothing
        kept = [r for r, n in zip(rows, names) if n not in refused]
        report = _layer(district, tmp_path, kind, kept, fields, f"{kind}-{field}-kept")
        assert report.status == "applied", report.to_json()
    stored = _stored(district, kind, field)
    assert {n: stored[f"X{i}"] for i, n in enumerate(names) if n not in refused} == \
        {n: HOSTILE[n] for n in names if n not in refused}


@pytest.mark.parametrize("kind", list(LAYER_FIELDS))
def test_a_layer_file_writing_a_nul_is_refused_whole_and_clearly_rather_than_read_cut(district, tmp_path, kind):
    """GDAL ends text at a NUL: ``a\\u0000b`` would be stored as "a" without a word."""
    field = LAYER_FIELDS[kind][0]
    rows = [{"code": "X0", field: HOSTILE["nul"], **_PARENTS[kind], "geometry": _square(0, 1, 0.9)}]
    before = _state(district)
    report = _layer(district, tmp_path, kind, rows, {"code": "code", field: field}, f"{kind}-nul")
    assert report.status == "unusable" and [p.msg for p in report.errors] == ["layer_nul"]
    assert_clear(report.errors[0].message)
    assert _state(district) == before


@pytest.mark.parametrize("kind", list(LAYER_FIELDS))
def test_hostile_codes_are_refused_each_by_name_and_nothing_is_written(district, tmp_path, kind):
    rows = [{"code": value, "name": "甲", "address": "甲", **_PARENTS[kind], "geometry": _square(i % 12, 1, 0.9)}
            for i, value in enumerate(v for n, v in HOSTILE.items() if n not in ("long", "nul"))]
    columns = {"code": "code", **({"address": "address"} if kind == "buildings" else {"name": "name"}),
               **{p: p for p in _PARENTS[kind]}}
    before = _state(district)
    report = _layer(district, tmp_path, kind, rows, columns, f"{kind}-codes")
    assert report.status == "unusable"
    assert {p.kind for p in report.errors} == {"malformed_code"}
    for problem in report.errors:
        assert_clear(problem.message)
    assert _state(district) == before


# ---------------------------------------------------------------- case imports

CASE_COLUMNS = ["工单编号", "诉求内容", "事件类型", "联系人", "联系电话", "经度", "纬度", "事发地址", "受理时间"]
#: the case field under test → (its column in the file, how to read it back, one line only?)
CASE_FIELDS = {
    "description": ("诉求内容", Case.description, False),
    "address": ("事发地址", Case.address, True),
    "reporter_name": ("联系人", Case.reporter_name, True),
    "reporter_phone": ("联系电话", Case.reporter_phone, True),
    "source_ref": ("工单编号", Case.source_ref, True),
    "category_word": ("事件类型", None, True),
}


def _case_file(path, column: str) -> list[str]:
    names = [n for n in HOSTILE if n != "nul"]  # a NUL makes the file binary: refused whole (test below)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CASE_COLUMNS)
        for i, name in enumerate(names):
            row = {"工单编号": f"R{i}", "诉求内容": "井盖缺失", "事件类型": "井盖缺失破损", "联系人": "张三",
                   "联系电话": "13800000000", "经度": f"{X0 + (i % 4 + 0.5) * STEP:.6f}",
                   "纬度": f"{Y0 + 0.5 * STEP:.6f}", "事发地址": "北环路1号", "受理时间": "2026-03-02 08:00:00"}
            row[column] = HOSTILE[name]
            writer.writerow([row[c] for c in CASE_COLUMNS])
    return names


@pytest.mark.parametrize("field", list(CASE_FIELDS))
def test_hostile_text_in_a_case_field_is_imported_exactly_or_the_row_rejected_clearly(district, tmp_path, field):
    column, stored_as, one_line = CASE_FIELDS[field]
    names = _case_file(tmp_path / "cases.csv", column)
    words = {v: "JG" for v in HOSTILE.values()} if field == "category_word" else {"井盖缺失破损": "JG"}
    report = run_case_import(tmp_path / "cases.csv", CaseImportSpec(category_map=words, tz="Asia/Shanghai"),
                             district, True, ADMIN, NOW)
    for problem in report.problems:
        assert_clear(problem.message)
    assert report.status == "applied", report.to_json()
    rows = {r["row"]: r for r in report.extra["rows"]}
    with district.session() as s:
        found = dict(s.execute(select(Case.source_ref if field != "source_ref" else Case.number,
                                      stored_as if stored_as is not None else Case.category_id)).all())
    for i, name in enumerate(names):
        row = rows[i + 2]  # row numbers as a spreadsheet shows them: the header is row 1
        if row["outcome"] == "rejected":
            assert _rightly_refused(name, row["msg"], row["params"], not one_line), (name, row["message"])
            assert_clear(row["message"])
        elif field == "source_ref":
            assert HOSTILE[name] in found.values() and row["outcome"] == "imported", name
        elif field == "category_word":
            assert row["outcome"] == "imported", (name, row)
        else:
            assert found[f"R{i}"] == HOSTILE[name], name


def test_a_case_file_holding_a_nul_is_refused_whole_and_clearly(district, tmp_path):
    path = tmp_path / "nul.csv"
    path.write_text("工单编号,诉求内容,受理时间\nR1,井盖\x00缺失,2026-03-02 08:00:00\n", encoding="utf-8")
    before = _state(district)
    report = run_case_import(path, CaseImportSpec(), district, True, ADMIN, NOW)
    assert report.status == "unusable"
    for problem in report.errors:
        assert_clear(problem.message)
    assert _state(district) == before


# ---------------------------------------------------------------- Open311

#: form field → (how to read it back from the case or its reporter row)
API_FIELDS = {
    "description": lambda c, r: c.description, "address_string": lambda c, r: c.address,
    "first_name": lambda c, r: r.name, "source_id": lambda c, r: r.client_ref,
    "device_id": lambda c, r: r.device_id, "attribute[note]": lambda c, r: json.loads(r.attributes).get("note"),
}


@pytest.fixture
def api(district, tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from geo.db.media_store import FileMediaStore
    from geo.db.models import CategoryAttribute

    with district.transaction() as s:
        category = s.scalar(select(Category).where(Category.code == "JG"))
        s.add(CategoryAttribute(category_id=category.id, code="note", datatype="text", required=False, position=1,
                                description="补充说明"))
    with TestClient(create_app(district, FileMediaStore(tmp_path / "media"), rate_per_minute=10_000)) as client:
        yield client


@pytest.mark.parametrize("field", list(API_FIELDS))
def test_hostile_text_posted_through_open311_is_stored_exactly_or_refused_with_a_400(district, api, field):
    for i, (name, value) in enumerate(HOSTILE.items()):
        form = {"api_key": district.api_key, "service_code": "JG", "lat": f"{Y0 + 0.5 * STEP}",
                "long": f"{X0 + 0.5 * STEP}", "description": "井盖缺失", "source_id": f"{field}-{i}", field: value}
        before = _state(district)
        answer = api.post("/open311/v2/requests.json", data=form)
        if answer.status_code == 400:
            [error] = answer.json()
            assert_clear(error["description"])
            assert field.split("[")[0] in error["description"], error
            assert _state(district) == before
            continue
        assert answer.status_code in (200, 201), answer.text
        number = answer.json()[0]["service_request_id"]
        with district.session() as s:
            case = s.scalar(select(Case).where(Case.number == number))
            reporter = s.scalar(select(CaseReporter).where(CaseReporter.case_id == case.id))
            assert API_FIELDS[field](case, reporter) == value, name


# ---------------------------------------------------------------- notes typed on the case panel

@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_note_on_a_case_action_is_recorded_exactly_or_refused_as_invalid_input(district, name):
    with district.transaction() as s:
        case = add_case(s, s.scalar(select(Category).where(Category.code == "JG")), number=f"N-{name}")
        case_id, version = case.id, case.version
    supervisor = Actor("值班长", Role.SUPERVISOR)
    act_on_case(district, case_id, "accept", supervisor, version, {"tier": Tier.COMMUNITY}, NOW)
    before = _state(district)
    try:
        act_on_case(district, case_id, "reject", supervisor, version + 1, {"reason": HOSTILE[name]},
                    NOW + timedelta(minutes=1))
    except WorkflowError as exc:
        assert name in CONTROLS - {"newlines"}, exc
        assert_clear(str(exc))
        assert _state(district) == before
        return
    with district.session() as s:
        notes = list(s.scalars(select(CaseEvent.note).where(CaseEvent.case_id == case_id, CaseEvent.action == "reject")))
    assert notes == [HOSTILE[name]]
