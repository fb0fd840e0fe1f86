"""The one ASGI server (dashboard/asgi.py): which app answers which path, and one lifespan for both — the
contract the API package plugs into."""

import sys
from contextlib import asynccontextmanager

import pytest

from dashboard.asgi import GridGovApp, owned_by_api
from tests.asgi_call import call, run_coroutine

SHA224 = "0" * 55 + "f"


@pytest.mark.parametrize("path", ["/api/cases", "/api", "/open311/v2/requests.json", "/open311",
                                  "/media/photo-17.jpg", "/media/cases/C1/1.png"])
def test_the_api_owns_its_prefixes(path):
    assert owned_by_api(path)


@pytest.mark.parametrize("path", ["/", "/case_map", "/big_screen", "/_stcore/health", "/app/static/leaflet.js",
                                  f"/media/{SHA224}.xlsx", f"/media/{SHA224}", "/auth/adopt", "/rate/1.abc",
                                  "/apis", "/mediaX"])
def test_streamlit_and_our_routes_own_the_rest_including_streamlit_media_files(path):
    assert not owned_by_api(path)


class FakeApp:
    """Records requests and lifespan; a Starlette-like ``router.lifespan_context`` or st.App's ``lifespan()``."""

    def __init__(self, name, events):
        self.name, self.events = name, events
        self.router = self

    async def __call__(self, scope, receive, send):
        self.events.append((self.name, scope["path"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": self.name.encode()})

    @asynccontextmanager
    async def lifespan_context(self, _app):
        self.events.append((self.name, "start"))
        yield
        self.events.append((self.name, "stop"))

    def lifespan(self):
        return self.lifespan_context


def test_requests_go_to_the_app_that_owns_the_path():
    events = []
    app = GridGovApp(FakeApp("streamlit", events), FakeApp("api", events))
    assert call(app, "GET", "/open311/v2/services.json").text == "api"
    assert call(app, "GET", f"/media/{SHA224}.csv").text == "streamlit"
    assert call(app, "GET", "/rate/1.x").text == "streamlit"


def test_without_the_api_every_path_goes_to_streamlit():
    events = []
    app = GridGovApp(FakeApp("streamlit", events), None)
    assert call(app, "GET", "/api/cases").text == "streamlit"


def test_one_lifespan_starts_streamlit_then_the_api_and_stops_them_in_reverse():
    events = []
    app = GridGovApp(FakeApp("streamlit", events), FakeApp("api", events))

    async def run():
        inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        sent = []

        async def receive():
            return inbox.pop(0)

        async def send(message):
            sent.append(message["type"])

        await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
        return sent

    assert run_coroutine(run()) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert events == [("streamlit", "start"), ("api", "start"), ("api", "stop"), ("streamlit", "stop")]


def test_an_api_package_from_elsewhere_on_the_path_is_not_served(tmp_path, monkeypatch):
    from dashboard.asgi import load_api

    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "__init__.py").write_text("")
    (tmp_path / "api" / "app.py").write_text("def create_app():\n    raise AssertionError('not ours')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "api", raising=False)
    assert load_api() is None


def test_the_api_package_beside_the_dashboard_is_built_once_by_its_create_app(tmp_path, monkeypatch):
    from dashboard import asgi

    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "__init__.py").write_text("")
    (tmp_path / "api" / "app.py").write_text("def create_app():\n    return 'the api'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("api", "api.app"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setattr(asgi, "ROOT", tmp_path)
    try:
        assert asgi.load_api() == "the api"
    finally:
        for name in ("api.app", "api"):
            sys.modules.pop(name, None)
