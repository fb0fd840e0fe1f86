"""Department load: per department whistles, report-ins, cards, open and overdue cases, closure, satisfaction and
rework – ranked so that tiny samples cannot win – a monthly trend, the supervision notices (督办单) and the
monthly report (月专报) as downloads."""



import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from dashboard import analysis_data as data
from dashboard.analysis_widgets import district_picker, layout_or_stop, window_picker
from dashboard.auth import require_actor
from dashboard.data import database
from dashboard.i18n import t
from dashboard.tiles import rate_help
from dashboard.volunteer_points_panel import ranking_section
from geo.domain.rules import RATES, rate_of
from geo.read.load_service import DEPARTMENT_FIGURES, RANKINGS
from loaders.exports import XLSX_MIME
from loaders.notice_files import notice_summary, notices_html

TREND_CHOICES = ["report_in_on_time_rate", "on_time_answer_rate", "on_time_closure_rate", "whistled", "late"]
REASONS = {"not_reported_in": "dl_not_reported_in", "late": "dl_late_reason", "no_answer": "dl_no_answer"}


def header(figure: str) -> str:
    return t(f"dl_{figure}") if f"dl_{figure}" in _DL_KEYS else t(f"gl_{figure}")


_DL_KEYS = {"dl_whistled", "dl_reported_in_on_time", "dl_report_in_on_time_rate", "dl_yellow", "dl_red",
            "dl_discipline", "dl_satisfaction_rate", "dl_rework_rate", "dl_late"}

actor = require_actor()
st.title(t("dl_title"))
st.caption(t("dl_caption"))
layout_or_stop()
url = database().url
now = data.now_minute()

c_window, c_district, c_rank, _ = st.columns([2.2, 1.3, 1.6, 2.7])
first, last = window_picker("dl_window", c_window)
district_id = district_picker(actor, "dl_district", c_district)
ranking = c_rank.selectbox(t("dl_ranking"), list(RANKINGS), key="dl_ranking",
                           format_func=lambda r: t(f"dl_rank_{r}"))

table = data.department_load(url, actor, now, first, last, ranking, district_id)
if table.empty:
    st.info(t("dl_no_departments"))
    st.stop()
serial = int(st.session_state.get("dl_first_serial", 1))
counts = data.notice_counts(url, actor, now, first, last, district_id, table)
sums = table[["whistled", "reported_in_on_time", "report_in_decided", "yellow", "red", "discipline"]].sum()
k = st.columns(6)
k[0].metric(t("dl_whistled"), f"{int(sums['whistled']):,}")
on_time = rate_of("report_in_on_time_rate", sums)
k[1].metric(t("dl_report_in_on_time_rate"), "—" if on_time is None else f"{on_time:.1%}",
            help=rate_help("report_in_on_time_rate"))
k[2].metric(t("dl_yellow"), f"{int(sums['yellow']):,}")
k[3].metric(t("dl_red"), f"{int(sums['red']):,}")
k[4].metric(t("dl_discipline"), f"{int(sums['discipline']):,}")
k[5].metric(t("dl_notices"), f"{len(counts):,}")  # one per department
if int(sums["whistled"]) == 0:
    st.info(t("hs_no_cases"))

config = {"rank": st.column_config.NumberColumn(t("dl_rank"), format="%d"), "department": t("dl_department"),
          "score": st.column_config.ProgressColumn(t("dl_score"), format="%.3f", min_value=0.0, max_value=1.0)}
for figure in DEPARTMENT_FIGURES:
    config[figure] = (st.column_config.NumberColumn(header(figure), format="percent", help=rate_help(figure))
                      if figure in RATES else st.column_config.NumberColumn(header(figure), format="%d"))
st.dataframe(table[["rank", "department", *DEPARTMENT_FIGURES, "score"]], hide_index=True, column_config=config,
             height=min(38 + 35 * len(table), 780))

trend_column, notice_column = st.columns([1, 1], gap="large")
with trend_column:
    st.subheader(t("dl_trend"))
    trend = data.department_trend(url, actor, now, first, last, district_id)
    c1, c2 = st.columns([1, 2])
    figure = c1.selectbox(t("dl_trend_figure"), TREND_CHOICES, key="dl_trend_figure", format_func=header)
    busiest = table.sort_values("whistled", ascending=False)["department"].head(5).tolist()
    picked = c2.multiselect(t("dl_trend_departments"), table["department"].tolist(), default=busiest,
                            key="dl_trend_departments")
    chart = trend[trend["department"].isin(picked)].pivot_table(index="month", columns="department",
                                                                   values=figure, aggfunc="sum")
    if chart.empty:
        st.info(t("hs_no_cases"))
    else:
        st.line_chart(chart * (100 if figure in RATES else 1), height=360,
                      y_label=header(figure) + (" (%)" if figure in RATES else ""), x_label=t("dl_month"))
        if figure in RATES:
            st.caption(rate_help(figure))

with notice_column:
    st.subheader(t("dl_notices"))
    st.number_input(t("dl_first_serial"), min_value=1, value=1, step=1, key="dl_first_serial",
                    help=t("dl_first_serial_help"))
    if counts.empty:
        st.info(t("dl_notices_none"))
    else:
        summary = notice_summary(counts, now, serial)
        st.dataframe(summary, hide_index=True, height=300, column_config={
            "number": t("dl_notice_number"), "department": t("dl_department"),
            "cases": st.column_config.NumberColumn(t("dl_count"), format="%d"),
            **{r: st.column_config.NumberColumn(t(key), format="%d") for r, key in REASONS.items()}})
        if st.toggle(t("dl_notice_preview"), key="dl_notice_preview"):
            first_notice = data.notices(url, actor, now, first, last, serial, district_id,
                                        int(counts["department_id"].iloc[0]))
            components.html(notices_html(first_notice), height=720, scrolling=True)

st.subheader(t("dl_exports"))
months = pd.period_range(first, last, freq="M")
e1, e2, e3, e4, e5 = st.columns([1.2, 1, 1.2, 1.2, 1.2], vertical_alignment="bottom")
month = e1.selectbox(t("dl_report_month"), list(reversed(months)), key="dl_report_month",
                     format_func=lambda p: f"{p.year}-{p.month:02d}")
e2.download_button(t("dl_monthly_xlsx"), key="dl_monthly_xlsx", mime=XLSX_MIME, on_click="ignore",
                   file_name=f"月专报_{month.year}-{month.month:02d}.xlsx",
                   data=lambda: data.monthly_report_xlsx(url, actor, now, month.year, month.month, district_id))
span = f"{first:%Y%m%d}-{last:%Y%m%d}"

ranking_section(actor, "dl_vol_ranking")

def files(i: int):
    """The i-th notice file (xlsx, html, csv), made when the button is pressed."""
    return lambda: data.notice_downloads(url, actor, now, first, last, serial, district_id)[i]


e3.download_button(t("dl_notices_xlsx"), key="dl_notices_xlsx", mime=XLSX_MIME, on_click="ignore",
                   file_name=f"督办单_{span}.xlsx", data=files(0))
e4.download_button(t("dl_notices_html"), key="dl_notices_html", mime="text/html", on_click="ignore",
                   file_name=f"督办单_{span}.html", data=files(1))
e5.download_button(t("dl_notices_csv"), key="dl_notices_csv", mime="text/csv", on_click="ignore",
                   file_name=f"督办事件_{span}.csv", data=files(2))
