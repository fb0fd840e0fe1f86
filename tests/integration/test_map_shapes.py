"""Maps receive only what the view shows: the grids in view when few, else streets, else districts, simplified
for the zoom — on hand-made areas and on the small sample city, on every backend."""

import json
from datetime import timedelta

import pytest
import shapely
from sqlalchemy import func, select

from geo.db.models import Community, District, Street
from geo.domain.actors import SYSTEM, Actor
from geo.domain.vocabulary import Role
from geo.read import map_shapes
from geo.read.case_map import CaseFilters, map_layer
from geo.read.hotspot_service import HotspotQuery, hotspot_view
from geo.read.layouts import active_layout, layout_bounds
from geo.read.map_shapes import MapView, fitting_view, level_for, shapes_in_view, shapes_of
from geo.read.overview import open_cases_by_area
from samples.load import SAMPLE_END
from tests.integration.factories import STEP, X0, Y0, add_layout, square

WHOLE = MapView(X0 - STEP, Y0 - STEP, X0 + 5 * STEP, Y0 + 3 * STEP, zoom=16)


@pytest.fixture
def areas(db):
    """Districts X (street A: grids G1, G2) and Y (street B: grids G3, G4), side by side."""
    with db.transaction() as s:
        ids = {}
        for district, street, cells in (("X", "A", [(0, 0), (1, 0)]), ("Y", "B", [(2, 0), (3, 0)])):
            geom = shapely.MultiPolygon([square(*c) for c in cells])
            d = District(code=district, name=district)
            d.set_geometry(geom)
            s.add(d)
            s.flush()
            st = Street(code=street, name=street, district_id=d.id)
            st.set_geometry(geom)
            s.add(st)
            s.flush()
            c = Community(code=street + "1", name=street + "1", street_id=st.id)
            c.set_geometry(geom)
            s.add(c)
            s.flush()
            ids.update({district: d.id, street: st.id, street + "1": c.id})
        layout, grids = add_layout(s, {f"G{i + 1}": square(i, 0) for i in range(4)})
        for i, grid in enumerate(grids.values()):
            grid.community_id = ids["A1" if i < 2 else "B1"]
        ids["layout"] = layout.id
    return db, ids


def test_a_view_shows_grids_while_few_then_streets_then_districts(areas, monkeypatch):
    db, ids = areas
    with db.session() as s:
        assert level_for(s, ids["layout"], WHOLE) == "grid"
        monkeypatch.setattr(map_shapes, "MAX_GRIDS", 3)
        assert level_for(s, ids["layout"], WHOLE) == "street"
        monkeypatch.setattr(map_shapes, "MAX_STREETS", 1)
        assert level_for(s, ids["layout"], WHOLE) == "district"
        one_grid = MapView(X0 + 0.1 * STEP, Y0 + 0.1 * STEP, X0 + 0.9 * STEP, Y0 + 0.9 * STEP, zoom=18)
        assert level_for(s, ids["layout"], one_grid) == "grid"


def test_only_the_shapes_meeting_the_view_are_read(areas):
    db, ids = areas
    left = MapView(X0 - STEP, Y0 - STEP, X0 + 0.5 * STEP, Y0 + 0.5 * STEP, zoom=16)
    with db.session() as s:
        grids = shapes_in_view(s, ids["layout"], left, "grid")
        streets = shapes_in_view(s, ids["layout"], WHOLE, "street", district_id=ids["Y"])
    assert grids.frame["code"].tolist() == ["G1"]
    assert streets.frame["code"].tolist() == ["B"]


def test_geojson_carries_ids_names_and_extra_properties_with_rounded_coordinates(areas):
    import pandas as pd

    db, ids = areas
    with db.session() as s:
        shapes = shapes_in_view(s, ids["layout"], WHOLE, "district")
    text = shapes.geojson(pd.DataFrame({"n": [7]}, index=[ids["Y"]]))
    features = json.loads(text)["features"]
    assert [(f["properties"]["code"], f["properties"].get("n")) for f in features] == [("X", None), ("Y", 7)]
    assert "bbox" not in text
    longest = max(len(str(c).split(".")[-1]) for f in features for ring in f["geometry"]["coordinates"][0]
                  for xy in ring for c in xy)
    assert longest <= shapes.decimals


def test_shapes_are_simplified_for_the_zoom(db):
    circle = shapely.Point(X0, Y0).buffer(0.01, quad_segs=256)
    with db.transaction() as s:
        _, grids = add_layout(s, {"C": circle})
        grid_id = grids["C"].id
    with db.session() as s:
        far = shapes_of(s, "grid", [grid_id], zoom=9).frame["geometry"].iloc[0]
        near = shapes_of(s, "grid", [grid_id], zoom=17).frame["geometry"].iloc[0]
    assert shapely.get_num_coordinates(far) < 60 < shapely.get_num_coordinates(near)


def test_a_fitted_view_of_the_sample_district_keeps_its_start_zoom():
    view = fitting_view((106.7525, 39.6026, 106.8936, 39.7328), 900, 760)
    assert view.zoom == 12.5


# ------------------------------------------------------------------------------------------- the small city


def _city_view(s):
    layout = active_layout(s)
    return layout.id, fitting_view(layout_bounds(s, layout.id))


def test_the_whole_small_city_is_drawn_as_streets_with_their_counts(city_db):
    with city_db.session() as s:
        layout_id, view = _city_view(s)
        level = level_for(s, layout_id, view)
        shapes = shapes_in_view(s, layout_id, view, level)
        layer = map_layer(s, CaseFilters(actor=SYSTEM), view, SAMPLE_END, layout_id, level=level)
        streets = s.scalar(select(func.count()).select_from(Street))
    assert (level, len(shapes.frame), layer.kind) == ("street", streets, "areas")
    assert int(layer.rows["n"].sum()) == layer.counts.total == 200_000
    assert len(shapes.geojson()) < 300_000


def test_open_cases_per_district_add_up_to_the_open_cases(city_db):
    with city_db.session() as s:
        layout_id, _ = _city_view(s)
        per_district = open_cases_by_area(s, layout_id, "district", actor=SYSTEM)
        per_grid = open_cases_by_area(s, layout_id, "grid", actor=SYSTEM)
    assert len(per_district) == 4 and sum(per_district.values()) == sum(per_grid.values())


def test_hotspots_of_one_district_are_permuted_and_of_the_city_analytic(city_db, monkeypatch):
    from geo.read import hotspot_service
    from geo.read.analysis_filters import Window

    monkeypatch.setattr(hotspot_service, "PERMUTATION_UNITS", 1_000)  # the small city's 2,000 grids stand for 40,000
    analyst = Actor("分析员", Role.ANALYST)
    year = Window(SAMPLE_END - timedelta(days=365), SAMPLE_END)
    with city_db.session() as s:
        district = s.scalar(select(District.id).order_by(District.code))
        in_district = hotspot_view(s, HotspotQuery(year, detail="none", measure="counts", district_id=district),
                                   actor=analyst)
        city = hotspot_view(s, HotspotQuery(year, detail="none", measure="counts"), actor=analyst)
        cells = hotspot_view(s, HotspotQuery(year, detail="none", district_id=district), actor=analyst)
    assert (in_district.inference, city.inference) == ("permutation", "analytic")
    assert cells.unit_kind == "cell" and 0 < cells.total == in_district.total
    assert len(in_district.table) < len(city.table) == 2_000
    assert 0 < in_district.total < city.total
    assert city.class_counts()["hot_99"] > 0  # the planted markets, compounds and sites stand out


def test_an_unknown_inference_is_refused_with_the_accepted_ones(city_db):
    from geo.read.analysis_filters import Window

    with city_db.session() as s, pytest.raises(ValueError, match="permutation"):
        hotspot_view(s, HotspotQuery(Window(SAMPLE_END - timedelta(days=30), SAMPLE_END), detail="none",
                                     inference="bootstrap"), actor=Actor("分析员", Role.ANALYST))
