"""Overview: the district's KPI tiles and a map of grids coloured by open cases."""

from datetime import UTC, datetime

import streamlit as st
from streamlit_folium import st_folium

from dashboard.data import database, layout_geojson
from dashboard.grid_map import grid_choropleth
from dashboard.i18n import t
from dashboard.tiles import kpi_tiles
from geo.layouts import NoActiveLayout, active_layout, layout_bounds
from geo.overview import district_kpis, open_cases_by_grid

db = database()
st.title(t("app_title"))
with db.session() as session:
    try:
        layout = active_layout(session)
    except NoActiveLayout:
        st.info(t("no_layout"))
        st.stop()
    now = datetime.now(UTC)
    kpis = district_kpis(session, now)
    open_by_grid = open_cases_by_grid(session, layout.id)
    bounds = layout_bounds(session, layout.id)

kpi_tiles(kpis)
st.subheader(t("open_by_grid"))
st.caption(f"{t('layout')}: {layout.name}")
m = grid_choropleth(layout_geojson(db.url, layout.id), open_by_grid, value_label=t("open_cases"),
                    bounds=bounds)
st_folium(m, key="overview_map", height=620, use_container_width=True, returned_objects=[])
