"""Fixtures for browser tests (``@pytest.mark.browser``).

- ``streamlit_server``: factory ``(script, env=None) -> StreamlitServer``; servers stop at teardown.
- ``browser`` (tests/conftest.py): one headless /usr/bin/chromium per session.
- ``page``: fresh 1920x1080 context + page; ``page.network`` is its NetworkLog; a screenshot is
  saved to test-artifacts/ when the test fails.
- ``maps`` (AppTest): every st_folium call's keyword arguments; ``sample_url``: DATABASE_URL set to a private
  copy of the sample for AppTest pages.
"""

from __future__ import annotations

import pytest

from tests.e2e.browser import (
    NetworkLog,
    new_page,
    save_screenshot,
    start_streamlit,
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def streamlit_server():
    servers = []

    def start(script, env=None, **kwargs):
        server = start_streamlit(script, env=env, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def page(browser, request):
    page = new_page(browser)
    page.network = NetworkLog().attach(page)
    yield page
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        from playwright.sync_api import Error as PlaywrightError

        try:
            save_screenshot(page, f"{request.node.name}-failure")
        except PlaywrightError as exc:  # page crashed or closed: keep the original failure
            print(f"failure screenshot not saved: {exc}")
    page.context.close()


@pytest.fixture
def maps(monkeypatch):
    """Every st_folium call's keyword arguments, in order (AppTest cannot render the map component)."""
    calls: list[dict] = []

    def fake_st_folium(fig, **kwargs):
        calls.append(kwargs)
        return {}

    monkeypatch.setattr("streamlit_folium.st_folium", fake_st_folium)
    return calls


@pytest.fixture
def sample_url(sample_sqlite_copy, monkeypatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sample_sqlite_copy)
    from dashboard.data import database

    database.clear()
    return sample_sqlite_copy
