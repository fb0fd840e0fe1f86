"""Hotspots: where problems concentrate – Gi* hot/cold spots, counts or emerging trends per grid, an H3 or
kernel-density layer below the grid level, and a ranked table linked to the map."""

import streamlit as st
from streamlit_folium import st_folium

from dashboard import analysis_data as data
from dashboard.analysis_draw import (
    GI_COLOURS,
    TREND_COLOURS,
    add_density,
    add_hexagons,
    add_legend,
    grid_map,
    value_colours,
)
from dashboard.analysis_widgets import category_picker, district_picker, layout_or_stop, window_picker
from dashboard.auth import require_actor
from dashboard.data import database
from dashboard.i18n import t
from geo.read.analysis_filters import BBOX
from geo.read.map_shapes import MAX_GRIDS

#: A city-wide result has tens of thousands of grids: the map draws the grids that matter most.
MAP_GRIDS = 2 * MAX_GRIDS

actor = require_actor()
st.title(t("hs_title"))
st.caption(t("hs_caption"))
layout_id, layout_name = layout_or_stop()
url = database().url

c_window, c_district, c_class, c_category, c_view, c_detail = st.columns([2.2, 1.2, 1.4, 1.6, 1.6, 1.4])
first, last = window_picker("hs_window", c_window)
district_id = district_picker(actor, "hs_district", c_district)
category_id, class_code = category_picker("hs", c_class, c_category)
view = c_view.selectbox(t("hs_view"), ["gi", "counts", "emerging"], key="hs_view",
                        format_func=lambda v: t(f"hs_view_{v}"))
detail = c_detail.selectbox(t("hs_detail"), ["none", "h3", "kde"], key="hs_detail",
                            format_func=lambda v: t(f"hs_detail_{v}"))

result = data.hotspots(url, actor, first, last, category_id, class_code, detail, district_id)
if result.total == 0:
    st.info(t("hs_no_cases"))
    st.stop()

table = result.table
classes = result.class_counts()
trends = result.emerging["trend"].value_counts()
k1, k2, k3, k4 = st.columns(4)
k1.metric(t("hs_total"), f"{result.total:,}")
k2.metric(t("hs_hot"), f"{sum(v for c, v in classes.items() if c.startswith('hot')):,}",
          help=" · ".join(f"{t('hs_' + c)}: {classes[c]}" for c in ("hot_99", "hot_95", "hot_90")))
k3.metric(t("hs_cold"), f"{sum(v for c, v in classes.items() if c.startswith('cold')):,}",
          help=" · ".join(f"{t('hs_' + c)}: {classes[c]}" for c in ("cold_99", "cold_95", "cold_90")))
k4.metric(t("hs_rising"), f"{int(trends.get('new', 0) + trends.get('intensifying', 0)):,}",
          help=f"{result.recent_window.start:%Y-%m-%d} – {result.recent_window.end:%Y-%m-%d}")

map_column, table_column = st.columns([1.3, 1], gap="medium")

# ---- ranked table (drawn first: its selection decides what the map outlines and zooms to)
with table_column:
    st.markdown(f"**{t('hs_ranked')}**")
    shown = table.assign(
        hotspot_class=table["hotspot_class"].map(lambda c: t(f"hs_{c}")),
        trend=table["trend"].map(lambda c: t(f"hs_{c}")),
    )[["code", "name", "community", "count", "z", "p", "hotspot_class", "trend"]]
    event = st.dataframe(
        shown, key="hs_table", on_select="rerun", selection_mode="single-row", hide_index=True, height=600,
        column_config={
            "code": t("hs_col_code"), "name": t("hs_col_name"), "community": t("hs_col_community"),
            "count": st.column_config.NumberColumn(t("hs_col_count"), format="%d"),
            "z": st.column_config.NumberColumn("Gi* z", format="%.2f"),
            "p": st.column_config.NumberColumn("p", format="%.4f"),
            "hotspot_class": t("hs_col_class"), "trend": t("hs_col_trend"),
        },
    )
    rows = event.selection.rows if event else []
    table_pick = int(table["grid_id"].iloc[rows[0]]) if rows else None
    if table_pick != st.session_state.get("hs_last_table_pick"):
        st.session_state["hs_last_table_pick"] = table_pick
        st.session_state["hs_selected"] = table_pick
    selected = st.session_state.get("hs_selected")
    chosen = table[table["grid_id"] == selected]
    if len(chosen):
        row = chosen.iloc[0]
        trend_row = result.emerging[result.emerging["grid_id"] == selected].iloc[0]
        st.markdown(
            f"**{t('hs_selected')}: {row['code']} {row['name']}** · {row['street']} / {row['community']} · "
            f"{t('hs_col_member')} {row['member']}  \n"
            f"{t('hs_col_count')} {int(row['count']):,} · Gi* z {row['z']:.2f} · p {row['p']:.4f} · "
            f"{t('hs_' + row['hotspot_class'])} · {t('hs_recent')} {int(trend_row['recent'])} / "
            f"{t('hs_before')} {int(trend_row['before'])} · {t('hs_' + trend_row['trend'])}")

# ---- map
with map_column:
    by_id = table.set_index("grid_id")
    if view == "gi":
        fill = {g: GI_COLOURS[c] for g, c in by_id["hotspot_class"].items()}
        tips = {g: f"{int(r['count']):,} · {t('hs_' + r['hotspot_class'])} · z {r['z']:.2f}" for g, r in by_id.iterrows()}
        legend = [(t("hs_legend_gi"), [(GI_COLOURS[c], f"{t('hs_' + c)} ({classes[c]})") for c in GI_COLOURS])]
    elif view == "counts":
        fill, items = value_colours(by_id["count"].to_dict())
        tips = {g: f"{int(v):,}" for g, v in by_id["count"].items()}
        legend = [(t("hs_legend_counts"), items)]
    else:
        trend_by_id = result.emerging.set_index("grid_id")
        fill = {g: TREND_COLOURS[c] for g, c in trend_by_id["trend"].items()}
        tips = {g: f"{int(r['recent'])} / {int(r['before'])} · {t('hs_' + r['trend'])}"
                for g, r in trend_by_id.iterrows()}
        counts = trend_by_id["trend"].value_counts()
        legend = [(t("hs_legend_emerging"),
                   [(TREND_COLOURS[c], f"{t('hs_' + c)} ({int(counts.get(c, 0))})") for c in TREND_COLOURS])]
    focus = tuple(chosen.iloc[0][BBOX]) if len(chosen) else None
    weight = {"gi": by_id["z"].abs(), "counts": by_id["count"]}.get(view)
    if weight is None:
        weight = (result.emerging.set_index("grid_id")["trend"] != "steady").astype(int)
    drawn = weight.sort_values(ascending=False, kind="stable").index[:MAP_GRIDS]
    shapes = data.grid_shapes(url, tuple(sorted(int(g) for g in set(drawn) | ({selected} - {None}))), result.bounds)
    m = grid_map(shapes.geojson(), fill, tips, t(f"hs_view_{view}"), result.bounds, selected, focus)
    if result.cells is not None and len(result.cells):
        legend.append((t("hs_legend_h3"), add_hexagons(m, result.cells.to_json(drop_id=True),
                                                        result.cells["count"], t("hs_detail_h3"),
                                                        t("hs_col_count"))))
    elif result.density is not None:
        legend.append((t("hs_legend_kde"), add_density(m, result.density, result.bounds, t("hs_detail_kde"))))
    add_legend(m, legend)
    clicked = st_folium(m, key="hs_map", height=680, use_container_width=True,
                        returned_objects=["last_active_drawing"])
    drawing = (clicked or {}).get("last_active_drawing") or {}
    map_pick = (drawing.get("properties") or {}).get("id")
    if map_pick is not None and map_pick != st.session_state.get("hs_last_map_pick"):
        st.session_state["hs_last_map_pick"] = map_pick
        if map_pick != selected:
            st.session_state["hs_selected"] = map_pick
            st.rerun()
    st.caption(f"{t('layout')}: {layout_name} · {t('hs_inference_' + result.inference)}"
               + (f" · {t('hs_map_top').format(shown=len(drawn), total=len(by_id))}" if len(drawn) < len(by_id) else ""))
