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
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from geo.db import rules
from geo.db.database import backend
from geo.config import LOCAL_TZ
from geo.db.models import Case, CaseDispatch, Category, Department
from geo.db.scope import area_condition
from geo.db.sql import count_if, keyed_dispatches
from geo.domain.actors import Actor
from geo.domain.permissions import figures_district, require
from geo.domain.rules import CARD_ORDER
from geo.domain.vocabulary import Card
from geo.read.analysis_filters import Window, month_window
from geo.read.load_service import department_load
from geo.read.metrics import metrics

#: Notice reasons, most serious first (the order of rows within a department).
NOTICE_REASONS = ("not_reported_in", "late", "no_answer")


def notice_counts(session: Session, now: datetime, window: Window, *, actor: Actor,
                  district_id: int | None = None, figures: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per department with at least one flagged dispatch, in the notices' order (most first, then by
    department id): department_id, department, cases (flagged dispatches), and one count per reason — what
    ``notice_documents`` would list, counted without listing a case. The cards come from the department
    figures (the tallies at city scale: a city's year never leaves the database), the missing answers from the
    open overdue cases (through the status index). Over the city's cases or one district's. ``figures``: the
    same window's department_load table when the caller has it, so the figures are not read twice."""
    require(actor, "view_district_metrics")
    district_id = figures_district(actor, district_id)
    if figures is None:
        cards = metrics(session, "department", now, window.start, window.end, actor=actor,
                        district_id=district_id, with_percentiles=False)
    else:
        cards = figures.rename(columns={"department_id": "key", "department": "label"})
    unanswered = _no_answer_counts(session, now, window, district_id)
    table = cards[["key", "label", "yellow", "red", "discipline"]].merge(unanswered, on="key", how="left")
    table[["no_answer", "no_answer_only"]] = table[["no_answer", "no_answer_only"]].fillna(0).astype("int64")
    table = table.assign(not_reported_in=table["discipline"], late=table["yellow"] + table["red"])
    table["cases"] = table["not_reported_in"] + table["late"] + table["no_answer_only"]
    table = table[table["cases"] > 0].rename(columns={"key": "department_id", "label": "department"})
    return (table.sort_values(["cases", "department_id"], ascending=[False, True])
            [["department_id", "department", "cases", *NOTICE_REASONS]].reset_index(drop=True))


def notice_reasons(counts: pd.DataFrame) -> pd.DataFrame:
    """``notice_counts`` in long form — one row per department × reason with a dispatch: department_id,
    department, reason, count — departments in the notices' order, reasons most serious first."""
    long = counts.melt(id_vars=["department_id", "department"], value_vars=list(NOTICE_REASONS),
                       var_name="reason", value_name="count")
    order = {d: i for i, d in enumerate(counts["department_id"])}
    long = long[long["count"] > 0].assign(_d=long["department_id"].map(order),
                                          _r=long["reason"].map({r: i for i, r in enumerate(NOTICE_REASONS)}))
    return long.sort_values(["_d", "_r"]).drop(columns=["_d", "_r"]).astype({"count": "int64"}).reset_index(drop=True)


def _no_answer_counts(session: Session, now: datetime, window: Window, district_id: int | None) -> pd.DataFrame:
    """Per department: dispatches whose answer is missing past the deadline (no_answer), and those of them
    without a card (no_answer_only: flagged for this reason alone)."""
    elapsed = rules.elapsed_seconds(backend(session.get_bind().dialect.name), now)
    query = (keyed_dispatches("department", [func.count(), count_if(~rules.at_least(elapsed, Card.YELLOW))])
             .where(rules.answer_due(), rules.is_overdue(now), Case.reported_at >= window.start,
                    Case.reported_at < window.end, area_condition(district_id))
             .group_by(CaseDispatch.department_id, Department.name))
    rows = session.execute(query).all()
    return pd.DataFrame([(r[0], r[2], r[3]) for r in rows], columns=["key", "no_answer", "no_answer_only"])


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
                     first_serial: int = 1, district_id: int | None = None,
                     department_id: int | None = None) -> list[Notice]:
    """One notice per department with flagged dispatches of cases reported in the window, the most flagged
    department first, numbered from ``first_serial`` on, dated ``now``; each lists its cases worst card first.
    Over the city's cases or one district's (a bound actor: its own). ``department_id``: that department's
    notice alone (numbered ``first_serial``), e.g. to preview the first one without listing every case."""
    require(actor, "view_district_metrics")
    if first_serial < 1:
        raise ValueError(f"a notice number starts at 1 or more, got {first_serial}")
    flags = _flagged_dispatches(session, now, window, figures_district(actor, district_id), department_id)
    hits = flags[list(NOTICE_REASONS)].to_numpy(bool)
    flags["reasons"] = [tuple(r for r, hit in zip(NOTICE_REASONS, row) if hit) for row in hits]
    severity = flags["card"].map({c: -i for i, c in enumerate(CARD_ORDER)})
    flags = flags.assign(_severity=severity).sort_values(["_severity", "deadline", "number"], na_position="last")
    order = flags.groupby("department_id")["number"].size().sort_values(ascending=False, kind="stable")
    year = register_year(now)
    return [Notice(first_serial + i, year, now, window, int(department_id),
                   str(flags.loc[flags["department_id"] == department_id, "department"].iloc[0]),
                   flags.loc[flags["department_id"] == department_id, NOTICE_CASE_COLUMNS].reset_index(drop=True))
            for i, department_id in enumerate(order.index)]


def register_year(now: datetime) -> int:
    """The local year whose register a notice issued at ``now`` is numbered in."""
    return now.astimezone(ZoneInfo(LOCAL_TZ)).year


NOTICE_CASE_COLUMNS = ["number", "category", "reasons", "deadline", "card", "whistled_at", "reported_in_at"]


def _flagged_dispatches(session: Session, now: datetime, window: Window, district_id: int | None,
                        department_id: int | None = None) -> pd.DataFrame:
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
        .where(Case.reported_at >= window.start, Case.reported_at < window.end, rules.is_counted(),
               or_(rules.at_least(elapsed, Card.YELLOW), no_answer), area_condition(district_id))
    )
    if department_id is not None:
        query = query.where(CaseDispatch.department_id == department_id)
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
    notices: pd.DataFrame  # notice_reasons: department × reason counts


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
                         notice_reasons(notice_counts(session, now, window, actor=actor, district_id=d)))
