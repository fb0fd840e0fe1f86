"""Supervision notices as documents: one per department, numbered and dated, as a workbook (a sheet each), a
printable HTML page (every value escaped) and a CSV of one row per case."""

import csv
import io
from datetime import UTC, datetime

import pandas as pd
from openpyxl import load_workbook

from geo.read.analysis_filters import month_window
from geo.read.supervision import NOTICE_CASE_COLUMNS, Notice
from loaders.notice_files import notice_cases_csv, notice_number, notices_html, notices_workbook

AS_OF = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)  # 09:30 on 2 November in the district
T = pd.Timestamp("2026-10-05T02:00:00Z")


def notice(serial: int, department: str, *cases: tuple) -> Notice:
    frame = pd.DataFrame([(n, "飞线充电", reasons, T, card, T, None) for n, reasons, card in cases],
                         columns=NOTICE_CASE_COLUMNS)
    return Notice(serial, 2026, AS_OF, month_window(2026, 10), serial, department, frame)


NOTICES = [notice(7, "住房和城乡建设局", ("HB1", ("not_reported_in", "no_answer"), "discipline"),
                  ("HB2", ("late",), "yellow")),
           notice(8, "=HYPERLINK(\"http://x\")<script>", ("HB9", ("no_answer",), "none"))]


def test_each_notice_is_numbered_in_the_register_of_its_year():
    assert [notice_number(n) for n in NOTICES] == ["督字〔2026〕第7号", "督字〔2026〕第8号"]


def test_the_workbook_has_one_sheet_per_department_each_a_whole_notice():
    book = load_workbook(io.BytesIO(notices_workbook(NOTICES)))
    assert book.sheetnames == ["住房和城乡建设局", "=HYPERLINK(\"http___x\")<script>"]
    sheet = book["住房和城乡建设局"]
    assert [sheet[f"B{r}"].value for r in (2, 3, 4)] == ["督字〔2026〕第7号", "2026年11月2日", "住房和城乡建设局"]
    assert "2026-10-01 至 2026-10-31" in sheet["B5"].value and "有 2 件" in sheet["B5"].value
    assert [c.value for c in sheet[7]] == ["序号", "事件编号", "类别", "督办事由", "办理时限", "亮牌", "吹哨时间", "报到时间"]
    assert [c.value for c in sheet[8]] == [1, "HB1", "飞线充电", "未应哨（超15小时未报到）；不作为（超期未答卷）",
                                           "2026-10-05 10:00", "纪检", "2026-10-05 10:00", "—"]
    assert sheet["D9"].value == "迟报到（黄牌/红牌）"


def test_a_hostile_department_name_is_text_in_the_workbook():
    sheet = load_workbook(io.BytesIO(notices_workbook(NOTICES))).worksheets[1]
    assert sheet["B4"].data_type == "s" and sheet["B4"].value.startswith("=HYPERLINK")


def test_the_printable_page_puts_each_notice_on_its_own_a4_page_and_escapes_every_value():
    html = notices_html(NOTICES)
    assert "@page { size: A4;" in html and "break-after: page" in html
    assert html.count('<section class="notice">') == 2
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "督字〔2026〕第8号" in html and "window.print()" in html


def test_the_csv_has_one_row_per_case_with_its_notice_in_front():
    rows = list(csv.reader(io.StringIO(notice_cases_csv(NOTICES).decode("utf-8-sig"))))
    assert rows[0] == ["督办单号", "部门", "事件编号", "类别", "督办事由", "办理时限", "亮牌", "吹哨时间", "报到时间"]
    assert [r[:3] for r in rows[1:]] == [["督字〔2026〕第7号", "住房和城乡建设局", "HB1"],
                                         ["督字〔2026〕第7号", "住房和城乡建设局", "HB2"],
                                         ["督字〔2026〕第8号", "'=HYPERLINK(\"http://x\")<script>", "HB9"]]


def test_no_notice_gives_a_file_that_says_so():
    assert load_workbook(io.BytesIO(notices_workbook([])))["督办单"]["A1"].value == "本期无督办事项"
    assert "本期无督办事项" in notices_html([])
