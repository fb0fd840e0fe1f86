"""The dashboard's one database handle and its cached reads. Pages call these, never SQL."""

from __future__ import annotations

import streamlit as st

from geo.db.database import Database


@st.cache_resource
def database() -> Database:
    """One engine per server process, on DATABASE_URL (default: the embedded SQLite file)."""
    return Database()


@st.cache_data(show_spinner=False)
def layout_geojson(url: str, layout_id: int) -> str:
    """A district's grid polygons (cached: they change only with a new layout version, so the key never goes
    stale). Only for layouts of at most geo.read.map_shapes.MAX_GRIDS grids."""
    from geo.read.layouts import layout_geojson as build

    return database().read(build, layout_id)
