"""Case map: supervisors filter the district's cases, click one to see its story and act on it, or click a
grid to see its load. The map layer (cases or counts) is decided in geo.read.case_map for the current view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st
from streamlit_folium import st_folium

from dashboard.auth import require_actor
from dashboard.case_map_draw import START_ZOOM, base_map, case_layer, legend_html, parse_click
from dashboard.case_panel import show_case, show_grid
from dashboard.data import database, layout_geojson
from dashboard.data import view_content as cached_content
from dashboard.i18n import t
from dashboard.markup import escape
from geo.domain.actors import Actor
from geo.domain.vocabulary import OPEN_STATUSES, Source, Status
from geo.read.case_map import DETAIL_ZOOM, CaseFilters, MapView, case_data_version, locate_case
from geo.read.case_map_lookup import BUILDINGS_ZOOM, FilterOptions, filter_options, grid_summary
from geo.read.layouts import NoActiveLayout, active_layout_view, layout_bounds
from geo.read.map_shapes import MAX_GRIDS, fitting_view

MAP_KEY, SELECTED, TARGET, LAST_CLICK = "case_map_map", "case_map_selected", "case_map_target", "case_map_click"
LINKED = "case_map_linked"  # (the ?case= number handled in this session, whether it was found)
OWN_GRIDS = "case_map_own_grids"  # the layout on whose grids a grid member's map was opened
#: More grids than this to choose from (a city not yet narrowed to a district or street): no grid picker.
MAX_GRID_CHOICES = 2000
RETURNED = ["last_object_clicked", "last_object_clicked_tooltip", "bounds", "zoom"]
PERIODS = {"any": None, "24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30),
           "90d": timedelta(days=90), "365d": timedelta(days=365)}


@st.cache_data(show_spinner=False)
def _options(url: str, layout_id: int) -> FilterOptions:
    return database().read(filter_options, layout_id)


def _multi(label_key: str, values: list, fmt, key: str) -> tuple:
    return tuple(st.sidebar.multiselect(t(label_key), values, format_func=fmt, key=key, placeholder=t("case_map_any")))


def filter_widgets(options: FilterOptions, now: datetime) -> dict:
    """Sidebar filter widgets → keyword arguments of CaseFilters (area lists cascade street → grid)."""
    st.sidebar.markdown(f"**{t('case_map_filters')}**")
    text = st.sidebar.text_input(t("case_map_text"), key="case_map_f_text")
    open_only = st.sidebar.toggle(t("case_map_open_only"), key="case_map_f_open")
    statuses = _multi("case_map_status", [str(s) for s in Status], lambda s: t(f"case_map_status_{s}"),
                      "case_map_f_status")
    if open_only:
        statuses = tuple(s for s in statuses if s in OPEN_STATUSES) or tuple(str(s) for s in OPEN_STATUSES)
    cards = _multi("case_map_card", ["yellow", "red", "discipline"], lambda c: t(f"case_map_card_{c}"),
                   "case_map_f_card")
    period = st.sidebar.selectbox(t("case_map_period"), list(PERIODS), key="case_map_f_period",
                                  format_func=lambda p: t(f"case_map_period_{p}"))
    cats = options.categories
    classes = dict(zip(cats["class_code"], cats["class_name"]))
    class_codes = _multi("case_map_category_class", list(classes), classes.get, "case_map_f_class")
    shown = cats[cats["class_code"].isin(class_codes)] if class_codes else cats
    names = dict(zip(shown["id"].astype(int), shown["name"]))
    category_ids = _multi("case_map_category", list(names), names.get, "case_map_f_category")
    sources = _multi("case_map_source", [str(s) for s in Source], lambda s: t(f"case_map_source_{s}"),
                     "case_map_f_source")
    departments = dict(zip(options.departments["id"].astype(int), options.departments["name"]))
    department_ids = _multi("case_map_department", list(departments), departments.get, "case_map_f_department")
    area = _area_widgets(options)
    return dict(text=text, statuses=statuses, cards=cards, class_codes=class_codes, category_ids=category_ids,
                sources=sources, department_ids=department_ids,
                start=now - PERIODS[period] if PERIODS[period] else None, **area)


def _area_widgets(options: FilterOptions) -> dict:
    district_ids = ()
    if len(options.districts) > 1:  # a city: districts first (a city of one district has no such filter)
        districts = dict(zip(options.districts["id"].astype(int), options.districts["name"]))
        district_ids = _multi("city_district", list(districts), districts.get, "case_map_f_district")
    shown = options.streets
    if district_ids:
        shown = shown[shown["district_id"].isin(district_ids)]
    streets = dict(zip(shown["id"].astype(int), shown["name"]))
    street_ids = _multi("case_map_street", list(streets), streets.get, "case_map_f_street")
    comms = options.communities
    comms = comms[comms["street_id"].isin(street_ids or list(streets))] if street_ids or district_ids else comms
    communities = dict(zip(comms["id"].astype(int), comms["name"]))
    community_ids = _multi("case_map_community", list(communities), communities.get, "case_map_f_community")
    grids = options.grids
    if community_ids:
        grids = grids[grids["community_id"].isin(community_ids)]
    elif street_ids or district_ids:
        grids = grids[grids["community_id"].isin(comms["id"])]
    if len(grids) > MAX_GRID_CHOICES:  # a city's grids would weigh megabytes in every rerun: narrow first
        st.sidebar.multiselect(t("case_map_grid"), [], key="case_map_f_grid_off", disabled=True,
                               placeholder=t("city_grids_narrow_first"))
        return {"district_ids": district_ids, "street_ids": street_ids, "community_ids": community_ids,
                "grid_ids": ()}
    labels = dict(zip(grids["id"].astype(int), grids["code"] + " " + grids["name"]))
    grid_ids = _multi("case_map_grid", list(labels), labels.get, "case_map_f_grid")
    return {"district_ids": district_ids, "street_ids": street_ids, "community_ids": community_ids,
            "grid_ids": grid_ids}


def start_zoom(bounds: tuple[float, float, float, float]) -> float:
    """The district opens at START_ZOOM; a city, whose layout is larger, at the zoom that fits it."""
    return min(START_ZOOM, fitting_view(bounds).zoom)


def current_view(bounds: tuple[float, float, float, float]) -> MapView:
    """The view the browser last reported (bounds, zoom), or the whole layout before the map reported."""
    state = st.session_state.get(MAP_KEY) or {}
    box, zoom = state.get("bounds") or {}, state.get("zoom")
    try:
        sw, ne = box["_southWest"], box["_northEast"]
        return MapView(float(sw["lng"]), float(sw["lat"]), float(ne["lng"]), float(ne["lat"]), float(zoom))
    except (KeyError, TypeError, ValueError):
        return MapView(*bounds, zoom=start_zoom(bounds))


def handle_link(actor: Actor) -> None:
    """``?case=NUMBER`` opens that case's panel — if the signed-in actor may see it (geo decides); otherwise a
    warning stays on the page for as long as the link is in the address bar."""
    number = st.query_params.get("case")
    if not number:
        return
    if st.session_state.get(LINKED, (None, False))[0] != number:
        found = database().read(locate_case, number, actor)
        st.session_state[LINKED] = (number, found is not None)
        if found:
            st.session_state[SELECTED] = ("case", *found)
            if found[1] is not None:  # zoom the map to the linked case
                st.session_state[TARGET] = ((found[2], found[1]), BUILDINGS_ZOOM)
    if not st.session_state[LINKED][1]:
        st.warning(t("case_map_link_unknown").format(number=escape(number)))


def handle_click(options: FilterOptions, view: MapView, actor: Actor) -> None:
    """A new click (tooltip or position changed since the last one handled) selects a case or a grid, or
    zooms into a count cell."""
    state = st.session_state.get(MAP_KEY) or {}
    tooltip, where = state.get("last_object_clicked_tooltip"), state.get("last_object_clicked")
    signature = (tooltip, str(where))
    if not tooltip or signature == st.session_state.get(LAST_CLICK):
        return
    st.session_state[LAST_CLICK] = signature
    clicked = parse_click(tooltip)
    if clicked is None:
        return
    kind, key = clicked
    if kind == "case":
        found = database().read(locate_case, key, actor)
        if found:
            st.session_state[SELECTED] = ("case", *found)
    elif kind == "grid":
        ids = options.grids.loc[options.grids["code"] == key, "id"]
        if len(ids):
            st.session_state[SELECTED] = ("grid", int(ids.iloc[0]))
    elif where:
        st.session_state[TARGET] = ((where["lat"], where["lng"]), int(min(view.zoom + 2, DETAIL_ZOOM)))


def open_on_own_grids(actor: Actor, layout_id: int) -> None:
    """A grid member's map opens on their own grids (once per tab, unless a link or a click chose a view)."""
    if not actor.grid_codes or st.session_state.get(OWN_GRIDS) == layout_id or TARGET in st.session_state:
        return
    st.session_state[OWN_GRIDS] = layout_id
    own = database().read(layout_bounds, layout_id, actor.grid_codes)
    if own is not None:
        _zoom_to(own)


def _zoom_to(bounds: tuple[float, float, float, float]) -> None:
    st.session_state[TARGET] = (((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2), BUILDINGS_ZOOM)


def _only_grid(grid_id: int, street_id: int | None = None, district_id: int | None = None) -> None:
    """Filter to one grid: its street (and district) picked too, so that a city's grid picker offers it."""
    st.session_state["case_map_f_community"] = []
    st.session_state["case_map_f_street"] = [street_id] if street_id is not None else []
    if "case_map_f_district" in st.session_state:
        st.session_state["case_map_f_district"] = [district_id] if district_id is not None else []
    st.session_state["case_map_f_grid"] = [grid_id]


def _labels() -> dict[str, str]:
    words = {k: t(f"case_map_{k}") for k in ("open",)}
    words["cases"] = t("case_map_cases_word")
    words["zoom_in"] = t("case_map_mode_cells")
    words.update({f"status_{s}": t(f"case_map_status_{s}") for s in Status})
    words.update({f"card_{c}": t(f"case_map_card_{c}") for c in ("yellow", "red", "discipline")})
    return words


def status_line(layer, view: MapView) -> None:
    c = layer.counts
    mode = {"cases": t("case_map_mode_cases"), "grids": t("case_map_mode_grids").format(zoom=DETAIL_ZOOM),
            "areas": t("case_map_mode_cells")}[layer.kind]
    st.markdown(f"**{t('case_map_matching')} {c.total:,}** · {t('case_map_open')} {c.open:,} · "
                f"{t('case_map_overdue')} {c.overdue:,} · {t('case_map_in_view')} {layer.in_view or 0:,} "
                f"<span style='color:#6b7785'>· {mode}</span>", unsafe_allow_html=True)
    # Merged duplicates count once, in the case they went into, unless the supervisor asks for them.
    st.caption(t("case_map_merged_shown").format(n=c.merged) if c.merged else t("case_map_merged_note"))
    if c.total == 0:
        st.info(t("case_map_nothing"))
    elif layer.too_many:
        st.warning(t("case_map_too_many").format(cap=layer.cap))


def main() -> None:
    db = database()
    try:
        layout = db.read(active_layout_view)
    except NoActiveLayout:
        st.info(t("case_map_no_layout"))
        st.stop()
    bounds = layout.bounds
    options = _options(db.url, layout.id)
    actor = require_actor()
    now = datetime.now(UTC).replace(second=0, microsecond=0)  # the map's "as of": one minute (a cache key)
    try:
        filters = CaseFilters(actor=actor, **filter_widgets(options, now))
    except ValueError as exc:
        st.error(t("case_map_bad_filter") + escape(exc))
        st.stop()
    view = current_view(bounds)
    handle_link(actor)
    open_on_own_grids(actor, layout.id)
    handle_click(options, view, actor)
    selected = st.session_state.get(SELECTED)
    map_col, panel_col = st.columns([0.64, 0.36], gap="medium")
    with panel_col, st.container(key="case_map_panel"):  # first: the panel shows before the map is rebuilt
        _panel(selected, actor, options, filters, now)
    content = cached_content(db.url, filters, view, now, layout.id, db.read(case_data_version))
    layer = content.layer
    with map_col:
        status_line(layer, view)
        target = st.session_state.get(TARGET)
        ring = (selected[2], selected[3]) if selected and selected[0] == "case" and selected[2] is not None else None
        static = layout_geojson(db.url, layout.id) if layout.grids <= MAX_GRIDS else None  # a district's grids
        st_folium(base_map(bounds, start_zoom(bounds), static), key=MAP_KEY, height=760,
                  use_container_width=True, returned_objects=RETURNED,
                  feature_group_to_add=case_layer(layer, _labels(), content.shapes, content.buildings, ring,
                                                  outlines=static is None),
                  center=target[0] if target else None, zoom=target[1] if target else None)
        st.markdown(legend_html(_labels()), unsafe_allow_html=True)


def _panel(selected, actor, options: FilterOptions, filters: CaseFilters, now: datetime) -> None:
    if not selected:
        st.caption(t("case_map_panel_empty"))
        st.caption(t("case_map_hint"))
        return
    if st.button(t("case_map_close_panel"), key="case_map_close"):
        st.session_state.pop(SELECTED, None)
        st.rerun()
    if selected[0] == "case":
        show_case(selected[1], actor, options)
    else:
        summary = database().read(grid_summary, selected[1], now, actor, filters.start, filters.end)
        show_grid(summary, _zoom_to, _only_grid)


main()
