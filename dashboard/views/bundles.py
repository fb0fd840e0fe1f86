"""共性问题打包: a supervisor bundles a candidate cluster (geo.read.bundles), whistles the bundle once to the
departments and closes it with all its cases (geo.usecases.bundle_actions: all the bundle's cases move in one
transaction, or none)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboard.auth import require_actor
from dashboard.case_panel import local_time
from dashboard.data import database
from dashboard.i18n import t
from geo.domain.workflow import WorkflowError
from geo.read.bundles import bundle_cases, bundle_list, bundle_proposals, whistle_choices
from geo.usecases.bulk_actions import outcome_kind
from geo.usecases.bundle_actions import (
    BundleNotReady,
    BundleRefused,
    NothingToWhistle,
    close_bundle,
    make_bundle,
    whistle_bundle,
)

FLASH, GENERATION = "bundle_flash", "bundle_generation"


def _place(row) -> str:
    if row.place is None or pd.isna(row.place):
        return "—"
    return t("bundle_place_more").format(place=row.place) if row.places > 1 else row.place


def _picked(event) -> int | None:
    rows = event.selection.rows
    return rows[0] if rows else None


def _done(kind: str, message: str) -> None:
    st.session_state[FLASH] = (kind, message)


def _refusal(exc: WorkflowError) -> str:
    if isinstance(exc, BundleRefused):
        return t("bundle_refused").format(number=exc.number, reason=t(f"queue_outcome_{outcome_kind(exc.cause)}"))
    if isinstance(exc, BundleNotReady):
        return t("bundle_not_ready").format(numbers=t("note_list_sep").join(exc.numbers[:20]))
    if isinstance(exc, NothingToWhistle):
        return t("bundle_nothing_to_whistle")
    return t("queue_outcome_invalid")


def _make(ids: list[int], numbers: list[str], actor) -> None:
    picked = [i for i, n in zip(ids, numbers) if n in set(st.session_state.get("bundle_pick_cases", []))]
    try:
        bundle_id = make_bundle(database(), picked, st.session_state.get("bundle_title", ""), actor,
                                datetime.now(UTC))
    except WorkflowError as exc:
        _done("error", _refusal(exc))
    else:
        _done("success", t("bundle_made").format(id=bundle_id, n=len(picked)))
        st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1  # the candidates changed


def _whistle(bundle_id: int, seen: dict[int, int], actor) -> None:
    state = st.session_state
    try:
        done = whistle_bundle(database(), bundle_id, seen, actor, state["bundle_lead"],
                              tuple(state.get("bundle_co", ())), state.get("bundle_note", ""), datetime.now(UTC))
    except WorkflowError as exc:
        _done("error", _refusal(exc))
    else:
        left = t("bundle_left").format(n=len(done.left)) if done.left else ""
        _done("success", t("bundle_whistled").format(n=len(done.acted), left=left))


def _close(bundle_id: int, seen: dict[int, int], actor) -> None:
    try:
        done = close_bundle(database(), bundle_id, seen, actor, st.session_state.get("bundle_close_note", ""),
                            datetime.now(UTC))
    except WorkflowError as exc:
        _done("error", _refusal(exc))
    else:
        _done("success", t("bundle_closed").format(n=len(done.acted)))


def candidates(proposals: pd.DataFrame, actor) -> None:
    if proposals.empty:
        st.info(t("bundle_no_candidates"))
        return
    shown = pd.DataFrame({
        t("bundle_col_category"): proposals["category"],
        t("bundle_col_place"): [_place(r) for r in proposals.itertuples()],
        t("bundle_col_cases"): proposals["cases"], t("bundle_col_grids"): proposals["grids"],
        t("bundle_col_first"): proposals["first"].map(local_time), t("bundle_col_last"): proposals["last"].map(local_time)})
    event = st.dataframe(shown, hide_index=True, on_select="rerun", selection_mode="single-row",
                         key=f"bundle_candidates_{st.session_state.get(GENERATION, 0)}", height=min(38 + 35 * len(shown), 420))
    row = _picked(event)
    if row is None:
        st.caption(t("bundle_pick_candidate"))
        return
    pick = proposals.iloc[row]
    numbers = list(pick["numbers"])
    st.multiselect(t("bundle_cases_to_bundle"), numbers, default=numbers, key="bundle_pick_cases")
    default = t("bundle_default_title").format(category=pick["category"], place=_place(pick), n=len(numbers))
    st.text_input(t("bundle_title"), value=default, key="bundle_title", max_chars=200)
    n = len(st.session_state.get("bundle_pick_cases", numbers))
    st.button(t("bundle_make").format(n=n), type="primary", key="bundle_make", disabled=n < 2,
              on_click=_make, args=(list(pick["case_ids"]), numbers, actor))


def bundles(listed: pd.DataFrame, actor) -> None:
    if listed.empty:
        st.info(t("bundle_no_bundles"))
        return
    shown = pd.DataFrame({
        t("bundle_col_title"): listed["title"], t("bundle_col_category"): listed["category"],
        **{t(f"bundle_col_{c}"): listed[c] for c in ("cases", "open", "to_accept", "to_whistle", "deferred", "to_close")},
        t("bundle_col_created"): listed["created_at"].map(local_time),
        t("bundle_col_state"): listed["closed_at"].map(
            lambda c: t("bundle_state_open") if c is None or pd.isna(c) else t("bundle_state_closed"))})
    event = st.dataframe(shown, hide_index=True, on_select="rerun", selection_mode="single-row",
                         key="bundle_list", height=min(38 + 35 * len(shown), 420))
    row = _picked(event)
    if row is None:
        st.caption(t("bundle_pick_bundle"))
        return
    _bundle(listed.iloc[row], actor)


def _bundle(bundle: pd.Series, actor) -> None:
    bundle_id = int(bundle["id"])
    cases = database().read(bundle_cases, bundle_id, actor)
    st.dataframe(pd.DataFrame({
        t("queue_col_case"): cases["number"], t("queue_col_status"): cases["status"].map(lambda s: t(f"case_map_status_{s}")),
        t("queue_col_grid"): cases["grid"].fillna("—"), t("queue_col_address"): cases["address"],
        t("queue_col_reported_at"): cases["reported_at"].map(local_time)}), hide_index=True,
        height=min(38 + 35 * len(cases), 320))
    if bundle["closed_at"] is not None and not pd.isna(bundle["closed_at"]):
        st.info(t("bundle_is_closed"))
        return
    seen = dict(zip(cases["id"].astype(int), cases["version"].astype(int)))
    departments, route = database().read(whistle_choices, bundle_id)
    names = dict(zip(departments["id"].astype(int), departments["name"]))
    ids = list(names)
    whistle_col, close_col = st.columns(2, gap="large")
    with whistle_col:
        st.markdown(f"**{t('bundle_whistle_head')}**")
        lead = route.lead_department_id if route and route.lead_department_id in names else ids[0]
        st.selectbox(t("case_map_param_lead_department_id"), ids, index=ids.index(lead), format_func=names.get,
                     key="bundle_lead")
        st.multiselect(t("case_map_param_co_department_ids"), ids, format_func=names.get, key="bundle_co",
                       default=[d for d in (route.co_department_ids if route else ()) if d in names])
        st.text_input(t("case_map_param_note"), key="bundle_note")
        ready = int(bundle["to_accept"] + bundle["to_whistle"])
        st.button(t("bundle_whistle").format(n=ready), type="primary", key="bundle_whistle", disabled=ready == 0,
                  on_click=_whistle, args=(bundle_id, seen, actor), help=t("bundle_whistle_help"))
    with close_col:
        st.markdown(f"**{t('bundle_close_head')}**")
        st.text_input(t("case_map_param_note"), key="bundle_close_note")
        st.button(t("bundle_close").format(n=int(bundle["open"])), key="bundle_close",
                  disabled=int(bundle["open"]) == 0, on_click=_close, args=(bundle_id, seen, actor))


def main() -> None:
    actor = require_actor()
    st.title(t("bundle_page"))
    st.caption(t("bundle_caption"))
    flash = st.session_state.pop(FLASH, None)
    if flash:
        getattr(st, flash[0])(flash[1])
    db, now = database(), datetime.now(UTC)
    proposals, listed = db.read(bundle_proposals, now), db.read(bundle_list, actor)
    counts = {"candidates": len(proposals), "bundles": len(listed)}
    view = st.segmented_control(t("bundle_page"), list(counts), key="bundle_view", default="candidates",
                                format_func=lambda v: t(f"bundle_tab_{v}").format(n=counts[v]),
                                label_visibility="collapsed")
    if view == "bundles":
        bundles(listed, actor)
    else:
        candidates(proposals, actor)


main()
