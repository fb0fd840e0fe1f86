import pytest

from geo.db.models import Category
from geo.read.routing import route_for
from tests.integration.factories import add_departments_and_category


@pytest.fixture
def routes(db):
    with db.transaction() as s:
        departments, manhole = add_departments_and_category(s)
        ids = {code: d.id for code, d in departments.items()}
        noise = Category(code="ZS", name="噪声扰民", class_code="SR", class_name="市容秩序",
                         lead_department_id=ids["CGJ"], co_department_codes="", time_limit=1,
                         time_unit="working_days", routing_rule="territory")
        unruled = Category(code="QT", name="其他", class_code="QT", class_name="其他", lead_department_id=None,
                           co_department_codes="", time_limit=1, time_unit="working_days", routing_rule="")
        ownerless = Category(code="WZ", name="无主设施", class_code="SZ", class_name="市政设施",
                             lead_department_id=None, co_department_codes="", time_limit=1,
                             time_unit="working_days", routing_rule="owner")
        s.add_all([noise, unruled, ownerless])
    return db, ids


def route(db, code):
    with db.session() as s:
        from sqlalchemy import select

        return route_for(s, s.scalars(select(Category).where(Category.code == code)).one())


def test_a_facility_problem_goes_to_the_owner_first(routes):
    db, ids = routes
    r = route(db, "JG")  # manhole cover: owner SZ leads, CGJ assists
    assert (r.lead_department_id, r.co_department_ids, r.rule) == (ids["SZ"], (ids["CGJ"],), "owner")


def test_an_event_goes_to_the_street_office_first(routes):
    db, ids = routes
    r = route(db, "ZS")
    assert (r.lead_department_id, r.co_department_ids) == (ids["STREET"], (ids["CGJ"],))


def test_a_facility_without_a_known_owner_falls_back_to_the_territory(routes):
    db, ids = routes
    assert route(db, "WZ").lead_department_id == ids["STREET"]


def test_no_rule_or_no_category_goes_to_the_manual_queue(routes):
    db, _ = routes
    assert route(db, "QT") is None
    with db.session() as s:
        assert route_for(s, None) is None
