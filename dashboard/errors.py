"""Never a raw traceback on a page (issue 13): an uncaught error in a page run becomes a friendly message
with a reference number, and the server log gets the details under the same number, so an administrator
can find them from what the user reads out over the phone.

``page_error`` is the ``on_script_error`` handler of the Streamlit app (dashboard/asgi.py); our HTTP pages
(dashboard/rating_page.py) use ``new_reference`` and ``log_error`` (geo.db.errors, shared with import reports
and the command line) the same way. Streamlit's own
``client.showErrorDetails`` is "none" in .streamlit/config.toml; a developer who sets it to "full" (e.g.
``STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=full``) gets Streamlit's traceback under the message as well.
"""

from __future__ import annotations

from geo.db.errors import log_error, new_reference


def page_error(exc: Exception) -> bool:
    """Show the friendly message; True tells Streamlit not to draw its own exception box (unless a developer
    asked for details)."""
    import streamlit as st

    from dashboard.i18n import t

    reference = new_reference()
    log_error(reference, exc, "a page")
    st.error(t("app_error").format(ref=reference), icon=":material/error:")
    return not _details_wanted()


def _details_wanted() -> bool:
    from streamlit import config

    return str(config.get_option("client.showErrorDetails")).lower() in ("full", "stacktrace", "true")
