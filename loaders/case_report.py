"""The problems of a case import grouped by kind and value, so a report stays short whatever the file size.

Why: a 10,000-row export whose every row shares one unknown category used to produce 10,000 problem lines,
which nobody reads. Rows with the same problem — the same kind, message and values (an unknown word, a bad
time written the same way) — become one line with the number of rows and the first of them; each kind
lists at most ``MAX_GROUPS`` distinct values and then one line for the rest. The exact figures an analyst
looks for are numbers in ``report.counts``; every row's own outcome stays in the row table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import pandas as pd

from loaders.import_messages import Msg, msg
from loaders.import_report import ImportReport, Location, Problem, Severity

#: Distinct values listed per problem kind; the rest of that kind is one "… more rows" line.
MAX_GROUPS = 20
#: Rows named in a grouped line (the count is always exact).
ROWS_NAMED = 5


def add_grouped(report: ImportReport, kind: pd.Series, message: pd.Series, severity: Severity,
                lonlat: pd.DataFrame | None = None) -> None:
    """One problem per (kind, message) among the rows of ``kind`` (index = row number); ``message`` holds a
    Msg per row; ``lonlat`` (optional, columns lon/lat) locates a group on the preview map by its first row."""
    if kind.empty:
        return
    keys = pd.Series([_key(k, m) for k, m in zip(kind, message)], index=kind.index)
    positions = pd.Series(np.arange(len(keys)), index=kind.index).groupby(keys.to_numpy(), sort=False).indices
    listed: dict[str, int] = {}
    more: dict[str, list[int]] = {}
    for group in sorted(positions.values(), key=lambda p: p[0]):
        rows = kind.index[group]
        first = rows[0]
        if listed.get(kind[first], 0) >= MAX_GROUPS:
            more.setdefault(kind[first], []).extend(int(r) for r in rows)
            continue
        listed[kind[first]] = listed.get(kind[first], 0) + 1
        where = lonlat.loc[first] if lonlat is not None else None
        report.problems.append(_line(kind[first], message[first], [int(r) for r in rows], severity, where))
    for name, rows in more.items():
        report.problems.append(_line(name, msg("more_rows", n=len(rows), kind=name), sorted(rows), severity,
                                     None, prefixed=False))


def add_row_messages(report: ImportReport, items: Iterable[tuple[int | None, str, Msg]], severity: Severity) -> None:
    """Grouped lines for (row, kind, message) items; items without a row are listed as they are."""
    items = list(items)
    for row, kind, message in items:
        if row is None:
            report.problem(kind, message, severity=severity)
    with_rows = [(row, kind, message) for row, kind, message in items if row is not None]
    if with_rows:
        rows = [r for r, _, _ in with_rows]
        add_grouped(report, pd.Series([k for _, k, _ in with_rows], index=rows),
                    pd.Series([m for _, _, m in with_rows], index=rows, dtype=object), severity)


def _key(kind: str, message: Msg) -> str:
    return json.dumps([kind, message.key, message.params], sort_keys=True, ensure_ascii=False, default=str)


def _line(kind: str, message: Msg, rows: list[int], severity: Severity, where, prefixed: bool = True) -> Problem:
    """One problem standing for ``rows``: English text with the row(s) in front, the row problem's key."""
    if not prefixed:
        text = message.text
    elif len(rows) == 1:
        text = msg("at_row", row=rows[0], problem=message).text
    else:
        shown = ", ".join(str(r) for r in rows[:ROWS_NAMED])
        text = msg("at_rows", n=len(rows), rows=shown, problem=message).text
    location = Location(row=rows[0])
    if where is not None and pd.notna(where["lon"]):
        location = Location(lon=float(where["lon"]), lat=float(where["lat"]), row=rows[0])
    return Problem(kind=kind, message=text, location=location, severity=severity, msg=message.key,
                   params=message.params, count=len(rows), rows=tuple(rows[:ROWS_NAMED]))
