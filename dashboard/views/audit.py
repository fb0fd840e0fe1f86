"""Audit (district admin): sign-ins, account and role changes, personal-data reveals, imports; CSV export."""

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard.auth import require_actor
from dashboard.case_panel import local_time
from dashboard.data import database
from dashboard.i18n import t
from geo.read.audit_log import audit_log
from geo.usecases.accounts import list_users
from loaders.exports import audit_csv

actor = require_actor()
st.title(t("audit"))
days = st.sidebar.slider(t("audit_days"), 1, 365, 30)
ACTIONS = ["sign_in", "sign_in_failed", "sign_in_locked", "lockout", "role_change", "reveal_personal", "import",
           "user_add", "user_disable", "user_enable", "kiosk_token"]
action = st.sidebar.selectbox(t("audit_action"), ["", *ACTIONS],
                              format_func=lambda a: t(f"audit_action_{a}") if a else t("audit_any"))
now = datetime.now(UTC)
log = database().read(audit_log, actor, start=now - timedelta(days=days), action=action or None)
users = pd.DataFrame(database().read(list_users, actor))
st.caption(t("audit_count").format(n=len(log)))
shown = log.assign(at=log["at"].map(local_time), role=log["role"].map(lambda r: t(f"role_{r}") if r else ""),
                   action=log["action"].map(lambda a: t(f"audit_action_{a}")))
st.dataframe(shown, hide_index=True, use_container_width=True,
             column_config={c: t(f"audit_col_{c}") for c in shown.columns})
st.download_button(t("audit_export"), audit_csv(log), "gridgov-audit.csv", "text/csv")
st.subheader(t("audit_users"))
if len(users):
    users = users.assign(role=users["role"].map(lambda r: t(f"role_{r}")),
                         disabled=users["disabled"].map({True: t("audit_disabled"), False: ""}),
                         locked_until=users["locked_until"].map(lambda d: local_time(None if pd.isna(d) else d)))
st.dataframe(users, hide_index=True, use_container_width=True,
             column_config={c: t(f"audit_col_{c}") for c in users.columns})
