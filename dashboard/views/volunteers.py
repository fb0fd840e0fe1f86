"""Community forces (热心人): the needs list — publish a task from a community-tier case or of its own, see
volunteers ranked by distance, skills, availability and turn-taking, assign them, record completion and close
the case — the registry (masked; reveals audited; roster import) and the points ledger with redemptions.
Community staff see their community, street staff their street, the center everything."""

import streamlit as st

from dashboard.auth import require_actor
from dashboard.i18n import t
from dashboard.volunteer_common import show_flash
from dashboard.volunteer_points_panel import month_figures, points_tab
from dashboard.volunteer_registry_panel import registry_tab
from dashboard.volunteer_tasks_panel import tasks_tab
from geo.read.layouts import NoActiveLayout

actor = require_actor()
st.title(t("vol_page"))
st.caption(t("vol_caption"))
show_flash()
tasks, registry, points, figures = st.tabs([t("vol_tab_tasks"), t("vol_tab_registry"), t("vol_tab_points"),
                                            t("vol_tab_figures")])
try:
    with tasks:
        tasks_tab(actor)
    with registry:
        registry_tab(actor)
    with points:
        points_tab(actor)
    with figures:
        month_figures(actor, "vol_figures")
except NoActiveLayout:
    st.info(t("no_layout"))
