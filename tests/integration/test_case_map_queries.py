"""The case map's queries on every backend: filters, scope, the layer chosen for a view, and the caps."""

from __future__ import annotations

from datetime import timedelta

import pytest
import shapely

from geo.db.models import Building, CaseDispatch
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role, Status
from geo.read.case_map import (
    CaseFilters,
    MapView,
    cell_counts,
    filter_counts,
    grid_counts,
    locate_case,
    map_layer,
)
from geo.read.case_map_lookup import buildings_in_view, filter_options, grid_summary, panel_actions
from tests.integration.factories import (
    STEP,
    T0,
    X0,
    Y0,
    add_case,
    add_departments_and_category,
    add_layout,
    square,
)

NOW = T0 + timedelta(hours=6)
WHOLE = MapView(X0 - STEP, Y0 - STEP, X0 + 3 * STEP, Y0 + 2 * STEP, zoom=12)
SUPERVISOR = Actor("sup", Role.SUPERVISOR)


@pytest.fixture
def district(db):
    """Two unit-square grids A (left) and B (right); three cases in A, one in B; C2 whistled 5 h ago to SZ
    (not reported in: red card), C3 whistled to CGJ and reported in after 10 min."""
    with db.transaction() as s:
        layout, grids = add_layout(s, {"A": square(0, 0), "B": square(1, 0)})
        departments, category = add_departments_and_category(s)
        cases = [add_case(s, category, f"C{i}", lon=X0 + (0.0002 * i if i < 4 else 0.0015), lat=Y0 + 0.0005,
                          reported_at=T0 + timedelta(minutes=i)) for i in range(1, 5)]
        for case in cases:
            case.grid_id = grids["A" if case.lon < X0 + STEP else "B"].id
        cases[1].status, cases[2].status, cases[3].status = Status.WHISTLED, Status.CLOSED, Status.WHISTLED
        cases[0].description = "井盖 100%_缺失"
        s.add_all([CaseDispatch(case_id=cases[1].id, department_id=departments["SZ"].id, role="lead",
                                whistled_at=NOW - timedelta(hours=5)),
                   CaseDispatch(case_id=cases[2].id, department_id=departments["CGJ"].id, role="lead",
                                whistled_at=T0, reported_in_at=T0 + timedelta(minutes=10)),
                   CaseDispatch(case_id=cases[3].id, department_id=departments["CGJ"].id, role="lead",
                                whistled_at=NOW - timedelta(minutes=5))])
        building = Building(code="B1", address="人民路1号", grid_id=grids["A"].id)
        building.set_geometry(shapely.MultiPolygon([shapely.box(X0 + 0.0001, Y0 + 0.0001, X0 + 0.0003,
                                                                Y0 + 0.0003)]))
        s.add(building)
    return db, layout.id, grids, departments


def _numbers(db, filters, view=WHOLE, cap=2000, layout_id=None):
    with db.session() as s:
        layer = map_layer(s, filters, view, NOW, layout_id, cap=cap)
    return layer, sorted(layer.rows["number"]) if layer.kind == "cases" else None


def test_a_few_matching_cases_are_drawn_one_by_one_even_zoomed_out(district):
    db, layout_id, *_ = district
    layer, numbers = _numbers(db, CaseFilters(actor=SUPERVISOR), layout_id=layout_id)
    assert layer.kind == "cases" and numbers == ["C1", "C2", "C3", "C4"]
    assert (layer.counts.total, layer.counts.open) == (4, 3)


def test_each_case_carries_its_worst_card(district):
    db, layout_id, *_ = district
    layer, _ = _numbers(db, CaseFilters(actor=SUPERVISOR), layout_id=layout_id)
    assert dict(zip(layer.rows["number"], layer.rows["card"])) == {"C1": "none", "C2": "red", "C3": "none",
                                                                  "C4": "none"}


def test_more_cases_than_the_cap_are_counted_per_grid_when_zoomed_out(district):
    db, layout_id, _grids, _ = district
    layer, _ = _numbers(db, CaseFilters(actor=SUPERVISOR), cap=2, layout_id=layout_id)
    assert layer.kind == "grids" and not layer.too_many
    assert dict(zip(layer.rows["code"], layer.rows["n"])) == {"A": 3, "B": 1}
    assert dict(zip(layer.rows["code"], layer.rows["open"])) == {"A": 2, "B": 1}


def test_too_many_cases_in_a_zoomed_in_view_say_so_and_fall_back_to_counts(district):
    db, layout_id, *_ = district
    zoomed = MapView(WHOLE.west, WHOLE.south, WHOLE.east, WHOLE.north, zoom=17)
    layer, _ = _numbers(db, CaseFilters(actor=SUPERVISOR), view=zoomed, cap=2, layout_id=layout_id)
    assert layer.kind == "grids" and layer.too_many


def test_only_cases_in_the_view_are_returned(district):
    db, layout_id, *_ = district
    right = MapView(X0 + STEP, Y0, X0 + 2 * STEP, Y0 + STEP, zoom=17)
    assert _numbers(db, CaseFilters(actor=SUPERVISOR), view=right, layout_id=layout_id)[1] == ["C4"]


@pytest.mark.parametrize(("filters", "expected"), [
    (CaseFilters(statuses=("whistled",), actor=SUPERVISOR), ["C2", "C4"]),
    (CaseFilters(cards=("red",), actor=SUPERVISOR), ["C2"]),
    (CaseFilters(cards=("yellow", "discipline"), actor=SUPERVISOR), []),
    (CaseFilters(text="100%_", actor=SUPERVISOR), ["C1"]),
    (CaseFilters(text="c3", actor=SUPERVISOR), ["C3"]),
    (CaseFilters(start=T0 + timedelta(minutes=2), end=T0 + timedelta(minutes=4), actor=SUPERVISOR), ["C2", "C3"]),
    (CaseFilters(sources=("deputy",), actor=SUPERVISOR), []),
    (CaseFilters(class_codes=("SZSS",), actor=SUPERVISOR), ["C1", "C2", "C3", "C4"]),
])
def test_each_filter_narrows_the_cases(district, filters, expected):
    db, layout_id, *_ = district
    assert _numbers(db, filters, layout_id=layout_id)[1] == expected


def test_area_and_department_filters_use_the_grid_and_the_dispatches(district):
    db, layout_id, grids, departments = district
    assert _numbers(db, CaseFilters(grid_ids=(grids["B"].id,), actor=SUPERVISOR), layout_id=layout_id)[1] == ["C4"]
    assert _numbers(db, CaseFilters(department_ids=(departments["CGJ"].id,), actor=SUPERVISOR), layout_id=layout_id)[1] == ["C3", "C4"]


def test_card_and_department_together_mean_the_same_dispatch(district):
    db, layout_id, _, departments = district
    both = CaseFilters(cards=("red",), department_ids=(departments["CGJ"].id,), actor=SUPERVISOR)
    assert _numbers(db, both, layout_id=layout_id)[1] == []


def test_a_department_sees_only_the_cases_whistled_to_it(district):
    db, layout_id, _, departments = district
    staff = Actor("d", Role.DEPARTMENT, department_id=departments["SZ"].id)
    assert _numbers(db, CaseFilters(actor=staff), layout_id=layout_id)[1] == ["C2"]


def test_counts_per_screen_cell_add_up_to_the_cases_in_view(db, district):
    database, *_ = district
    with database.session() as s:
        cells = cell_counts(s, CaseFilters(actor=SUPERVISOR), WHOLE, NOW, cells=(4, 3))
    assert sorted(cells["n"]) == [1, 3]


def test_counts_per_grid_are_placed_at_their_cases(district):
    db, layout_id, *_ = district
    with db.session() as s:
        rows = grid_counts(s, CaseFilters(actor=SUPERVISOR), WHOLE, layout_id, NOW)
    b = rows[rows["code"] == "B"].iloc[0]
    assert (round(b["lon"], 6), round(b["lat"], 6)) == (round(X0 + 0.0015, 6), round(Y0 + 0.0005, 6))


def test_overdue_counts_open_cases_past_their_deadline(district):
    db, *_ = district
    with db.transaction() as s:
        from geo.db.models import Case
        s.query(Case).filter(Case.number == "C2").update({"deadline": NOW - timedelta(minutes=1)})
    with db.session() as s:
        assert filter_counts(s, CaseFilters(actor=SUPERVISOR), NOW).overdue == 1


def test_a_clicked_number_locates_its_case(district):
    db, *_ = district
    with db.session() as s:
        found = locate_case(s, "C4", SUPERVISOR)
        assert found is not None and round(found[1], 4) == round(X0 + 0.0015, 4)
        assert locate_case(s, "nope", SUPERVISOR) is None


def test_a_grid_summary_counts_its_cases_and_cards(district):
    db, _, grids, _ = district
    with db.session() as s:
        summary = grid_summary(s, grids["A"].id, NOW, SUPERVISOR)
    assert (summary["received"], summary["open"], summary["closed"], summary["red"]) == (3, 2, 1, 1)
    assert summary["closure_rate"] == pytest.approx(1 / 3)


def test_buildings_in_view_come_as_geojson_and_not_when_too_many(district):
    db, *_ = district
    with db.session() as s:
        assert "人民路1号" in buildings_in_view(s, WHOLE)
        assert buildings_in_view(s, WHOLE, limit=0) is None


def test_filter_options_list_the_active_layouts_grids(district):
    db, layout_id, *_ = district
    with db.session() as s:
        assert list(filter_options(s, layout_id).grids["code"]) == ["A", "B"]


def test_a_department_gets_report_in_only_on_cases_whistled_to_it():
    dispatch = {"department_id": 7, "role": "lead", "reported_in_at": None, "answered_at": None}
    staff = Actor("d", Role.DEPARTMENT, department_id=7)
    other = Actor("o", Role.DEPARTMENT, department_id=8)
    assert panel_actions("whistled", [dispatch], staff) == ["report_in", "answer"]
    assert panel_actions("whistled", [dispatch], other) == []
    assert panel_actions("whistled", [dispatch], Actor("a", Role.ANALYST)) == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"statuses": ("open",)}, "unknown status ['open']"),
    ({"cards": ("green",)}, "unknown card ['green']"),
    ({"sources": ("fax",)}, "unknown source ['fax']"),
    ({"start": T0, "end": T0}, "the time window is empty"),
    ({"start": T0.replace(tzinfo=None)}, "start must be an aware datetime"),
    ({"text": "x" * 101}, "at most 100"),
])
def test_bad_filters_are_refused_with_the_reason(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        CaseFilters(**kwargs, actor=SUPERVISOR)


def test_a_filter_without_an_actor_is_refused():
    with pytest.raises(TypeError, match="actor"):
        CaseFilters()
    with pytest.raises(TypeError, match="needs the Actor"):
        CaseFilters(actor=None)


def test_an_empty_view_is_refused():
    with pytest.raises(ValueError, match="empty view"):
        MapView(1, 1, 1, 2, zoom=12)


def _merge_c1_into_c3(db):
    from sqlalchemy import select

    from geo.db.models import Case

    with db.transaction() as s:
        c1, c3 = (s.scalar(select(Case).where(Case.number == n)) for n in ("C1", "C3"))
        c1.status, c1.merged_into_id = Status.MERGED, c3.id


@pytest.mark.parametrize("filters", [CaseFilters(actor=SUPERVISOR), CaseFilters(
    statuses=tuple(str(s) for s in Status if s != Status.MERGED), actor=SUPERVISOR)])
def test_a_merged_duplicate_is_neither_drawn_nor_counted_unless_merged_cases_are_asked_for(district, filters):
    db, layout_id, *_ = district
    _merge_c1_into_c3(db)
    layer, numbers = _numbers(db, filters, layout_id=layout_id)
    assert numbers == ["C2", "C3", "C4"] and (layer.counts.total, layer.counts.merged) == (3, 0)
    grids, _ = _numbers(db, filters, cap=2, layout_id=layout_id)
    assert dict(zip(grids.rows["code"], grids.rows["n"])) == {"A": 2, "B": 1}


def test_a_supervisor_who_asks_for_merged_cases_sees_them_counted_as_such(district):
    db, layout_id, *_ = district
    _merge_c1_into_c3(db)
    layer, numbers = _numbers(db, CaseFilters(statuses=("merged", "closed"), actor=SUPERVISOR), layout_id=layout_id)
    assert numbers == ["C1", "C3"] and (layer.counts.total, layer.counts.merged) == (2, 1)
