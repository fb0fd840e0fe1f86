"""HTML for the big screen's panels (dashboard/views/big_screen.py), styled by static/gridgov/screen.css.

Plain HTML and inline SVG rather than Streamlit widgets and Vega charts: every size is in viewport units
(the SVG scales by its viewBox), so one layout reads the same on 1920x1080 and 3840x2160, and nothing needs
a script or a font from anywhere. Every value from the database goes through dashboard.markup's ``escape``
(the HTML goes through st.markdown: a value must neither read as markdown nor end the HTML block).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd

from dashboard.markup import escape
from dashboard.screen_map import DOT_COLOURS
from dashboard.tiles import rate_help
from geo.config import LOCAL_TZ
from geo.read.screen import Headline

CSS_PATH = Path(__file__).resolve().parent / "static" / "gridgov" / "screen.css"
#: Hides Streamlit's chrome when the page is opened as a screen (``?embed=true``).
_CHROME_CSS = """
[data-testid="stToolbar"], [data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"], footer { display: none !important; }
"""
#: The wall fills the whole height, so Streamlit's top bar (which would cover its title) is never drawn.
_HEADER_CSS = 'header[data-testid="stHeader"] { display: none !important; }'


Translate = Callable[[str], str]


def screen_css(embedded: bool) -> str:
    """The page's stylesheet as a <style> block; with Streamlit's chrome hidden when shown as a screen."""
    return f"<style>{CSS_PATH.read_text(encoding='utf-8')}{_HEADER_CSS}{_CHROME_CSS if embedded else ''}</style>"


def local_hhmm(at: datetime) -> str:
    return pd.Timestamp(at).tz_convert(LOCAL_TZ).strftime("%H:%M")


def _e(value) -> str:
    return escape("—" if value is None or (isinstance(value, float) and pd.isna(value)) else value)


def _percent(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1%}"


def _rate_class(value: float | None) -> str:
    if value is None or pd.isna(value):
        return ""
    return "gg-good" if value >= 0.9 else "gg-warn" if value >= 0.75 else "gg-bad"


def header_html(t: Translate, as_of: datetime | None, failed_at: datetime | None, note: str = "") -> str:
    """Title, the database warning (when the last refresh failed; else ``note``) and "data as of HH:MM"."""
    banner = ""
    if failed_at is not None:
        text = (
            t("big_screen_db_down").format(time=local_hhmm(as_of))
            if as_of is not None
            else t("big_screen_db_down_no_data")
        )
        banner = f'<div class="gg-banner" data-testid="gg-db-down">⚠ {_e(text)}</div>'
    else:
        banner = f'<div class="gg-note">{_e(note)}</div>'
    stamp = local_hhmm(as_of) if as_of is not None else "--:--"
    return (
        f'<div class="gg-screen gg-header"><div class="gg-title"><b>GridGov</b> {_e(t("big_screen_title"))}'
        f'</div>{banner}<div class="gg-asof">{_e(t("big_screen_data_as_of"))}'
        f'<b data-testid="gg-as-of" data-at="{_e(as_of.isoformat() if as_of else "")}">{stamp}</b></div></div>'
    )


def tiles_html(t: Translate, h: Headline | None) -> str:
    """Nine headline tiles; the card tiles take their card's colour unless zero."""
    figures = [
        ("today", _count(h and h.today), "", None),
        ("month", _count(h and h.month), "", None),
        ("open", _count(h and h.open), "", None),
        ("closure_rate", _percent(h and h.closure_rate), "", "closure_rate"),
        ("satisfaction_rate", _percent(h and h.satisfaction_rate), "", "satisfaction_rate"),
        ("report_in_rate", _percent(h and h.report_in_on_time_rate), "", "report_in_on_time_rate"),
        ("yellow", _count(h and h.yellow), "yellow", None),
        ("red", _count(h and h.red), "red", None),
        ("discipline", _count(h and h.discipline), "discipline", None),
    ]
    tiles = "".join(
        f'<div class="gg-tile {css}{" zero" if css and value == "0" else ""}" data-testid="gg-tile-{key}"'
        f'{_title(t, rate)}><div class="gg-tile-label">{_e(t("big_screen_" + key))}</div>'
        f'<div class="gg-tile-value">{value}</div></div>'
        for key, value, css, rate in figures
    )
    return f'<div class="gg-screen gg-tiles">{tiles}</div>'


def _title(t: Translate, rate: str | None) -> str:
    """A tooltip with the rate's definition (an attribute, escaped), or nothing."""
    return f' title="{_e(rate_help(rate, t))}"' if rate else ""


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def panel(title: str, body: str, height_vh: float | None = None, extra: str = "", testid: str = "") -> str:
    """A titled box of fixed height (None: what its column leaves): the layout never outgrows the screen."""
    tid = f' data-testid="{testid}"' if testid else ""
    style = f' style="height:{height_vh}vh"' if height_vh is not None else ""
    return f'<div class="gg-screen gg-panel"{style}{tid}><h3><span>{_e(title)}</span>{extra}</h3>{body}</div>'


def column(*panels: str) -> str:
    """Panels stacked in one fixed-height column of the main row."""
    return f'<div class="gg-screen gg-col">{"".join(panels)}</div>'


def _empty(t: Translate) -> str:
    return f'<div class="gg-empty">{_e(t("big_screen_nothing"))}</div>'


def _when(at: pd.Timestamp, as_of: datetime) -> str:
    """HH:MM for today's entries, MM-DD for older ones (a quiet night must not pass yesterday off as today)."""
    return f"{at:%H:%M}" if at.date() == pd.Timestamp(as_of).tz_convert(LOCAL_TZ).date() else f"{at:%m-%d}"


def cases_feed_html(t: Translate, cases: pd.DataFrame, fresh_since: datetime, as_of: datetime,
                    thumbs: dict[str, bytes] | None = None) -> str:
    """Newest cases: time, category, state; then number and grid; the photo's thumbnail when it has one.
    Cases since ``fresh_since`` are marked."""
    if cases.empty:
        return _empty(t)
    rows = []
    for c in cases.itertuples(index=False):
        fresh = " fresh" if c.reported_at >= pd.Timestamp(fresh_since) else ""
        rows.append(
            f'<div class="gg-row{fresh}" data-testid="gg-feed-case">{_thumb((thumbs or {}).get(c.number))}'
            f'<div class="gg-line1">'
            f'<span class="gg-time">{_when(c.reported_at, as_of)}</span><span class="gg-what">{_e(c.category)}</span>'
            f'<span class="gg-chip">{_e(t("big_screen_status_" + str(c.status)))}</span></div>'
            f'<div class="gg-line2">{_e(c.number)} · {_e(c.grid)}</div></div>'
        )
    return "".join(rows)


def _thumb(image: bytes | None) -> str:
    """A photo thumbnail floated right of a feed row, inlined (the screen loads nothing from elsewhere)."""
    if not image:
        return ""
    data = base64.b64encode(image).decode("ascii")
    return (f'<img data-testid="gg-feed-photo" src="data:image/jpeg;base64,{data}" alt="" '
            'style="float:right;height:2.6em;margin-left:.5em;border-radius:3px">')


def whistles_feed_html(t: Translate, whistles: pd.DataFrame, as_of: datetime) -> str:
    """Newest whistles: time, department, card; then case number and category."""
    if whistles.empty:
        return _empty(t)
    return "".join(
        f'<div class="gg-row" data-testid="gg-feed-whistle"><div class="gg-line1">'
        f'<span class="gg-time">{_when(w.whistled_at, as_of)}</span><span class="gg-what">{_e(w.department)}</span>'
        f'<span class="gg-chip {_e(w.card)}">{_e(t("big_screen_card_" + str(w.card)))}</span></div>'
        f'<div class="gg-line2">{_e(w.number)} · {_e(w.category)}</div></div>'
        for w in whistles.itertuples(index=False)
    )


def ranking_html(t: Translate, ranking: pd.DataFrame) -> str:
    """Departments best first with their three rates, each coloured good / warn / bad."""
    if ranking.empty:
        return _empty(t)
    head = "".join(
        f"<th{_title(t, rate)}>{_e(t(k))}</th>"
        for k, rate in (("big_screen_rank_report_in", "report_in_on_time_rate"),
                        ("big_screen_rank_closure", "closure_rate"),
                        ("big_screen_rank_satisfaction", "satisfaction_rate"))
    )
    rows = "".join(
        f'<tr><td class="gg-pos">{i}</td><td class="gg-dept">{_e(r.department)}</td>'
        + "".join(
            f'<td class="{_rate_class(v)}">{_percent(v)}</td>'
            for v in (r.report_in_on_time_rate, r.closure_rate, r.satisfaction_rate)
        )
        + "</tr>"
        for i, r in enumerate(ranking.itertuples(index=False), 1)
    )
    return (
        f'<table class="gg-rank"><tr><th></th><th>{_e(t("big_screen_rank_department"))}</th>{head}</tr>'
        f"{rows}</table>"
    )


def category_html(t: Translate, mix: pd.DataFrame) -> str:
    """Horizontal bars, longest first; the class None row reads "other"."""
    if mix.empty or mix["cases"].sum() == 0:
        return _empty(t)
    top = max(int(mix["cases"].max()), 1)
    return "".join(
        f'<div class="gg-bar"><span class="gg-bar-label">'
        f"{_e(m.category_class if m.category_class is not None else t('big_screen_other'))}</span>"
        f'<span class="gg-bar-track"><span class="gg-bar-fill" style="display:block;width:{100 * m.cases / top:.1f}%">'
        f'</span></span><span class="gg-bar-value">{int(m.cases):,}</span></div>'
        for m in mix.itertuples(index=False)
    )


def problems_html(t: Translate, problems: pd.DataFrame) -> str:
    """Common problems: category and where (the community holding most of its cases, "等" for more), whether
    bundled yet, cases and grids — one line each, so two clusters of one category read apart."""
    if problems.empty:
        return _empty(t)
    rows = []
    for p in problems.itertuples(index=False):
        place = "" if p.place is None else t("big_screen_place_more" if p.places > 1 else "big_screen_place").format(
            place=p.place)
        rows.append(
            f'<div class="gg-problem"><span class="gg-problem-what">{_e(p.category)} <span class="gg-muted">'
            f'{_e(place)}{_e(t("big_screen_kind_" + str(p.kind)))}</span></span><span class="gg-muted">'
            f"{_e(t('big_screen_problem_cases').format(cases=int(p.cases), grids=int(p.grids)))}</span></div>")
    return "".join(rows)


def map_caption(t: Translate, fresh_hours: float) -> str:
    """What the grid colours, the dots and the pulses mean."""
    dots = "".join(
        f'<span class="gg-dot" style="background:{colour}"></span>'
        f"{_e(t(('big_screen_card_' if k in ('yellow', 'red', 'discipline') else 'big_screen_dot_') + k))}"
        for k, colour in DOT_COLOURS.items()
    )
    text = _e(t("big_screen_map_legend").format(hours=f"{fresh_hours:g}"))
    return f'<div class="gg-screen gg-map-caption">{text}{dots}</div>'


def trend_legend(t: Translate) -> str:
    return (
        f'<small class="gg-legend"><i style="background:#38bdf8"></i>{_e(t("big_screen_received"))}'
        f'<i style="background:#34d399"></i>{_e(t("big_screen_closed"))}</small>'
    )


def trend_svg(trend: pd.DataFrame, width: int = 1000, height: int = 160) -> str:
    """Received and closed per day as two lines in an SVG whose viewBox matches the slot's aspect, with the
    day axis (first, middle, last) and the top of the scale; empty days draw at zero."""
    if trend.empty:
        return ""
    left, right, top, bottom = 64, 14, 16, 36
    n = len(trend)
    peak = max(int(trend[["received", "closed"]].to_numpy().max()), 1)

    def points(column: str) -> str:
        xs = [left + (width - left - right) * i / max(n - 1, 1) for i in range(n)]
        ys = [top + (height - top - bottom) * (1 - v / peak) for v in trend[column]]
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))

    base = height - bottom
    labels = "".join(
        f'<text x="{left + (width - left - right) * i / max(n - 1, 1):.0f}" y="{height - 8}" '
        f'text-anchor="{a}">{pd.Timestamp(trend["day"].iloc[i]):%m-%d}</text>'
        for i, a in ((0, "start"), (n // 2, "middle"), (n - 1, "end"))
    )
    return (
        f'<svg viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'style="font-size:24px;fill:#8ea3c7">'
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#1d2d52" stroke-width="2"/>'
        f'<line x1="{left}" y1="{top}" x2="{width - right}" y2="{top}" stroke="#1d2d52" stroke-dasharray="6 6"/>'
        f'<text x="{left - 10}" y="{top + 8}" text-anchor="end">{peak}</text>'
        f'<text x="{left - 8}" y="{base}" text-anchor="end">0</text>{labels}'
        f'<polyline points="{points("received")}" fill="none" stroke="#38bdf8" stroke-width="4" '
        f'stroke-linejoin="round"/>'
        f'<polyline points="{points("closed")}" fill="none" stroke="#34d399" stroke-width="4" '
        f'stroke-linejoin="round"/></svg>'
    )


def volunteers_html(t: Translate, counts) -> str:
    """The 热心人 panel: six counts, three by two (geo.read.volunteer_figures.ScreenCounts) — never a name."""
    if counts is None:
        return _empty(t)
    figures = [("volunteers", counts.volunteers), ("serving", counts.serving), ("open", counts.tasks_open),
               ("done", counts.tasks_done), ("turns", counts.turns), ("points", counts.points)]
    return '<div class="gg-vol">' + "".join(
        f'<div data-testid="gg-vol-{key}"><span>{_e(t("vol_screen_" + key))}</span><b>{value:,}</b></div>'
        for key, value in figures) + "</div>"
