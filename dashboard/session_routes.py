"""The HTTP side of signing in: Streamlit cannot set a cookie from Python, so after a correct password the
page sends the browser to ``/auth/adopt?ticket=…&next=…``; this route trades the one-time ticket for the
session token (geo.usecases.sessions.adopt), sets it as an HttpOnly, SameSite=Lax cookie for the whole site,
and redirects back to ``next`` — the page and query the user was on (a ``?case=`` deep link survives).

Only dashboard/asgi.py mounts these routes; ``cookies_enabled()`` tells the sign-in page whether it may send
the browser here (under plain ``streamlit run`` it may not: the sign-in then lasts as long as the tab).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from urllib.parse import urlencode

from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from geo.db.database import Database
from geo.usecases import sessions

COOKIE = sessions.COOKIE
ADOPT_PATH = "/auth/adopt"
_state = {"mounted": False}


def routes() -> list[Route]:
    return [Route(ADOPT_PATH, adopt, methods=["GET"])]


def enable_cookies() -> None:
    """Called by dashboard/asgi.py once these routes are mounted in the server of this process."""
    _state["mounted"] = True


def cookies_enabled() -> bool:
    return _state["mounted"]


@cache
def route_database() -> Database:
    """The routes' own engine (Streamlit's cache_resource belongs to page runs)."""
    return Database()


def adopt_url(ticket: str, next_path: str) -> str:
    return f"{ADOPT_PATH}?{urlencode({'ticket': ticket, 'next': safe_next(next_path)})}"


def safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//host``, a scheme, a backslash or a control character (no open
    redirect through a crafted link)."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(ch) < 32 for ch in target)):
        return "/"
    return target


def adopt(request: Request) -> Response:
    """Set the session cookie for a valid ticket, then go back to the page; an invalid ticket just goes back
    (the page then asks to sign in)."""
    now = datetime.now(UTC)
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
        return response  # only our own page sends the browser here: a link from elsewhere signs nobody in
    try:
        adopted = sessions.adopt_ticket(route_database(), request.query_params.get("ticket", ""), now)
    except DBAPIError:
        return response
    if adopted is not None:
        token, expires_at = adopted
        response.set_cookie(COOKIE, token, max_age=int((expires_at - now).total_seconds()), path="/",
                            httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response
