"""我的待办: the signed-in person's work queues (geo.read.queue) with their counts, one queue's cases worst first,
each linked to the case map; several ticked cases take one action at once (geo.usecases.bulk_actions, each
case reported on its own); CSV and Excel exports of the whole queue."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboard.auth import require_actor
from dashboard.case_panel import local_time, shared_input
from dashboard.data import database
from dashboard.i18n import t
from geo.domain.permissions import may
from geo.domain.workflow import transition
from geo.read.queue import QUEUES, RATING_CALLBACK, queue_counts, queue_rows, queues_for
from geo.usecases.bulk_actions import Seen, act_on_cases
from loaders.exports import XLSX_MIME, csv_bytes, table_xlsx

SHOWN = 500
PICK, OUTCOMES, GENERATION = "queue_pick", "queue_outcomes", "queue_generation"


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    if minutes >= 48 * 60:
        return t("queue_days").format(n=minutes // (24 * 60))
    if minutes >= 60:
        return t("queue_hours").format(n=minutes // 60)
    return t("queue_minutes").format(n=minutes)


def _left(deadline, now: datetime) -> str:
    if deadline is None or pd.isna(deadline):
        return "—"
    seconds = (deadline - now).total_seconds()
    return t("queue_left_in" if seconds >= 0 else "queue_left_over").format(span=_span(seconds))


def shown_table(rows: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """The queue's rows in words of the current language, one column per header (what the page and the
    exports show)."""
    sep = t("note_list_sep")
    return pd.DataFrame({
        t("queue_col_case"): rows["number"],
        t("queue_col_status"): rows["status"].map(lambda s: t(f"case_map_status_{s}")),
        t("queue_col_card"): rows["card"].map(lambda c: "—" if c == "none" else t(f"case_map_card_{c}")),
        t("queue_col_deadline"): rows["deadline"].map(lambda d: local_time(None if pd.isna(d) else d)),
        t("queue_col_left"): rows["deadline"].map(lambda d: _left(d, now)),
        t("queue_col_reported_at"): rows["reported_at"].map(local_time),
        t("queue_col_category"): rows["category"].fillna("—"),
        t("queue_col_grid"): rows["grid"].fillna("—"),
        t("queue_col_address"): rows["address"].fillna(""),
        t("queue_col_departments"): rows["departments"].map(sep.join),
    })


def _label(name: str, counts: dict[str, int]) -> str:
    return f"{t('queue_q_' + name)} · {counts[name]:,}"


def _act(seen: list[Seen], action: str, actor) -> None:
    """Button callback: the action on every ticked case; the outcomes show above the table."""
    params = {p.name: st.session_state.get(f"queue_in_{action}_{p.name}") for p in transition(action).params}
    outcomes = act_on_cases(database(), seen, action, actor, params, datetime.now(UTC))
    st.session_state[OUTCOMES] = (action, outcomes)
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1  # a fresh table: no stale ticks


def _outcomes() -> None:
    done = st.session_state.pop(OUTCOMES, None)
    if not done:
        return
    action, outcomes = done
    failed = [o for o in outcomes if o.kind != "done"]
    message = t("queue_bulk_result").format(done=len(outcomes) - len(failed), failed=len(failed))
    (st.warning if failed else st.success)(f"{t('case_map_action_' + action)}：{message}")
    if failed:
        st.dataframe(pd.DataFrame({t("queue_col_case"): [o.number for o in failed],
                                   t("queue_col_outcome"): [t(f"queue_outcome_{o.kind}") for o in failed],
                                   t("queue_col_status"): [t(f"case_map_status_{o.status}") if o.status else ""
                                                           for o in failed]}), hide_index=True)


def bulk_action(name: str, actor) -> str | None:
    """The action the actor may take on several cases of queue ``name`` at once, if any."""
    action = QUEUES[name].bulk_action
    return action if action is not None and may(actor.role, action) else None


def _bulk(action: str, rows: pd.DataFrame, picked: list[int], actor) -> None:
    st.markdown(f"**{t('queue_bulk')}**")
    declared = transition(action).params
    for column, p in zip(st.columns(max(len(declared), 1)), declared):
        with column:
            shared_input(p.kind, p.name, f"queue_in_{action}_{p.name}")
    seen = [Seen(int(r.id), r.number, int(r.version)) for r in rows.iloc[picked].itertuples()]
    st.button(t("queue_bulk_do").format(n=len(seen), action=t(f"case_map_action_{action}")), type="primary",
              disabled=not seen, key="queue_bulk_do", on_click=_act, args=(seen, action, actor),
              help=None if seen else t("queue_bulk_pick"))


def main() -> None:
    actor = require_actor()
    st.title(t("queue_title"))
    names = queues_for(actor)
    if not names:
        st.info(t("queue_none_for_role"))
        return
    st.caption(t("queue_caption"))
    db, now = database(), datetime.now(UTC)
    counts = db.read(queue_counts, now, actor)
    name = st.segmented_control(t("queue_title"), names, key=PICK, format_func=lambda q: _label(q, counts),
                                label_visibility="collapsed", default=next((q for q in names if counts[q]), names[0]))
    name = name or names[0]
    if name == "awaiting_rating":
        st.caption(t("queue_q_help_awaiting_rating").format(days=RATING_CALLBACK.days))
    _outcomes()
    rows = db.read(queue_rows, name, now, actor, SHOWN)
    if rows.empty:
        st.info(t("queue_empty"))
        return
    action = bulk_action(name, actor)
    table = shown_table(rows, now)
    links = "case_map?case=" + rows["number"]
    event = st.dataframe(table.assign(**{t("queue_col_map"): links}), hide_index=True,
                         on_select="rerun" if action else "ignore", selection_mode="multi-row",
                         key=f"queue_table_{name}_{st.session_state.get(GENERATION, 0)}",
                         column_config={t("queue_col_map"): st.column_config.LinkColumn(
                             t("queue_col_map"), display_text=t("queue_open_on_map"))},
                         height=min(38 + 35 * len(table), 560))
    if counts[name] > len(rows):
        st.caption(t("queue_shown").format(shown=len(rows), total=counts[name]))
    if action:
        _bulk(action, rows, list(event.selection.rows), actor)
    else:
        st.caption(t("queue_bulk_none"))
    _exports(name, actor, now)


def _exports(name: str, actor, now: datetime) -> None:
    def whole() -> pd.DataFrame:
        return shown_table(database().read(queue_rows, name, now, actor, None), now)

    stamp = f"{t('queue_q_' + name)}_{local_time(now)[:10]}"
    left, right, _ = st.columns([1, 1, 5])
    left.download_button(t("queue_export_csv"), key="queue_csv", mime="text/csv", on_click="ignore",
                         file_name=f"{stamp}.csv", data=lambda: csv_bytes(whole()))
    right.download_button(t("queue_export_xlsx"), key="queue_xlsx", mime=XLSX_MIME, on_click="ignore",
                          file_name=f"{stamp}.xlsx", data=lambda: table_xlsx(whole(), t("queue_q_" + name)))


main()
