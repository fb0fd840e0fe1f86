"""Sign-in for the dashboard: local accounts (default), the organisation's single sign-on through Streamlit's
OIDC login (GRIDGOV_AUTH=oidc), or a kiosk token for the big screen (?kiosk=…). The signed-in Actor lives in
the session; it times out after GRIDGOV_SESSION_TIMEOUT_MIN minutes without activity."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import streamlit as st

from dashboard.data import database
from dashboard.i18n import t
from geo.config import session_timeout_s, single_sign_on
from geo.domain.actors import Actor
from geo.usecases.accounts import LockedOut, SignInFailed, actor_from_claims, authenticate, kiosk_actor

ACTOR_KEY = "gg_actor"
SEEN_KEY = "gg_last_seen"


def current_actor() -> Actor | None:
    """The signed-in actor, or None (also after the inactivity timeout, which signs the session out)."""
    actor = st.session_state.get(ACTOR_KEY)
    last = st.session_state.get(SEEN_KEY, time.time())
    if actor is not None and not actor.name.startswith("kiosk:") and time.time() - last > session_timeout_s():
        sign_out()
        st.warning(t("auth_timed_out"))
        return None
    st.session_state[SEEN_KEY] = time.time()
    return actor


def sign_out() -> None:
    st.session_state.pop(ACTOR_KEY, None)


def signed_in() -> Actor | None:
    """The actor of this session or of a valid kiosk token, without drawing anything."""
    return current_actor() or _kiosk()


def require_actor() -> Actor:
    """The signed-in actor; otherwise draws the sign-in and stops the script."""
    actor = signed_in() or _single_sign_on()
    if actor is None:
        _sign_in_form()
        st.stop()
    st.session_state[ACTOR_KEY] = actor
    return actor


def _kiosk() -> Actor | None:
    token = st.query_params.get("kiosk")
    if not token:
        return None
    with database().session() as session:
        return kiosk_actor(session, token)


def _single_sign_on() -> Actor | None:
    sso = single_sign_on()
    if sso is None:
        return None
    if not st.user.is_logged_in:
        st.button(t("auth_sso"), on_click=st.login, type="primary")
        st.stop()
    try:
        with database().transaction() as session:
            return actor_from_claims(session, st.user.to_dict(), sso.role_claim, sso.role_map,
                                     datetime.now(UTC))
    except SignInFailed:
        st.error(t("auth_sso_no_role"))
        st.stop()


def _sign_in_form() -> None:
    st.title(t("app_title"))
    with st.form("sign_in"):
        username = st.text_input(t("auth_username"))
        password = st.text_input(t("auth_password"), type="password")
        submitted = st.form_submit_button(t("auth_sign_in"), type="primary")
    if not submitted:
        return
    session = database().session()
    try:
        st.session_state[ACTOR_KEY] = authenticate(session, username.strip(), password, datetime.now(UTC))
        st.session_state[SEEN_KEY] = time.time()
    except LockedOut as exc:
        st.error(t("auth_locked").format(until=exc.until.astimezone().strftime("%H:%M")))
    except SignInFailed:
        st.error(t("auth_failed"))
    finally:
        session.commit()  # the attempt (and any failure count) is recorded either way
        session.close()
    if ACTOR_KEY in st.session_state:
        st.rerun()
