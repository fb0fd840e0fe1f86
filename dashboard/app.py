"""GridGov dashboard entry: `streamlit run dashboard/app.py` (or `gridgov serve`)."""

from pathlib import Path

import streamlit as st

from dashboard.auth import adopt_cookie, identify, sign_in_page, sign_out
from dashboard.i18n import language_switch, t
from dashboard.markup import escape
from dashboard.offline import use_local_assets
from geo.domain.permissions import may
from geo.domain.vocabulary import Role

# An emoji favicon is drawn in the browser; a ":material/...:" favicon would be fetched from a Google CDN.
st.set_page_config(page_title="GridGov", page_icon="🗺️", layout="wide")
use_local_assets()
language_switch()

VIEWS = Path(__file__).with_name("views")
#: (file, title key, Material icon bundled with Streamlit, capability needed or None for every signed-in role)
PAGES = [
    ("overview.py", "overview", ":material/dashboard:", None),
    ("case_map.py", "case_map", ":material/map:", "view_cases"),
    ("queue.py", "queue", ":material/inbox:", "work_queue"),
    ("bundles.py", "bundles", ":material/workspaces:", "create_bundle"),
    ("hotspots.py", "hotspots", ":material/local_fire_department:", "view_district_metrics"),
    ("grid_load.py", "grid_load", ":material/grid_view:", "view_district_metrics"),
    ("department_load.py", "department_load", ":material/apartment:", "view_district_metrics"),
    ("volunteers.py", "vol_page", ":material/volunteer_activism:", "view_volunteers"),
    ("upload_layers.py", "upload_layers", ":material/layers:", "upload"),
    ("upload_cases.py", "upload_cases", ":material/upload_file:", "upload"),
    ("big_screen.py", "big_screen", ":material/tv:", "view_district_metrics"),
    ("audit.py", "audit", ":material/policy:", "view_audit"),
]


def _page(name: str, key: str, icon: str, default: bool = False) -> st.Page:
    return st.Page(VIEWS / name, title=t(key), icon=icon, url_path=name.removesuffix(".py"), default=default)


actor = identify()
if actor is None:
    # Resolve a deep link (e.g. /case_map?case=…) before signing in, so the user lands where the link points.
    asked = st.navigation([_page(name, key, icon, i == 0) for i, (name, key, icon, _) in enumerate(PAGES)],
                          position="hidden")
    st.session_state["gg_asked_root"] = asked.url_path == ""  # the root URL: the role's own first page
    actor = sign_in_page()


def _allowed(name: str, capability: str | None) -> bool:
    if actor.role == Role.SCREEN:  # the wall's kiosk: the big screen (and the overview, which owns the root URL)
        return name in ("overview.py", "big_screen.py")
    return capability is None or may(actor.role, capability)


allowed = [(name, key, icon) for name, key, icon, capability in PAGES if _allowed(name, capability)]
# The default (first) page is served at the root URL whatever its url_path, so the overview stays first for
# every role and /big_screen always resolves — but departments and grid members land on their own work.
if actor.role in (Role.DEPARTMENT, Role.GRID_MEMBER):
    allowed.sort(key=lambda page: page[0] != "queue.py")
pages = [_page(name, key, icon, i == 0) for i, (name, key, icon) in enumerate(allowed)]
navigation = st.navigation(pages, position="hidden" if actor.role == Role.SCREEN else "sidebar")
at_root = st.session_state.pop("gg_asked_root", False)  # signed in at the root URL: the role's first page
# Right after a password sign-in the browser fetches its session cookie and comes back to this page.
adopt_cookie("/" if at_root or navigation is pages[0] else f"/{navigation.url_path}")
if at_root and navigation is not pages[0]:
    st.switch_page(pages[0])
with st.sidebar:
    st.caption(f"{t('auth_signed_in_as')}: {escape(actor.name)} · {t('role_' + actor.role)}")
    if actor.role == Role.VOLUNTEER:  # a 热心人 works on the phone page, with this same sign-in
        st.link_button(t("vol_phone_page"), "/api/volunteer/")
    if actor.role != Role.SCREEN:
        st.button(t("auth_sign_out"), on_click=sign_out, key="sign_out")
navigation.run()
