"""What the governance center's wall screen shows, aggregated in SQL: headline figures, a live feed, the
department ranking, a 30-day trend, the category mix, the common problems and the map's live layers.

The screen hangs in a room anyone walks through and has no login yet, so nothing here returns personal
data: no reporter names or phones, no descriptions or addresses — only counts, categories, grid codes, case
numbers, departments, times, states, cards and rounded positions. Every function reads "as of ``now``":
cases reported after ``now`` are left out, so a past instant can be replayed on a historical database
(statuses are the database's current ones).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ
from geo.db import rules
from geo.db.database import backend
from geo.db.models import Case, CaseDispatch, Category, Department, Grid
from geo.db.rules import is_counted
from geo.db.scope import area_condition
from geo.db.sql import count_if
from geo.domain.actors import Actor
from geo.domain.permissions import figures_district, require
from geo.domain.rules import RATES
from geo.read.layouts import NoActiveLayout, active_layout, area_bounds
from geo.read.metrics import metrics, wilson_lower_bound
from geo.read import tally_metrics
from geo.read.map_shapes import Shapes, fitting_view, shapes_in_view
from geo.read.screen_problems import common_problems
from geo.read.overview import area_kpis, open_cases_by_area

_ZONE = ZoneInfo(LOCAL_TZ)
#: Latest instant counted as "up to now": windows are [start, end), so a case reported exactly at ``now``
#: needs an end just after it.
_TICK = timedelta(microseconds=1)
#: The map's size on a 1920 × 1080 wall (the centre column): what its shapes are chosen and simplified for.
MAP_PIXELS = (840, 600)


@dataclass(frozen=True)
class ScreenSettings:
    """How much the screen shows, and of what: the whole city or one district (``district_id``). Windows are
    rolling so that rates do not jump at midnight or month start."""

    window_days: int = 30  # rates, ranking, category mix and trend
    feed_rows: int = 8  # latest cases in the feed
    whistle_rows: int = 6  # latest whistles in the feed
    ranking_rows: int = 8  # departments in the ranking
    category_rows: int = 8  # category classes in the mix (the rest summed as None)
    problem_rows: int = 5  # common problems
    fresh_hours: float = 2.0  # cases this recent pulse on the map
    map_cases: int = 3000  # open cases drawn on the map, newest first (payload cap)
    district_id: int | None = None  # None: the whole city


@dataclass(frozen=True)
class Headline:
    today: int  # reported since local midnight (Asia/Shanghai)
    month: int  # reported since the 1st of the local month
    open: int  # open now, all cases
    closure_rate: float | None  # window: closed / due
    satisfaction_rate: float | None  # window: satisfied / rated
    report_in_on_time_rate: float | None  # window: reported in within the yellow threshold / decided
    yellow: int  # dispatches of open cases not reported in, by their card now
    red: int
    discipline: int


@dataclass(frozen=True)
class ScreenData:
    """Everything on the screen except the map, read in one go so all panels show the same instant."""

    as_of: datetime
    headline: Headline
    latest_cases: pd.DataFrame  # number, category, grid, reported_at (local), status
    latest_whistles: pd.DataFrame  # department, number, category, whistled_at (local), card
    ranking: (
        pd.DataFrame
    )  # department, report_in_on_time_rate, closure_rate, satisfaction_rate, whistled, score
    trend: pd.DataFrame  # day (local date), received, closed
    category_mix: pd.DataFrame  # category_class (None: other / uncategorised), cases
    problems: pd.DataFrame  # kind (candidate | bundle), category, cases, grids


@dataclass(frozen=True)
class ScreenMap:
    """The map's live layers. ``layout_id`` None: no grid layout loaded yet. ``shapes``: what the screen's
    view shows (its grids, or a city's streets or districts: ``shapes.level``), ``open_by_grid`` their open
    cases by id (grid ids, or street or district ids for a city)."""

    layout_id: int | None
    bounds: tuple[float, float, float, float] | None
    open_by_grid: dict[int, int]
    cases: pd.DataFrame  # lon, lat (5 decimals), status, card, fresh
    shapes: Shapes | None = None


def local_day_start(now: datetime) -> datetime:
    """Local midnight of ``now``'s day, as an aware datetime (comparable with the UTC columns)."""
    return now.astimezone(_ZONE).replace(hour=0, minute=0, second=0, microsecond=0)


def local_month_start(now: datetime) -> datetime:
    return local_day_start(now).replace(day=1)


def headline(session: Session, now: datetime, settings: ScreenSettings = ScreenSettings(), *,
             actor: Actor) -> Headline:
    """The big tiles: volumes from the tallies (else geo.read.overview), rates from geo.read.metrics over the
    window, cards now."""
    until, d = now + _TICK, settings.district_id
    today, month, open_now = _volumes(session, now, d, actor)
    window = metrics(session, "district", now, now - timedelta(days=settings.window_days), until, actor=actor,
                     district_id=d, with_percentiles=False)  # the tiles show rates, never durations
    rates = window.iloc[0] if len(window) else None

    def rate(name: str) -> float | None:
        return None if rates is None or pd.isna(rates[name]) else float(rates[name])

    yellow, red, discipline = cards_now(session, now, settings.district_id)
    return Headline(
        today,
        month,
        open_now,
        rate("closure_rate"),
        rate("satisfaction_rate"),
        rate("report_in_on_time_rate"),
        yellow,
        red,
        discipline,
    )


def _volumes(session: Session, now: datetime, district_id: int | None, actor: Actor) -> tuple[int, int, int]:
    """(received today, received this month, open now). The tallies give them in two small reads; through
    geo.read.overview each would also count the clock-dependent figures (overdue, cards) the tiles do not
    show — over every open case of a city for "open now"."""
    require(actor, "view_district_metrics")
    d = figures_district(actor, district_id)
    received = tally_metrics.received_since(session, now, (local_day_start(now), local_month_start(now)), d)
    open_ = tally_metrics.open_now(session, now, d)
    if received is not None and open_ is not None:
        return received[0], received[1], open_
    until = now + _TICK
    return (area_kpis(session, now, d, local_day_start(now), until, actor=actor).received,
            area_kpis(session, now, d, local_month_start(now), until, actor=actor).received,
            area_kpis(session, now, d, None, until, actor=actor).open)


def _pending(session: Session, now: datetime):
    """A dispatch whistled by ``now`` and not reported in as of ``now``, on a case still open (when the tallies
    serve ``now`` no report-in comes after it: the indexed form)."""
    live = tally_metrics.plan(session, "district", now, None, None) is not None
    return and_(rules.waiting_now(now) if live else rules.waiting_for_report_in(now), rules.is_open())


def cards_now(session: Session, now: datetime, district_id: int | None = None) -> tuple[int, int, int]:
    """(yellow, red, discipline): dispatches still waiting for a report-in, by the card they show now. Unlike
    geo.read.metrics' card counts (lateness, kept after the report-in), these are the ones someone must chase."""
    elapsed = rules.elapsed_seconds(backend(session.get_bind().dialect.name), now)
    row = session.execute(
        select(*(count_if(rules.in_card(elapsed, card)) for card in rules.CARDS))
        .select_from(CaseDispatch)
        .join(Case, Case.id == CaseDispatch.case_id)
        .where(_pending(session, now), area_condition(district_id))
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _local(values) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype=object), utc=True).dt.tz_convert(LOCAL_TZ)


def latest_cases(session: Session, now: datetime, limit: int = 8, district_id: int | None = None) -> pd.DataFrame:
    """The newest cases (number, category, grid code, local time, status), newest first."""
    rows = session.execute(
        select(Case.number, Category.name, Grid.code, Case.reported_at, Case.status)
        .outerjoin(Category, Category.id == Case.category_id)
        .outerjoin(Grid, Grid.id == Case.grid_id)
        .where(Case.reported_at <= now, is_counted(), area_condition(district_id))
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .limit(limit)
    ).all()
    frame = pd.DataFrame(rows, columns=["number", "category", "grid", "reported_at", "status"])
    return frame.assign(reported_at=_local(frame["reported_at"]))


def latest_whistles(session: Session, now: datetime, limit: int = 6, district_id: int | None = None) -> pd.DataFrame:
    """The newest dispatches (department, case number, category, local time) with their card as of now."""
    rows = session.execute(
        select(
            func.coalesce(func.nullif(Department.short_name, ""), Department.name),
            Case.number,
            Category.name,
            CaseDispatch.whistled_at,
            rules.card_of(rules.elapsed_seconds(backend(session.get_bind().dialect.name), now)),
        )
        .select_from(CaseDispatch)
        .join(Case, Case.id == CaseDispatch.case_id)
        .join(Department, Department.id == CaseDispatch.department_id)
        .outerjoin(Category, Category.id == Case.category_id)
        .where(CaseDispatch.whistled_at <= now, area_condition(district_id))
        .order_by(CaseDispatch.whistled_at.desc(), CaseDispatch.id.desc())
        .limit(limit)
    ).all()
    frame = pd.DataFrame(rows, columns=["department", "number", "category", "whistled_at", "card"])
    return frame.assign(whistled_at=_local(frame["whistled_at"]), card=frame["card"].astype(str))


def department_ranking(
    session: Session, now: datetime, settings: ScreenSettings = ScreenSettings(), *, actor: Actor
) -> pd.DataFrame:
    """Departments best first over the window by the mean Wilson lower bound (geo.read.metrics) of report-in on
    time, closure and satisfaction: a department with two cases cannot top departments with hundreds."""
    table = metrics(session, "department", now, now - timedelta(days=settings.window_days), now + _TICK,
                    actor=actor, district_id=settings.district_id, with_percentiles=False)  # rates only
    parts = [
        wilson_lower_bound(table[s], table[n])
        for s, n in (RATES[r] for r in ("report_in_on_time_rate", "closure_rate", "satisfaction_rate"))
    ]
    names = dict(
        session.execute(
            select(Department.id, func.coalesce(func.nullif(Department.short_name, ""), Department.name))
        ).all()
    )
    scored = table.assign(score=sum(parts) / len(parts), department=table["key"].map(names))
    scored = scored.sort_values(["score", "whistled"], ascending=[False, False])
    columns = [
        "department",
        "report_in_on_time_rate",
        "closure_rate",
        "satisfaction_rate",
        "whistled",
        "score",
    ]
    return scored[columns].head(settings.ranking_rows).reset_index(drop=True)


def daily_trend(session: Session, now: datetime, days: int = 30, district_id: int | None = None) -> pd.DataFrame:
    """Cases received and closed per local day over the last ``days`` days (today included).

    Bucketed in pandas, not SQL: a local-date expression differs per backend (julianday/strftime vs
    AT TIME ZONE) and belongs in geo/storage; the window holds a few thousand timestamps at most."""
    first, area = local_day_start(now) - timedelta(days=days - 1), area_condition(district_id)
    index = pd.Index([(first + timedelta(days=i)).date() for i in range(days)], name="day")
    plan = tally_metrics.plan(session, "district", now, first, now + _TICK)
    if plan is not None and plan.whole and not plan.edges:  # every day whole: the tallies hold it
        tallied = tally_metrics.day_counts(session, plan, district_id)
        return tallied.reindex(index, fill_value=0).astype(int).reset_index()
    received = session.scalars(
        select(Case.reported_at).where(Case.reported_at >= first, Case.reported_at <= now, is_counted(), area)
    )
    closed = session.scalars(select(Case.closed_at).where(Case.closed_at >= first, Case.closed_at <= now, is_counted(),
                                                          area))

    def per_day(values) -> pd.Series:
        dates = _local(list(values)).dt.date
        return dates.value_counts().reindex(index, fill_value=0).astype(int)

    return pd.DataFrame({"received": per_day(received), "closed": per_day(closed)}).reset_index()


def category_mix(
    session: Session, now: datetime, settings: ScreenSettings = ScreenSettings()
) -> pd.DataFrame:
    """Cases per category class over the window, largest first; the tail past ``category_rows`` - 1 classes
    and uncategorised cases are summed in one row with class None."""
    start, end, d = now - timedelta(days=settings.window_days), now + _TICK, settings.district_id
    plan = tally_metrics.plan(session, "district", now, start, end)
    if plan is None:
        frame = _classes(session, start, end, d)
    else:  # whole days from the tallies, the partial first day from the cases
        parts = [_classes(session, a, b, d) for a, b in plan.edges]
        if plan.whole:
            parts.append(tally_metrics.class_counts(session, plan, d))
        frame = (pd.concat(parts, ignore_index=True)
                 .groupby("category_class", dropna=False, as_index=False)["cases"].sum())
    frame = frame.sort_values("cases", ascending=False, kind="stable").reset_index(drop=True)
    named = frame[frame["category_class"].notna()]
    if len(named) <= settings.category_rows and len(named) == len(frame):
        return frame.reset_index(drop=True)
    head = named.head(settings.category_rows - 1)
    rest = int(frame["cases"].sum() - head["cases"].sum())
    return pd.concat([head, pd.DataFrame({"category_class": [None], "cases": [rest]})], ignore_index=True)


def _classes(session: Session, start: datetime, end: datetime, district_id: int | None) -> pd.DataFrame:
    """Cases reported in [start, end) per category class (None: uncategorised), counted from the cases."""
    rows = session.execute(
        select(Category.class_name, func.count()).select_from(Case).outerjoin(Category, Category.id == Case.category_id)
        .where(Case.reported_at >= start, Case.reported_at < end, is_counted(), area_condition(district_id))
        .group_by(Category.class_name)
    ).all()
    return pd.DataFrame(rows, columns=["category_class", "cases"])


def screen_data(session: Session, now: datetime, settings: ScreenSettings = ScreenSettings(), *,
                actor: Actor) -> ScreenData:
    """All panels but the map, as of ``now``: the city's, or the district of ``settings`` (a bound actor:
    its own)."""
    require(actor, "view_district_metrics")
    settings = _for(actor, settings)
    d = settings.district_id
    engine = session.get_bind()
    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = pool.submit(_apart, engine, common_problems, now, settings.problem_rows, d)
        ranking = pool.submit(_apart, engine, department_ranking, now, settings, actor=actor)
        return ScreenData(
            as_of=now,
            headline=headline(session, now, settings, actor=actor),
            latest_cases=latest_cases(session, now, settings.feed_rows, d),
            latest_whistles=latest_whistles(session, now, settings.whistle_rows, d),
            ranking=ranking.result(),
            trend=daily_trend(session, now, settings.window_days, d),
            category_mix=category_mix(session, now, settings),
            problems=problems.result(),
        )


def _apart(engine, read, *args, **kwargs):
    """``read`` on a session of its own, alongside the other panels: the ranking and a district's clustering
    are the two longest reads, and on two cores they overlap with the rest (clustering is Python work, the
    others mostly wait on the database). They read committed data (the screen never shows the caller's
    uncommitted writes)."""
    with Session(engine) as session:
        return read(session, *args, **kwargs)


def _for(actor: Actor, settings: ScreenSettings) -> ScreenSettings:
    """The settings with the district the actor may see (its own when bound)."""
    return replace(settings, district_id=figures_district(actor, settings.district_id))


def live_cases(session: Session, now: datetime, settings: ScreenSettings = ScreenSettings()) -> pd.DataFrame:
    """Open cases to draw (newest first, at most ``map_cases``): position rounded to ~1 m, status, the worst
    card among its dispatches still waiting for a report-in, and whether it is fresh (pulses)."""
    card = rules.worst_card(backend(session.get_bind().dialect.name), now, rules.waiting_for_report_in(now))
    rows = session.execute(
        select(Case.lon, Case.lat, Case.status, Case.reported_at, card)
        .where(rules.is_open(), Case.lon.is_not(None), Case.lat.is_not(None), Case.reported_at <= now,
               area_condition(settings.district_id))
        .order_by(Case.reported_at.desc(), Case.id.desc())
        .limit(settings.map_cases)
    ).all()
    frame = pd.DataFrame(rows, columns=["lon", "lat", "status", "reported_at", "card"])
    fresh = pd.to_datetime(frame["reported_at"], utc=True) >= pd.Timestamp(
        now - timedelta(hours=settings.fresh_hours)
    )
    return pd.DataFrame(
        {
            "lon": frame["lon"].astype(float).round(5),
            "lat": frame["lat"].astype(float).round(5),
            "status": frame["status"],
            "card": frame["card"].astype(str),
            "fresh": fresh.astype(bool),
        }
    )


def screen_map(session: Session, now: datetime, settings: ScreenSettings = ScreenSettings(), *,
               actor: Actor) -> ScreenMap:
    """The map's layers as of ``now``: open load per grid of the active layout, and the live cases (the
    city's, or one district's)."""
    require(actor, "view_district_metrics")
    settings = _for(actor, settings)
    try:
        layout = active_layout(session)
    except NoActiveLayout:
        return ScreenMap(None, None, {}, live_cases(session, now, settings))
    bounds = area_bounds(session, layout.id, settings.district_id)
    shapes = shapes_in_view(session, layout.id, fitting_view(bounds, *MAP_PIXELS), district_id=settings.district_id)
    return ScreenMap(
        layout.id,
        bounds,
        open_cases_by_area(session, layout.id, shapes.level, settings.district_id, now, actor=actor),
        live_cases(session, now, settings),
        shapes,
    )
