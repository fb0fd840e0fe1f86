"""Files for district leaders, analysts and the admin: the monthly report (月专报, its 热心人 sheet from loaders.volunteer_exports) as an .xlsx workbook, a work
queue as .xlsx or CSV, a hot/cold-spot result as a GeoPackage for QGIS, the audit log as CSV (the supervision
notices themselves: loaders.notice_files). Bytes out, so the dashboard can offer them with ``st.download_button`` and the CLI can write them to disk.
Headers are Chinese: the files go to the district's leaders and discipline inspectors.

No exported cell is ever a live formula (CSV/formula injection): text comes from outside — street and
department names from layer files, user names typed on the sign-in page — and "=HYPERLINK(…)" or "@SUM(…)" must
open as the text it is. Every workbook cell is written as a string or a number, never a formula
(``_bytes``); every CSV text cell starting with = + - @ tab or carriage return is prefixed with an apostrophe
(``csv_bytes``), which spreadsheet programs show as text.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import pyogrio
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ
from geo.domain.actors import Actor
from geo.read.analysis_filters import Window
from geo.read.hotspot_service import HotspotQuery, HotspotView, hotspot_view
from geo.read.supervision import MonthlyReport, monthly_report
from geo.read.volunteer_figures import VolunteerMonth, volunteer_month
from loaders.volunteer_exports import volunteer_sheet

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GPKG_MIME = "application/geopackage+sqlite3"
SHEETS = ("汇总", "部门绩效", "街道情况", "督办单", "冷热点", "热心人")
REASON_LABELS = {"not_reported_in": "未应哨（超15小时未报到）", "late": "迟报到（黄牌/红牌）",
                 "no_answer": "不作为（超期未答卷）"}
PERCENT, HOURS = "0.0%", "0.0"
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F3")

# (source column, header, number format or None) per table sheet.
DEPARTMENT_COLUMNS = [
    ("rank", "排名", None), ("department", "部门", None), ("whistled", "吹哨", None),
    ("reported_in_on_time", "按时应哨", None), ("report_in_on_time_rate", "按时应哨率", PERCENT),
    ("yellow", "黄牌", None), ("red", "红牌", None), ("discipline", "纪检", None), ("open", "在办", None),
    ("overdue", "超期", None), ("closure_rate", "办结率", PERCENT), ("on_time_closure_rate", "按期办结率", PERCENT),
    ("satisfaction_rate", "满意率", PERCENT), ("rework_rate", "返工率", PERCENT), ("score", "排名得分", "0.000"),
]
STREET_COLUMNS = [
    ("label", "街道", None), ("received", "受理", None), ("open", "在办", None), ("overdue", "超期", None),
    ("closed", "办结", None), ("closure_rate", "办结率", PERCENT), ("on_time_closure_rate", "按期办结率", PERCENT),
    ("satisfaction_rate", "满意率", PERCENT), ("close_h_median", "办结时长中位数（小时）", HOURS),
]
NOTICE_COLUMNS = [("department", "部门", None), ("reason", "督办事由", None), ("count", "件数", None)]
SUMMARY_FIGURES = [
    ("received", "受理事件", None), ("closed", "已办结", None), ("closure_rate", "办结率", PERCENT),
    ("on_time_closure_rate", "按期办结率", PERCENT), ("open", "在办", None), ("overdue", "超期", None),
    ("whistled", "吹哨（部门派单）", None), ("report_in_on_time_rate", "按时应哨率", PERCENT),
    ("yellow", "黄牌", None), ("red", "红牌", None), ("discipline", "纪检", None),
    ("satisfaction_rate", "满意率", PERCENT), ("rework_rate", "返工率", PERCENT),
    ("close_h_median", "办结时长中位数（小时）", HOURS),
]


HOTSPOT_LABELS = {"hot_99": "热点 99%", "hot_95": "热点 95%", "hot_90": "热点 90%", "not_significant": "不显著",
                  "cold_90": "冷点 90%", "cold_95": "冷点 95%", "cold_99": "冷点 99%", "no_households": "无住户（未检验）"}
TREND_LABELS = {"new": "新出现", "intensifying": "加剧", "steady": "平稳", "diminishing": "减弱",
                "no_households": "无住户（未检验）"}
PATTERN_LABELS = {
    **{f"{k}_{side}": f"{label}{noun}" for side, noun in (("hot", "热点"), ("cold", "冷点")) for k, label in (
        ("new", "新增"), ("consecutive", "连续"), ("intensifying", "加强"), ("persistent", "持续"),
        ("diminishing", "减弱"), ("sporadic", "零星"), ("oscillating", "振荡"), ("historical", "历史"))},
    "no_pattern": "无模式", "no_households": "无住户（未检验）"}
MEASURE_LABELS = {"h3": "H3 六边形单元事件数", "per_households": "每千户事件数", "per_km2": "每平方公里事件数",
                  "counts": "网格事件数"}
HOTSPOT_COLUMNS = [
    ("unit", "单元", None), ("code", "所在网格编码", None), ("name", "网格", None), ("street", "街道", None),
    ("community", "社区", None), ("count", "事件数", None), ("value", "指标值", "0.0"), ("z", "Gi* z", "0.00"),
    ("p", "p", "0.0000"), ("class_label", "冷热点", None), ("trend_label", "近4周趋势", None),
    ("pattern_label", "近12周时空模式", None),
]


def monthly_report_file(session: Session, year: int, month: int, now: datetime, actor: Actor) -> bytes:
    """The monthly report of ``year``-``month`` (local calendar month) as .xlsx bytes, with the month's hot and
    cold spots on the recommended measure and its community forces."""
    report = monthly_report(session, year, month, now, actor=actor)
    return monthly_report_xlsx(report, hotspot_view(session, HotspotQuery(report.window), actor=actor),
                               volunteer_month(session, year, month, actor))


def monthly_report_xlsx(report: MonthlyReport, hotspots: HotspotView | None = None,
                        volunteers: VolunteerMonth | None = None) -> bytes:
    """Six sheets: summary, per-department table (ranked), per-street table, supervision notices, the hot/cold
    spots of the month (``hotspots``) and its community forces (``volunteers``); a sheet says so when its
    figures were not computed."""
    book = Workbook()
    summary = book.active
    summary.title = SHEETS[0]
    _summary_sheet(summary, report)
    _table_sheet(book.create_sheet(SHEETS[1]), report.departments, DEPARTMENT_COLUMNS)
    _table_sheet(book.create_sheet(SHEETS[2]), report.streets, STREET_COLUMNS)
    _table_sheet(book.create_sheet(SHEETS[3]), notice_rows(report.notices), NOTICE_COLUMNS)
    _hotspot_sheet(book.create_sheet(SHEETS[4]), hotspots)
    volunteer_sheet(book.create_sheet(SHEETS[5]), volunteers)
    return _bytes(book)


def audit_csv(log: pd.DataFrame) -> bytes:
    """The audit log (geo.read.audit_log) as CSV for the admin; sign-in names are whatever was typed."""
    return csv_bytes(log)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as CSV (UTF-8 with a byte-order mark, for Excel), text cells neutralised: one starting with a
    character a spreadsheet reads as a formula gets a leading apostrophe. Numbers stay numbers."""
    safe = frame.copy()
    for name in safe.columns:
        if safe[name].dtype == object or pd.api.types.is_string_dtype(safe[name]):
            safe[name] = safe[name].map(_inert_text)
    safe.columns = [_inert_text(str(c)) for c in safe.columns]
    # CRLF rows (RFC 4180): the csv writer then quotes any field holding a bare CR, which would split the row
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert_text(value):
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value


def notice_rows(notices: pd.DataFrame) -> pd.DataFrame:
    """Notice counts ready for the monthly report: reasons in words. The cases themselves are in the notices
    (loaders.notice_files), one row each — never a list in one cell."""
    rows = notices.copy()
    if len(rows):
        rows["reason"] = rows["reason"].map(REASON_LABELS).fillna(rows["reason"])
    return rows


def hotspot_rows(view: HotspotView, significant_only: bool = True) -> pd.DataFrame:
    """The ranked units of a hot/cold-spot result with Chinese labels (HOTSPOT_COLUMNS); by default only the
    units significant at 90 % or more, hot first, as the monthly report lists them."""
    table = view.table
    if significant_only:
        table = table[table["hotspot_class"].str.startswith(("hot", "cold"))]
    return table.assign(
        unit=table["unit_id"] if view.unit_kind == "cell" else table["code"],
        class_label=table["hotspot_class"].map(HOTSPOT_LABELS),
        trend_label=table["trend"].map(TREND_LABELS), pattern_label=table["pattern"].map(PATTERN_LABELS),
    ).reset_index(drop=True)


def hotspots_gpkg(view: HotspotView) -> bytes:
    """Every unit of a hot/cold-spot result with its polygon (EPSG:4326), one layer ``hotspots``: field names
    in English for GIS tools, class, trend and pattern also as Chinese labels; window and measure per row."""
    rows = hotspot_rows(view, significant_only=False)
    shapes = view.units.set_index("unit_id").geometry
    layer = gpd.GeoDataFrame(
        rows[["unit", "code", "name", "street", "community", "count", "value", "z", "p", "hotspot_class",
              "class_label", "trend", "trend_label", "pattern", "pattern_label"]].rename(
            columns={"code": "grid_code", "name": "grid_name", "count": "cases"}),
        geometry=shapes.loc[rows["unit_id"]].to_numpy(), crs=view.units.crs)
    layer = layer.assign(measure=view.query.measure, measure_label=MEASURE_LABELS[view.query.measure],
                         period=_period(view.query.window))
    buffer = io.BytesIO()
    pyogrio.write_dataframe(layer, buffer, driver="GPKG", layer="hotspots")
    return buffer.getvalue()


def _hotspot_sheet(sheet: Worksheet, view: HotspotView | None) -> None:
    if view is None:
        sheet["A1"] = "冷热点：未计算"
        return
    measure = MEASURE_LABELS[view.query.measure]
    sheet["A1"] = (f"冷热点（Getis-Ord Gi*，{measure}，FDR 校正）  {_period(view.query.window)}  "
                   f"显著单元 {int(view.table['hotspot_class'].str.startswith(('hot', 'cold')).sum())} 个")
    sheet["A1"].font = Font(bold=True, size=13)
    _table_sheet(sheet, hotspot_rows(view), HOTSPOT_COLUMNS, header_row=3)


def _summary_sheet(sheet: Worksheet, report: MonthlyReport) -> None:
    sheet.append([f"网格化社会治理月专报  {report.year}年{report.month}月"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["统计范围", f"{_period(report.window)} 受理的事件"])
    sheet.append(["数据截至", _local(report.as_of)])
    sheet.append([])
    sheet.append(["指标", "数值"])
    _style_header(sheet, sheet.max_row, 2)
    for column, label, number_format in SUMMARY_FIGURES:
        sheet.append([label, _cell(report.district.get(column))])
        if number_format:
            sheet.cell(sheet.max_row, 2).number_format = number_format
    sheet.append(["督办单（部门×事由）", len(report.notices)])
    sheet.append(["督办事件（件次）", int(report.notices["count"].sum()) if len(report.notices) else 0])
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 26, 30


def _table_sheet(sheet: Worksheet, table: pd.DataFrame, columns: Sequence[tuple[str, str, str | None]],
                 header_row: int = 1) -> None:
    """Header row then one row per table row; number formats per column; frozen header, sensible widths."""
    for i, (_, header, _) in enumerate(columns, start=1):
        sheet.cell(header_row, i, header)
    _style_header(sheet, header_row, len(columns))
    for r, record in enumerate(table.to_dict("records"), start=header_row + 1):
        for i, (column, _, number_format) in enumerate(columns, start=1):
            cell = sheet.cell(r, i, _cell(record.get(column)))
            if number_format:
                cell.number_format = number_format
    sheet.freeze_panes = f"A{header_row + 1}"
    for i, (column, header, _) in enumerate(columns, start=1):
        longest = max([len(str(header)) * 2] + [len(str(v)) for v in table.get(column, pd.Series(dtype=object))])
        sheet.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 80)


def _style_header(sheet: Worksheet, row: int, width: int) -> None:
    for i in range(1, width + 1):
        sheet.cell(row, i).font = Font(bold=True)
        sheet.cell(row, i).fill = _HEADER_FILL


def _cell(value):
    """A value openpyxl can write: numpy scalars to Python, NaN/None to an empty cell."""
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def _local(at: datetime) -> str:
    return f"{at.astimezone(ZoneInfo(LOCAL_TZ)):%Y-%m-%d %H:%M}"


def _period(window: Window) -> str:
    tz = ZoneInfo(LOCAL_TZ)
    last = window.end.astimezone(tz) - pd.Timedelta(seconds=1)
    return f"{window.start.astimezone(tz):%Y-%m-%d} 至 {last:%Y-%m-%d}"


def _bytes(book: Workbook) -> bytes:
    """The workbook's file, with every cell openpyxl took for a formula (text starting with "=") stored as the
    text it is."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_xlsx(frame: pd.DataFrame, title: str) -> bytes:
    """``frame`` as a one-sheet workbook (a work queue as the page shows it): its columns as headers, one row
    per row, a frozen header; text stays text (``_bytes``)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(title)
    _table_sheet(sheet, frame, [(str(c), str(c), None) for c in frame.columns])
    return _bytes(book)


def _sheet_title(text: str) -> str:
    """A valid, unique-enough worksheet name: at most 31 characters, none of \\ / ? * [ ] :."""
    return (re.sub(r"[\\/?*\[\]:]", "_", text).strip("'") or "Sheet")[:31]
