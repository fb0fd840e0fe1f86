"""Hostile names in every export, on both backends: the monthly report and the supervision notices (.xlsx,
CSV), the hot/cold spots (GeoPackage) and the audit log (CSV). Department, street and grid names and sign-in
names come from outside (layer files, configuration, whatever someone typed on the sign-in page).

In every file each name is there as written, and inert: a workbook cell is text, never a formula; a CSV cell
that a spreadsheet would evaluate (starting with = + - @, a tab or a carriage return) carries a leading
apostrophe (loaders.exports, issue 11 defect 6); a GeoPackage holds the names exactly.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pyogrio
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from geo.db.models import Case, Category, Department
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role, Tier
from geo.read.analysis_filters import month_window
from geo.read.audit_log import audit_log
from geo.read.hotspot_service import HotspotQuery, hotspot_view
from geo.read.supervision import notice_documents
from geo.usecases.accounts import SignInFailed, authenticate
from geo.usecases.case_actions import act_on_case
from loaders import exports
from loaders.notice_files import notice_cases_csv, notices_html, notices_workbook
from tests.integration.factories import add_case
from tests.security.hostile import ADMIN, HOSTILE, STEP, X0, Y0, _import_layer, _square, make_small_district

NOW = datetime(2026, 3, 20, 4, 0, tzinfo=UTC)
#: The strings a name can hold (geo.domain.text refuses the others: control characters, line breaks, length).
NAMES = {n: v for n, v in HOSTILE.items() if n not in ("control", "nul", "newlines", "long")}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile_names(db, tmp_path):
    """One department per hostile name with a case whistled to it 20 hours ago and never reported in (a
    supervision notice), the street and grids renamed by a layer import, failed sign-ins under every name."""
    make_small_district(db, tmp_path)
    _import_layer(db, tmp_path, "streets", "s2", [{"code": "S1", "name": NAMES["formula_eq"],
                                                  "geometry": _square(0, 0, 4)}], {"code": "code", "name": "name"})
    _import_layer(db, tmp_path, "grids", "g2", [{"code": f"G{i}", "name": name, "community": "C1",
                                                 "geometry": _square(i % 4, i // 4)}
                                                for i, name in enumerate(NAMES.values())],
                  {"code": "code", "name": "name", "community": "community"})
    with db.transaction() as s:
        category = s.scalar(select(Category).where(Category.code == "JG"))
        for i, name in enumerate(NAMES.values()):
            department = Department(code=f"D{i}", name=name)
            s.add(department)
            s.flush()
            add_case(s, category, number=f"E{i}", lon=X0 + (i % 4 + 0.5) * STEP, lat=Y0 + (i // 4 + 0.5) * STEP,
                     reported_at=NOW - timedelta(hours=21))
    supervisor = Actor("值班长", Role.SUPERVISOR)
    for i in range(len(NAMES)):
        with db.session() as s:
            case_id, lead = s.execute(select(Case.id, Department.id).where(Case.number == f"E{i}",
                                                                           Department.code == f"D{i}")).one()
        act_on_case(db, case_id, "accept", supervisor, 1, {"tier": Tier.LEAD_DEPARTMENT}, NOW - timedelta(hours=20))
        act_on_case(db, case_id, "whistle", supervisor, 2, {"lead_department_id": lead}, NOW - timedelta(hours=20))
    for value in NAMES.values():
        with db.transaction() as s, pytest.raises(SignInFailed):
            authenticate(s, value, "wrong", NOW)
    return db


def _cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _inert(value: str) -> str:
    """What a CSV cell holding ``value`` must read."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def test_the_monthly_report_holds_every_hostile_name_as_text_never_as_a_formula(hostile_names):
    with hostile_names.session() as s:
        data = exports.monthly_report_file(s, 2026, 3, NOW, ADMIN)
    cells = _cells(data)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert set(NAMES.values()) - texts == set()  # the departments' names, as written


def test_the_supervision_notices_hold_every_hostile_name_inert_in_xlsx_csv_and_html(hostile_names):
    window = month_window(2026, 3)
    with hostile_names.session() as s:
        notices = notice_documents(s, NOW, window, actor=ADMIN)
    assert {n.department for n in notices} == set(NAMES.values())
    cells = _cells(notices_workbook(notices))
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert set(NAMES.values()) <= {c.value for c in cells}
    rows = list(csv.DictReader(io.StringIO(notice_cases_csv(notices).decode("utf-8-sig"))))
    assert {r["部门"] for r in rows} == {_inert(v) for v in NAMES.values()}
    page = notices_html(notices)
    assert "<script>" not in page and "<svg" not in page and "<img" not in page


def test_the_hotspot_geopackage_holds_the_grid_names_exactly(hostile_names):
    with hostile_names.session() as s:
        view = hotspot_view(s, HotspotQuery(month_window(2026, 3), measure="counts"), actor=ADMIN)
    layer = pyogrio.read_dataframe(io.BytesIO(exports.hotspots_gpkg(view)), layer="hotspots")
    assert set(layer["grid_name"]) == set(NAMES.values())


def test_the_audit_csv_holds_every_name_typed_on_the_sign_in_page_inert(hostile_names):
    from loaders.exports import audit_csv  # lands with the export hardening (issue 11, defect 6)

    with hostile_names.session() as s:
        log = audit_log(s, ADMIN, action="sign_in_failed")
    rows = list(csv.DictReader(io.StringIO(audit_csv(log).decode("utf-8-sig"))))
    assert {r["target"] for r in rows} == {_inert(v) for v in NAMES.values()}
