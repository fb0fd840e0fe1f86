"""KPI tiles shared by the pages, and the definition every rate shows as its tooltip (``rate_help``)."""

import streamlit as st

from dashboard.i18n import t
from geo.config import escalation_policy
from geo.read.overview import Kpis


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def rate_help(name: str, translate=t) -> str:
    """How rate ``name`` (geo.domain.rules.RATES) is counted, for a tile's or a column's tooltip."""
    return translate(f"rate_help_{name}").format(yellow=f"{escalation_policy().yellow.total_seconds() / 3600:g}")


def kpi_tiles(kpis: Kpis) -> None:
    """Six tiles; the rates carry their definition, and a line under them says what the closure rate counts."""
    columns = st.columns(6)
    figures = [
        ("received", f"{kpis.received:,}", None),
        ("closed", f"{kpis.closed:,}", None),
        ("closure_rate", _percent(kpis.closure_rate), "closure_rate"),
        ("satisfaction_rate", _percent(kpis.satisfaction_rate), "satisfaction_rate"),
        ("open", f"{kpis.open:,}", None),
        ("overdue", f"{kpis.overdue:,}", None),
    ]
    for column, (key, value, rate) in zip(columns, figures):
        column.metric(t(key), value, help=rate_help(rate) if rate else None)
    st.caption(t("overview_due_note").format(received=kpis.received, excluded=kpis.received - kpis.due,
                                             due=kpis.due, closed=kpis.closed))
