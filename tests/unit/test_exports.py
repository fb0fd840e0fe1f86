"""The monthly report workbook and the audit CSV, opened back with openpyxl and csv (the notices themselves:
test_notice_files)."""

import csv
import io
from datetime import UTC, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from geo.read.analysis_filters import month_window
from geo.read.supervision import MonthlyReport
from loaders.exports import SHEETS, monthly_report_xlsx

AS_OF = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)
NOTICES = pd.DataFrame({
    "department_id": [3, 3, 7], "department": ["住房和城乡建设局", "住房和城乡建设局", "热力公司"],
    "reason": ["not_reported_in", "late", "no_answer"], "count": [2, 1, 1],
    "case_numbers": [["HB1", "HB2"], ["HB3"], ["HB9"]],
})


@pytest.fixture
def report() -> MonthlyReport:
    district = pd.Series({"received": 3643, "closed": 2735, "closure_rate": 0.8918, "open": 843, "overdue": 332,
                          "whistled": 2604, "report_in_on_time_rate": 0.7154, "yellow": 598, "red": 118,
                          "discipline": 25, "satisfaction_rate": 0.955, "rework_rate": float("nan"),
                          "on_time_closure_rate": 0.43, "close_h_median": 43.5})
    departments = pd.DataFrame({"rank": [1, 2], "department": ["公安分局", "热力公司"], "whistled": [232, 40],
                                "report_in_on_time_rate": [0.931, 0.25], "score": [0.89, 0.14]})
    streets = pd.DataFrame({"label": ["新华街道"], "received": [994], "closure_rate": [0.884]})
    return MonthlyReport(2026, 10, month_window(2026, 10), AS_OF, district, departments, streets, NOTICES)


def open_book(data: bytes):
    return load_workbook(io.BytesIO(data))


def column(sheet, header: str) -> list:
    headers = [c.value for c in sheet[1]]
    return [row[headers.index(header)] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_monthly_report_has_the_six_sheets_in_order(report):
    assert open_book(monthly_report_xlsx(report)).sheetnames == list(SHEETS) == ["汇总", "部门绩效", "街道情况", "督办单",
                                                                                "冷热点", "热心人"]


def test_a_report_made_without_community_forces_says_so_on_their_sheet(report):
    assert open_book(monthly_report_xlsx(report))["热心人"]["A1"].value == "热心人：未统计"


def test_a_report_made_without_hotspots_says_so_on_their_sheet(report):
    assert open_book(monthly_report_xlsx(report))["冷热点"]["A1"].value == "冷热点：未计算"


def test_the_summary_names_the_month_and_holds_the_figures(report):
    sheet = open_book(monthly_report_xlsx(report))["汇总"]
    assert sheet["A1"].value == "网格化社会治理月专报  2026年10月"
    assert sheet["B2"].value == "2026-10-01 至 2026-10-31 受理的事件"
    assert sheet["B3"].value == "2026-11-02 09:30"  # local time
    figures = {row[0]: row[1] for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]}
    assert (figures["受理事件"], figures["纪检"], figures["督办事件（件次）"]) == (3643, 25, 4)
    assert figures["办结率"] == pytest.approx(0.8918)
    assert figures["返工率"] is None  # NaN becomes an empty cell


def test_rates_are_formatted_as_percentages(report):
    book = open_book(monthly_report_xlsx(report))
    rate = [c for c in book["汇总"]["A"] if c.value == "办结率"][0]
    assert book["汇总"].cell(rate.row, 2).number_format == "0.0%"
    assert book["部门绩效"]["E2"].number_format == "0.0%"


def test_the_department_sheet_keeps_the_ranking_order_with_chinese_headers(report):
    sheet = open_book(monthly_report_xlsx(report))["部门绩效"]
    assert [c.value for c in sheet[1]][:5] == ["排名", "部门", "吹哨", "按时应哨", "按时应哨率"]
    assert column(sheet, "部门") == ["公安分局", "热力公司"]
    assert column(sheet, "吹哨") == [232, 40]
    assert column(sheet, "按时应哨") == [None, None]  # a figure the table lacks is left empty


def test_the_notice_sheet_counts_per_department_and_reason_without_listing_cases(report):
    sheet = open_book(monthly_report_xlsx(report))["督办单"]
    assert [c.value for c in sheet[1]] == ["部门", "督办事由", "件数"]
    assert column(sheet, "督办事由") == ["未应哨（超15小时未报到）", "迟报到（黄牌/红牌）", "不作为（超期未答卷）"]
    assert column(sheet, "件数") == [2, 1, 1]


HOSTILE = ["=HYPERLINK(\"http://evil\",\"点我\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def _formula_cells(data: bytes) -> list[str]:
    """Raw XML of every <f> (formula) element in the workbook's sheets: what Excel would evaluate."""
    import re
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return [f for name in book.namelist() if name.startswith("xl/worksheets/")
                for f in re.findall(r"<f[ >].*?</f>", book.read(name).decode())]


def test_hostile_names_land_in_the_monthly_report_as_text_never_as_formulas(report):
    hostile = MonthlyReport(report.year, report.month, report.window, report.as_of, report.district,
                            report.departments.assign(department=HOSTILE[:2]),
                            report.streets.assign(label=HOSTILE[3]),
                            NOTICES.assign(department=HOSTILE[:3], case_numbers=[[h] for h in HOSTILE[3:]]))
    data = monthly_report_xlsx(hostile)
    assert _formula_cells(data) == []
    book = open_book(data)
    assert column(book["部门绩效"], "部门") == HOSTILE[:2]
    assert column(book["街道情况"], "街道") == [HOSTILE[3]]
    assert column(book["督办单"], "部门") == HOSTILE[:3]


def test_hostile_text_in_csv_exports_is_prefixed_so_no_spreadsheet_evaluates_it():
    from loaders.exports import audit_csv

    log = pd.DataFrame({"at": ["2026-11-02 09:30"] * len(HOSTILE), "actor": HOSTILE, "role": [""] * len(HOSTILE),
                        "action": ["sign_in_failed"] * len(HOSTILE), "target": HOSTILE, "detail": ["-"] * len(HOSTILE),
                        "n": range(-3, len(HOSTILE) - 3)})
    rows = list(csv.reader(io.StringIO(audit_csv(log).decode("utf-8-sig"), newline="")))
    assert [r[1] for r in rows[1:]] == ["'" + h for h in HOSTILE]
    assert [r[5] for r in rows[1:]] == ["'-"] * len(HOSTILE)
    assert [r[6] for r in rows[1:]] == ["-3", "-2", "-1", "0", "1", "2"]  # numbers stay numbers
