"""Big screen for the governance center's wall: the whole district at once, refreshing itself.

Open it as a screen with ``http://<host>:8501/big_screen?embed=true`` (Streamlit's embed mode; this page
then hides the sidebar and header too). One fragment re-reads everything every ``GRIDGOV_SCREEN_REFRESH_S``
seconds (default 30); the map stays mounted and only its live layer is swapped (dashboard/screen_map.py).
If the database cannot be reached, the last good figures stay up under a warning with their time, and the
next refresh that reaches the database clears it — also when the screen was opened during the outage (the
kiosk token is checked then). Each refresh checks the sign-in again, so a revoked kiosk token or an ended
session shows the sign-in page at the next refresh. No personal data is read (geo/screen.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st
from sqlalchemy.exc import DBAPIError
from streamlit_folium import st_folium

from dashboard.auth import require_actor, still_signed_in
from dashboard.data import database, layout_geojson, media_store
from dashboard.i18n import t
from dashboard.screen_draw import (
    cases_feed_html,
    category_html,
    column,
    header_html,
    map_caption,
    panel,
    problems_html,
    ranking_html,
    screen_css,
    tiles_html,
    trend_legend,
    trend_svg,
    volunteers_html,
    whistles_feed_html,
)
from dashboard.screen_map import base_map, live_layer
from geo.config import screen_as_of, screen_refresh_s
from geo.read.media import feed_thumbnails
from geo.read.screen import ScreenSettings, screen_data, screen_map
from geo.read.volunteer_figures import screen_counts

SETTINGS = ScreenSettings(feed_rows=7, whistle_rows=3, ranking_rows=7, category_rows=6, problem_rows=3)
_LAST = "big_screen_last"  # session state: (ScreenData, ScreenMap) of the last good refresh
_THUMBS = "big_screen_thumbs"  # session state: newest cases' photo thumbnails by case number
_FAILED = "big_screen_failed_at"  # session state: when the last refresh failed, None if it did not
_VOLUNTEERS = "big_screen_volunteers"  # session state: the 热心人 counts of the last good refresh

actor = require_actor()  # a person's sign-in, or the wall's kiosk token (?kiosk=…)
try:
    refresh, as_of = screen_refresh_s(), screen_as_of()
except ValueError as exc:
    st.error(str(exc))
    st.stop()
st.html(screen_css(bool(st.context.is_embedded)))


def _refresh(now: datetime) -> bool:
    """Read everything as of ``now``; on a database error keep the last good data and note the failure.
    False when this tab's sign-in has ended meanwhile (a revoked kiosk token, a signed-out session)."""
    db = database()
    try:
        if not db.read(still_signed_in):
            return False
        data = db.read(screen_data, now, SETTINGS, actor=actor)
        live = db.read(screen_map, now, SETTINGS, actor=actor)
        grids = layout_geojson(db.url, live.layout_id) if live.layout_id is not None else None
        thumbs = db.read(feed_thumbnails, media_store(), data.latest_cases["number"].tolist())
        volunteers = db.read(screen_counts, now, actor, SETTINGS.window_days)
    except DBAPIError:
        st.session_state[_FAILED] = now
        return True
    st.session_state[_LAST] = (data, live, grids)
    st.session_state[_THUMBS] = thumbs
    st.session_state[_VOLUNTEERS] = volunteers
    st.session_state[_FAILED] = None
    return True


@st.fragment(run_every=timedelta(seconds=refresh))
def big_screen() -> None:
    if not _refresh(as_of or datetime.now(UTC)):
        st.session_state.pop(_LAST, None)
        st.rerun(scope="app")  # the whole page asks who is there: the sign-in form
    data, live, grids = st.session_state.get(_LAST) or (None, None, None)
    days = SETTINGS.window_days
    note = t("big_screen_window_note").format(days=days)
    st.markdown(
        header_html(t, data and data.as_of, st.session_state.get(_FAILED), note), unsafe_allow_html=True
    )
    st.markdown(tiles_html(t, data and data.headline), unsafe_allow_html=True)
    if data is None:
        return
    left, centre, right = st.columns([0.27, 0.44, 0.29])
    left.markdown(
        column(
            panel(
                t("big_screen_ranking").format(days=days),
                ranking_html(t, data.ranking),
                35.5,
                testid="gg-ranking",
            ),
            panel(t("big_screen_category_mix").format(days=days), category_html(t, data.category_mix), 24),
            panel(t("big_screen_problems"), problems_html(t, data.problems)),
        ),
        unsafe_allow_html=True,
    )
    with centre:
        if live.layout_id is None:
            st.markdown(panel(t("big_screen_no_layout"), "", 57), unsafe_allow_html=True)
        else:
            st_folium(
                base_map(live.bounds),
                key="big_screen_map",
                height=600,
                use_container_width=True,
                returned_objects=[],
                feature_group_to_add=live_layer(live, grids),
            )
        st.markdown(
            map_caption(t, SETTINGS.fresh_hours)
            + panel(
                t("big_screen_trend").format(days=days),
                f'<div class="gg-trend" style="height:11vh">{trend_svg(data.trend)}</div>',
                17,
                extra=trend_legend(t),
            ),
            unsafe_allow_html=True,
        )
    fresh_since = data.as_of - timedelta(hours=SETTINGS.fresh_hours)
    right.markdown(
        column(
            panel(
                t("big_screen_latest_cases"),
                cases_feed_html(t, data.latest_cases, fresh_since, data.as_of, st.session_state.get(_THUMBS)),
                44,
                testid="gg-feed",
            ),
            panel(t("big_screen_latest_whistles"), whistles_feed_html(t, data.latest_whistles, data.as_of), 20.5),
            panel(t("vol_screen_title").format(days=days), volunteers_html(t, st.session_state.get(_VOLUNTEERS)),
                  testid="gg-volunteers"),
        ),
        unsafe_allow_html=True,
    )


big_screen()
