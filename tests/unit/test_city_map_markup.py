"""A city's map shapes (streets and districts drawn as areas, grids in view) carry names a district typed in:
they reach the map's HTML only escaped (dashboard.markup), like the grids of main's district map."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely

from dashboard.analysis_draw import area_layer, fitted_map
from dashboard.case_map_draw import base_map, case_layer
from geo.read.case_map import FilterCounts, MapLayer
from geo.read.map_shapes import Shapes

MARKUP = '<img src=x onerror="window.__xss=1">'
LABELS = {"cases": "件", "open": "在办", "zoom_in": "放大查看"}


def _shapes(level: str) -> Shapes:
    frame = pd.DataFrame({"id": [1, 2], "code": [f"D1{MARKUP}", "D2"], "name": [f"区{MARKUP}", "区2"],
                          "geometry": [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]})
    return Shapes(level, frame, 5)


def _html(group) -> str:
    m = fitted_map((0, 0, 2, 1))
    group.add_to(m)
    return m.get_root().render()


@pytest.mark.parametrize("level", ["district", "street", "grid"])
def test_area_names_on_the_case_map_are_escaped(level):
    kind, key = ("grids", "grid_id") if level == "grid" else ("areas", "area_id")
    rows = pd.DataFrame({key: [1, 2], "code": ["", ""], "name": ["", ""], "n": [5, 0], "open": [2, 0]})
    layer = MapLayer(kind, rows, FilterCounts(5, 2, 0), in_view=5)
    html = _html(case_layer(layer, LABELS, _shapes(level)))
    assert MARKUP not in html and "#60;img" in html


def test_a_districts_grids_in_the_base_map_are_escaped():
    grids = _shapes("grid").geojson()
    html = base_map((0, 0, 2, 1), 12.5, grids).get_root().render()
    assert MARKUP not in html and "#60;img" in html


def test_area_shapes_of_the_analysis_maps_are_escaped():
    html = _html(area_layer(_shapes("district").geojson(), {1: "#ff0000"}, {1: f"tip{MARKUP}"}, "open"))
    assert MARKUP not in html and "#60;img" in html
