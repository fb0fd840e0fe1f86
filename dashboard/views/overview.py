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
from dashboard.markup import escape
from dashboard.tiles import kpi_tiles
from geo.read.layouts import NoActiveLayout
from geo.read.map_shapes import MapView
from geo.read.overview import overview

MAP_KEY = "overview_map"


def reported_view() -> MapView | None:
    """The view the map last reported, or None before it reported (the page then fits the city/district)."""
    state = st.session_state.get(MAP_KEY) or {}
    try:
        sw, ne = state["bounds"]["_southWest"], state["bounds"]["_northEast"]
        return MapView(float(sw["lng"]), float(sw["lat"]), float(ne["lng"]), float(ne["lat"]), float(state["zoom"]))
    except (KeyError, TypeError, ValueError):
        return None


db = database()
actor = require_actor()
st.title(t("app_title"))
district_id = district_picker(actor, "overview_district")
try:
    page = db.read(overview, datetime.now(UTC), reported_view(), district_id, actor=actor)
except NoActiveLayout:
    st.info(t("no_layout"))
    st.stop()

kpi_tiles(page.kpis)
st.subheader(t("open_by_grid"))
st.caption(f"{t('layout')}: {escape(page.layout.name)} · {t('city_level_' + page.shapes.level)}")
fill, legend = value_colours(page.open_by_grid)
m = fitted_map(page.bounds)
add_legend(m, [(t("open_cases"), legend)])
st_folium(m, key=MAP_KEY, height=620, use_container_width=True, returned_objects=["bounds", "zoom"],
          feature_group_to_add=area_layer(page.shapes.geojson(), fill,
                                          {a: f"{n:,}" for a, n in page.open_by_grid.items()}, t("open_cases")))
