"""The needs list tab: publish a task (from a community-tier case or of its own), the tasks in scope, and one
task with its volunteers, the ranked suggestions to assign from, completion on someone's behalf and the
closing of its case. Each widget group calls one geo function."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard.data import database, media_store
from dashboard.i18n import t
from dashboard.volunteer_common import attempt, codes_text, local_now, local_times
from geo.config import photo_limits, volunteer_points_rule
from geo.db.media_store import MediaNotFound
from geo.domain.actors import Actor
from geo.domain.permissions import may
from geo.domain.volunteers import KIND_SKILLS, Skill, TaskKind, TaskStatus, split
from geo.read.volunteer_tasks import eligible_cases, suggest_volunteers, task_table, task_view
from geo.read.volunteers import grid_places
from geo.usecases.volunteer_completion import Completion, complete
from geo.usecases.volunteer_tasks import (
    TaskDraft,
    assign_volunteers,
    cancel_task,
    close_case_of_task,
    publish_task,
)

SELECTED, PUBLISHED = "vol_task_selected", "vol_task_published"


def tasks_tab(actor: Actor) -> None:
    if may(actor.role, "manage_volunteers"):
        with st.expander(t("vol_publish"), expanded=False):
            _publish_form(actor)
    statuses = st.multiselect(t("vol_status_filter"), list(TaskStatus), default=[TaskStatus.OPEN, TaskStatus.DONE],
                              format_func=lambda s: t(f"vol_status_{s}"), key="vol_task_status")
    table = database().read(task_table, actor, tuple(statuses))
    shown = table.assign(kind=table["kind"].map(lambda k: t(f"vol_kind_{k}")),
                         status=table["status"].map(lambda s: t(f"vol_status_{s}")),
                         starts_at=local_times(table["starts_at"]), ends_at=local_times(table["ends_at"]),
                         case_number=table["case_number"].fillna(""))
    st.dataframe(shown.drop(columns=["id", "created_at"]), hide_index=True, key="vol_task_table",
                 height=min(38 + 35 * len(shown), 420), column_config=_task_columns())
    if table.empty:
        return
    labels = dict(zip(table["id"].astype(int), table["number"] + " · " + table["title"]))
    published = table.loc[table["number"] == st.session_state.get(PUBLISHED), "id"]
    if len(published):  # a task just published is the one shown
        st.session_state[SELECTED] = int(published.iloc[0])
        st.session_state.pop(PUBLISHED)
    if st.session_state.get(SELECTED) not in labels:
        st.session_state[SELECTED] = next(iter(labels))
    task_id = st.selectbox(t("vol_pick_task"), list(labels), format_func=labels.get, key=SELECTED)
    _task(task_id, actor)


def _task_columns() -> dict:
    names = ["number", "community", "kind", "title", "case_number", "starts_at", "ends_at", "headcount", "on_task",
             "done", "status"]
    keys = ["number", "community", "kind", "title", "case", "starts", "ends", "headcount", "on_task", "done",
            "status"]
    config = {n: t(f"vol_col_{k}") for n, k in zip(names, keys)}
    config.update(starts_at=st.column_config.DatetimeColumn(t("vol_col_starts"), format="MM-DD HH:mm"),
                  ends_at=st.column_config.DatetimeColumn(t("vol_col_ends"), format="MM-DD HH:mm"))
    return config


def _publish_form(actor: Actor) -> None:
    source = st.radio(t("vol_source"), ["case", "own"], horizontal=True, key="vol_pub_source",
                      format_func=lambda s: t("vol_from_case") if s == "case" else t("vol_own_task"))
    draft = _case_fields(actor) if source == "case" else _own_fields(actor)
    if draft is None:
        return
    c1, c2, c3, c4 = st.columns(4)
    day = c1.date_input(t("vol_day"), value=local_now().date() + timedelta(days=1), key="vol_pub_day")
    start = c2.time_input(t("vol_start"), value=datetime.strptime("09:00", "%H:%M").time(), key="vol_pub_start")
    hours = c3.number_input(t("vol_hours"), min_value=0.5, max_value=12.0, value=2.0, step=0.5, key="vol_pub_hours")
    headcount = c4.number_input(t("vol_headcount"), min_value=1, max_value=50, value=2, key="vol_pub_headcount")
    skills = st.multiselect(t("vol_skills"), list(Skill), default=draft["skills"], key=f"vol_pub_skills_{draft['key']}",
                            format_func=lambda s: t(f"vol_skill_{s}"))
    starts = datetime.combine(day, start, local_now().tzinfo).astimezone(UTC)
    if st.button(t("vol_publish_button"), type="primary", key="vol_pub_go"):
        task = TaskDraft(kind=draft["kind"], title=draft["title"], description=draft["description"],
                         starts_at=starts, ends_at=starts + timedelta(hours=float(hours)), headcount=int(headcount),
                         skills=tuple(skills), case_id=draft.get("case_id"), community_id=draft.get("community_id"),
                         lon=draft.get("lon"), lat=draft.get("lat"), address=draft.get("address", ""))
        attempt(lambda: publish_task(database(), task, actor, datetime.now(UTC)), _published)
        st.rerun()


def _published(number: str) -> str:
    st.session_state[PUBLISHED] = number
    return t("vol_published").format(number=number)


def _case_fields(actor: Actor) -> dict | None:
    cases = database().read(eligible_cases, actor)
    if cases.empty:
        st.info(t("vol_no_cases"))
        return None
    labels = {int(i): f"{n} · {c or '—'} · {d[:40]}" for i, n, c, d in
              zip(cases["id"], cases["number"], cases["category"], cases["description"])}
    case_id = st.selectbox(t("vol_case"), list(labels), format_func=labels.get, key="vol_pub_case")
    case = cases.set_index("id").loc[case_id]
    title = st.text_input(t("vol_title"), value=f"{case['category'] or ''}：{case['description'][:30]}",
                          key=f"vol_pub_title_{case_id}")
    description = st.text_area(t("vol_description"), value=case["description"], key=f"vol_pub_desc_{case_id}")
    return {"key": f"case{case_id}", "kind": TaskKind.CASE, "case_id": int(case_id), "title": title,
            "description": description, "skills": sorted(split(case["skills"]))}


def _own_fields(actor: Actor) -> dict | None:
    kind = st.selectbox(t("vol_kind"), [TaskKind.PATROL, TaskKind.CAMPAIGN, TaskKind.ERRAND], key="vol_pub_kind",
                        format_func=lambda k: t(f"vol_kind_{k}"))
    places = database().read(grid_places, actor)
    if places.empty:
        return None
    code = st.selectbox(t("vol_grid"), places["code"].tolist(), key="vol_pub_grid",
                        format_func=lambda c: f"{c} {places.set_index('code').at[c, 'name']}")
    place = places.set_index("code").loc[code]
    title = st.text_input(t("vol_title"), key="vol_pub_title_own")
    description = st.text_area(t("vol_description"), key="vol_pub_desc_own")
    address = st.text_input(t("vol_address"), key="vol_pub_address")
    return {"key": f"own{kind}", "kind": kind, "title": title, "description": description, "address": address,
            "community_id": int(place["community_id"]), "lon": float(place["lon"]), "lat": float(place["lat"]),
            "skills": [str(s) for s in KIND_SKILLS[TaskKind(kind)]]}


def _task(task_id: int, actor: Actor) -> None:
    view = database().read(task_view, task_id, actor)
    task = view.task
    st.markdown(f"#### {task['number']} · {task['title']}")
    st.caption(f"{task['community']} · {t('vol_kind_' + task['kind'])} · {t('vol_status_' + task['status'])} · "
               f"{codes_text(task['skills'], 'skill') or '—'}" + (f" · {t('vol_col_case')} {task['case_number']}"
                                                                  if task["case_number"] else ""))
    if task["description"]:
        st.write(task["description"])
    people, suggestions = st.columns([1, 1.3], gap="medium")
    with people:
        _on_task(view, actor)
    with suggestions:
        if task["status"] == TaskStatus.OPEN and may(actor.role, "manage_volunteers"):
            _suggestions(task, actor)


def _on_task(view, actor: Actor) -> None:
    task, people = view.task, view.volunteers
    st.markdown(f"**{t('vol_on_task')}** ({len(people)}/{task['headcount']})")
    if people.empty:
        st.caption(t("vol_nobody"))
    else:
        shown = people.assign(assigned_by=people["assigned_by"].map(lambda h: t(f"vol_how_{h}")),
                              status=people["status"].map(lambda s: t(f"vol_status_{s}")),
                              done_at=local_times(people["done_at"]), photo=people["photo_key"].notna())
        st.dataframe(shown[["name", "assigned_by", "status", "done_at", "points", "photo", "note"]], hide_index=True,
                     key="vol_on_task_table", column_config={
                         "name": t("vol_col_name"), "assigned_by": t("vol_col_how"), "status": t("vol_col_status"),
                         "done_at": st.column_config.DatetimeColumn(t("vol_col_done_at"), format="MM-DD HH:mm"),
                         "points": t("vol_col_points"), "photo": t("vol_col_photo"), "note": t("vol_col_note")})
        _photos(people)
    if not may(actor.role, "manage_volunteers"):
        return
    active = people[people["status"] == "active"]
    if task["status"] == TaskStatus.OPEN and len(active):
        _record_for(task, active, actor)
    if task["status"] == TaskStatus.DONE and task["case_id"] and task["case_status"] == "accepted":
        _close_case(task, actor)
    if task["status"] == TaskStatus.OPEN and not (people["status"] == "done").any():
        if st.button(t("vol_cancel"), key=f"vol_cancel_{task['id']}"):
            attempt(lambda: cancel_task(database(), task["id"], actor, datetime.now(UTC)), lambda _: t("vol_done"))
            st.rerun()


def _photos(people: pd.DataFrame) -> None:
    """The volunteers' photos as thumbnails (a photo missing from the store is left out, not an error)."""
    thumbs = []
    for key in people["thumb_key"].dropna().tolist()[:6]:
        try:
            thumbs.append(media_store().get(key))
        except MediaNotFound:
            continue
    if thumbs:
        st.image(thumbs, width=120)


def _record_for(task: dict, active: pd.DataFrame, actor: Actor) -> None:
    names = dict(zip(active["volunteer_id"].astype(int), active["name"]))
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    who = c1.selectbox(t("vol_record_for"), list(names), format_func=names.get, key=f"vol_record_who_{task['id']}")
    if c2.button(t("vol_record_button"), key=f"vol_record_{task['id']}"):
        attempt(lambda: complete(database(), media_store(), task["id"], Completion(volunteer_id=who), actor,
                                 datetime.now(UTC), volunteer_points_rule(), photo_limits()),
                lambda done: t("vol_completed").format(points=done.points))
        st.rerun()


def _close_case(task: dict, actor: Actor) -> None:
    if st.button(t("vol_close_case").format(number=task["case_number"]), type="primary",
                 key=f"vol_close_{task['id']}"):
        note = t("vol_close_note").format(number=task["number"])
        attempt(lambda: close_case_of_task(database(), task["id"], actor, task["case_version"], note,
                                           datetime.now(UTC)),
                lambda _: t("vol_case_closed").format(number=task["case_number"]))
        st.rerun()


def _suggestions(task: dict, actor: Actor) -> None:
    st.markdown(f"**{t('vol_suggested')}**")
    ranked = database().read(suggest_volunteers, task["id"], actor, datetime.now(UTC))
    if ranked.empty:
        st.caption(t("vol_none_to_suggest"))
        return
    shown = ranked.assign(skills=ranked["skills"].map(lambda s: codes_text(s, "skill")),
                          distance_m=ranked["distance_m"].round())
    st.dataframe(
        shown[["name", "phone", "distance_m", "skills", "matched", "available", "load", "score"]], hide_index=True,
        key=f"vol_suggest_{task['id']}", column_config={
            "name": t("vol_col_name"), "phone": t("vol_col_phone"),
            "distance_m": st.column_config.NumberColumn(t("vol_col_distance"), format="%d"),
            "skills": t("vol_col_skills"), "matched": t("vol_col_skill_match"), "available": t("vol_col_available"),
            "load": t("vol_col_load"), "score": st.column_config.ProgressColumn(t("vol_col_score"), min_value=0.0,
                                                                              max_value=1.0, format="%.2f")})
    labels = {int(v): f"{n} · {p} · {int(d) if d == d else '—'} m" for v, n, p, d in
              zip(ranked["volunteer_id"], ranked["name"], ranked["phone"], ranked["distance_m"])}
    chosen = st.multiselect(t("vol_choose"), list(labels), format_func=labels.get, key=f"vol_choose_{task['id']}")
    if st.button(t("vol_assign"), type="primary", disabled=not chosen, key=f"vol_assign_{task['id']}"):
        attempt(lambda: assign_volunteers(database(), task["id"], chosen, actor, datetime.now(UTC)),
                lambda n: t("vol_assigned").format(n=n))
        st.rerun()
