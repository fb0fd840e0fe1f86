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
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from geo.db import rules
from geo.db.database import backend
from geo.config import LOCAL_TZ
from geo.db.models import Case, CaseDispatch, Category, Department
from geo.db.scope import area_condition
from geo.domain.actors import Actor
from geo.domain.permissions import figures_district, require
from geo.domain.rules import CARD_ORDER
from geo.domain.vocabulary import Card
from geo.read.analysis_filters import Window, month_window
from geo.read.load_service import department_load
from geo.read.metrics import metrics

#: Notice reasons, most serious first (the order of rows within a department).
NOTICE_REASONS = ("not_reported_in", "late", "no_answer")


def supervision_notices(session: Session, now: datetime, window: Window, *, actor: Actor,
                        district_id: int | None = None) -> pd.DataFrame:
    """One row per department × reason with at least one dispatch: department_id, department, reason, count,
    case_numbers (sorted list of case numbers). Departments ordered by their total count, most first. Over
    the city's cases or one district's (a bound actor: its own)."""
    require(actor, "view_district_metrics")
    flags = _flagged_dispatches(session, now, window, figures_district(actor, district_id))
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


@dataclass(frozen=True)
class Notice:
    """One department's supervision notice (督办单): its flagged cases, numbered in the center's register of
    the year (``serial``) and dated ``issued``; loaders.notice_files prints it."""

    serial: int
    year: int  # the local year of issue: the register the serial counts in
    issued: datetime
    window: Window
    department_id: int
    department: str
    cases: pd.DataFrame  # number, category, reasons (most serious first), deadline, card, whistled_at, reported_in_at


def notice_documents(session: Session, now: datetime, window: Window, *, actor: Actor,
                     first_serial: int = 1, district_id: int | None = None) -> list[Notice]:
    """One notice per department with flagged dispatches of cases reported in the window, the most flagged
    department first, numbered from ``first_serial`` on, dated ``now``; each lists its cases worst card first.
    Over the city's cases or one district's (a bound actor: its own)."""
    require(actor, "view_district_metrics")
    if first_serial < 1:
        raise ValueError(f"a notice number starts at 1 or more, got {first_serial}")
    flags = _flagged_dispatches(session, now, window, figures_district(actor, district_id))
    hits = flags[list(NOTICE_REASONS)].to_numpy(bool)
    flags["reasons"] = [tuple(r for r, hit in zip(NOTICE_REASONS, row) if hit) for row in hits]
    severity = flags["card"].map({c: -i for i, c in enumerate(CARD_ORDER)})
    flags = flags.assign(_severity=severity).sort_values(["_severity", "deadline", "number"], na_position="last")
    order = flags.groupby("department_id")["number"].size().sort_values(ascending=False, kind="stable")
    year = now.astimezone(ZoneInfo(LOCAL_TZ)).year
    return [Notice(first_serial + i, year, now, window, int(department_id),
                   str(flags.loc[flags["department_id"] == department_id, "department"].iloc[0]),
                   flags.loc[flags["department_id"] == department_id, NOTICE_CASE_COLUMNS].reset_index(drop=True))
            for i, department_id in enumerate(order.index)]


NOTICE_CASE_COLUMNS = ["number", "category", "reasons", "deadline", "card", "whistled_at", "reported_in_at"]


def _flagged_dispatches(session: Session, now: datetime, window: Window, district_id: int | None) -> pd.DataFrame:
    """Dispatches with at least one reason (SQL does the filtering): department, the case (number, category,
    deadline), the dispatch's times and card, one bool per reason."""
    elapsed = rules.elapsed_seconds(backend(session.get_bind().dialect.name), now)
    no_answer = and_(rules.answer_due(), rules.is_overdue(now))
    query = (
        select(Department.id, Department.name, Case.number, Category.name, Case.deadline, CaseDispatch.whistled_at,
               CaseDispatch.reported_in_at, rules.card_of(elapsed), no_answer)
        .select_from(CaseDispatch).join(Case, Case.id == CaseDispatch.case_id)
        .join(Department, Department.id == CaseDispatch.department_id)
        .outerjoin(Category, Category.id == Case.category_id)
        .where(Case.reported_at >= window.start, Case.reported_at < window.end,
               or_(rules.at_least(elapsed, Card.YELLOW), no_answer), area_condition(district_id))
    )
    rows = pd.DataFrame(session.execute(query).all(),
                        columns=["department_id", "department", "number", "category", "deadline", "whistled_at",
                                 "reported_in_at", "card", "no_answer"])
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


def monthly_report(session: Session, year: int, month: int, now: datetime, *, actor: Actor,
                   district_id: int | None = None) -> MonthlyReport:
    """Figures of the cases reported in one local calendar month, open/overdue/cards as of ``now``: the whole
    city's, or one district's (a bound actor: its own)."""
    require(actor, "view_district_metrics")
    d = figures_district(actor, district_id)
    window = month_window(year, month)
    district = metrics(session, "district", now, window.start, window.end, actor=actor, district_id=d)
    district_row = district.iloc[0] if len(district) else pd.Series(dtype=object)
    streets = metrics(session, "street", now, window.start, window.end, actor=actor, district_id=d)
    return MonthlyReport(year, month, window, now, district_row,
                         department_load(session, now, window, actor=actor, district_id=d), streets,
                         supervision_notices(session, now, window, actor=actor, district_id=d))
