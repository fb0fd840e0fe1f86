"""Routing by category and place: owner first for facilities, the case's own street office for events."""

import pytest
from sqlalchemy import select

from geo.db.models import Category, Community, Department, Street
from geo.read.routing import route_for, route_for_case
from tests.integration.factories import (
    STEP,
    X0,
    Y0,
    add_case,
    add_departments_and_category,
    add_layout,
    square,
)


@pytest.fixture
def routes(db):
    """Two streets, each with its office; grid A in street S1, grid B in street S2."""
    with db.transaction() as s:
        departments, manhole = add_departments_and_category(s)
        streets, offices = {}, {}
        for i, code in enumerate(("S1", "S2")):
            street = Street(code=code, name=f"{code}街道")
            street.set_geometry(square(i, 0))
            s.add(street)
            s.flush()
            community = Community(code=f"{code}C1", name=f"{code}社区", street_id=street.id)
            community.set_geometry(square(i, 0))
            offices[code] = Department(code=f"OFFICE_{code}", name=f"{code}街道办事处", street_id=street.id)
            s.add_all([community, offices[code]])
            s.flush()
            streets[code] = (street, community)
        _, grids = add_layout(s, {"A": square(0, 0), "B": square(1, 0)})
        grids["A"].community_id, grids["B"].community_id = streets["S1"][1].id, streets["S2"][1].id
        ids = {code: d.id for code, d in departments.items()} | {k: d.id for k, d in offices.items()}
        noise = Category(code="ZS", name="噪声扰民", class_code="SR", class_name="市容秩序",
                         lead_department_id=ids["CGJ"], co_department_codes="", time_limit=1,
                         time_unit="working_days", routing_rule="territory")
        clutter = Category(code="DW", name="楼道堆物", class_code="WY", class_name="物业管理",
                           lead_department_id=None, co_department_codes="CGJ", time_limit=1,
                           time_unit="working_days", routing_rule="territory")
        unruled = Category(code="QT", name="其他", class_code="QT", class_name="其他", lead_department_id=None,
                           co_department_codes="", time_limit=1, time_unit="working_days", routing_rule="")
        ownerless = Category(code="WZ", name="无主设施", class_code="SZ", class_name="市政设施",
                             lead_department_id=None, co_department_codes="STREET", time_limit=1,
                             time_unit="working_days", routing_rule="owner")
        s.add_all([noise, clutter, unruled, ownerless])
        s.flush()
        cases = {}
        for grid, (i, code) in (("A", (0, "CA")), ("B", (1, "CB"))):
            case = add_case(s, noise, number=code, lon=X0 + (i + 0.5) * STEP, lat=Y0 + 0.5 * STEP)
            case.grid_id = grids[grid].id
            cases[grid] = case.id
        outside = add_case(s, noise, number="OUT", lon=X0 - 0.01, lat=Y0)
        cases["outside"] = outside.id
    return db, ids, cases


def route(db, code, street_code=None):
    with db.session() as s:
        street_id = s.scalar(select(Street.id).where(Street.code == street_code)) if street_code else None
        return route_for(s, s.scalars(select(Category).where(Category.code == code)).one(), street_id)


def test_a_facility_problem_goes_to_the_owner_first(routes):
    db, ids, _ = routes
    r = route(db, "JG", "S1")  # manhole cover: owner SZ leads, CGJ assists
    assert (r.lead_department_id, r.co_department_ids, r.rule) == (ids["SZ"], (ids["CGJ"],), "owner")


def test_an_event_goes_to_the_office_of_its_own_street(routes):
    db, ids, _ = routes
    assert route(db, "ZS", "S1") == route(db, "ZS", "S1")
    assert (route(db, "ZS", "S1").lead_department_id, route(db, "ZS", "S1").co_department_ids) == (
        ids["S1"], (ids["CGJ"],))
    assert route(db, "ZS", "S2").lead_department_id == ids["S2"]


def test_a_case_is_routed_by_the_street_its_grid_lies_in(routes):
    db, ids, cases = routes
    from geo.db.models import Case

    with db.session() as s:
        assert route_for_case(s, s.get(Case, cases["A"])).lead_department_id == ids["S1"]
        assert route_for_case(s, s.get(Case, cases["B"])).lead_department_id == ids["S2"]
        # outside every grid: no territory, so the owner (CGJ, named on the category) leads
        assert route_for_case(s, s.get(Case, cases["outside"])).lead_department_id == ids["CGJ"]


def test_a_territory_category_without_an_owner_has_no_route_outside_every_street(routes):
    db, ids, _ = routes
    assert route(db, "DW", "S2").lead_department_id == ids["S2"]
    assert route(db, "DW", None) is None


def test_a_facility_without_a_known_owner_falls_back_to_the_street_office(routes):
    db, ids, _ = routes
    r = route(db, "WZ", "S2")
    assert (r.lead_department_id, r.co_department_ids) == (ids["S2"], ())


def test_no_rule_or_no_category_goes_to_the_manual_queue(routes):
    db, _, _ = routes
    assert route(db, "QT", "S1") is None
    with db.session() as s:
        assert route_for(s, None, None) is None
