"""Widgets shared by the analysis pages: the active layout, the time window and the category/class pickers."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import analysis_data as data
from dashboard.data import database
from dashboard.i18n import t
from geo.read.layouts import NoActiveLayout, active_layout


def layout_or_stop() -> tuple[int, str]:
    """(id, name) of the active grid layout; without one the page says what to do and stops."""
    try:
        layout = database().read(active_layout)
    except NoActiveLayout:
        st.info(t("no_layout"))
        st.stop()
    return layout.id, layout.name


def window_picker(key: str, column=st) -> tuple[date, date]:
    """First and last local day of the window (default: the last year with data); stops on half a range."""
    first, last, default_first = data.day_bounds(database().url, data.now_minute())
    picked = column.date_input(t("hs_window"), value=(default_first, last), min_value=first, max_value=last,
                               help=t("hs_window_help"), key=key, format="YYYY-MM-DD")
    if not isinstance(picked, tuple | list) or len(picked) != 2:
        st.info(t("hs_pick_two_dates"))
        st.stop()
    return picked[0], picked[1]


def category_picker(key: str, class_column=st, category_column=st) -> tuple[int | None, str | None]:
    """(category id, class code): at most one set; "all" leaves both None."""
    choices = data.categories(database().url)
    classes = choices.drop_duplicates("class_code")
    class_names = dict(zip(classes["class_code"], classes["class_name"]))
    class_code = class_column.selectbox(t("hs_class"), [None, *class_names], key=f"{key}_class",
                                        format_func=lambda c: t("hs_all") if c is None else class_names[c])
    in_class = choices if class_code is None else choices[choices["class_code"] == class_code]
    names = dict(zip(in_class["id"].astype(int), in_class["name"]))
    category_id = category_column.selectbox(t("hs_category"), [None, *names], key=f"{key}_category",
                                            format_func=lambda c: t("hs_all") if c is None else names[c])
    return (category_id, None) if category_id is not None else (None, class_code)
