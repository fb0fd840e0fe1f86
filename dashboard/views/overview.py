"""Overview: the district's KPI tiles and a map of grids coloured by open cases."""

from datetime import UTC, datetime

import streamlit as st
from streamlit_folium import st_folium

from dashboard.analysis_draw import add_legend, grid_map, value_colours
from dashboard.auth import require_actor
from dashboard.data import database, layout_geojson
from dashboard.i18n import t
from dashboard.markup import escape
from dashboard.tiles import kpi_tiles
from geo.read.layouts import NoActiveLayout
from geo.read.overview import overview

db = database()
actor = require_actor()
st.title(t("app_title"))
try:
    page = db.read(overview, datetime.now(UTC), actor=actor)
except NoActiveLayout:
    st.info(t("no_layout"))
    st.stop()

kpi_tiles(page.kpis)
st.subheader(t("open_by_grid"))
st.caption(f"{t('layout')}: {escape(page.layout.name)}")
fill, legend = value_colours(page.open_by_grid)
m = grid_map(layout_geojson(db.url, page.layout.id), fill, {g: f"{n:,}" for g, n in page.open_by_grid.items()},
             t("open_cases"), page.layout.bounds)
add_legend(m, [(t("open_cases"), legend)])
st_folium(m, key="overview_map", height=620, use_container_width=True, returned_objects=[])
