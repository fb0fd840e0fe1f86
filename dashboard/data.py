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
    """A district's grid polygons (cached: they change only with a new layout version, so the key never goes
    stale). Only for layouts of at most geo.read.map_shapes.MAX_GRIDS grids."""
    from geo.read.layouts import layout_geojson as build

    return database().read(build, layout_id)


@st.cache_data(show_spinner=False, max_entries=64, ttl=600)
def view_content(url: str, filters, view, now, layout_id: int, version: int):
    """The case map's content for the view (geo.read.case_map_lookup.view_content: the layer of cases or
    counts, the shapes it is drawn on, the buildings when zoomed in), cached per filters, view, minute and
    case-data version (geo.read.case_map.case_data_version): a click or a panel action that changed nothing
    on the map reuses it, any change to a case misses it."""
    from geo.read.case_map_lookup import view_content as build

    return database().read(build, filters, view, now, layout_id)
