"""Load and performance metrics for any time window, by district, street, community, grid, grid member or
department (docs/metrics.md defines each with its formula and denominator). Aggregated in SQL; pandas only
joins the few per-key result rows.

Window: cases *reported* in [start, end). Point-in-time figures (open, overdue, cards of dispatches not yet
reported in) are as of ``now``. Area: the whole city, or one district (``district_id``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import case, func
from sqlalchemy.orm import Session

from geo.db import rules
from geo.db.database import backend
from geo.db.models import Case, CaseDispatch
from geo.db.scope import area_condition
from geo.db.sql import DIMENSIONS, count_if, keyed_cases, keyed_dispatches, percentiles
from geo.domain.actors import Actor
from geo.domain.permissions import figures_district, require
from geo.domain.rules import with_rates
from geo.read import tally_metrics


#: The durations' percentiles every metrics row carries (hours).
PERCENTILES = ("close_h_median", "close_h_p90", "report_in_h_median", "report_in_h_p90")
#: Percentiles are sorted from the cases themselves: up to this many cases in the window (a district's year, a
#: city's month); above it (a city's year) they are left out (NaN) — pick a district or a month for them.
PERCENTILE_CASES = 1_500_000


def case_figures(now: datetime) -> list:
    """The per-case counts of docs/metrics.md as labelled SQL aggregates over ``cases`` (one definition,
    shared by the metrics table and the overview's KPI tiles), each counting by its rule in geo.db.rules."""
    return [
        func.count().label("received"),
        count_if(rules.is_open()).label("open"),
        count_if(rules.is_overdue(now)).label("overdue"),
        count_if(rules.is_closed()).label("closed"),
        count_if(rules.is_due()).label("due"),
        count_if(rules.answered_on_time()).label("answered_on_time"),
        count_if(rules.closed_on_time()).label("closed_on_time"),
        count_if(rules.is_rated()).label("rated"),
        count_if(rules.is_satisfied()).label("satisfied"),
        count_if(rules.was_reworked()).label("reworked"),
        count_if(rules.finished_once()).label("finished_once"),
    ]


def _dispatch_figures(sql, now):
    elapsed = rules.elapsed_seconds(sql, now)
    return [
        func.count().label("whistled"),
        count_if(rules.reported_in_on_time(elapsed)).label("reported_in_on_time"),
        count_if(rules.report_in_decided(elapsed)).label("report_in_decided"),
        *(count_if(rules.in_card(elapsed, card)).label(str(card)) for card in rules.CARDS),
    ]


def _report_in_span(sql):
    """Seconds from a dispatch's whistle to its report-in (NULL while it waits)."""
    reported = CaseDispatch.reported_in_at.is_not(None)
    return case((reported, sql.seconds_between(CaseDispatch.whistled_at, CaseDispatch.reported_in_at)))


def _in_window(query, start: datetime | None, end: datetime | None, district_id: int | None = None):
    if district_id is not None:
        query = query.where(area_condition(district_id))
    if start is not None:
        query = query.where(Case.reported_at >= start)
    if end is not None:
        query = query.where(Case.reported_at < end)
    return query


def metrics(session: Session, dimension: str, now: datetime, start: datetime | None = None,
            end: datetime | None = None, *, actor: Actor, district_id: int | None = None,
            with_percentiles: bool = True) -> pd.DataFrame:
    """One row per key of ``dimension`` with every figure of docs/metrics.md (rates NaN when undefined), for
    an actor allowed district metrics (NotAllowed otherwise): over the whole city or the cases of district
    ``district_id`` (a district-bound actor's own, geo.domain.permissions.figures_district). The counts come
    from the tallies when they can serve the window (geo.read.tally_metrics), else from the cases;
    ``with_percentiles=False`` skips the durations' percentiles (which always read the cases)."""
    require(actor, "view_district_metrics")
    district_id = figures_district(actor, district_id)
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; dimensions: {', '.join(DIMENSIONS)}")
    sql = backend(session.get_bind().dialect.name)
    plan = tally_metrics.plan(session, dimension, now, start, end)

    def raw(a: datetime | None, b: datetime | None) -> pd.DataFrame:
        return _raw_counts(session, sql, dimension, now, a, b, district_id)

    table = raw(start, end) if plan is None else tally_metrics.counts(session, dimension, now, plan, district_id, raw)
    if with_percentiles and (plan is None or table["received"].sum() <= PERCENTILE_CASES):
        close_pct, report_pct = _percentiles(session, sql, dimension, start, end, district_id)
        table = table.merge(close_pct, on="key", how="left").merge(report_pct, on="key", how="left")
    elif with_percentiles:  # a city's year: no tally holds a median, and sorting it takes too long for a page
        table = table.assign(**{c: float("nan") for c in PERCENTILES})
    return _with_rates(table.fillna({c: 0 for c in _COUNTS}))


def _raw_counts(session: Session, sql, dimension: str, now: datetime, start: datetime | None,
                end: datetime | None, district_id: int | None) -> pd.DataFrame:
    """The counts counted from the cases and their dispatches."""
    dispatch_columns = _dispatch_figures(sql, now)
    d = district_id
    cases, dispatches = _frames(session, [
        _in_window(keyed_cases(dimension, case_figures(now)), start, end, d).group_by("key", "label"),
        _in_window(keyed_dispatches(dimension, dispatch_columns), start, end, d).group_by("key", "label"),
    ])
    return cases.merge(dispatches.drop(columns="label"), on="key", how="outer")


def _percentiles(session: Session, sql, dimension: str, start: datetime | None, end: datetime | None,
                 district_id: int | None) -> list[pd.DataFrame]:
    closed_span = sql.seconds_between(Case.reported_at, Case.closed_at)
    report_in_span = _report_in_span(sql)
    close_h = keyed_cases(dimension, [(closed_span / 3600.0).label("v")])
    report_h = keyed_dispatches(dimension, [(report_in_span / 3600.0).label("v")])
    d = district_id
    return _frames(session, [
        percentiles(_in_window(close_h, start, end, d), {"close_h_median": 0.5, "close_h_p90": 0.9}, sql),
        percentiles(_in_window(report_h, start, end, d), {"report_in_h_median": 0.5, "report_in_h_p90": 0.9}, sql),
    ], sql.index_joins)


_COUNTS = ["received", "open", "overdue", "closed", "due", "answered_on_time", "closed_on_time", "rated",
           "satisfied", "reworked", "finished_once", "whistled", "reported_in_on_time", "report_in_decided",
           "yellow", "red", "discipline"]


def _frame(connection, query) -> pd.DataFrame:
    result = connection.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _frames(session: Session, queries: list, prepare=None) -> list[pd.DataFrame]:
    """Run the independent aggregate queries two at a time, each on its own pooled connection: both backends
    compute without holding the GIL, which takes a third off the time on two cores. They read committed data
    (metrics never need the caller's uncommitted writes). ``prepare(connection)`` runs first on each (a
    backend's planner setting for the transaction)."""
    engine = session.get_bind()

    def run(query) -> pd.DataFrame:
        with engine.connect() as connection:
            if prepare is not None:
                prepare(connection)
            return _frame(connection, query)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(run, queries))


def _with_rates(table: pd.DataFrame) -> pd.DataFrame:
    table[_COUNTS] = table[_COUNTS].astype(np.int64)
    return with_rates(table).sort_values("key", key=lambda k: k.astype(str)).reset_index(drop=True)


def wilson_lower_bound(successes: pd.Series, trials: pd.Series, z: float = 1.96) -> pd.Series:
    """Lower bound of the 95 % Wilson interval: the rate a ranking can trust. 2 of 2 scores 0.34, 95 of 100
    scores 0.89, so a department with two cases cannot top a table of departments with hundreds."""
    n = trials.astype(float).where(trials > 0)
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return ((centre - spread) / (1 + z * z / n)).fillna(0.0)


def rank(table: pd.DataFrame, successes: str, trials: str) -> pd.DataFrame:
    """Rows ordered best first by the Wilson lower bound of successes/trials (column ``score``)."""
    scored = table.assign(score=wilson_lower_bound(table[successes], table[trials]))
    return scored.sort_values(["score", trials], ascending=[False, False]).reset_index(drop=True)
