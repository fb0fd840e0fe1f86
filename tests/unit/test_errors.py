"""A page error becomes a message with a reference number; the log gets the traceback under that number."""

import logging
import re
from datetime import datetime
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from dashboard import errors

ROOT = Path(__file__).resolve().parents[2]


def test_a_reference_is_short_readable_and_unique():
    refs = {errors.new_reference(datetime(2026, 11, 30, 10, 36, 27)) for _ in range(50)}
    assert all(re.fullmatch(r"1130-103627-[0-9A-F]{4}", r) for r in refs) and len(refs) > 40


@pytest.fixture(autouse=True)
def _restore_error_details():
    before = config.get_option("client.showErrorDetails")
    yield
    config.set_option("client.showErrorDetails", before)


def _failing_page(tmp_path, details: str) -> AppTest:
    script = tmp_path / "page.py"
    script.write_text(
        "import streamlit as st\n"
        "from streamlit import config\n"
        "from dashboard.errors import page_error\n"
        f"config.set_option('client.showErrorDetails', {details!r})\n"
        "try:\n"
        "    {}['missing']\n"
        "except KeyError as exc:\n"
        "    st.session_state['suppressed'] = page_error(exc)\n")
    return AppTest.from_file(str(script)).run()


def test_the_page_shows_the_reference_and_the_log_holds_the_traceback(caplog, tmp_path):
    with caplog.at_level(logging.ERROR, logger="gridgov.errors"):
        at = _failing_page(tmp_path, "none")
    message = at.error[0].value
    reference = re.search(r"错误编号 (\S+)。", message).group(1)
    assert "KeyError" not in message and "Traceback" not in message
    assert at.session_state["suppressed"] is True  # Streamlit draws no exception box
    logged = caplog.records[-1]
    assert reference in logged.getMessage() and logged.exc_info[0] is KeyError


def test_a_developer_who_asks_for_details_gets_streamlits_traceback_too(tmp_path):
    assert _failing_page(tmp_path, "full").session_state["suppressed"] is False


def test_streamlit_is_told_never_to_show_error_details():
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert re.search(r'^showErrorDetails = "none"$', config, re.M)
