"""Overview: KPI tiles (the city's or one district's) and a map of open cases per grid — or, when the view
holds a city's worth of grids, per street or district (geo.read.map_shapes), so the browser receives only
what the view shows."""

from datetime import UTC, datetime

import streamlit as st
from streamlit_folium import st_folium

from dashboard.analysis_draw import add_legend, area_layer, fitted_map, value_colours
from dashboard.analysis_widgets import district_picker
from dashboard.auth import require_actor
from dashboard.data import database
from dashboard.i18n import t
from dashboard.tiles import kpi_tiles
from geo.read.layouts import NoActiveLayout, active_layout, area_bounds
from geo.read.map_shapes import MapView, fitting_view, shapes_in_view
from geo.read.overview import area_kpis, open_cases_by_area

MAP_KEY = "overview_map"


def current_view(bounds: tuple[float, float, float, float]) -> MapView:
    """The view the map last reported, or the fitted view of ``bounds`` before it reported."""
    state = st.session_state.get(MAP_KEY) or {}
    try:
        sw, ne = state["bounds"]["_southWest"], state["bounds"]["_northEast"]
        return MapView(float(sw["lng"]), float(sw["lat"]), float(ne["lng"]), float(ne["lat"]), float(state["zoom"]))
    except (KeyError, TypeError, ValueError):
        return fitting_view(bounds)


db = database()
actor = require_actor()
st.title(t("app_title"))
district_id = district_picker(actor, "overview_district")
with db.session() as session:
    try:
        layout = active_layout(session)
    except NoActiveLayout:
        st.info(t("no_layout"))
        st.stop()
    now = datetime.now(UTC)
    kpis = area_kpis(session, now, district_id)
    bounds = area_bounds(session, layout.id, district_id)
    shapes = shapes_in_view(session, layout.id, current_view(bounds), district_id=district_id)
    open_by_area = open_cases_by_area(session, layout.id, shapes.level, district_id)

kpi_tiles(kpis)
st.subheader(t("open_by_grid"))
st.caption(f"{t('layout')}: {layout.name} · {t('city_level_' + shapes.level)}")
fill, legend = value_colours(open_by_area)
m = fitted_map(bounds)
add_legend(m, [(t("open_cases"), legend)])
st_folium(m, key=MAP_KEY, height=620, use_container_width=True, returned_objects=["bounds", "zoom"],
          feature_group_to_add=area_layer(shapes.geojson(), fill, {a: f"{n:,}" for a, n in open_by_area.items()},
                                          t("open_cases")))
