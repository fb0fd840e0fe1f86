"""A community's roster from a spreadsheet, on both backends: Chinese headers and skill names, GBK text, every
row reported, placed by home or grid, all written in one transaction or nothing; the page's single entry
goes through the same checks."""

from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from geo.db.models import Volunteer
from loaders.volunteer_import import VolunteerImportSpec, register_one, run_volunteer_import
from tests.integration.factories import T0, X0, Y0
from tests.integration.volunteer_fixtures import SUPERVISOR, make_forces

NOW = T0 + timedelta(hours=1)
HEADER = "姓名,手机,技能,服务时间,经度,纬度,网格,备注\n"


@pytest.fixture
def forces(db):
    return make_forces(db)


def _count(forces) -> int:
    with forces.db.session() as s:
        return s.scalar(select(func.count()).select_from(Volunteer))


def _write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "热心人名册.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_a_gbk_roster_is_placed_by_home_or_grid_and_applied_at_once(forces, tmp_path):
    path = _write(tmp_path, HEADER + f"王芳,13900000011,助老服务、跑腿代办,周末,{X0 + 0.0015},{Y0 + 0.0005},,退休教师\n"
                                     "李强,139-0000-0012,电工维修,,,,G1,\n", "gbk")
    preview = run_volunteer_import(path, VolunteerImportSpec(), forces.db, False, forces.community, NOW)
    assert preview.status == "ok" and _count(forces) == 4
    assert preview.counts["to_import"] == 2 and preview.counts["placed_by_home"] == 1
    assert [r["grid_code"] for r in preview.extra["rows"]] == ["G2", "G1"]
    assert preview.extra["rows"][0]["name"] == "王*"  # the report never spells a name out
    applied = run_volunteer_import(path, VolunteerImportSpec(), forces.db, True, forces.community, NOW)
    assert (applied.status, applied.counts["imported"]) == ("applied", 2)
    with forces.db.session() as s:
        li = s.scalars(select(Volunteer).where(Volunteer.name == "李强")).one()
    assert (li.phone, li.skills, li.availability, li.placed_by) == ("13900000012", "electrical", "anytime", "grid")
    again = run_volunteer_import(path, VolunteerImportSpec(), forces.db, True, forces.community, NOW)
    assert again.counts["already_registered"] == 2 and _count(forces) == 6


def test_bad_rows_are_reported_with_their_row_and_the_good_ones_still_apply(forces, tmp_path):
    path = _write(tmp_path, HEADER + "王芳,12345,patrol,,,,G1,\n"
                                     "李强,13900000013,跳舞,,,,G1,\n"
                                     "赵六,13900000014,patrol,,200,95,,\n"
                                     "钱七,13900000015,patrol,,,,G9,\n"
                                     "孙八,13900000016,patrol,,,,G2,\n"
                                     "孙八,13900000016,patrol,,,,G2,\n")
    report = run_volunteer_import(path, VolunteerImportSpec(), forces.db, True, forces.community, NOW)
    kinds = {p.kind: p.rows for p in report.problems}
    assert kinds == {"bad_phone": (2,), "bad_skills": (3,), "bad_position": (4,), "no_place": (5,),
                     "phone_twice": (7,)}
    assert report.status == "applied" and report.counts["imported"] == 1 and _count(forces) == 5


def test_a_roster_naming_another_community_is_refused_for_a_community(forces, tmp_path):
    path = _write(tmp_path, "姓名,手机,社区,网格\n王芳,13900000011,社区2,G3\n")
    report = run_volunteer_import(path, VolunteerImportSpec(), forces.db, True, forces.community, NOW)
    assert [p.kind for p in report.problems][:1] == ["unknown_community"] and _count(forces) == 4
    report = run_volunteer_import(path, VolunteerImportSpec(), forces.db, True, SUPERVISOR, NOW)
    assert report.status == "applied" and _count(forces) == 5  # the center registers anywhere, by name


def test_an_excel_roster_without_a_phone_column_says_which_column_is_missing(forces, tmp_path):
    book = Workbook()
    book.active.append(["姓名", "技能"])
    book.active.append(["王芳", "patrol"])
    book.save(tmp_path / "roster.xlsx")
    report = run_volunteer_import(tmp_path / "roster.xlsx", VolunteerImportSpec(), forces.db, True,
                                  forces.community, NOW)
    assert report.status == "unusable" and report.problems[0].params["missing"] == "手机"


def test_only_those_who_manage_volunteers_may_import(forces, tmp_path):
    path = _write(tmp_path, HEADER + "王芳,13900000011,patrol,,,,G1,\n")
    report = run_volunteer_import(path, VolunteerImportSpec(), forces.db, True, forces.street, NOW)
    assert report.problems[0].kind == "not_permitted" and _count(forces) == 4


def test_the_page_form_registers_one_volunteer_through_the_same_checks(forces):
    bad = register_one({"name": "王芳", "phone": "1", "grid": "G1"}, forces.db, forces.community, NOW)
    assert bad.problems[0].msg == "volunteer_bad_phone" and bad.status != "applied"
    good = register_one({"name": "王芳", "phone": "13900000011", "skills": "patrol", "grid": "G1"},
                        forces.db, forces.community, NOW)
    assert good.status == "applied" and _count(forces) == 5
