"""Cached reads of the analysis pages: each calls one geo/loaders function through ``database().read``.

Keys are plain values (database URL, the signed-in actor, dates, ids). Figures "as of now" use ``now`` floored to the minute, and
every entry lives ``TTL`` seconds, so a page's reruns (a click in a table, a tab switch) cost nothing while a
new case shows within a minute or two.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import streamlit as st

from dashboard.data import database
from geo.domain.actors import Actor
from geo.read import analysis_filters, hotspot_service, load_service, map_shapes, supervision
from loaders import exports
from loaders import notice_files

TTL = 120


def now_minute() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


@st.cache_data(ttl=TTL, show_spinner=False)
def day_bounds(url: str, now: datetime) -> tuple[date, date, date]:
    """(first day with data, last day with data, default first day of the window)."""
    first, last = database().read(analysis_filters.data_days, now)
    start, _ = database().read(analysis_filters.default_window, now)
    return first, last, start


@st.cache_data(ttl=TTL, show_spinner=False)
def categories(url: str) -> pd.DataFrame:
    return database().read(analysis_filters.category_choices)


@st.cache_data(ttl=TTL, show_spinner=False)
def areas(url: str, layout_id: int) -> pd.DataFrame:
    return database().read(analysis_filters.area_choices, layout_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def districts(url: str) -> pd.DataFrame:
    """The city's districts (id, code, name, bbox); one row for a district-wide deployment."""
    return database().read(analysis_filters.district_choices)


@st.cache_data(ttl=TTL, show_spinner=False)
def shapes(url: str, layout_id: int, bounds: tuple[float, float, float, float], level: str,
           district_id: int | None = None) -> map_shapes.Shapes:
    """The ``level`` shapes meeting ``bounds``, simplified for the zoom that fits them (a map that does not
    report its view back: it shows what it was fitted to)."""
    return database().read(map_shapes.shapes_in_view, layout_id, map_shapes.fitting_view(bounds), level,
                           district_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def grid_shapes(url: str, ids: tuple[int, ...], bounds: tuple[float, float, float, float]) -> map_shapes.Shapes:
    """These grids' shapes, simplified for the zoom that fits ``bounds``."""
    return database().read(map_shapes.shapes_of, "grid", ids, map_shapes.fitting_view(bounds).zoom)


@st.cache_data(ttl=TTL, show_spinner=False)
def hotspots(url: str, actor: Actor, first: date, last: date, category_id: int | None, class_code: str | None,
             detail: str, measure: str, district_id: int | None = None) -> hotspot_service.HotspotView:
    query = hotspot_service.HotspotQuery(analysis_filters.window_for_days(first, last), category_id, class_code,
                                         detail=detail, measure=measure, district_id=district_id)
    return database().read(hotspot_service.hotspot_view, query, actor=actor)


@st.cache_data(show_spinner=False)
def unit_geojson(url: str, layout_id: int, measure: str, district_id: int | None = None) -> str:
    """The measure's units (grids or H3 cells; the city's or one district's) as GeoJSON; they change only with a
    new layout version."""
    return database().read(hotspot_service.units_geojson, measure, district_id)


@st.cache_data(show_spinner=False)
def grid_outlines(url: str, layout_id: int, district_id: int | None = None) -> str:
    """The layout's grid outlines (the city's or one district's) as one GeoJSON line feature; they change only
    with a new layout version."""
    return database().read(hotspot_service.grid_outlines, district_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def hotspots_gpkg(url: str, actor: Actor, first: date, last: date, category_id: int | None,
                  class_code: str | None, measure: str, district_id: int | None = None) -> bytes:
    """The hot/cold-spot result of these filters as a GeoPackage (from the cached view)."""
    return exports.hotspots_gpkg(hotspots(url, actor, first, last, category_id, class_code, "none", measure,
                                          district_id))


@st.cache_data(ttl=TTL, show_spinner=False)
def grid_load(url: str, actor: Actor, now: datetime, first: date, last: date, street_id: int | None, community_id: int | None,
              with_members: bool, district_id: int | None = None) -> load_service.GridLoad:
    window = analysis_filters.window_for_days(first, last)
    return database().read(load_service.grid_load, now, window, street_id, community_id, with_members, actor=actor,
                           district_id=district_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def department_load(url: str, actor: Actor, now: datetime, first: date, last: date, ranking: str,
                    district_id: int | None = None) -> pd.DataFrame:
    return database().read(load_service.department_load, now, analysis_filters.window_for_days(first, last),
                           ranking, actor=actor, district_id=district_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def department_trend(url: str, actor: Actor, now: datetime, first: date, last: date,
                     district_id: int | None = None) -> pd.DataFrame:
    return database().read(load_service.department_trend, now, analysis_filters.window_for_days(first, last),
                           actor=actor, district_id=district_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def notice_counts(url: str, actor: Actor, now: datetime, first: date, last: date, district_id: int | None,
                  departments: pd.DataFrame) -> pd.DataFrame:
    """The notices' counts; ``departments``: department_load's table of the same window (read once)."""
    return database().read(supervision.notice_counts, now, analysis_filters.window_for_days(first, last),
                           actor=actor, district_id=district_id, figures=departments)


@st.cache_data(ttl=TTL, show_spinner=False)
def notices(url: str, actor: Actor, now: datetime, first: date, last: date, first_serial: int,
            district_id: int | None = None, department_id: int | None = None) -> list[supervision.Notice]:
    """Every department's notice, or one department's (numbered ``first_serial``)."""
    return database().read(supervision.notice_documents, now, analysis_filters.window_for_days(first, last),
                           actor=actor, first_serial=first_serial, district_id=district_id,
                           department_id=department_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def monthly_report_xlsx(url: str, actor: Actor, now: datetime, year: int, month: int,
                        district_id: int | None = None) -> bytes:
    return database().read(exports.monthly_report_file, year, month, now, actor, district_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def notice_downloads(url: str, actor: Actor, now: datetime, first: date, last: date, first_serial: int,
                     district_id: int | None = None) -> tuple[bytes, str, bytes]:
    """(xlsx, printable html, csv) of the window's supervision notices."""
    documents = notices(url, actor, now, first, last, first_serial, district_id)
    return (notice_files.notices_workbook(documents), notice_files.notices_html(documents),
            notice_files.notice_cases_csv(documents))
