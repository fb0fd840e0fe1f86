"""The attack suite's browser tests use the e2e fixtures (one Chromium per session, servers stopped at the end)."""

from tests.e2e.conftest import browser, streamlit_server  # noqa: F401
