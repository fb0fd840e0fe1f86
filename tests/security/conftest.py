"""Every test under tests/security/ belongs to the standing attack suite (``-m security`` runs it alone); its
browser tests use the e2e fixtures (one Chromium per session, servers stopped at the end)."""

from pathlib import Path

import pytest

from tests.e2e.conftest import streamlit_server  # noqa: F401 - the browser fixture is tests/conftest.py's

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.security)
