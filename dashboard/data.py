"""The dashboard's one database handle and its cached reads. Pages call these, never SQL."""

from __future__ import annotations

import streamlit as st

from geo.db.database import Database
from geo.db.media_store import MediaStore, open_media_store


@st.cache_resource
def database() -> Database:
    """One engine per server process, on DATABASE_URL (default: the embedded SQLite file)."""
    return Database()


@st.cache_resource
def media_store() -> MediaStore:
    """Where case photos live (GRIDGOV_MEDIA_STORE / GRIDGOV_MEDIA_DIR)."""
    return open_media_store()


@st.cache_data(show_spinner=False)
def layout_geojson(url: str, layout_id: int) -> str:
    """Grid polygons change only with a new layout version, so the key (database, layout id) never goes stale."""
    from geo.read.layouts import layout_geojson as build

    return database().read(build, layout_id)
