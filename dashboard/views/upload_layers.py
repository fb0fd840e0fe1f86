"""Layer upload: a grid/building/community/street layer checked, previewed against the current one, then
applied (grids as a new layout version); the layout history with restore. One loaders entry does the work:
``run_layer_import`` (preview, then apply), plus ``layout_history`` / ``restore_layout``."""

from __future__ import annotations

import uuid

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard.auth import require_actor
from dashboard.case_panel import local_time
from dashboard.data import database
from dashboard.i18n import say, say_problem, t
from dashboard.import_map import preview_map
from dashboard.markup import escape
from geo.config import MB, data_dir, max_upload_bytes
from loaders.archive import ArchiveRefused, save_upload
from loaders.layer_datum import HYPOTHESES
from loaders.layer_import import KINDS, ROLES, LayerSpec, layout_history, restore_layout, run_layer_import
from loaders.layer_read import CANDIDATES
from loaders.uploads import discard_upload, upload_spent

FILE, ANSWERS, CACHE = "upload_layers_file", "upload_layers_answers", "upload_layers_cache"
APPLIED = "upload_layers_applied_message"
db = database()
actor = require_actor()


def _save_upload() -> None:
    uploaded = st.session_state.get("upload_layers_uploader")
    if uploaded is None:
        return
    try:
        folder = data_dir() / "uploads" / st.session_state.setdefault("upload_layers_session", uuid.uuid4().hex)
        st.session_state[FILE] = str(save_upload(uploaded.name, uploaded.getvalue(), folder))
        st.session_state[ANSWERS] = {}
    except ArchiveRefused as exc:
        st.session_state["upload_layers_refused"] = say(exc.message.key, exc.message.params, str(exc))


def _remember_answers() -> None:
    """Form submit: copy the widgets' values into a plain dict that outlives the widgets."""
    state, kind = st.session_state, st.session_state["upload_layers_kind"]
    answers = {"encoding": state.get("upload_layers_opt_encoding"), "crs": state.get("upload_layers_opt_crs"),
               "datum": state.get("upload_layers_opt_datum"), "member": state.get("upload_layers_opt_member"),
               "fields": {r: state[f"upload_layers_opt_field_{r}"] for r in ROLES[kind]
                          if state.get(f"upload_layers_opt_field_{r}")}}
    state[ANSWERS] = {k: v for k, v in answers.items() if v}


def _spec(kind: str) -> LayerSpec:
    a = st.session_state.get(ANSWERS, {})
    return LayerSpec(kind=kind, encoding=a.get("encoding"), crs=a.get("crs"), datum=a.get("datum"),
                     fields=dict(a.get("fields", {})), member=a.get("member"))


def _report(path: str, spec: LayerSpec, apply: bool = False):
    """The preview for (file, spec), computed once; apply always runs."""
    key = (path, repr(spec))
    cached = st.session_state.get(CACHE)
    if not apply and cached and cached[0] == key:
        return cached[1]
    bar = st.progress(0.0, text=t("upload_layers_progress"))
    report = run_layer_import(path, spec, db, apply, actor,
                              progress=lambda f, step: bar.progress(f, text=t(f"upload_layers_step_{step}")))
    bar.empty()
    st.session_state[CACHE] = (key, report) if not apply else None
    if upload_spent(report):  # published, or refused for what the file is: the upload leaves the disk now
        discard_upload(path)
        st.session_state.pop(FILE, None)
        if report.status != "applied":
            st.session_state["upload_layers_refused"] = "; ".join(map(say_problem, report.errors))
    return report


def _options_form(report, kind: str) -> None:
    """Reading options and the report's questions as widgets; submitting re-checks with the answers."""
    questions = {q.key: q for q in report.questions}
    answers = st.session_state.get(ANSWERS, {})
    with st.form("upload_layers_options"):
        if questions:
            st.warning(t("upload_layers_status_needs_decision"))
            for q in questions.values():
                st.markdown(f"**{t('upload_layers_question_' + q.key.split(':')[0])}** — "
                            f"{escape(say(q.msg, q.params, q.text))}")
                if q.samples:
                    st.dataframe(pd.DataFrame({k: pd.Series(v) for k, v in q.samples.items()}), hide_index=True)
        c1, c2, c3 = st.columns(3)
        _choice(c1, "encoding", questions, [e for e in CANDIDATES], answers.get("encoding"), t("upload_layers_encoding"))
        _choice(c2, "crs", questions, [], answers.get("crs"), t("upload_layers_crs"), free_text=True)
        _choice(c3, "datum", questions, list(HYPOTHESES), answers.get("datum"), t("upload_layers_datum"),
                show=lambda v: t(f"upload_layers_datum_{v}"))
        if "member" in questions:
            _choice(st, "member", questions, [], answers.get("member"), t("upload_layers_question_member"))
        columns = report.extra.get("columns", [])
        if columns:
            st.markdown(f"**{t('upload_layers_mapping')}**")
            for col, role in zip(st.columns(len(ROLES[kind])), ROLES[kind]):
                asked = questions.get(f"field:{role}")
                current = report.mapping.get(role) or (asked.default if asked else None)
                col.selectbox(role, ["", *columns], key=f"upload_layers_opt_field_{role}",
                              index=(columns.index(current) + 1) if current in columns else 0,
                              format_func=lambda c: c or t("upload_layers_none"))
        st.form_submit_button(t("upload_layers_recheck"), on_click=_remember_answers,
                              type="primary" if questions else "secondary")


def _choice(where, key: str, questions: dict, plain: list[str], answer, label: str, free_text=False,
            show=None) -> None:
    """A selectbox offering the question's choices (with their labels, or ``show(value)``) when asked, else
    plain options."""
    q = questions.get(key)
    choices = [(v, lbl) for v, lbl in q.choices] if q else [(v, v) for v in plain]
    if show is not None:
        choices = [(v, show(v)) for v, _ in choices]
    if free_text and not q:
        where.text_input(label, value=answer or "", key=f"upload_layers_opt_{key}", placeholder="EPSG:4545")
        return
    options = ["", *[v for v, _ in choices]]
    labels = dict(choices) | {"": t("upload_layers_auto")}
    default = answer if answer in options else (q.default if q and q.default in options else "")
    where.selectbox(label, options, index=options.index(default), key=f"upload_layers_opt_{key}",
                    format_func=labels.get)


def _summary(report) -> None:
    status = report.status
    message = t(f"upload_layers_status_{status}")
    {"ok": st.success, "applied": st.success, "needs_decision": st.warning}.get(status, st.error)(
        message + ("" if status != "unusable" else " " + escape("; ".join(map(say_problem, report.errors)))))
    found = [(k, d) for k, d in (("encoding", report.encoding), ("crs", report.crs), ("datum", report.datum)) if d]
    if found:
        st.dataframe(pd.DataFrame([{t("upload_layers_detected"): f"{t('upload_layers_' + k)}: {_value(k, d.value)}",
                                    t("upload_layers_evidence"): say(d.msg, d.params, d.evidence)}
                                   for k, d in found]), hide_index=True, width="stretch")
    diff, counts = report.diff, report.counts
    if counts:
        figures = [("features", counts.get("features", 0)), ("added", counts.get("added", 0)),
                   ("removed", counts.get("removed", 0)), ("changed", counts.get("changed", 0)),
                   ("unchanged", counts.get("unchanged", 0)), ("moving", diff.get("cases_moving", 0))]
        for col, (key, value) in zip(st.columns(len(figures)), figures):
            col.metric(t(f"upload_layers_{key}"), f"{value:,}")


def _value(what: str, value: str | None) -> str:
    """A detected value as the page names it: a datum by its label, an encoding or CRS as its code."""
    if not value:
        return "?"
    return t(f"upload_layers_datum_{value}") if what == "datum" else value


def _details(report) -> None:
    st.subheader(t("upload_layers_problems"))
    if report.problems:
        st.dataframe(pd.DataFrame([{t("upload_layers_col_severity"): t(f"upload_layers_severity_{p.severity}"),
                                    t("upload_layers_col_message"): say_problem(p),
                                    t("upload_layers_col_lon"): p.location.lon if p.location else None,
                                    t("upload_layers_col_lat"): p.location.lat if p.location else None}
                                   for p in report.problems]), hide_index=True, width="stretch")
    else:
        st.caption(t("upload_layers_no_problems"))
    if report.geojson:
        asking_datum = any(k.startswith("datum:") for k in report.geojson)
        st.subheader(t("upload_layers_preview_datum" if asking_datum else "upload_layers_preview"))
        st.caption(t("upload_layers_legend_datum" if asking_datum else "upload_layers_legend"))
        st_folium(preview_map(report.geojson, report.problems, describe=say_problem), key="upload_layers_map",
                  height=560, use_container_width=True, returned_objects=[])
    changes = changes_table(report.diff)
    if len(changes):
        st.subheader(t("upload_layers_changes"))
        st.dataframe(changes, hide_index=True, width="stretch")
    if report.diff.get("moved_cases"):
        st.subheader(f"{t('upload_layers_moved')} ({report.diff['cases_moving']:,})")
        moved = pd.DataFrame(report.diff["moved_cases"])
        st.dataframe(moved.rename(columns={c: t(f"upload_layers_col_{c}") for c in moved.columns}), hide_index=True,
                     width="stretch")


def changes_table(diff: dict) -> pd.DataFrame:
    """Every feature the upload adds, removes or changes — one row each, in words: code, what happens, how far
    the shape moves, which attributes change (old → new)."""
    rows = [(code, t("upload_layers_added"), "", "") for code in diff.get("added", [])]
    rows += [(code, t("upload_layers_removed"), "", "") for code in diff.get("removed", [])]
    rows += [(c["code"], t("upload_layers_changed"), f"{c['shift_m']:,.1f}" if c["geometry"] else "",
              "; ".join(f"{t('import_role_' + name)}: {old or '—'} → {new or '—'}"
                        for name, (old, new) in c["fields"].items()))
             for c in diff.get("changed", [])]
    return pd.DataFrame(rows, columns=[t(f"upload_layers_col_{c}") for c in ("code", "change", "shift_m", "fields")])


def _apply(path: str, spec: LayerSpec) -> None:
    if not st.button(t("upload_layers_apply"), type="primary", key="upload_layers_apply_button"):
        return
    done = _report(path, spec, apply=True)
    if done.status != "applied":
        st.error(escape("; ".join(map(say_problem, done.errors))) or t(f"upload_layers_status_{done.status}"))
        return
    info = done.extra["applied"]
    # The file is spent: the page forgets it, so nothing offers to publish it a second time.
    st.session_state[APPLIED] = (t("upload_layers_applied").format(name=escape(info["layout_name"]),
                                                                   moved=info["cases_moved"])
                                 if spec.kind == "grids" else t("upload_layers_upserted").format(**info))
    for key in (FILE, CACHE, ANSWERS):
        st.session_state.pop(key, None)
    st.rerun()


def _history() -> None:
    st.subheader(t("upload_layers_history"))
    history = layout_history(db)
    if not history:
        return
    table = pd.DataFrame(history).assign(
        is_active=lambda h: h["is_active"].map({True: t("upload_layers_active"), False: ""}),
        created_at=lambda h: h["created_at"].map(local_time))
    st.dataframe(table.rename(columns={c: t(f"upload_layers_col_{c}") for c in table.columns}), hide_index=True,
                 width="stretch")
    older = [h for h in history if not h["is_active"]]
    if not older:
        return
    pick = st.selectbox(t("upload_layers_restore_pick"), older, key="upload_layers_restore_pick",
                        format_func=lambda h: f"{h['id']} · {h['name']} ({h['grids']})")
    if st.button(t("upload_layers_restore"), key="upload_layers_restore_button"):
        done = restore_layout(db, pick["id"], actor)
        if done.status == "applied":
            st.success(t("upload_layers_restored").format(name=escape(pick["name"]),
                                                          moved=done.extra["applied"]["cases_moved"]))
        else:
            st.error(escape(say_problem(done.errors[0])))


st.title(t("upload_layers_title"))
kind = st.selectbox(t("upload_layers_kind"), KINDS, key="upload_layers_kind",
                    format_func=lambda k: t(f"upload_layers_kind_{k}"))
st.file_uploader(t("upload_layers_file"), type=["zip", "geojson", "json", "gpkg"], key="upload_layers_uploader",
                 max_upload_size=max(1, max_upload_bytes() // MB), on_change=_save_upload)
if refused := st.session_state.pop("upload_layers_refused", None):
    st.error(escape(refused))
if applied := st.session_state.pop(APPLIED, None):
    st.success(applied)
if path := st.session_state.get(FILE):
    spec = _spec(kind)
    report = _report(path, spec)
    _summary(report)
    _options_form(report, kind)
    if report.status == "ok":
        _apply(path, spec)
    _details(report)
if kind == "grids":
    _history()
