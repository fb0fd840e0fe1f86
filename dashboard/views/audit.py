"""Audit (district admin): sign-ins, account and role changes, personal-data reveals, imports; CSV export."""

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard.auth import require_actor
from dashboard.data import database
from dashboard.i18n import t
from geo.read.audit_log import audit_log
from geo.usecases.accounts import list_users
from loaders.exports import audit_csv

actor = require_actor()
st.title(t("audit"))
days = st.sidebar.slider(t("audit_days"), 1, 365, 30)
action = st.sidebar.selectbox(t("audit_action"), ["", "sign_in", "sign_in_failed", "lockout", "role_change",
                                                  "reveal_personal", "import", "user_add", "user_disable"])
now = datetime.now(UTC)
log = database().read(audit_log, actor, start=now - timedelta(days=days), action=action or None)
users = pd.DataFrame(database().read(list_users, actor))
st.caption(t("audit_count").format(n=len(log)))
st.dataframe(log, hide_index=True, use_container_width=True)
st.download_button(t("audit_export"), audit_csv(log), "gridgov-audit.csv", "text/csv")
st.subheader(t("audit_users"))
st.dataframe(users, hide_index=True, use_container_width=True)
