"""The monthly report's 热心人 sheet (loaders.exports adds it): community forces in the month — per street
(volunteers, tasks published, open and done, volunteer turns, response and completion times, points), per
community, the points ranking per street with names masked, and the grids' coverage by volunteers living
within 500 m (least covered first; a city's report lists its COVERAGE_ROWS least covered, the summary line
counts them all). Headers are Chinese, like the rest of the report."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from geo.read.volunteer_figures import COVERAGE_M, VolunteerMonth

SHEET = "热心人"
_FILL = PatternFill("solid", fgColor="DDE6F3")
HOURS = "0.0"
#: Grids listed in the coverage table at most: a district's few hundred all, a city's 40,000 not (a table no
#: one reads, and 4 of a city report's 10 s of writing).
COVERAGE_ROWS = 1_000
TASK_FIGURES = [("published", "发布任务", None), ("open", "进行中", None), ("done", "已完成", None),
                ("turns", "服务人次", None), ("response_h_median", "响应时长中位数（小时）", HOURS),
                ("done_h_median", "完成时长中位数（小时）", HOURS)]
STREET_COLUMNS = [("street", "街道", None), ("volunteers", "在册热心人", None), *TASK_FIGURES,
                  ("points", "服务积分", None)]
COMMUNITY_COLUMNS = [("street", "街道", None), ("community", "社区", None), *TASK_FIGURES]
RANKING_COLUMNS = [("street", "街道", None), ("rank", "名次", None), ("volunteer", "热心人", None),
                   ("community", "社区", None), ("points", "积分", None), ("tasks", "服务次数", None)]
COVERAGE_COLUMNS = [("code", "网格编码", None), ("name", "网格", None), ("community", "社区", None),
                    ("volunteers", f"{COVERAGE_M:.0f} 米内热心人", None)]


def volunteer_sheet(sheet: Worksheet, month: VolunteerMonth | None) -> None:
    """Title, coverage in words, then the street, community, ranking and coverage tables one under another."""
    if month is None:
        sheet["A1"] = "热心人：未统计"
        return
    sheet["A1"] = "热心人（社区力量）"
    sheet["A1"].font = Font(bold=True, size=13)
    coverage = month.coverage["volunteers"]
    sheet["A2"] = (f"网格覆盖：{len(coverage)} 个网格中 {int((coverage == 0).sum())} 个 {COVERAGE_M:.0f} 米内没有热心人；"
                   f"每个网格 {COVERAGE_M:.0f} 米内热心人数中位数 {float(coverage.median()) if len(coverage) else 0:.0f}")
    row = 4
    listed = month.coverage.sort_values(["volunteers", "code"]).head(COVERAGE_ROWS)
    coverage_title = "各网格覆盖（最少者在前）" if len(listed) == len(coverage) else \
        f"各网格覆盖（最少的 {len(listed):,} 个，共 {len(coverage):,} 个）"
    for title, table, columns in (("各街道", month.streets, STREET_COLUMNS),
                                  ("各社区（本月发布的任务）", month.communities, COMMUNITY_COLUMNS),
                                  ("积分排行（各街道前五，姓名已脱敏）", month.ranking, RANKING_COLUMNS),
                                  (coverage_title, listed, COVERAGE_COLUMNS)):
        row = _block(sheet, row, title, table, columns) + 2
    for i, width in enumerate((12, 14, 12, 10, 10, 10, 22, 22, 10), start=1):
        sheet.column_dimensions[chr(64 + i)].width = width


def _block(sheet: Worksheet, row: int, title: str, table: pd.DataFrame,
           columns: Sequence[tuple[str, str, str | None]]) -> int:
    """A titled table from ``row``; returns the last row written."""
    sheet.cell(row, 1, title).font = Font(bold=True)
    for i, (_, header, _) in enumerate(columns, start=1):
        cell = sheet.cell(row + 1, i, header)
        cell.font, cell.fill = Font(bold=True), _FILL
    for r, record in enumerate(table.to_dict("records"), start=row + 2):
        for i, (column, _, number_format) in enumerate(columns, start=1):
            cell = sheet.cell(r, i, _value(record.get(column)))
            if number_format:
                cell.number_format = number_format
    return row + 1 + len(table)


def _value(value):
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value
