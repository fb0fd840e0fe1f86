"""The registry tab: volunteers in scope with names and phones masked; for one volunteer, the audited reveal, a
phone sign-in, retiring; registering one (the same checks as a roster row) and importing a roster with a
preview of every row before anything is written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboard.data import database
from dashboard.i18n import say, say_problem, t
from dashboard.volunteer_common import attempt, codes_text, local_times
from geo.config import data_dir
from geo.domain.actors import Actor
from geo.domain.permissions import may
from geo.domain.volunteers import Availability, Skill
from geo.read.volunteers import communities_in_scope, grid_places, volunteer_table
from geo.usecases.personal_data import reveal_volunteer
from geo.usecases.volunteers import give_account, set_active
from loaders.archive import ArchiveRefused, save_upload
from loaders.volunteer_import import VolunteerImportSpec, register_one, run_volunteer_import

REVEALED = "vol_revealed"  # (volunteer id, (name, phone)) of the last reveal, shown until another is picked


def registry_tab(actor: Actor) -> None:
    communities = database().read(communities_in_scope, actor)
    names = dict(zip(communities["id"].astype(int), communities["name"]))
    community = None
    if len(names) > 1:
        community = st.selectbox(t("vol_community"), [None, *names], key="vol_registry_community",
                                 format_func=lambda c: t("vol_all_communities") if c is None else names[c])
    table = database().read(volunteer_table, actor, community)
    st.caption(t("vol_registry_count").format(n=len(table)))
    shown = table.assign(skills=table["skills"].map(lambda s: codes_text(s, "skill")),
                         availability=table["availability"].map(lambda s: codes_text(s, "avail")),
                         joined_at=local_times(table["joined_at"]).dt.date)
    st.dataframe(shown.drop(columns=["id"]), hide_index=True, key="vol_registry_table", height=360, column_config={
        k: t(f"vol_col_{v}") for k, v in (
            ("name", "name"), ("phone", "phone"), ("community", "community"), ("street", "street"),
            ("skills", "skills"), ("availability", "availability"), ("grid_code", "grid"), ("active", "active"),
            ("has_account", "account"), ("tasks_done", "tasks_done"), ("balance", "balance"),
            ("joined_at", "joined"))})
    labels = dict(zip(table["id"].astype(int), table["name"] + " · " + table["phone"] + " · " + table["community"]))
    picked = st.selectbox(t("vol_pick_volunteer"), [None, *labels], key="vol_registry_pick",
                          format_func=lambda v: "—" if v is None else labels[v])
    if picked is not None:
        _volunteer(table.set_index("id").loc[picked].rename(picked), actor)
    if may(actor.role, "manage_volunteers"):
        with st.expander(t("vol_add_one")):
            _add_form(actor)
        with st.expander(t("vol_import")):
            _import(actor)


def _volunteer(row: pd.Series, actor: Actor) -> None:
    volunteer_id = int(row.name)
    st.markdown(f"**{row['name']}** · {row['phone']} · {row['community']}")
    if may(actor.role, "reveal_personal") and st.button(t("vol_reveal"), key=f"vol_reveal_{volunteer_id}"):
        st.session_state[REVEALED] = (volunteer_id, reveal_volunteer(database(), volunteer_id, actor,
                                                                     datetime.now(UTC)))
    revealed = st.session_state.get(REVEALED)
    if revealed and revealed[0] == volunteer_id:
        st.caption(f"{revealed[1][0]} {revealed[1][1]} · {t('vol_reveal_logged')}")
    if not may(actor.role, "manage_volunteers"):
        return
    if not row["has_account"]:
        with st.form(f"vol_account_{volunteer_id}"):
            c1, c2 = st.columns(2)
            username = c1.text_input(t("vol_username"))
            password = c2.text_input(t("vol_password"), type="password")
            if st.form_submit_button(t("vol_give_account")):
                attempt(lambda: give_account(database(), volunteer_id, username, password, actor, datetime.now(UTC)),
                        lambda _: t("vol_account_given").format(username=username))
                st.rerun()
    label = t("vol_retire") if row["active"] else t("vol_reactivate")
    if st.button(label, key=f"vol_active_{volunteer_id}"):
        attempt(lambda: set_active(database(), volunteer_id, not row["active"], actor, datetime.now(UTC)),
                lambda _: t("vol_done"))
        st.rerun()


def _add_form(actor: Actor) -> None:
    places = database().read(grid_places, actor)
    with st.form("vol_add"):
        c1, c2, c3 = st.columns(3)
        name, phone = c1.text_input(t("vol_name")), c2.text_input(t("vol_phone"))
        grid = c3.selectbox(t("vol_home_grid"), places["code"].tolist())
        skills = st.multiselect(t("vol_skills"), list(Skill), format_func=lambda s: t(f"vol_skill_{s}"))
        availability = st.multiselect(t("vol_availability"), list(Availability),
                                      format_func=lambda s: t(f"vol_avail_{s}"))
        note = st.text_input(t("vol_note"))
        submitted = st.form_submit_button(t("vol_register_button"), type="primary")
    if submitted:
        communities = database().read(communities_in_scope, actor)
        code_of = dict(zip(communities["id"].astype(int), communities["code"]))
        community = places.set_index("code").at[grid, "community_id"] if grid else None
        report = register_one({"name": name, "phone": phone, "grid": grid or "", "note": note,
                               "community": code_of.get(community, "") if pd.notna(community) else "",
                               "skills": ";".join(skills),
                               "availability": ";".join(availability)}, database(), actor)
        _show_report(report)


def _import(actor: Actor) -> None:
    st.caption(t("vol_import_help"))
    uploaded = st.file_uploader(t("vol_import"), type=["csv", "txt", "xlsx"], key="vol_import_file",
                                label_visibility="collapsed")
    if uploaded is None:
        return
    try:
        folder = data_dir() / "uploads" / st.session_state.setdefault("vol_upload_session", uuid.uuid4().hex)
        path = str(save_upload(uploaded.name, uploaded.getvalue(), folder))
    except ArchiveRefused as exc:
        st.error(say(exc.message.key, exc.message.params, str(exc)))
        return
    preview = run_volunteer_import(path, VolunteerImportSpec(), database(), False, actor)
    _show_report(preview)
    if preview.status == "ok" and preview.counts.get("to_import") and st.button(
            t("vol_import_button").format(n=preview.counts["to_import"]), type="primary", key="vol_import_go"):
        _show_report(run_volunteer_import(path, VolunteerImportSpec(), database(), True, actor))


def _show_report(report) -> None:
    counts = report.counts
    if "rows" in counts:
        st.caption(t("vol_import_counts").format(**{k: counts.get(k, 0) for k in (
            "rows", "to_import", "already_registered", "rejected")}))
    for problem in report.problems:
        {"error": st.error, "warning": st.warning}.get(problem.severity, st.info)(say_problem(problem))
    if report.status == "applied":
        st.success(t("vol_imported").format(n=counts.get("imported", 0)))
