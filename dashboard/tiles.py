"""KPI tiles shared by the pages."""

import streamlit as st

from dashboard.i18n import t
from geo.read.overview import Kpis


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def kpi_tiles(kpis: Kpis) -> None:
    columns = st.columns(6)
    figures = [
        ("received", f"{kpis.received:,}"),
        ("closed", f"{kpis.closed:,}"),
        ("closure_rate", _percent(kpis.closure_rate)),
        ("satisfaction_rate", _percent(kpis.satisfaction_rate)),
        ("open", f"{kpis.open:,}"),
        ("overdue", f"{kpis.overdue:,}"),
    ]
    for column, (key, value) in zip(columns, figures):
        column.metric(t(key), value)
