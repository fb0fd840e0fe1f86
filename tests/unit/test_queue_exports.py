"""A work queue's exports: what the page shows, with text that looks like a formula kept as text."""

import csv
import io

import pandas as pd
from openpyxl import load_workbook

from loaders.exports import csv_bytes, table_xlsx

HOSTILE = ["=HYPERLINK(\"http://x\",\"点我\")", "+1", "-2", "@SUM(A1)", "\tTAB", "\rCR", "人民路1号"]
QUEUE = pd.DataFrame({"事件编号": [f"HB{i}" for i in range(len(HOSTILE))], "地址": HOSTILE, "件数": range(len(HOSTILE))})


def test_the_workbook_keeps_formula_looking_text_as_text():
    sheet = load_workbook(io.BytesIO(table_xlsx(QUEUE, "待受理/新[1]"))).active
    assert sheet.title == "待受理_新_1_"
    assert [c.value for c in sheet[1]] == ["事件编号", "地址", "件数"]
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == [v.replace("\r", "\n") for v in HOSTILE]  # XML reads a CR back as LF
    assert {c.data_type for c in cells} == {"s"}
    assert [row[2].value for row in sheet.iter_rows(min_row=2)] == list(range(len(HOSTILE)))  # numbers stay numbers


def test_the_csv_prefixes_formula_looking_text_with_an_apostrophe():
    rows = list(csv.reader(io.StringIO(csv_bytes(QUEUE).decode("utf-8-sig"), newline="")))
    assert [r[1] for r in rows[1:]] == ["'" + v for v in HOSTILE[:6]] + ["人民路1号"]
