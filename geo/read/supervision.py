"""Supervision (docs/domain.md): the supervision notices (督办单) and the monthly report (月专报) to district leaders.

A department gets a notice, per reason, for the dispatches of cases reported in the window:

- ``not_reported_in`` 未应哨: it did not report in before the discipline threshold (15 h) – the dispatch was
  (or will be, the moment it is late enough) pushed to the discipline-inspection platform;
- ``late`` 迟报到: it reported in, or has still not reported in, after the yellow (1 h) but before the
  discipline threshold – a yellow or red card;
- ``no_answer`` 不作为: as lead department it has not answered and the case's deadline has passed, the
  case still open and not deferred (a deferral pauses the clock). Co-departments never answer, so they
  cannot get this one.

A dispatch counts once per reason; one dispatch can carry ``not_reported_in`` and ``no_answer`` at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from geo.db import rules
from geo.db.database import backend
from geo.db.models import Case, CaseDispatch, Department
from geo.domain.actors import Actor
from geo.domain.permissions import require
from geo.domain.vocabulary import Card
from geo.read.analysis_filters import Window, month_window
from geo.read.load_service import department_load
from geo.read.metrics import metrics

#: Notice reasons, most serious first (the order of rows within a department).
NOTICE_REASONS = ("not_reported_in", "late", "no_answer")


def supervision_notices(session: Session, now: datetime, window: Window, *, actor: Actor) -> pd.DataFrame:
    """One row per department × reason with at least one dispatch: department_id, department, reason, count,
    case_numbers (sorted list of case numbers). Departments ordered by their total count, most first."""
    require(actor, "view_district_metrics")
    flags = _flagged_dispatches(session, now, window)
    rows = []
    for reason in NOTICE_REASONS:
        hit = flags[flags[reason]]
        for (department_id, department), group in hit.groupby(["department_id", "department"], sort=False):
            numbers = sorted(group["number"])
            rows.append((department_id, department, reason, len(numbers), numbers))
    table = pd.DataFrame(rows, columns=["department_id", "department", "reason", "count", "case_numbers"])
    if table.empty:
        return table.astype({"count": "int64"})
    totals = table.groupby("department_id")["count"].transform("sum")
    order = table["reason"].map({r: i for i, r in enumerate(NOTICE_REASONS)})
    return (table.assign(_total=totals, _order=order)
            .sort_values(["_total", "department_id", "_order"], ascending=[False, True, True])
            .drop(columns=["_total", "_order"]).reset_index(drop=True))


def _flagged_dispatches(session: Session, now: datetime, window: Window) -> pd.DataFrame:
    """Dispatches with at least one reason (SQL does the filtering): department, case number, one bool per reason."""
    elapsed = rules.elapsed_seconds(backend(session.get_bind().dialect.name), now)
    no_answer = and_(rules.answer_due(), rules.is_overdue(now))
    query = (
        select(Department.id, Department.name, Case.number, rules.card_of(elapsed), no_answer)
        .select_from(CaseDispatch).join(Case, Case.id == CaseDispatch.case_id)
        .join(Department, Department.id == CaseDispatch.department_id)
        .where(Case.reported_at >= window.start, Case.reported_at < window.end,
               or_(rules.at_least(elapsed, Card.YELLOW), no_answer))
    )
    rows = pd.DataFrame(session.execute(query).all(),
                        columns=["department_id", "department", "number", "card", "no_answer"])
    rows["no_answer"] = rows["no_answer"].astype(bool)
    rows["not_reported_in"] = rows["card"] == Card.DISCIPLINE
    rows["late"] = rows["card"].isin([Card.YELLOW, Card.RED])
    return rows


@dataclass(frozen=True)
class MonthlyReport:
    """The month's figures for district leaders (月专报); ``loaders.exports`` turns it into a workbook."""

    year: int
    month: int
    window: Window
    as_of: datetime
    district: pd.Series  # the district row of geo.read.metrics
    departments: pd.DataFrame  # geo.read.load_service.department_load, ranked
    streets: pd.DataFrame  # geo.read.metrics street rows (label = street name)
    notices: pd.DataFrame  # supervision_notices


def monthly_report(session: Session, year: int, month: int, now: datetime, *, actor: Actor) -> MonthlyReport:
    """Figures of the cases reported in one local calendar month, open/overdue/cards as of ``now``."""
    window = month_window(year, month)
    district = metrics(session, "district", now, window.start, window.end)
    district_row = district.iloc[0] if len(district) else pd.Series(dtype=object)
    streets = metrics(session, "street", now, window.start, window.end)
    return MonthlyReport(year, month, window, now, district_row,
                         department_load(session, now, window, actor=actor), streets,
                         supervision_notices(session, now, window, actor=actor))
