"""Hotspots: where problems concentrate – Gi* hot/cold spots on one of four measures (H3 cells by default),
the measure's values, emerging trends or space-time patterns per unit, a detail layer and a ranked table linked
to the map, and the result as a GeoPackage."""

import streamlit as st
from streamlit_folium import st_folium

from dashboard import analysis_data as data
from dashboard.analysis_draw import (
    GI_COLOURS,
    PATTERN_COLOURS,
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
from dashboard.markup import escape
from geo.domain.hotspot_measures import MEASURES, RECOMMENDED, h3_cell_km2
from geo.read.analysis_filters import BBOX
from geo.read.map_shapes import MAX_GRIDS
from loaders.exports import GPKG_MIME

#: A city-wide result has tens of thousands of grids: the map draws the grids that matter most.
MAP_GRIDS = 2 * MAX_GRIDS

actor = require_actor()
st.title(t("hs_title"))
st.caption(t("hs_caption"))
layout_id, layout_name = layout_or_stop()
url = database().url

c_window, c_district, c_measure, c_class, c_category = st.columns([2.2, 1.2, 2.2, 1.4, 1.6])
first, last = window_picker("hs_window", c_window)
district_id = district_picker(actor, "hs_district", c_district)
measure = c_measure.selectbox(t("hs_measure"), MEASURES, index=MEASURES.index(RECOMMENDED), key="hs_measure",
                              format_func=lambda m: t(f"hs_measure_{m}"))
category_id, class_code = category_picker("hs", c_class, c_category)
c_answer, c_view, c_detail = st.columns([4.2, 1.8, 1.4])
view = c_view.selectbox(t("hs_view"), ["gi", "values", "emerging", "space_time"], key="hs_view",
                        format_func=lambda v: t(f"hs_view_{v}"))
detail = c_detail.selectbox(t("hs_detail"), ["none", "kde", *([] if measure == "h3" else ["h3"])],
                            key="hs_detail", format_func=lambda v: t(f"hs_detail_{v}"))

result = data.hotspots(url, actor, first, last, category_id, class_code, detail, measure, district_id)
answer = t(f"hs_answers_{measure}")
if result.resolution is not None:
    answer += "  \n" + t("hs_resolution").format(res=result.resolution, km2=f"{h3_cell_km2(result.resolution):.2f}")
c_answer.caption(answer)
if result.total == 0:
    st.info(t("hs_no_cases"))
    st.stop()
table = result.table
if (table["hotspot_class"] == "no_households").all():
    st.info(t("hs_no_tested_units"))
    st.stop()

classes = result.class_counts()
trends = table["trend"].value_counts()
patterns = result.pattern_counts()
k1, k2, k3, k4, k5 = st.columns(5)
k1.metric(t("hs_total"), f"{result.total:,}")
k2.metric(t(f"hs_hot_{result.unit_kind}"), f"{sum(v for c, v in classes.items() if c.startswith('hot')):,}",
          help=" · ".join(f"{t('hs_' + c)}: {classes[c]}" for c in ("hot_99", "hot_95", "hot_90")))
k3.metric(t(f"hs_cold_{result.unit_kind}"), f"{sum(v for c, v in classes.items() if c.startswith('cold')):,}",
          help=" · ".join(f"{t('hs_' + c)}: {classes[c]}" for c in ("cold_99", "cold_95", "cold_90")))
k4.metric(t("hs_rising"), f"{int(trends.get('new', 0) + trends.get('intensifying', 0)):,}",
          help=f"{result.recent_window.start:%Y-%m-%d} – {result.recent_window.end:%Y-%m-%d}")
k5.metric(t("hs_patterned"), f"{sum(v for p, v in patterns.items() if p.endswith('_hot')):,}",
          help=" · ".join(f"{t('hs_' + p)}: {v}" for p, v in patterns.items() if p.endswith("_hot")))

map_column, table_column = st.columns([1.3, 1], gap="medium")
cells = result.unit_kind == "cell"

# ---- ranked table (drawn first: its selection decides what the map outlines and zooms to)
with table_column:
    st.markdown(f"**{t('hs_ranked')}**")
    columns = [*(["unit_id"] if cells else []), "code", "name", "community", "count",
               *(["value"] if measure in ("per_households", "per_km2") else []), "z", "p", "hotspot_class",
               "trend", "pattern"]
    shown = table.assign(**{c: table[c].map(lambda v: t(f"hs_{v}")) for c in ("hotspot_class", "trend", "pattern")})
    event = st.dataframe(
        shown[columns], key="hs_table", on_select="rerun", selection_mode="single-row", hide_index=True,
        height=600,
        column_config={
            "unit_id": t("hs_col_unit"), "code": t("hs_col_code"), "name": t("hs_col_name"),
            "community": t("hs_col_community"),
            "count": st.column_config.NumberColumn(t("hs_col_count"), format="%d"),
            "value": st.column_config.NumberColumn(t(f"hs_col_value_{measure}"), format="%.1f"),
            "z": st.column_config.NumberColumn("Gi* z", format="%.2f"),
            "p": st.column_config.NumberColumn("p", format="%.4f"),
            "hotspot_class": t("hs_col_class"), "trend": t("hs_col_trend"), "pattern": t("hs_col_pattern"),
        },
    )
    rows = event.selection.rows if event else []
    table_pick = table["unit_id"].iloc[rows[0]] if rows else None
    if table_pick != st.session_state.get("hs_last_table_pick"):
        st.session_state["hs_last_table_pick"] = table_pick
        st.session_state["hs_selected"] = table_pick
    selected = st.session_state.get("hs_selected")
    chosen = table[table["unit_id"] == selected]
    if len(chosen):
        row = chosen.iloc[0]
        unit = f"{row['unit_id']} · " if cells else ""
        st.markdown(
            f"**{t('hs_selected')}: {escape(unit)}{escape(row['code'])} {escape(row['name'])}** · "
            f"{escape(row['street'])} / {escape(row['community'])} · "
            f"{t('hs_col_member')} {escape(row['member'])}  \n"
            f"{t('hs_col_count')} {int(row['count']):,} · Gi* z {row['z']:.2f} · p {row['p']:.4f} · "
            f"{t('hs_' + row['hotspot_class'])} · {t('hs_recent')} {int(row['recent'])} / "
            f"{t('hs_before')} {int(row['before'])} · {t('hs_' + row['trend'])} · "
            f"{t('hs_' + row['pattern'])} ({t('hs_hot_weeks')} {row['hot_weeks']:.0f})")
    st.download_button(t("hs_gpkg"), key="hs_gpkg", mime=GPKG_MIME, on_click="ignore",
                       file_name=f"gridgov-hotspots-{measure}-{first:%Y%m%d}-{last:%Y%m%d}.gpkg",
                       data=lambda: data.hotspots_gpkg(url, actor, first, last, category_id, class_code, measure,
                                                       district_id))

# ---- map
with map_column:
    by_id = table.set_index("unit_id")
    if view == "gi":
        fill = {u: GI_COLOURS[c] for u, c in by_id["hotspot_class"].items()}
        tips = {u: f"{n:,} · {t('hs_' + c)} · z {z:.2f}" for u, n, c, z in
                zip(by_id.index, by_id["count"], by_id["hotspot_class"], by_id["z"])}
        legend = [(t("hs_legend_gi"), [(GI_COLOURS[c], f"{t('hs_' + c)} ({n})") for c, n in classes.items()])]
    elif view == "values":
        fill, items = value_colours(by_id["value"].to_dict())
        tips = {u: f"{v:,.1f}" for u, v in by_id["value"].items()}
        legend = [(t(f"hs_measure_{measure}"), items)]
    elif view == "emerging":
        fill = {u: TREND_COLOURS[c] for u, c in by_id["trend"].items()}
        tips = {u: f"{int(r)} / {int(b)} · {t('hs_' + c)}" for u, r, b, c in
                zip(by_id.index, by_id["recent"], by_id["before"], by_id["trend"])}
        legend = [(t("hs_legend_emerging"),
                   [(TREND_COLOURS[c], f"{t('hs_' + c)} ({int(trends.get(c, 0))})") for c in TREND_COLOURS
                    if c != "no_households" or trends.get(c, 0)])]
    else:
        fill = {u: PATTERN_COLOURS[p] for u, p in by_id["pattern"].items()}
        tips = {u: f"{t('hs_' + p)} · {t('hs_hot_weeks')} {h:.0f}" for u, p, h in
                zip(by_id.index, by_id["pattern"], by_id["hot_weeks"])}
        legend = [(t("hs_legend_space_time"), [(PATTERN_COLOURS[p], f"{t('hs_' + p)} ({n})")
                                               for p, n in patterns.items()])]
    focus = tuple(chosen.iloc[0][BBOX]) if len(chosen) else None
    if cells or len(by_id) <= MAP_GRIDS:
        drawn = by_id.index
        geojson = data.unit_geojson(url, layout_id, measure, district_id)
    else:  # a city's grids: the MAP_GRIDS that tell most for this view, simplified for the map
        weight = {"gi": by_id["z"].abs(), "values": by_id["value"].fillna(0),
                  "emerging": (~by_id["trend"].isin(["steady", "no_households"])).astype(int),
                  "space_time": (~by_id["pattern"].isin(["no_pattern", "no_households"])).astype(int)}[view]
        drawn = weight.sort_values(ascending=False, kind="stable").index[:MAP_GRIDS]
        ids = tuple(sorted(int(g) for g in set(drawn) | ({selected} - {None})))
        geojson = data.grid_shapes(url, ids, result.bounds).geojson()
    # Grid outlines over the cells, for orientation — not a city's tens of thousands of grids.
    places = data.areas(url, layout_id)
    study_grids = len(places) if district_id is None else int((places["district_id"] == district_id).sum())
    outlines = data.grid_outlines(url, layout_id, district_id) if cells and study_grids <= MAP_GRIDS else None
    m = grid_map(geojson, fill, tips, t(f"hs_view_{view}"), result.bounds, selected, focus, outlines=outlines)
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
    if view == "space_time":
        st.markdown(f"**{t('hs_weekly')}**")
        weekly = result.weekly.assign(week=[f"{d:%m-%d}" for d in result.weekly["week_start"]]).set_index("week")
        st.bar_chart(weekly[["hot", "cold"]].rename(columns={"hot": t("hs_weekly_hot"), "cold": t("hs_weekly_cold")}),
                     height=220, color=["#b2182b", "#2166ac"], x_label="", y_label="")
    top = t("hs_map_top").format(shown=len(drawn), total=len(by_id)) if len(drawn) < len(by_id) else ""
    st.caption(f"{t('layout')}: {escape(layout_name)} · {t('hs_inference_' + result.inference)}"
               + (f" · {top}" if top else ""))
