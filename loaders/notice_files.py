"""Supervision notices (督办单) as documents: one notice per department (geo.read.supervision.notice_documents)
listing its flagged cases — reason, deadline, card — numbered 督字〔year〕第N号 and dated. As a workbook with one
sheet per department, as one printable HTML page (A4, one notice per page; the browser prints it to PDF), and
as CSV with one row per case. Words are Chinese: the notices go to the departments and discipline inspectors.

The HTML is built here, server-side, with every value escaped (department and category names come from files,
case numbers from other systems); it loads nothing from anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from geo.config import LOCAL_TZ
from geo.read.supervision import Notice, register_year
from loaders.exports import REASON_LABELS, _bytes, _period, _sheet_title, _style_header, csv_bytes

CARD_LABELS = {"none": "—", "yellow": "黄牌", "red": "红牌", "discipline": "纪检"}
COLUMNS = ["序号", "事件编号", "类别", "督办事由", "办理时限", "亮牌", "吹哨时间", "报到时间"]
WIDTHS = [6, 20, 14, 34, 17, 7, 17, 17]
ISSUER = "区网格化社会治理指挥中心"
REPLY = "请于收到本通知之日起 3 个工作日内将整改情况书面反馈指挥中心。"


def notice_number(notice: Notice) -> str:
    return _number(notice.year, notice.serial)


def _number(year: int, serial: int) -> str:
    return f"督字〔{year}〕第{serial}号"


def _local(at) -> str:
    if at is None or pd.isna(at):
        return "—"
    return f"{pd.Timestamp(at).tz_convert(ZoneInfo(LOCAL_TZ)):%Y-%m-%d %H:%M}"


def _issued(at: datetime) -> str:
    local = at.astimezone(ZoneInfo(LOCAL_TZ))
    return f"{local.year}年{local.month}月{local.day}日"


def _intro(notice: Notice) -> str:
    return (f"经核查，{_period(notice.window)} 受理的事件中，贵单位有 {len(notice.cases)} 件存在未按时应哨、"
            f"迟报到或超期未答卷的情形（明细如下），现予督办。{REPLY}")


def notice_summary(counts: pd.DataFrame, now: datetime, first_serial: int) -> pd.DataFrame:
    """One row per notice (geo.read.supervision.notice_counts, in its order): number (from ``first_serial``,
    in the register of ``now``'s year), department, cases, and how many cases carry each reason."""
    year = register_year(now)
    numbers = [_number(year, first_serial + i) for i in range(len(counts))]
    return pd.DataFrame({"number": numbers, "department": counts["department"].to_numpy(),
                         "cases": counts["cases"].to_numpy(), **{r: counts[r].to_numpy() for r in REASON_LABELS}})


def case_rows(notice: Notice) -> list[list]:
    """The notice's table: one row per case, in words."""
    return [[i, c.number, c.category or "—", "；".join(REASON_LABELS[r] for r in c.reasons), _local(c.deadline),
             CARD_LABELS.get(c.card, c.card), _local(c.whistled_at), _local(c.reported_in_at)]
            for i, c in enumerate(notice.cases.itertuples(index=False), start=1)]


def notices_workbook(notices: Sequence[Notice]) -> bytes:
    """One sheet per department (named after it), each a complete notice: number, date, addressee, the
    request, then its cases. No notice: one sheet saying so."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for notice in notices:
        _notice_sheet(book, notice, used)
    if not notices:
        book.create_sheet("督办单")["A1"] = "本期无督办事项"
    return _bytes(book)


def _notice_sheet(book: Workbook, notice: Notice, used: set[str]) -> None:
    title = _sheet_title(notice.department)
    while title in used:  # two departments whose names agree in their first 31 characters
        title = _sheet_title(f"{notice.serial}_{notice.department}")[:31]
    used.add(title)
    sheet = book.create_sheet(title)
    sheet["A1"] = "督办通知单"
    sheet["A1"].font = Font(bold=True, size=16)
    for row, (label, value) in enumerate([("编号", notice_number(notice)), ("日期", _issued(notice.issued)),
                                           ("致", notice.department), ("事由", _intro(notice))], start=2):
        sheet.cell(row, 1, label).font = Font(bold=True)
        sheet.cell(row, 2, value)
    sheet.merge_cells(start_row=5, start_column=2, end_row=5, end_column=len(COLUMNS))
    sheet.cell(5, 2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[5].height = 48
    header = 7
    for i, name in enumerate(COLUMNS, start=1):
        sheet.cell(header, i, name)
    _style_header(sheet, header, len(COLUMNS))
    for r, values in enumerate(case_rows(notice), start=header + 1):
        for i, value in enumerate(values, start=1):
            sheet.cell(r, i, value)
    sheet.freeze_panes = f"A{header + 1}"
    for i, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    last = header + len(notice.cases) + 2
    sheet.cell(last, len(COLUMNS) - 1, ISSUER)
    sheet.cell(last + 1, len(COLUMNS) - 1, _issued(notice.issued))


def notice_cases_csv(notices: Sequence[Notice]) -> bytes:
    """Every notice's cases, one row each, with the notice's number and department in front."""
    rows = [[notice_number(n), n.department, *row[1:]] for n in notices for row in case_rows(n)]
    return csv_bytes(pd.DataFrame(rows, columns=["督办单号", "部门", *COLUMNS[1:]]))


_CSS = """
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Noto Sans CJK SC", serif;
  color: #000; margin: 0; background: #eceff3; }
.notice { background: #fff; width: 210mm; min-height: 297mm; margin: 8mm auto; padding: 16mm 14mm;
  page-break-after: always; break-after: page; }
.notice:last-of-type { page-break-after: auto; break-after: auto; }
h1 { text-align: center; font-size: 22pt; letter-spacing: 6pt; margin: 0 0 4mm; color: #b00000; }
.number { text-align: center; font-size: 11pt; margin-bottom: 6mm; border-bottom: 2px solid #b00000; padding-bottom: 3mm; }
.to { font-size: 12pt; font-weight: bold; margin: 4mm 0 2mm; }
.intro { font-size: 11pt; line-height: 1.8; text-indent: 2em; margin: 0 0 4mm; }
table { width: 100%; border-collapse: collapse; font-size: 9pt; }
th, td { border: 1px solid #444; padding: 1.2mm 1.5mm; vertical-align: top; }
th { background: #f0f0f0; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
.issuer { text-align: right; margin-top: 10mm; font-size: 11pt; line-height: 1.8; }
.toolbar { text-align: center; margin: 6mm; }
.toolbar button { font-size: 12pt; padding: 2mm 6mm; }
@media screen and (max-width: 820px) { .notice { width: auto; min-height: 0; margin: 3mm; padding: 6mm; } }
@media print {
  body { background: #fff; }
  .notice { margin: 0; width: auto; min-height: 0; padding: 0; }
  .toolbar { display: none; }
}
"""


def notices_html(notices: Sequence[Notice]) -> str:
    """All notices as one HTML document for the browser: each on its own A4 page, with a print button (print
    to PDF from the browser's dialog). Every value is escaped."""
    pages = "".join(_notice_html(n) for n in notices) or '<section class="notice"><p>本期无督办事项。</p></section>'
    title = f"督办通知单 {escape(_period(notices[0].window))}" if notices else "督办通知单"
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{_CSS}</style></head><body>"
            '<div class="toolbar"><button onclick="window.print()">打印 / 另存为 PDF</button></div>'
            f"{pages}</body></html>")


def _notice_html(notice: Notice) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in case_rows(notice))
    return (f'<section class="notice"><h1>督办通知单</h1>'
            f'<div class="number">{escape(notice_number(notice))}</div>'
            f'<div class="to">{escape(notice.department)}：</div>'
            f'<p class="intro">{escape(_intro(notice))}</p>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f'<div class="issuer">{escape(ISSUER)}<br>{escape(_issued(notice.issued))}</div></section>')
