"""Placing cases through the database path (report_case, regrid) on every backend.

Layout: four 0.001° squares (≈ 85 × 111 m) A B / C D near 106.8E 39.67N; A has a hole holding grid H;
grid M is multipart (two separate squares to the east)."""

import json
from datetime import timedelta

import numpy as np
import pytest
import shapely
from sqlalchemy import select

from geo.db.models import Case, CaseEvent, CaseGridAssignment, Grid
from geo.domain.actors import Actor
from geo.domain.datums import wgs84_to_bd09, wgs84_to_gcj02
from geo.domain.vocabulary import Role
from geo.domain.workflow import InvalidInput
from geo.usecases.case_actions import perform
from geo.usecases.intake import NewCase, report_case
from geo.usecases.recut import apply_regrid, regrid_diff
from tests.integration.factories import STEP, T0, X0, Y0, add_departments_and_category, add_layout, square

CLERK = Actor("接线员", Role.SUPERVISOR)
HOLE = shapely.box(X0 + 0.3 * STEP, Y0 + 1.3 * STEP, X0 + 0.7 * STEP, Y0 + 1.7 * STEP)


def layout_cells():
    return {
        "A": square(0, 1).difference(HOLE), "B": square(1, 1), "C": square(0, 0), "D": square(1, 0),
        "H": HOLE, "M": shapely.MultiPolygon([square(3, 0), square(3, 2)]),
    }


@pytest.fixture
def district(db):
    with db.transaction() as s:
        add_layout(s, layout_cells())
    return db


def place(db, lon, lat, datum="wgs84"):
    with db.transaction() as s:
        case = report_case(s, NewCase(source="hotline_12345", lon=lon, lat=lat, datum=datum, reported_at=T0), CLERK)
        grid = s.get(Grid, case.grid_id) if case.grid_id else None
        return (grid.code if grid else None), case.snapped, case.near_boundary


def test_a_point_inside_a_grid_goes_to_that_grid(district):
    assert place(district, X0 + 1.5 * STEP, Y0 + 0.5 * STEP) == ("D", False, False)


def test_a_point_on_a_shared_edge_goes_to_the_lowest_grid_code(district):
    assert place(district, X0 + STEP, Y0 + 0.5 * STEP)[0] == "C"  # edge of C and D


def test_a_point_on_a_shared_vertex_goes_to_the_lowest_grid_code(district):
    assert place(district, X0 + STEP, Y0 + STEP)[0] == "A"  # corner of A, B, C, D


def test_a_point_just_outside_within_tolerance_is_snapped_and_flagged(district):
    code, snapped, near = place(district, X0 - 10 / 85_000, Y0 + 0.5 * STEP)  # ≈ 10 m west of C
    assert (code, snapped) == ("C", True)


def test_a_point_far_outside_goes_to_the_unassigned_queue(district):
    assert place(district, X0 - 0.01, Y0) == (None, False, False)


def test_a_point_in_a_hole_goes_to_the_grid_filling_the_hole(district):
    assert place(district, X0 + 0.5 * STEP, Y0 + 1.5 * STEP)[0] == "H"


def test_both_parts_of_a_multipart_grid_hold_cases(district):
    assert place(district, X0 + 3.5 * STEP, Y0 + 0.5 * STEP)[0] == "M"
    assert place(district, X0 + 3.5 * STEP, Y0 + 2.5 * STEP)[0] == "M"


def test_a_point_near_an_edge_is_flagged_for_confirmation(district):
    code, snapped, near = place(district, X0 + STEP - 2 / 85_000, Y0 + 0.5 * STEP)  # 2 m inside C
    assert (code, snapped, near) == ("C", False, True)


@pytest.mark.parametrize("convert,datum", [(wgs84_to_gcj02, "gcj02"), (wgs84_to_bd09, "bd09")])
def test_phone_coordinates_are_converted_before_assignment(district, convert, datum):
    lon, lat = X0 + 1.5 * STEP, Y0 + 1.5 * STEP  # inside B; the datum shift (hundreds of metres) leaves it
    shifted_lon, shifted_lat = convert(np.array([lon]), np.array([lat]))
    assert place(district, float(shifted_lon[0]), float(shifted_lat[0]), datum)[0] == "B"
    assert place(district, float(shifted_lon[0]), float(shifted_lat[0]), "wgs84")[0] != "B"


def test_an_unknown_datum_is_refused(district):
    with pytest.raises(ValueError, match="unknown datum 'mars'"):
        place(district, X0, Y0, "mars")


def test_a_recut_moves_cases_in_one_transaction_with_an_event_each_and_keeps_history(district):
    place(district, X0 + 0.5 * STEP, Y0 + 0.5 * STEP)  # in C
    place(district, X0 + 1.5 * STEP, Y0 + 0.5 * STEP)  # in D
    with district.transaction() as s:
        merged = {"A": square(0, 1), "B": square(1, 1), "C": square(0, 0).union(square(1, 0))}
        new_layout, _ = add_layout(s, merged, name="re-cut", activate=False)
        _, moved = regrid_diff(s, new_layout.id)
        assert moved[["old_grid", "new_grid"]].values.tolist() == [["D", "C"]]
        apply_regrid(s, new_layout.id, CLERK, T0 + timedelta(days=1))
    with district.session() as s:
        codes = s.scalars(select(Grid.code).join(Case, Case.grid_id == Grid.id).order_by(Case.id)).all()
        assert codes == ["C", "C"]
        moved = s.execute(select(CaseEvent.note_key, CaseEvent.note_params).where(CaseEvent.action == "regrid")).all()
        assert moved == [("regridded", '{"new":"C","old":"D"}')]
        assert s.query(CaseGridAssignment).count() == 4  # both cases under both layouts


def test_changing_the_category_re_routes_and_logs_it(district):
    with district.transaction() as s:
        departments, category = add_departments_and_category(s)
        case = report_case(s, NewCase(source="resident_app", lon=X0 + 0.0005, lat=Y0 + 0.0005, reported_at=T0), CLERK)
        perform(s, case.id, "change_category", CLERK, case.version, now=T0, category_id=category.id)
        event = s.scalars(select(CaseEvent).where(CaseEvent.action == "change_category")).one()
        key, params = event.note_key, json.loads(event.note_params)
    assert (key, params) == ("recategorised", {"old": "—", "new": "井盖缺失破损", "lead": "市政公用事业服务中心",
                                               "co": ["城市管理局"]})


def test_an_unknown_category_is_refused_without_writing(district):
    with pytest.raises(InvalidInput, match="no category with id 999"):
        with district.transaction() as s:
            report_case(s, NewCase(source="resident_app", lon=X0, lat=Y0, category_id=999), CLERK)
