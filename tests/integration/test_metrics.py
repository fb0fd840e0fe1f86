"""Metrics on a tiny hand-made district whose figures can be checked by eye, on every backend."""

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from geo.db.models import CaseDispatch
from geo.domain.actors import SYSTEM
from geo.domain.vocabulary import Rating, Status
from geo.read.metrics import metrics, rank, wilson_lower_bound
from tests.integration.factories import (
    STEP,
    T0,
    X0,
    Y0,
    add_case,
    add_departments_and_category,
    add_layout,
    square,
)

H = timedelta(hours=1)
NOW = T0 + timedelta(days=10)


@pytest.fixture
def figures(db):
    """Grid A: 4 cases with a 2 h deadline for the answer (2 answered on time and closed — one of them only
    verified and closed a day later —, 1 answered and closed late, 1 open overdue); grid B: 1 rejected case.
    Dispatches to SZ reported in after 0.5 h, 2 h and 5 h, one never (→ discipline by NOW)."""
    with db.transaction() as s:
        _, grids = add_layout(s, {"A": square(0, 0), "B": square(1, 0)})
        departments, category = add_departments_and_category(s)
        sz = departments["SZ"].id
        spec = [  # (grid, status, answered after, closed after, rating, report-in after)
            ("A", Status.RATED, 0.8 * H, 1 * H, Rating.SATISFIED, 0.5 * H),
            ("A", Status.CLOSED, 1.5 * H, 26 * H, None, 2 * H),
            ("A", Status.RATED, 28 * H, 30 * H, Rating.UNSATISFIED, 5 * H),
            ("A", Status.WHISTLED, None, None, None, None),
            ("B", Status.REJECTED, None, None, None, None),
        ]
        for i, (grid, status, answered, closed, rating, report_in) in enumerate(spec):
            case = add_case(s, category, number=f"C{i}", lon=X0 + (0.5 if grid == "A" else 1.5) * STEP,
                            lat=Y0 + 0.5 * STEP)
            case.grid_id, case.status, case.deadline = grids[grid].id, status, T0 + 2 * H
            case.closed_at = T0 + closed if closed else None
            case.answered_at = T0 + answered if answered else None
            case.tier = "lead_department" if status != Status.REJECTED else None
            case.rating, case.rework_count = (str(rating) if rating else None), int(rating == Rating.UNSATISFIED)
            if status != Status.REJECTED:
                s.add(CaseDispatch(case_id=case.id, department_id=sz, role="lead", whistled_at=T0,
                                   reported_in_at=T0 + report_in if report_in else None))
    return db


def by_key(db, dimension):
    with db.session() as s:
        return metrics(s, dimension, NOW, actor=SYSTEM).set_index("label")


def test_grid_figures_match_the_hand_count(figures):
    a = by_key(figures, "grid").loc["A"]
    assert (a.received, a.open, a.overdue, a.closed, a.due, a.closed_on_time) == (4, 1, 1, 3, 4, 2)
    assert (a.closure_rate, a.on_time_closure_rate) == (0.75, 0.5)
    assert (a.answered_on_time, a.on_time_answer_rate) == (2, 0.5)
    assert (a.rated, a.satisfied, a.satisfaction_rate) == (2, 1, 0.5)
    assert (a.yellow, a.red, a.discipline, a.reported_in_on_time) == (1, 1, 1, 1)
    assert a.report_in_on_time_rate == 0.25


def test_a_rejected_case_is_received_but_not_due(figures):
    b = by_key(figures, "grid").loc["B"]
    assert (b.received, b.due, b.whistled) == (1, 0, 0)
    assert np.isnan(b.closure_rate)


def test_percentiles_in_sql_equal_numpy_linear_percentiles(figures):
    sz = by_key(figures, "department").loc["市政公用事业服务中心"]
    assert sz.report_in_h_median == pytest.approx(np.percentile([0.5, 2, 5], 50))
    assert sz.report_in_h_p90 == pytest.approx(np.percentile([0.5, 2, 5], 90))
    assert sz.close_h_p90 == pytest.approx(np.percentile([1, 26, 30], 90))


def test_district_totals_add_up_over_grids(figures):
    district = by_key(figures, "district").iloc[0]
    grids = by_key(figures, "grid")
    assert district.received == grids.received.sum() == 5


def test_an_unknown_dimension_is_refused(figures):
    with figures.session() as s, pytest.raises(ValueError, match="unknown dimension 'planet'"):
        metrics(s, "planet", NOW, actor=SYSTEM)


def test_a_department_with_two_perfect_cases_does_not_top_the_ranking():
    table = pd.DataFrame({"label": ["tiny", "big"], "ok": [2, 95], "n": [2, 100]})
    assert rank(table, "ok", "n")["label"].tolist() == ["big", "tiny"]
    assert wilson_lower_bound(pd.Series([2]), pd.Series([2]))[0] == pytest.approx(0.342, abs=0.001)


def test_district_figures_need_an_actor_allowed_them(figures):
    from geo.domain.actors import Actor
    from geo.domain.permissions import NotAllowed
    from geo.domain.vocabulary import Role

    with figures.session() as s, pytest.raises(NotAllowed, match="view district metrics"):
        metrics(s, "department", NOW, actor=Actor("某部门", Role.DEPARTMENT, department_id=1))


def test_a_bound_roles_kpis_count_only_its_own_cases(figures):
    from geo.domain.actors import Actor
    from geo.domain.vocabulary import Role
    from geo.read.overview import district_kpis

    with figures.session() as s:
        everyone = district_kpis(s, NOW, actor=SYSTEM).received
        nobody = district_kpis(s, NOW, actor=Actor("网格员", Role.GRID_MEMBER, grid_codes={"none"})).received
    assert everyone > 0 and nobody == 0
