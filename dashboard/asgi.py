"""GridGov's one web server: a single ASGI application (``gridgov serve`` runs it under uvicorn) that serves
the Streamlit dashboard, our own small HTTP routes, and — when the ``api`` package is installed — the HTTP API.

Who answers which path
----------------------
- ``/open311/…``, ``/api/…``, ``/media/…`` (and ``/open311``, ``/api``): the API, when the package ``api``
  is installed beside ``dashboard`` (same parent directory). Exception: ``/media/<56 hex digits>[.ext]`` stays with Streamlit, which serves download buttons and
  images there (its media ids are sha224 hex digests) — the API must not use such names.
- everything else: Streamlit (``st.App`` on dashboard/app.py) with our routes in front of its own:
  ``/auth/adopt`` (session cookie after sign-in, dashboard/session_routes.py) and ``/rate/<token>`` (residents'
  rating page, dashboard/rating_page.py). Streamlit keeps ``/_stcore/``, ``/static/``, ``/component/``,
  ``/app/static/`` (the offline map assets of dashboard/static, ``server.enableStaticServing``) and the pages.

Contract for the API (package ``api``)
--------------------------------------
- ``api.app.create_app()`` returns an ASGI app (FastAPI/Starlette), called once at start-up, with no
  arguments; it reads its settings through geo.config like the rest of GridGov.
- It receives requests with the full, unmodified path (no prefix stripped, ``root_path`` empty), so its
  routes are declared as ``/open311/v2/requests.json``, ``/api/…``, ``/media/…``.
- Its lifespan runs inside ours: if it is a Starlette/FastAPI app, ``app.router.lifespan_context(app)`` is
  entered after Streamlit's runtime has started and left before it stops. Startup errors stop the server.
- Shared state goes through the database (geo.usecases / geo.read); the API may use geo.usecases.sessions to
  sign a phone page in with the same accounts and the same ``gridgov_session`` cookie.
- Not installed (no ``api`` package): those paths fall through to Streamlit.

Other ASGI servers: ``uvicorn --factory dashboard.asgi:create_app`` (run from the repository root, so
Streamlit reads .streamlit/config.toml).
"""

from __future__ import annotations

import importlib.util
import logging
import re
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import streamlit as st
from starlette.applications import Starlette

from dashboard.errors import page_error
from dashboard.rating_page import routes as rating_routes
from dashboard.session_routes import enable_cookies
from dashboard.session_routes import routes as session_routes

APP_SCRIPT = Path(__file__).resolve().with_name("app.py")
ROOT = APP_SCRIPT.parents[1]  # where the dashboard, geo and api packages live
API_PREFIXES = ("/open311/", "/api/", "/media/")
#: Streamlit's own media files (download buttons, images): /media/<sha224 hex>.<ext>
STREAMLIT_MEDIA = re.compile(r"^/media/[0-9a-f]{56}(\.[A-Za-z0-9]+)?$")


def owned_by_api(path: str) -> bool:
    """True for a path the API answers (see the module docstring)."""
    if STREAMLIT_MEDIA.match(path):
        return False
    return any(path.startswith(p) or path == p.rstrip("/") for p in API_PREFIXES)


class GridGovApp:
    """The dispatcher: lifespan to both apps, each request to the one that owns its path."""

    def __init__(self, streamlit_app: st.App, api=None):
        self.streamlit = streamlit_app
        self.api = api
        self._lifespan_router = Starlette(lifespan=self._lifespan)

    @asynccontextmanager
    async def _lifespan(self, _app):
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(self.streamlit.lifespan()(self.streamlit))
            if self.api is not None and hasattr(self.api, "router"):
                await stack.enter_async_context(self.api.router.lifespan_context(self.api))
            yield

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan_router(scope, receive, send)
        elif self.api is not None and owned_by_api(scope.get("path", "")):
            await self.api(scope, receive, send)
        else:
            await self.streamlit(scope, receive, send)


def load_api():
    """The API app if GridGov's ``api`` package is installed beside this dashboard, else None (an API that
    fails to build stops us). Found by name — the dashboard never imports the API's code — and only next to
    the dashboard package: "api" is a common name, and another project's must never be served."""
    spec = importlib.util.find_spec("api")
    if spec is None or spec.origin is None or Path(spec.origin).resolve().parents[1] != ROOT:
        return None
    return importlib.import_module("api.app").create_app()


def create_app(api="auto") -> GridGovApp:
    """The whole server as one ASGI app; ``api`` None leaves the API out, "auto" loads it if installed."""
    streamlit_app = st.App(APP_SCRIPT, routes=[*session_routes(), *rating_routes()], on_script_error=page_error)
    enable_cookies()
    return GridGovApp(streamlit_app, load_api() if api == "auto" else api)


def serve(port: int, address: str) -> None:
    """Run the server in this process until interrupted (``gridgov serve``). Streamlit's settings come from
    .streamlit/config.toml in the working directory and STREAMLIT_* variables; these flags win."""
    from streamlit.web import bootstrap
    from streamlit.web.server.starlette.starlette_server import UvicornRunner

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    bootstrap.load_config_options({"server_port": port, "server_address": address, "server_headless": True,
                                   "server_enableStaticServing": True, "browser_gatherUsageStats": False})
    UvicornRunner(create_app()).run()
