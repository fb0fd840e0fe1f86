"""Hostile strings and a small district full of them, built through the product's own entry points.

The strings (``HOSTILE``) are what an attacker, a careless survey office or a hotline operator puts in a text
field: markup and script, formula prefixes, text over the column's length, control characters, right-to-left
overrides, SQL-looking text, emoji and other 4-byte characters. ``probe(tag)`` is markup that, if a page ever
renders it as HTML or markdown, leaves a trace the browser test looks for: it sets ``window.__xss`` and asks
the server for ``/xss-probe/<tag>`` (so a failure names the field that leaked).

``build_hostile_district(db, tmp)`` fills an empty, migrated database with a district whose every text field
holds a probe — layers through ``run_layer_import``, cases through ``run_case_import`` (the category word of
the file mapped by the import's category map) and through an Open311 POST, notes through ``act_on_case`` —
and returns what the tests need to find it again.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import shapely
from sqlalchemy import select

from geo.db.database import Database
from geo.db.models import Case, Category, CategoryAttribute, Department
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role, Tier
from geo.usecases.accounts import Binding, add_user
from geo.usecases.api_clients import create_client
from geo.usecases.case_actions import act_on_case
from loaders.case_import import CaseImportSpec, run_case_import
from loaders.layer_import import LayerSpec, MappingMemory, run_layer_import

X0, Y0, STEP = 106.8, 39.67, 0.001
PASSWORD = "hostile-demo-password"
ADMIN = Actor("admin", Role.ADMIN)
PROBE_PATH = "/xss-probe/"


def probe(tag: str) -> str:
    """Markup that leaves a trace if rendered: breaks out of a quoted attribute, then an image whose load
    fails and runs ``onerror``; then a markdown image (pages render markdown too). ≤ 100 characters for a
    tag of up to 10."""
    return f'"\'><img src={PROBE_PATH}{tag} onerror=__xss=1>![m]({PROBE_PATH}md{tag})'


def short_probe(tag: str) -> str:
    """A probe for columns of 30–50 characters (member names, phones)."""
    return f"<img src={PROBE_PATH}{tag} onerror=__xss=1>"


#: Hostile strings for every text field, by what they attack.
HOSTILE = {
    "markup": probe("s"),
    "script": "<script>__xss=1</script><svg onload=__xss=1>",
    "formula_eq": "=HYPERLINK(\"http://evil.example/\",\"点击\")",
    "formula_plus": "+1+cmd|' /C calc'!A0",
    "formula_minus": "-2+3",
    "formula_at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "sql": "x'); DROP TABLE cases; --",
    "rtl": "\u202egnp.exe\u202c 网格\u200f",
    "emoji": "𠀋𡈽𩸽 🏘️👩‍👩‍👧 \U0001f9ea",
    "control": "a\x07b\x1bc\x7fd\x08e",
    "nul": "a\x00b",
    "newlines": "first line\r\n\r\n# heading\n\n![m](/xss-probe/nl)",
    "long": "长" * 5000,
}


#: What a user-facing message never contains: a traceback, SQL and its parameters, the driver's words.
_LEAKS = ("Traceback", 'File "', "[SQL:", "[parameters:", "INSERT INTO", "SELECT ", "UPDATE ", "DELETE FROM",
          "(Background on this error")
_DRIVERS = ("psycopg", "sqlite3", "sqlalchemy")


def assert_clear(message: str) -> None:
    """A refusal a person can read: not empty, not a wall of text, nothing of the database in it."""
    assert message and message.strip(), "an empty message"
    assert len(message) <= 2000, f"a message of {len(message):,} characters: {message[:200]}…"
    leaked = [w for w in _LEAKS if w in message] + [w for w in _DRIVERS if w in message.lower()]
    assert not leaked, f"{leaked} in the message: {message[:500]}"


@dataclass
class HostileDistrict:
    grids: list[str]
    case_numbers: list[str]  # every case, imported and posted
    closed_case_id: int
    api_key: str
    category_code: str


def _features(rows: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": shapely.geometry.mapping(r["geometry"]),
         "properties": {k: v for k, v in r.items() if k != "geometry"}}
        for r in rows]}


def _square(i: int, j: int, size: float = 1.0) -> shapely.Polygon:
    return shapely.box(X0 + i * STEP, Y0 + j * STEP, X0 + (i + size) * STEP, Y0 + (j + size) * STEP)


def _import_layer(db: Database, tmp: Path, kind: str, name: str, rows: list[dict], fields: dict) -> None:
    path = tmp / f"{name}.geojson"
    path.write_text(json.dumps(_features(rows), ensure_ascii=False), encoding="utf-8")
    report = run_layer_import(path, LayerSpec(kind=kind, datum="wgs84", crs="EPSG:4326", fields=fields), db,
                              True, ADMIN, memory=MappingMemory(tmp / "mappings.json"))
    assert report.status == "applied", report.to_json()


def import_hostile_layers(db: Database, tmp: Path) -> list[str]:
    """Street, community, four grids and four buildings whose every free-text field is a probe; codes stay
    codes (the import refuses anything else in them). The grids' file name becomes the layout's name."""
    everywhere = shapely.box(X0 - STEP, Y0 - STEP, X0 + 3 * STEP, Y0 + 3 * STEP)
    _import_layer(db, tmp, "streets", "streets", [{"code": "S1", "name": probe("street"), "geometry": everywhere}],
                  {"code": "code", "name": "name"})
    _import_layer(db, tmp, "communities", "communities",
                  [{"code": "C1", "name": probe("comm"), "street": "S1", "geometry": everywhere}],
                  {"code": "code", "name": "name", "street": "street"})
    grids = ["G1", "G2", "G3", "G4"]
    cells = [_square(0, 0), _square(1, 0), _square(0, 1), _square(1, 1)]
    _import_layer(db, tmp, "grids", "<img src=xss-probe-layout onerror=__xss=1>",
                  [{"code": code, "name": probe(f"grid{code}"), "community": "C1",
                    "member_name": short_probe(f"mem{code}"), "member_phone": "<img src=/xss-probe/ph>",
                    "geometry": cell} for code, cell in zip(grids, cells)],
                  {"code": "code", "name": "name", "community": "community", "member_name": "member_name",
                   "member_phone": "member_phone"})
    _import_layer(db, tmp, "buildings", "buildings",
                  [{"code": f"B{i}", "address": probe(f"bld{i}"), "households": 20,
                    "geometry": _square(i % 2, i // 2, 0.3)} for i in range(4)],
                  {"code": "code", "address": "address", "households": "households"})
    return grids


def add_hostile_configuration(db: Database) -> str:
    """Departments, a category and its questions named by probes (configuration a district types in)."""
    with db.transaction() as s:
        departments = {code: Department(code=code, name=probe(f"dept{code}")) for code in ("CGJ", "SZ")}
        s.add_all(departments.values())
        s.flush()
        category = Category(code="JG", name=probe("cat"), class_code="SZSS", class_name=probe("class"),
                            lead_department_id=departments["SZ"].id, co_department_codes="CGJ", time_limit=2,
                            time_unit="working_hours", routing_rule="owner")
        s.add(category)
        s.flush()
        s.add(CategoryAttribute(category_id=category.id, code="note", datatype="text", required=False,
                                position=1, description=probe("attr")))
        s.add(CategoryAttribute(category_id=category.id, code="state", datatype="singlevaluelist",
                                required=False, position=2, description=probe("attr2"),
                                choices=json.dumps([["broken", probe("choice")]], ensure_ascii=False)))
    return "JG"


def import_hostile_cases(db: Database, tmp: Path, now: datetime) -> tuple[list[str], str]:
    """Cases from a hotline export whose free text and category word are probes; the word is mapped to our
    category by the import's category map, as an analyst answers the question on the upload page."""
    word = probe("word")
    path = tmp / "hotline.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["工单编号", "诉求内容", "事件类型", "联系人", "联系电话", "经度", "纬度", "事发地址",
                         "受理时间"])
        for i in range(6):
            lon, lat = X0 + (i % 2 + 0.5) * STEP, Y0 + (i // 2 % 2 + 0.4) * STEP
            at = (now - timedelta(hours=2 + i)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
            writer.writerow([f"H-{i}", probe(f"desc{i}"), word, short_probe(f"rep{i}"), "13800000000",
                             f"{lon:.6f}", f"{lat:.6f}", probe(f"addr{i}"), at])
    spec = CaseImportSpec(category_map={word: "JG"}, tz="UTC")
    report = run_case_import(path, spec, db, True, ADMIN, now)
    assert report.status == "applied", report.to_json()
    with db.session() as s:
        numbers = list(s.scalars(select(Case.number).where(Case.source_ref.like("H-%")).order_by(Case.id)))
    return numbers, word


def post_hostile_reports(db: Database, key: str, store_dir: Path) -> list[str]:
    """Two reports through the Open311 POST, description, name, address and a question's answer probes."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from geo.db.media_store import FileMediaStore

    numbers = []
    with TestClient(create_app(db, FileMediaStore(store_dir), rate_per_minute=1000)) as client:
        for i in range(2):
            answer = client.post("/open311/v2/requests.json", data={
                "api_key": key, "service_code": "JG", "lat": f"{Y0 + 1.5 * STEP}", "long": f"{X0 + (0.3 + i) * STEP}",
                "description": probe(f"api{i}"), "first_name": short_probe(f"fn{i}")[:24], "last_name": "李",
                "address_string": probe(f"apiad{i}"), "attribute[note]": probe(f"apiat{i}")})
            assert answer.status_code in (200, 201), answer.text
            numbers.append(answer.json()[0]["service_request_id"])
    return numbers


def add_hostile_accounts(db: Database, now: datetime) -> None:
    """Supervisor, admin, analyst and a department user, each displayed under a probe."""
    with db.transaction() as s:
        for username, role, binding in (("supervisor", Role.SUPERVISOR, Binding()), ("admin", Role.ADMIN, Binding()),
                                        ("analyst", Role.ANALYST, Binding()),
                                        ("dept_cgj", Role.DEPARTMENT, Binding(department="CGJ"))):
            add_user(s, username, PASSWORD, role, ADMIN, now, display_name=probe(f"u{username[:6]}"),
                     binding=binding)


def act_with_hostile_notes(db: Database, numbers: list[str], now: datetime) -> int:
    """Walk cases through the loop with probes as notes and reasons; returns the id of the closed one."""
    with db.session() as s:
        ids = dict(s.execute(select(Case.number, Case.id).where(Case.number.in_(numbers))).all())
        departments = dict(s.execute(select(Department.code, Department.id)).all())
    center = Actor(probe("actor"), Role.SUPERVISOR)
    dept = Actor(probe("dactor"), Role.DEPARTMENT, department_id=departments["SZ"])
    co = Actor(probe("coactor"), Role.DEPARTMENT, department_id=departments["CGJ"])
    at = now - timedelta(minutes=50)

    def act(number: str, action: str, actor: Actor, **params) -> None:
        nonlocal at
        with db.session() as s:
            case = s.scalar(select(Case).where(Case.number == number))
            case_id, version = case.id, case.version
        at += timedelta(minutes=1)
        act_on_case(db, case_id, action, actor, version, params, at)

    first, second, third = numbers[0], numbers[1], numbers[2]
    for number in (first, second):
        act(number, "accept", center, tier=Tier.LEAD_DEPARTMENT)
        act(number, "whistle", center, lead_department_id=departments["SZ"], co_department_ids=(departments["CGJ"],))
    act(first, "report_in", dept)
    act(first, "report_in", co)
    act(first, "answer", dept, note=probe("answer"))
    act(first, "close", center)
    act(third, "reject", center, reason=probe("reject"))
    return ids[first]


def make_small_district(db: Database, tmp: Path) -> str:
    """Plain names this time: street S1, community C1 and four grids (imported), the departments and category
    JG of tests/integration/factories.py; returns an API key."""
    from tests.integration.factories import add_departments_and_category

    with db.transaction() as s:
        add_departments_and_category(s)
        key = create_client(s, "hotline", "hotline_12345", ADMIN, datetime.now(UTC))
    everywhere = shapely.box(X0 - STEP, Y0 - STEP, X0 + 13 * STEP, Y0 + 4 * STEP)
    _import_layer(db, tmp, "streets", "s", [{"code": "S1", "name": "街道", "geometry": everywhere}],
                  {"code": "code", "name": "name"})
    _import_layer(db, tmp, "communities", "c", [{"code": "C1", "name": "社区", "street": "S1",
                                                 "geometry": everywhere}],
                  {"code": "code", "name": "name", "street": "street"})
    _import_layer(db, tmp, "grids", "g", [{"code": f"G{i}", "name": "网格", "community": "C1",
                                           "geometry": _square(i, 0)} for i in range(4)],
                  {"code": "code", "name": "name", "community": "community"})
    return key


def build_hostile_district(db: Database, tmp: Path, now: datetime | None = None) -> HostileDistrict:
    """Everything above, in order, on an empty migrated database."""
    now = now or datetime.now(UTC)
    tmp.mkdir(parents=True, exist_ok=True)
    category = add_hostile_configuration(db)
    grids = import_hostile_layers(db, tmp)
    numbers, _ = import_hostile_cases(db, tmp, now)
    with db.transaction() as s:
        key = create_client(s, probe("client"), "resident_app", ADMIN, now)
    numbers += post_hostile_reports(db, key, tmp / "media")
    add_hostile_accounts(db, now)
    closed = act_with_hostile_notes(db, numbers, now)
    return HostileDistrict(grids, numbers, closed, key, category)
