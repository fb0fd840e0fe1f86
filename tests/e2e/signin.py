"""Signing AppTest sessions in: the dashboard reads the signed-in Actor from session state (dashboard.auth)."""

from streamlit.testing.v1 import AppTest

from dashboard.auth import ACTOR_KEY
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role

SUPERVISOR = Actor("值班长", Role.SUPERVISOR)
ANALYST = Actor("分析员", Role.ANALYST)
SCREEN = Actor("kiosk:大屏", Role.SCREEN)


def signed_in(at: AppTest, actor: Actor = SUPERVISOR) -> AppTest:
    at.session_state[ACTOR_KEY] = actor
    return at
