"""GridGov dashboard entry: `streamlit run dashboard/app.py` (or `gridgov serve`)."""

from pathlib import Path

import streamlit as st

from dashboard.i18n import language_switch, t
from dashboard.offline import use_local_assets

st.set_page_config(page_title="GridGov", page_icon="🗺️", layout="wide")
use_local_assets()
language_switch()

PAGES = Path(__file__).with_name("pages")
navigation = st.navigation([
    st.Page(PAGES / "overview.py", title=t("overview"), icon="📊", default=True),
])
navigation.run()
