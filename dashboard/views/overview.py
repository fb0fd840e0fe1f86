"""Overview: the district's KPI tiles and a map of grids coloured by open cases."""

from datetime import UTC, datetime

import streamlit as st
from streamlit_folium import st_folium

from dashboard.analysis_draw import add_legend, grid_map, value_colours
from dashboard.auth import require_actor
from dashboard.data import database, layout_geojson
from dashboard.i18n import t
from dashboard.tiles import kpi_tiles
from geo.read.layouts import NoActiveLayout, active_layout, layout_bounds
from geo.read.overview import district_kpis, open_cases_by_grid

db = database()
actor = require_actor()
st.title(t("app_title"))
with db.session() as session:
    try:
        layout = active_layout(session)
    except NoActiveLayout:
        st.info(t("no_layout"))
        st.stop()
    now = datetime.now(UTC)
    kpis = district_kpis(session, now, actor=actor)
    open_by_grid = open_cases_by_grid(session, layout.id, actor=actor)
    bounds = layout_bounds(session, layout.id)

kpi_tiles(kpis)
st.subheader(t("open_by_grid"))
st.caption(f"{t('layout')}: {layout.name}")
fill, legend = value_colours(open_by_grid)
m = grid_map(layout_geojson(db.url, layout.id), fill, {g: f"{n:,}" for g, n in open_by_grid.items()},
             t("open_cases"), bounds)
add_legend(m, [(t("open_cases"), legend)])
st_folium(m, key="overview_map", height=620, use_container_width=True, returned_objects=[])
