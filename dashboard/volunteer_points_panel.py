"""The points tab (a volunteer's ledger and the community's redemption entries) and the figures every page
with community forces shows: tasks per community with their response time, the month's ranking per street,
and the coverage map (volunteers within 500 m of each grid). Each calls one geo function."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st
from streamlit_folium import st_folium

from dashboard.analysis_draw import add_legend, grid_map, value_colours
from dashboard.data import database, layout_geojson
from dashboard.i18n import t
from dashboard.volunteer_common import attempt, local_now, local_times
from geo.domain.actors import Actor
from geo.domain.permissions import may
from geo.read.layouts import active_layout_view
from geo.read.volunteer_figures import VolunteerMonth, volunteer_month
from geo.read.volunteers import ledger, volunteer_table
from geo.usecases.volunteer_points import redeem


def points_tab(actor: Actor) -> None:
    people = database().read(volunteer_table, actor)
    if people.empty:
        st.info(t("vol_nobody"))
        return
    labels = {int(i): f"{n} · {p} · {c}" for i, n, p, c in zip(people["id"], people["name"], people["phone"],
                                                               people["community"])}
    volunteer_id = st.selectbox(t("vol_volunteer"), list(labels), format_func=labels.get, key="vol_points_who")
    entries = database().read(ledger, volunteer_id, actor)
    balance = int(entries["balance"].iloc[-1]) if len(entries) else 0
    st.metric(t("vol_balance"), f"{balance:,}")
    st.markdown(f"**{t('vol_ledger')}**")
    if entries.empty:
        st.caption(t("vol_no_entries"))
    else:
        shown = entries.assign(at=local_times(entries["at"]), kind=entries["kind"].map(lambda k: t(f"vol_entry_{k}")))
        st.dataframe(shown.iloc[::-1], hide_index=True, key="vol_ledger_table", column_config={
            "at": st.column_config.DatetimeColumn(t("vol_col_at"), format="YYYY-MM-DD HH:mm"),
            "kind": t("vol_col_entry"), "points": t("vol_col_points"), "task": t("vol_col_task"),
            "note": t("vol_col_note"), "actor": t("vol_col_actor"), "balance": t("vol_col_balance")})
    if may(actor.role, "manage_volunteers"):
        with st.form(f"vol_redeem_{volunteer_id}"):
            c1, c2 = st.columns([1, 3])
            points = c1.number_input(t("vol_redeem_points"), min_value=1, max_value=max(balance, 1), step=1)
            note = c2.text_input(t("vol_redeem_note"))
            if st.form_submit_button(t("vol_redeem_button"), disabled=balance <= 0):
                attempt(lambda: redeem(database(), volunteer_id, int(points), note, actor, datetime.now(UTC)),
                        lambda left: t("vol_redeemed").format(balance=left))
                st.rerun()


@st.cache_data(ttl=120, show_spinner=False)
def _month(url: str, actor: Actor, year: int, month: int) -> VolunteerMonth:
    """The month's figures, kept two minutes (the load pages rerun on every click)."""
    return database().read(volunteer_month, year, month, actor)


def month_figures(actor: Actor, key: str, with_map: bool = True) -> None:
    """This month's community forces: per street, per community, the ranking, and the coverage map."""
    today = local_now()
    month = _month(database().url, actor, today.year, today.month)
    st.markdown(f"**{t('vol_by_street')}**")
    st.dataframe(month.streets, hide_index=True, key=f"{key}_streets", column_config=_figure_columns())
    left, right = st.columns([1.2, 1], gap="medium")
    with left:
        st.markdown(f"**{t('vol_by_community')}**")
        st.dataframe(month.communities, hide_index=True, key=f"{key}_communities", height=320,
                     column_config=_figure_columns())
    with right:
        st.markdown(f"**{t('vol_ranking')}**")
        st.dataframe(month.ranking, hide_index=True, key=f"{key}_ranking", height=320, column_config={
            "street": t("vol_col_street"), "rank": t("vol_col_rank"), "volunteer": t("vol_col_name"),
            "community": t("vol_col_community"), "points": t("vol_col_points"), "tasks": t("vol_col_done")})
    if with_map:
        coverage_map(month, key)


def coverage_map(month: VolunteerMonth, key: str) -> None:
    st.markdown(f"**{t('vol_coverage')}**")
    coverage = month.coverage
    uncovered = int((coverage["volunteers"] == 0).sum())
    if uncovered:
        st.warning(t("vol_uncovered").format(n=uncovered))
    layout = database().read(active_layout_view)
    values = dict(zip(coverage["grid_id"].astype(int), coverage["volunteers"].astype(int)))
    fill, legend = value_colours(values)
    focus = (coverage["minx"].min(), coverage["miny"].min(), coverage["maxx"].max(), coverage["maxy"].max())
    m = grid_map(layout_geojson(database().url, layout.id), fill, {g: f"{v:,}" for g, v in values.items()},
                 t("vol_coverage_legend"), layout.bounds, None, focus if len(coverage) else None)
    add_legend(m, [(t("vol_coverage_legend"), legend)])
    st_folium(m, key=f"{key}_map", height=480, use_container_width=True, returned_objects=[])


def _figure_columns() -> dict:
    hours = {c: st.column_config.NumberColumn(t(f"vol_col_{k}"), format="%.1f")
             for c, k in (("response_h_median", "response"), ("done_h_median", "done_h"))}
    return {"street": t("vol_col_street"), "community": t("vol_col_community"),
            "volunteers": t("vol_col_volunteers"), "published": t("vol_col_published"), "open": t("vol_col_open"),
            "done": t("vol_col_done"), "turns": t("vol_col_turns"), "points": t("vol_col_points"), **hours}




def ranking_section(actor: Actor, key: str) -> None:
    """The month's volunteer points ranking per street (names masked), for the department load page."""
    today = local_now()
    st.subheader(t("vol_ranking"))
    ranking = _month(database().url, actor, today.year, today.month).ranking
    st.dataframe(ranking, hide_index=True, key=key, column_config={
        "street": t("vol_col_street"), "rank": t("vol_col_rank"), "volunteer": t("vol_col_name"),
        "community": t("vol_col_community"), "points": t("vol_col_points"), "tasks": t("vol_col_done")})
