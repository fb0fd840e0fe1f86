"""Grid load: open, new, overdue, closure rate and median time to close per grid and per grid member, as a
choropleth and sortable tables; drill from the district to a street, then to a community."""

import streamlit as st
from streamlit_folium import st_folium

from dashboard import analysis_data as data
from dashboard.analysis_draw import add_legend, grid_map, value_colours
from dashboard.analysis_widgets import layout_or_stop, window_picker
from dashboard.auth import require_actor
from dashboard.data import database, layout_geojson
from dashboard.i18n import t
from dashboard.markup import escape
from dashboard.tiles import rate_help
from dashboard.volunteer_points_panel import month_figures
from geo.domain.rules import RATES, rate_of
from geo.read.load_service import GRID_FIGURES

LEVEL_FIGURES = ["received", "open", "overdue", "closure_rate", "close_h_median"]
COLOURABLE = ["open", "received", "overdue", "closure_rate", "close_h_median"]

actor = require_actor()
st.title(t("gl_title"))
st.caption(t("gl_caption"))
layout_id, layout_name = layout_or_stop()
url = database().url
places = data.areas(url, layout_id)

# A click in the drill table asks for a street/community; apply it before those widgets are created.
for key in ("gl_street", "gl_community"):
    if f"{key}_next" in st.session_state:
        st.session_state[key] = st.session_state.pop(f"{key}_next")

c_window, c_street, c_community, c_colour, c_table = st.columns([2.2, 1.5, 1.5, 1.5, 1.3])
first, last = window_picker("gl_window", c_window)
named = places.dropna(subset=["street_id", "community_id"])  # grids outside any community have no drill path
streets = dict(zip(named["street_id"].astype(int), named["street_name"]))
ALL = 0  # "no filter" (a None option would show as an empty selectbox)
street_pick = c_street.selectbox(t("gl_street"), [ALL, *streets], key="gl_street",
                                 format_func=lambda s: t("gl_whole_district") if s == ALL else streets[s])
street_id = None if street_pick == ALL else int(street_pick)
in_street = named[named["street_id"] == street_id]
communities = dict(zip(in_street["community_id"].astype(int), in_street["community_name"]))
if st.session_state.get("gl_community") not in communities:
    st.session_state["gl_community"] = ALL
community_pick = c_community.selectbox(t("gl_community"), [ALL, *communities], key="gl_community",
                                       disabled=street_id is None,
                                       format_func=lambda c: t("gl_all_communities") if c == ALL else communities[c])
community_id = None if community_pick == ALL else int(community_pick)
colour_by = c_colour.selectbox(t("gl_colour_by"), COLOURABLE, key="gl_colour", format_func=lambda f: t(f"gl_{f}"))
table_of = c_table.radio(t("gl_table_of"), ["grids", "members"], key="gl_table_of", horizontal=True,
                         format_func=lambda v: t(f"gl_{v}"))

load = data.grid_load(url, actor, data.now_minute(), first, last, street_id, community_id, table_of == "members")
grids = load.grids
totals = grids[["received", "open", "overdue", "closed", "due"]].sum()
k1, k2, k3, k4, k5 = st.columns(5)
k1.metric(t("gl_grids"), f"{len(grids):,}")
k2.metric(t("gl_received"), f"{int(totals['received']):,}")
k3.metric(t("gl_open"), f"{int(totals['open']):,}")
k4.metric(t("gl_overdue"), f"{int(totals['overdue']):,}")
closure = rate_of("closure_rate", totals)
k5.metric(t("gl_closure_rate"), "—" if closure is None else f"{closure:.1%}", help=rate_help("closure_rate"))
if int(totals["received"]) == 0:
    st.info(t("hs_no_cases"))


def figure_columns() -> dict:
    """Column headers and formats of the figures (rates as percentages, hours with one decimal)."""
    config = {}
    for figure in GRID_FIGURES:
        if figure in RATES:
            config[figure] = st.column_config.NumberColumn(t(f"gl_{figure}"), format="percent", help=rate_help(figure))
        elif figure == "close_h_median":
            config[figure] = st.column_config.NumberColumn(t(f"gl_{figure}"), format="%.1f")
        else:
            config[figure] = st.column_config.NumberColumn(t(f"gl_{figure}"), format="%d")
    return config


map_column, level_column = st.columns([1.3, 1], gap="medium")
with level_column:
    st.markdown(f"**{t('gl_by_' + load.level)}**")
    if load.level != "grid":
        st.caption(t("gl_drill_hint"))
        level_rows = load.areas[["id", "name", *LEVEL_FIGURES]]
        event = st.dataframe(level_rows.drop(columns="id"), key=f"gl_levels_{load.level}_{street_id}",
                             on_select="rerun", selection_mode="single-row", hide_index=True,
                             height=min(38 + 35 * len(level_rows), 600),
                             column_config={"name": t("gl_col_name"), **figure_columns()})
        rows = event.selection.rows if event else []
        if rows:
            picked = int(level_rows["id"].iloc[rows[0]])
            st.session_state["gl_street_next" if load.level == "street" else "gl_community_next"] = picked
            st.rerun()
    else:
        st.dataframe(grids[["code", "name", "member", *GRID_FIGURES]], hide_index=True, height=560,
                     column_config={"code": t("gl_col_code"), "name": t("gl_col_name"),
                                    "member": t("hs_col_member"), **figure_columns()})

with map_column:
    values = grids.set_index("grid_id")[colour_by].fillna(0)
    shown = (values * 100).round() if colour_by in RATES else values.round()
    fill, items = value_colours(shown.to_dict())
    if colour_by in RATES:
        items = [(c, f"{label}%") for c, label in items]
    tips = {g: (f"{v:.1%}" if colour_by in RATES else f"{v:,.1f}" if colour_by == "close_h_median" else f"{int(v):,}")
            for g, v in values.items()}
    focus = (grids["minx"].min(), grids["miny"].min(), grids["maxx"].max(), grids["maxy"].max())
    bounds = (places["minx"].min(), places["miny"].min(), places["maxx"].max(), places["maxy"].max())
    m = grid_map(layout_geojson(url, layout_id), fill, tips, t(f"gl_{colour_by}"), bounds, None, focus)
    add_legend(m, [(t(f"gl_{colour_by}"), items)])
    st_folium(m, key="gl_map", height=640, use_container_width=True, returned_objects=[])
    st.caption(f"{t('layout')}: {escape(layout_name)}")

st.markdown(f"**{t('gl_' + table_of)}**")
if table_of == "grids":
    st.dataframe(grids[["code", "name", "street", "community", "member", *GRID_FIGURES]], hide_index=True,
                 column_config={"code": t("gl_col_code"), "name": t("gl_col_name"), "street": t("gl_street"),
                                "community": t("gl_community"), "member": t("hs_col_member"), **figure_columns()})
else:
    st.dataframe(load.members[["member", "grids", *GRID_FIGURES]], hide_index=True,
                 column_config={"member": t("hs_col_member"), "grids": t("gl_col_grids"), **figure_columns()})

st.subheader(t("vol_section"))
month_figures(actor, "gl_vol")
