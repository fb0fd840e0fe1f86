"""Who is signed in, re-checked on every full run (app.py calls ``identify`` once per run). Three credentials:

- a **kiosk token** for the wall (``?kiosk=…``, kept for the tab): read-only, no idle timeout — the wall is
  never touched — but a revoked token signs the wall out at its next refresh;
- a **browser session** of a local account (geo.usecases.sessions): after the password, the tab is signed in
  by the session's id, and the browser is sent once through /auth/adopt for an HttpOnly cookie, so a reload,
  a new tab or a bookmarked ``?case=`` link stays signed in. Idle timeout (GRIDGOV_SESSION_TIMEOUT_MIN),
  maximum age, sign-out in any tab, disabling the account and changing its role end it everywhere;
- an **in-process** sign-in (single sign-on through Streamlit's OIDC login, which keeps its own cookie; page
  tests), timed out in this tab's memory.

The idle timeout follows the credential, never the display name (issue 11: a "kiosk:" name escaped it).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import streamlit as st
from sqlalchemy.exc import DBAPIError

from dashboard.data import database
from dashboard.i18n import t
from dashboard.session_routes import COOKIE, adopt_url, cookies_enabled
from geo.config import session_max_age_s, session_timeout_s, single_sign_on
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases import sessions
from geo.usecases.accounts import LockedOut, SignInFailed, kiosk_actor

ACTOR_KEY = "gg_actor"  # an in-process sign-in (single sign-on, page tests)
SEEN_KEY = "gg_last_seen"  # its idle clock
CURRENT_KEY = "gg_current"  # the actor identified by this run
SESSION_KEY = "gg_session"  # id of the browser session this tab is signed in with
KIOSK_KEY = "gg_kiosk"  # the kiosk token this tab was opened with
ADOPT_KEY = "gg_adopt"  # a ticket the browser still has to trade for the cookie
DB_RETRY_S = 5


def identify() -> Actor | None:
    """The actor of this run, or None; also the actor pages get from ``require_actor``. While the database
    is unreachable a wall keeps its kiosk identity (the big screen shows its outage banner and checks the
    token again at each refresh); any other page says so and reloads itself once the database is back."""
    try:
        actor = _kiosk() or _browser_session() or _in_process()
    except DBAPIError:
        actor = _while_database_down()
    if actor is None:
        st.session_state.pop(CURRENT_KEY, None)
    else:
        st.session_state[CURRENT_KEY] = actor
    return actor


def require_actor() -> Actor:
    """The actor app.py identified for this run (a page run on its own identifies it); otherwise draws the
    sign-in and stops the script."""
    return st.session_state.get(CURRENT_KEY) or identify() or sign_in_page()


def sign_in_page() -> Actor:
    """Single sign-on when configured, else the password form; stops the script until someone is signed in."""
    actor = _single_sign_on()
    if actor is None:
        _sign_in_form()
        st.stop()
    st.session_state[CURRENT_KEY] = actor
    return actor


def still_signed_in(session) -> bool:
    """For pages that refresh themselves (the big screen): is this tab's credential still valid? Does not
    count as activity; raises DBAPIError while the database is down."""
    if KIOSK_KEY in st.session_state:
        return kiosk_actor(session, st.session_state[KIOSK_KEY]) is not None
    if SESSION_KEY in st.session_state:
        found = sessions.resolve(session, datetime.now(UTC), timedelta(seconds=session_timeout_s()),
                                 session_id=st.session_state[SESSION_KEY])
        return found.state == sessions.State.ACTIVE
    return True


def sign_out() -> None:
    """End this tab's browser session everywhere (every tab holding the cookie is signed out at its next run)."""
    session_id = st.session_state.pop(SESSION_KEY, None)
    if session_id is not None:
        sessions.sign_out(database(), session_id, datetime.now(UTC))
    for key in (ACTOR_KEY, CURRENT_KEY, KIOSK_KEY, ADOPT_KEY):
        st.session_state.pop(key, None)


def adopt_cookie(page_path: str) -> None:
    """Right after a password sign-in: send the browser through /auth/adopt for its cookie and back to this
    page (``page_path``, e.g. ``/case_map``) with its query — or to ``?next=``, a page of this site that sent
    the person here to sign in (the phone report page) —, then stop this run (the page loads again, signed in
    by the cookie)."""
    ticket = st.session_state.pop(ADOPT_KEY, None)
    if ticket is None:
        return
    query = st.query_params.to_dict()
    back = query.pop("next", None)  # adopt_url keeps it on this site (session_routes.safe_next)
    target = adopt_url(ticket, back or page_path + (f"?{urlencode(query)}" if query else ""))
    st.html(f"<script>window.location.replace({json.dumps(target)});</script>", unsafe_allow_javascript=True)
    st.stop()


def _kiosk() -> Actor | None:
    token = st.query_params.get("kiosk") or st.session_state.get(KIOSK_KEY)
    if not token:
        return None
    actor = database().read(kiosk_actor, token)
    if actor is None:
        st.session_state.pop(KIOSK_KEY, None)
    else:
        st.session_state[KIOSK_KEY] = token
    return actor


def _browser_session() -> Actor | None:
    session_id = st.session_state.get(SESSION_KEY)
    token = None if session_id is not None else _cookie()
    if session_id is None and not token:
        return None
    found = sessions.check(database(), datetime.now(UTC), timedelta(seconds=session_timeout_s()), token=token,
                           session_id=session_id)
    if found.state == sessions.State.ACTIVE:
        st.session_state[SESSION_KEY] = found.session_id
        return found.actor
    st.session_state.pop(SESSION_KEY, None)
    if found.state == sessions.State.TIMED_OUT:
        st.warning(t("auth_timed_out"))
    elif session_id is not None:  # this tab was signed in a moment ago
        st.warning(t("auth_session_ended"))
    return None


def _cookie() -> str | None:
    """The session cookie the browser sent when this tab connected (a page test has no browser)."""
    token = st.context.cookies.get(COOKIE)
    return token if isinstance(token, str) and token else None


def _in_process() -> Actor | None:
    actor = st.session_state.get(ACTOR_KEY)
    last = st.session_state.get(SEEN_KEY, time.time())
    if actor is not None and time.time() - last > session_timeout_s():
        st.session_state.pop(ACTOR_KEY, None)
        st.warning(t("auth_timed_out"))
        return None
    st.session_state[SEEN_KEY] = time.time()
    return actor


def _while_database_down() -> Actor | None:
    if st.query_params.get("kiosk") or KIOSK_KEY in st.session_state:
        st.session_state.setdefault(KIOSK_KEY, st.query_params.get("kiosk"))
        return Actor("kiosk:", Role.SCREEN)  # nothing can be read until the big screen re-checks the token
    st.warning(t("auth_db_down"))

    @st.fragment(run_every=timedelta(seconds=DB_RETRY_S))
    def _reload_when_back() -> None:
        if database().reachable():
            st.rerun(scope="app")

    _reload_when_back()
    st.stop()


def _single_sign_on() -> Actor | None:
    sso = single_sign_on()
    if sso is None:
        return None
    if not st.user.is_logged_in:
        st.button(t("auth_sso"), on_click=st.login, type="primary")
        st.stop()
    try:
        actor = sessions.single_sign_on(database(), st.user.to_dict(), sso.role_claim, sso.role_map,
                                        datetime.now(UTC))
    except SignInFailed:
        st.error(t("auth_sso_no_role"))
        st.stop()
    st.session_state[ACTOR_KEY] = actor
    return actor


def _sign_in_form() -> None:
    st.title(t("app_title"))
    with st.form("sign_in"):
        username = st.text_input(t("auth_username"))
        password = st.text_input(t("auth_password"), type="password")
        submitted = st.form_submit_button(t("auth_sign_in"), type="primary")
    if submitted and _check_password(username.strip(), password):
        st.rerun()


def _check_password(username: str, password: str) -> bool:
    """Authenticate (lockout rules in geo) and open a browser session; messages for every refusal."""
    try:
        new = sessions.sign_in(database(), username, password, datetime.now(UTC),
                               timedelta(seconds=session_max_age_s()))
    except LockedOut as exc:
        st.error(t("auth_locked").format(until=exc.until.astimezone().strftime("%H:%M")))
        return False
    except SignInFailed:
        st.error(t("auth_failed"))
        return False
    st.session_state[SESSION_KEY] = new.session_id
    if cookies_enabled():
        st.session_state[ADOPT_KEY] = new.ticket
    return True
