"""The dashboard's one database handle and its cached reads. Pages call these, never SQL."""

from __future__ import annotations

import streamlit as st

from geo.db.database import Database


@st.cache_resource
def database() -> Database:
    """One engine per server process, on DATABASE_URL (default: the embedded SQLite file)."""
    return Database()
