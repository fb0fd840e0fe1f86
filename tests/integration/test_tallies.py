"""The tallies equal a recount from the raw cases after a random mix of case actions, merged duplicates, an
import and a re-cut, and every figure read through them equals the figure counted from the cases — on every
backend.

Two districts (X: street A, grids G1 G2; Y: street B, grids G3 G4) with one line department and one office
per street; 40 cases reported over 40 days, 5 imported, 250 random actions by the roles allowed to take them
around a re-cut, and up to 3 open cases not yet whistled merged into others (geo.db.rules.is_counted: a
merged duplicate is in no figure, so in no tally).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import shapely
from sqlalchemy import select

from geo.db.models import Case, CaseDispatch, Category, Community, Department, District, GridLayout, Street
from geo.domain.actors import SYSTEM, Actor
from geo.domain.vocabulary import Rating, Role, Source, Tier
from geo.domain.workflow import TRANSITIONS, WorkflowError, actions_for
from geo.read import tally_metrics
from geo.read.analysis_filters import window_for_days
from geo.read.load_service import department_trend
from geo.read.metrics import DIMENSIONS, metrics
from geo.read.overview import open_cases_by_area
from geo.read.screen import category_mix, daily_trend, headline
from geo.usecases import tallies
from geo.usecases.case_actions import perform
from geo.usecases.duplicates import merge_case
from geo.usecases.intake import NewCase, report_case
from geo.usecases.layouts import create_layout
from geo.usecases.recut import apply_regrid
from tests.integration.factories import STEP, X0, Y0, add_layout, square

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SUPERVISOR = Actor("值班长", Role.SUPERVISOR)
RNG_SEED = 16


def _area(model, code, cells, **kw):
    area = model(code=code, name=f"{code}名", **kw)
    area.set_geometry(shapely.MultiPolygon([square(*c) for c in cells]))
    return area


@pytest.fixture
def world(db):
    with db.transaction() as s:
        x, y = _area(District, "X", [(0, 0), (1, 0)]), _area(District, "Y", [(2, 0), (3, 0)])
        s.add_all([x, y])
        s.flush()
        a, b = _area(Street, "A", [(0, 0), (1, 0)], district_id=x.id), _area(Street, "B", [(2, 0), (3, 0)],
                                                                              district_id=y.id)
        s.add_all([a, b])
        s.flush()
        a1, b1 = _area(Community, "A1", [(0, 0), (1, 0)], street_id=a.id), _area(Community, "B1", [(2, 0), (3, 0)],
                                                                                 street_id=b.id)
        s.add_all([a1, b1])
        s.flush()
        _, grids = add_layout(s, {f"G{i + 1}": square(i, 0) for i in range(4)})
        for i, grid in enumerate(grids.values()):
            grid.community_id, grid.member_name = (a1.id if i < 2 else b1.id), f"员{i % 3}"
        line = Department(code="CGJ", name="城管局")
        offices = [Department(code=f"STREET_{st.code}", name=f"{st.code}办", street_id=st.id) for st in (a, b)]
        s.add_all([line, *offices])
        s.flush()
        categories = [Category(code=f"C{k}", name=f"类{k}", class_code=f"K{k % 2}", class_name=f"大类{k % 2}",
                               lead_department_id=line.id, time_limit=2 + k, time_unit="working_hours",
                               routing_rule="owner") for k in range(3)]
        s.add_all(categories)
        s.flush()
        tallies.rebuild(s)  # tallies kept from here on
    return db


def _report(db, rng: random.Random, n: int) -> None:
    with db.transaction() as s:
        categories = s.scalars(select(Category.id)).all()
        for k in range(n):
            at = T0 + timedelta(days=rng.uniform(0, 40))
            lon, lat = X0 + rng.uniform(0.05, 3.95) * STEP, Y0 + rng.uniform(0.05, 0.95) * STEP
            if k % 17 == 0:
                lon = X0 + 9 * STEP  # outside every grid: the unassigned queue
            report_case(s, NewCase(lon=lon, lat=lat, source=Source.HOTLINE, category_id=rng.choice(categories),
                                   description="x", reported_at=at, number=f"N{k:04d}"), SUPERVISOR)


def _params(action: str, rng: random.Random, departments: list[int], categories: list[int]) -> dict:
    kinds = {p.name for p in TRANSITIONS[action].params}
    params = {}
    if "tier" in kinds:
        params["tier"] = rng.choice([Tier.COMMUNITY, Tier.LEAD_DEPARTMENT])
    if "lead_department_id" in kinds:
        params["lead_department_id"] = rng.choice(departments)
        params["co_department_ids"] = [d for d in departments if d != params["lead_department_id"]][:rng.randint(0, 1)]
    if "rating" in kinds:
        params["rating"] = rng.choice(list(Rating))
    if "category_id" in kinds:
        params["category_id"] = rng.choice(categories)
    for text in ("reason", "note"):
        if text in kinds:
            params[text] = "随机"
    return params


def _act(db, rng: random.Random, steps: int, start: datetime) -> None:
    """``steps`` random actions, each by a role allowed to take it, at increasing times."""
    now = start
    for _ in range(steps):
        now += timedelta(minutes=rng.randint(10, 600))
        with db.transaction() as s:
            case = s.get(Case, rng.choice(s.scalars(select(Case.id)).all()))
            dispatches = s.scalars(select(CaseDispatch).where(CaseDispatch.case_id == case.id)).all()
            actor = SUPERVISOR
            actions = actions_for(case.status, Role.SUPERVISOR)
            if dispatches and rng.random() < 0.5:
                dispatch = rng.choice(dispatches)
                actor = Actor("部门", Role.DEPARTMENT, department_id=dispatch.department_id)
                actions = actions_for(case.status, Role.DEPARTMENT)
            if not actions:
                continue
            action = rng.choice(actions)
            departments = s.scalars(select(Department.id)).all()
            params = _params(action, rng, departments, s.scalars(select(Category.id)).all())
            try:
                perform(s, case.id, action, actor, case.version, now, **params)
            except WorkflowError:
                s.rollback()


def _merge(db, rng: random.Random, n: int, now: datetime) -> int:
    """Up to ``n`` open cases not yet whistled merged into another open case; how many were merged."""
    merged = 0
    for _ in range(n):
        with db.transaction() as s:
            candidates = s.scalars(select(Case).where(Case.status.in_(["reported", "accepted"]))
                                   .order_by(Case.id)).all()
            duplicates = [c for c in candidates if not c.dispatches]
            if len(duplicates) < 2:
                break
            duplicate, into = rng.sample(duplicates, 2)
            merge_case(s, duplicate.id, into.id, SUPERVISOR, duplicate.version, now)
            merged += 1
    return merged


def _table(db, model) -> pd.DataFrame:
    with db.session() as s:
        result = s.execute(select(model))
        rows = [{c.name: getattr(r, c.key) for c in model.__table__.columns} for r in result.scalars()]
    frame = pd.DataFrame(rows)
    keys = [c.name for c in model.__table__.primary_key.columns]
    return frame.sort_values(keys).reset_index(drop=True) if len(frame) else frame


def _recounted(db) -> dict[str, pd.DataFrame]:
    """Every tally as kept, then as a rebuild from the cases counts it (the rebuild rolled back)."""
    from geo.db import tallies as definitions

    kept = {m.__tablename__: _table(db, m) for m in definitions.TABLES}
    with db.transaction() as s:
        tallies.rebuild(s)
    rebuilt = {m.__tablename__: _table(db, m) for m in definitions.TABLES}
    return kept, rebuilt


def _figures_agree(db, now: datetime) -> None:
    windows = [(None, None), (window_for_days(date(2026, 3, 5), date(2026, 4, 2)).start,
                              window_for_days(date(2026, 3, 5), date(2026, 4, 2)).end),
               (T0 + timedelta(days=3, hours=5), T0 + timedelta(days=38, hours=2))]
    with db.session() as s:
        assert tally_metrics.plan(s, "grid", now, None, None) is not None  # the tallies do serve
        for dimension in DIMENSIONS:
            for start, end in windows:
                for district in (None, s.scalar(select(District.id).where(District.code == "Y"))):
                    tallied = metrics(s, dimension, now, start, end, actor=SYSTEM, district_id=district,
                                      with_percentiles=False)
                    counted = _without_tallies(lambda: metrics(s, dimension, now, start, end, actor=SYSTEM, district_id=district,
                                                               with_percentiles=False))
                    pd.testing.assert_frame_equal(tallied, counted, check_dtype=False)
        trend = window_for_days(date(2026, 3, 1), date(2026, 4, 30))
        for read in (lambda: department_trend(s, now, trend, actor=SUPERVISOR), lambda: daily_trend(s, now, 60),
                     lambda: category_mix(s, now)):
            pd.testing.assert_frame_equal(read(), _without_tallies(read), check_dtype=False)
        assert headline(s, now, actor=SYSTEM) == _without_tallies(lambda: headline(s, now, actor=SYSTEM))
        layout = s.scalar(select(GridLayout.id).where(GridLayout.is_active.is_(True)))
        for level in ("grid", "street", "district"):
            assert (open_cases_by_area(s, layout, level, None, now, actor=SYSTEM)
                    == open_cases_by_area(s, layout, level, actor=SYSTEM))


def _without_tallies(read):
    plan = tally_metrics.plan
    tally_metrics.plan = lambda *args, **kwargs: None
    try:
        return read()
    finally:
        tally_metrics.plan = plan


def test_tallies_equal_a_recount_after_actions_an_import_and_a_recut(world):
    rng = random.Random(RNG_SEED)
    _report(world, rng, 40)
    _act(world, rng, 150, T0 + timedelta(days=1))
    merged = _merge(world, rng, 3, T0 + timedelta(days=41))
    _import(world, rng)
    _recut_layout(world)
    _act(world, rng, 100, T0 + timedelta(days=46))
    kept, rebuilt = _recounted(world)
    for name in kept:
        pd.testing.assert_frame_equal(kept[name], rebuilt[name], check_dtype=False, obj=name)
    assert merged > 0 and kept["tally_days"]["received"].sum() == 40 + 5 - merged
    _figures_agree(world, T0 + timedelta(days=120))


def test_a_case_action_recounts_only_its_rows_and_changes_them(world):
    rng = random.Random(RNG_SEED)
    _report(world, rng, 5)
    before = _table(world, tally_metrics.TallyDay)
    with world.transaction() as s:
        case = s.scalars(select(Case).where(Case.grid_id.is_not(None)).order_by(Case.id)).first()
        perform(s, case.id, "accept", SUPERVISOR, case.version, T0 + timedelta(days=41), tier=Tier.COMMUNITY)
    after = _table(world, tally_metrics.TallyDay)
    assert int(after["open"].sum()) == int(before["open"].sum())  # accepted is still open
    assert after["received"].sum() == before["received"].sum() == 5


def _import(db, rng: random.Random) -> None:
    from geo.usecases.bulk_intake import place_cases, report_cases_bulk

    lon = X0 + np.array([rng.uniform(0.1, 3.9) for _ in range(5)]) * STEP
    lat = Y0 + np.full(5, 0.5) * STEP
    reported = pd.Series([T0 + timedelta(days=rng.uniform(0, 40)) for _ in range(5)])
    closed = reported.where([True, False, True, False, False]) + timedelta(days=2)  # two arrive closed
    cases = pd.DataFrame({"source_ref": [f"R{k}" for k in range(5)], "category_id": [None] * 5,
                          "description": "导入", "source": str(Source.HOTLINE), "reporter_name": "",
                          "reporter_phone": "", "address": "", "reported_at": reported, "closed_at": closed,
                          "status": ["closed", "reported", "closed", "reported", "reported"],
                          "rejected_at": pd.Series(pd.NaT, index=range(5), dtype="datetime64[ns, UTC]"),
                          "rated_at": pd.Series(pd.NaT, index=range(5), dtype="datetime64[ns, UTC]")})
    with db.transaction() as s:
        placement = place_cases(s, lon, lat, np.full(5, -1))
        report_cases_bulk(s, cases, placement, SUPERVISOR, T0 + timedelta(days=42))


def _recut_layout(db) -> None:
    from geo.db.models import Grid, GridLayout

    with db.transaction() as s:
        communities = s.scalars(select(Community.id).order_by(Community.code)).all()
        layout = create_layout(s, "re-cut")
        for code, cells, community in (("H1", [(0, 0), (1, 0), (2, 0)], communities[0]),
                                       ("H2", [(3, 0)], communities[1])):
            grid = Grid(layout_id=layout.id, code=code, name=code, community_id=community)
            grid.set_geometry(shapely.unary_union([square(*c) for c in cells]))
            s.add(grid)
        s.flush()
        apply_regrid(s, layout.id, SUPERVISOR, T0 + timedelta(days=45))
        assert s.get(GridLayout, layout.id).is_active
