"""Case import: a hotline / mini-program export previewed row by row (imported, duplicate, placed by
coordinates or address, rejected with its reason), then imported in one transaction. One loaders entry does
the work: ``run_case_import`` (apply=False for the preview, True to import)."""

from __future__ import annotations

import uuid

import pandas as pd
import streamlit as st

from dashboard.auth import require_actor
from dashboard.data import database
from dashboard.i18n import say, say_problem, t
from dashboard.markup import escape
from geo.config import MB, data_dir, max_upload_bytes
from loaders.archive import ArchiveRefused, save_upload
from loaders.case_import import CaseImportSpec, run_case_import
from loaders.case_mapping import FALLBACK, ROLES
from loaders.case_questions import WORD_ROLES
from loaders.case_times import ORDERS
from loaders.uploads import discard_upload, upload_spent

FILE, COLUMNS, CACHE, DONE = "upload_cases_file", "upload_cases_columns", "upload_cases_cache", "upload_cases_done"
WORDS = "upload_cases_words"  # role → {their word: ours}, the answers to the word questions
ENCODINGS = ["", "utf-8", "gbk", "gb18030"]
DATUMS = ["wgs84", "gcj02", "bd09"]
COUNTS = ["rows", "to_import", "duplicates", "rejected", "placed_by_coordinates", "placed_by_address",
          "not_placed"]
#: The figures an analyst checks an export by, shown under the main counts.
FIGURES = ["without_coordinates", "outside_district", "closed_before_reported", "unknown_words"]
db = database()
actor = require_actor()


def _save_upload() -> None:
    uploaded = st.session_state.get("upload_cases_uploader")
    if uploaded is None:
        return
    try:
        folder = data_dir() / "uploads" / st.session_state.setdefault("upload_cases_session", uuid.uuid4().hex)
        st.session_state[FILE] = str(save_upload(uploaded.name, uploaded.getvalue(), folder))
    except ArchiveRefused as exc:
        st.session_state["upload_cases_refused"] = say(exc.message.key, exc.message.params, str(exc))
    st.session_state[COLUMNS], st.session_state[WORDS], st.session_state[DONE] = {}, {}, None


def _remember_columns() -> None:
    """Form submit: the chosen column per role ('' = none), kept past the widgets."""
    st.session_state[COLUMNS] = {r: st.session_state.get(f"upload_cases_role_{r}", "") for r in ROLES}


def _remember_words(asked: dict[str, list[str]]) -> None:
    """Form submit: each word question's answer (role → {their word: ours}), added to the earlier ones."""
    answers = {role: dict(table) for role, table in st.session_state.get(WORDS, {}).items()}
    for role, words in asked.items():
        for i, word in enumerate(words):
            if chosen := st.session_state.get(f"upload_cases_{role}_{i}"):
                answers.setdefault(role, {})[word] = chosen
    st.session_state[WORDS] = answers


def _spec() -> CaseImportSpec:
    state = st.session_state
    words = state.get(WORDS, {})
    time_format = (state.get("upload_cases_time_pattern") or "").strip() or state.get("upload_cases_time_order")
    return CaseImportSpec(datum=state.get("upload_cases_datum", "wgs84"),
                          encoding=state.get("upload_cases_encoding") or None, columns=dict(state.get(COLUMNS, {})),
                          category_map=dict(words.get("category", {})), status_map=dict(words.get("status", {})),
                          source_map=dict(words.get("source", {})), time_format=time_format or None)


def _report(path: str, spec: CaseImportSpec, apply: bool = False):
    """The preview for (file, spec), computed once per change; an import always runs."""
    key = (path, repr(spec))
    cached = st.session_state.get(CACHE)
    if not apply and cached and cached[0] == key:
        return cached[1]
    with st.spinner(t("upload_cases_preview")):
        report = run_case_import(path, spec, db, apply, actor)
    st.session_state[CACHE] = None if apply else (key, report)
    if upload_spent(report):  # imported, or refused for what the file is: personal data leaves the disk now
        discard_upload(path)
        st.session_state.pop(FILE, None)
        if report.status != "applied":
            st.session_state["upload_cases_refused"] = "; ".join(map(say_problem, report.errors))
    return report


def _reading_options() -> None:
    c1, c2 = st.columns([1, 2])  # encoding | datum
    c1.selectbox(t("upload_cases_encoding"), ENCODINGS, key="upload_cases_encoding",
                 format_func=lambda e: e.upper() if e else t("upload_cases_auto"))
    c2.radio(t("upload_cases_datum"), DATUMS, key="upload_cases_datum", horizontal=True,
             format_func=lambda d: t(f"upload_cases_datum_{d}"))
    c3, c4 = st.columns([1, 2])  # how dates before their year read | any other layout as a pattern
    c3.selectbox(t("upload_cases_time_order"), ["", *ORDERS], key="upload_cases_time_order",
                 format_func=lambda o: t(f"upload_cases_time_{o.replace('-', '_')}") if o else t("upload_cases_auto"))
    c4.text_input(t("upload_cases_time_pattern"), key="upload_cases_time_pattern", placeholder="%d-%b-%Y %H:%M")


def _encoding(report) -> None:
    if report.encoding:
        evidence = say(report.encoding.msg, report.encoding.params, report.encoding.evidence)
        st.caption(t("upload_cases_detected").format(value=escape(report.encoding.value.upper()),
                                                     evidence=escape(evidence)))
    if found := report.extra.get("time_format"):
        st.caption(t("upload_cases_time_detected").format(value=escape(found["value"]), evidence=escape(say(
            found["msg"], found["params"], found["evidence"]))))
    for question in report.questions:
        if question.key == "encoding":
            st.warning(t("upload_cases_question"))
            st.dataframe(pd.DataFrame({k.upper(): pd.Series(v) for k, v in question.samples.items()}),
                         hide_index=True, use_container_width=True)
        elif question.key == "time_format":
            st.warning(escape(say(question.msg, question.params, question.text)))
            st.caption(" · ".join(escape(label) for _, label in question.choices))
    if report.extra.get("sample"):
        st.markdown(f"**{t('upload_cases_sample')}**")
        st.dataframe(pd.DataFrame(report.extra["sample"]), hide_index=True, use_container_width=True)


def _mapping_form(report) -> None:
    columns = report.extra.get("columns", [])
    if not columns:
        return
    with st.form("upload_cases_mapping"):
        st.markdown(f"**{t('upload_cases_mapping')}**")
        cells = [cell for _ in range(3) for cell in st.columns(4)]
        for cell, role in zip(cells, ROLES):
            current = report.mapping.get(role, "")
            cell.selectbox(t(f"upload_cases_role_{role}"), ["", *columns], key=f"upload_cases_role_{role}",
                           index=columns.index(current) + 1 if current in columns else 0,
                           format_func=lambda c: c or t("upload_cases_none"))
        st.form_submit_button(t("upload_cases_recheck"), on_click=_remember_columns)


def _words_form(report) -> None:
    """The words we do not know — their categories, status and channel words — each asked once with its row
    count, with our values and 待分类 to choose from; the answers re-run the preview."""
    asked = {role: [q for q in report.questions if q.key.startswith(f"{role}:")] for role in WORD_ROLES}
    if not any(asked.values()):
        return
    with st.form("upload_cases_category_form"):
        st.markdown(f"**{t('upload_cases_category_mapping')}**")
        for role, questions in asked.items():
            for i, q in enumerate(questions):
                labels = dict(q.choices) | {FALLBACK: t(f"import_fallback_{role}"), "": t("upload_cases_none")}
                options = ["", *[v for v, _ in q.choices]]
                word = escape(q.key.split(":", 1)[1])  # the file's own word, in a markdown label
                st.selectbox(t(f"upload_cases_word_{role}").format(word=word, n=q.params["n"]),
                             options, index=options.index(q.default) if q.default in options else 0,
                             key=f"upload_cases_{role}_{i}", format_func=labels.get,
                             help=escape(say(q.msg, q.params, q.text)))
        st.form_submit_button(t("upload_cases_recheck"), on_click=_remember_words,
                              args=({role: [q.key.split(":", 1)[1] for q in qs] for role, qs in asked.items()},))


def _summary(report) -> None:
    status = report.status
    text = t(f"upload_cases_status_{status}")
    if status == "unusable":
        text += " " + escape("; ".join(map(say_problem, report.errors)))
    {"ok": st.success, "applied": st.success, "needs_decision": st.warning}.get(status, st.error)(text)
    counts = dict(report.counts, duplicates=report.counts.get("duplicates_in_file", 0)
                  + report.counts.get("already_imported", 0))
    if "to_import" in counts:
        for cell, key in zip(st.columns(len(COUNTS)), COUNTS):
            cell.metric(t(f"upload_cases_count_{key}"), f"{counts.get(key, 0):,}")
        for cell, key in zip(st.columns(len(COUNTS)), FIGURES):
            cell.metric(t(f"upload_cases_count_{key}"), f"{counts.get(key, 0):,}")


def _rows(report) -> None:
    rows = pd.DataFrame(report.extra.get("rows", []))
    if rows.empty:
        return
    st.subheader(t("upload_cases_preview"))
    rows["outcome"] = rows["outcome"].map(lambda o: t(f"upload_cases_outcome_{o}"))
    rows["message"] = [say(m, p, text) for m, p, text in zip(rows["msg"], rows["params"], rows["message"])]
    rows["placed_by"] = rows["placed_by"].map(lambda p: t(f"upload_cases_placed_{p}") if isinstance(p, str) else "")
    shown = ["row", "outcome", "placed_by", "grid", "message"] + (["number"] if rows["number"].notna().any() else [])
    rows = rows[shown].fillna("").rename(columns=lambda c: t(f"upload_cases_col_{c}"))
    widths = {t("upload_cases_col_row"): st.column_config.NumberColumn(width="small", format="%d"),
              t("upload_cases_col_message"): st.column_config.TextColumn(width="large")}
    st.dataframe(rows, hide_index=True, use_container_width=True, height=420, column_config=widths)
    if report.extra.get("rows_truncated"):
        st.caption(t("upload_cases_rows_truncated").format(n=len(rows)))


def _problems(report) -> None:
    if not report.problems:
        return
    st.subheader(f"{t('upload_cases_problems')} ({len(report.problems):,})")
    st.dataframe(pd.DataFrame([{t("upload_cases_col_row"): p.row, t("upload_cases_col_count"): p.count,
                                t("upload_cases_col_severity"): p.severity, t("upload_cases_col_kind"): p.kind,
                                t("upload_cases_col_message"): say_problem(p)}
                               for p in report.problems]), hide_index=True, use_container_width=True,
                 column_config={t("upload_cases_col_message"): st.column_config.TextColumn(width="large")})


def _apply(path: str, spec: CaseImportSpec, report) -> None:
    ready = report.status == "ok" and report.counts.get("to_import", 0) > 0
    if report.status == "ok" and not ready:
        st.info(t("upload_cases_nothing"))
    if st.button(t("upload_cases_apply"), type="primary", disabled=not ready, key="upload_cases_apply_button"):
        done = _report(path, spec, apply=True)
        st.session_state[DONE] = done
        st.rerun()


st.title(t("upload_cases_title"))
st.caption(t("upload_cases_intro"))
st.file_uploader(t("upload_cases_file"), type=["csv", "txt", "tsv", "xlsx"], key="upload_cases_uploader",
                 max_upload_size=max(1, max_upload_bytes() // MB), on_change=_save_upload)
if refused := st.session_state.pop("upload_cases_refused", None):
    st.error(escape(refused))
if done := st.session_state.get(DONE):
    (st.success if done.status == "applied" else st.error)(
        t("upload_cases_applied").format(n=done.counts.get("imported", 0)) if done.status == "applied"
        else escape("; ".join(map(say_problem, done.errors))))
if not (path := st.session_state.get(FILE)):
    st.info(t("upload_cases_waiting"))
    st.stop()
reading, preview = st.columns([2, 3], gap="large")
with reading:
    _reading_options()
    spec = _spec()
    report = _report(path, spec)
    _encoding(report)
    _mapping_form(report)
    _words_form(report)
with preview:
    _summary(report)
    _apply(path, spec, report)
    _rows(report)
_problems(report)
