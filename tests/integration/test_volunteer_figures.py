"""Figures on community forces, on both backends: coverage per grid within 500 m, tasks per community with
their response time, the month's ranking per street (masked names), and the wall's counts without names."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from geo.db.media_store import FileMediaStore
from geo.db.models import VolunteerTask
from geo.domain.actors import Actor
from geo.domain.permissions import NotAllowed
from geo.domain.vocabulary import Role
from geo.domain.volunteer_points import PointsRule
from geo.read.volunteer_figures import (
    grid_coverage,
    screen_counts,
    street_ranking,
    task_rows,
    tasks_by,
    volunteer_month,
)
from geo.usecases.volunteer_completion import Completion, complete
from geo.usecases.volunteer_tasks import TaskDraft, assign_volunteers, publish_task
from tests.integration.factories import T0
from tests.integration.volunteer_fixtures import SUPERVISOR, WINDOW, make_forces

NOW = T0 + timedelta(minutes=30)
ANALYST = Actor("分析员", Role.ANALYST)


@pytest.fixture
def forces(db, tmp_path):
    forces = make_forces(db)
    draft = TaskDraft(kind="case", title="清理楼道飞线", starts_at=WINDOW[0], ends_at=WINDOW[1], headcount=2,
                      case_id=forces.case_id)
    number = publish_task(db, draft, forces.community, NOW)
    with db.session() as s:
        task_id = s.scalar(select(VolunteerTask.id).where(VolunteerTask.number == number))
    assign_volunteers(db, task_id, [forces.ids["近"], forces.ids["中"]], forces.community, NOW + timedelta(hours=2))
    for who in ("近", "中"):
        complete(db, FileMediaStore(tmp_path), task_id, Completion(volunteer_id=forces.ids[who]), forces.community,
                 NOW + timedelta(hours=4), PointsRule())
    return forces


def test_coverage_counts_volunteers_living_within_500_m_of_each_grid(forces):
    with forces.db.session() as s:
        coverage = grid_coverage(s, ANALYST).set_index("code")["volunteers"].to_dict()
        own = grid_coverage(s, forces.other_community)
    # G1 and G2 are 85 m wide side by side; G3 lies 170 m east of G2 and 255 m of G1.
    assert coverage == {"G1": 4, "G2": 4, "G3": 4}
    assert own["code"].tolist() == ["G3"]  # a community sees its own grids
    with forces.db.session() as s:
        # within 50 m: G1 holds 近 and 中 is 43 m off its edge; G2 only 中; G3 holds 邻, 远 is 8.5 m off it.
        assert grid_coverage(s, ANALYST, radius_m=50)["volunteers"].tolist() == [2, 1, 2]


def test_tasks_per_community_with_response_and_completion_time(forces):
    with forces.db.session() as s:
        rows = task_rows(s, SUPERVISOR, T0 - timedelta(days=1), T0 + timedelta(days=1))
    table = tasks_by(rows, "community").iloc[0]
    assert (table["community"], table["published"], table["done"], table["open"], table["turns"]) == \
        ("社区1", 1, 1, 0, 2)
    assert (table["response_h_median"], table["done_h_median"]) == (2.0, 4.0)


def test_the_monthly_ranking_per_street_masks_names(forces):
    with forces.db.session() as s:
        ranking = street_ranking(s, SUPERVISOR, T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert ranking[["street", "rank", "volunteer", "points"]].values.tolist() == [
        ["街道1", 1, "近*", 20], ["街道1", 2, "中*", 20]]  # equal points: the one registered first


def test_the_month_for_the_report_holds_every_street_with_its_volunteers(forces):
    with forces.db.session() as s:
        month = volunteer_month(s, 2026, 3, SUPERVISOR)
    streets = month.streets.set_index("street")
    assert streets.loc["街道1", ["volunteers", "published", "done", "points"]].tolist() == [3, 1, 1, 40]
    assert streets.loc["街道2", ["volunteers", "published"]].tolist() == [1, 0]


def test_the_wall_gets_counts_only_and_only_with_district_rights(forces):
    with forces.db.session() as s:
        counts = screen_counts(s, NOW + timedelta(hours=5), Actor("kiosk:大屏", Role.SCREEN))
        with pytest.raises(NotAllowed):
            screen_counts(s, NOW, forces.community)
    assert vars(counts) == {"volunteers": 4, "serving": 2, "tasks_open": 0, "tasks_done": 1, "turns": 2,
                            "points": 40}


def test_the_monthly_report_carries_the_month_of_community_forces(forces):
    import io

    from openpyxl import load_workbook

    from loaders.exports import monthly_report_file

    with forces.db.session() as s:
        book = load_workbook(io.BytesIO(monthly_report_file(s, 2026, 3, NOW + timedelta(days=1), SUPERVISOR)))
    rows = [r for r in book["热心人"].iter_rows(values_only=True)]
    assert rows[0][0] == "热心人（社区力量）" and "3 个网格中 0 个 500 米内没有热心人" in rows[1][0]
    first = rows.index(("街道", "在册热心人", "发布任务", "进行中", "已完成", "服务人次", "响应时长中位数（小时）",
                        "完成时长中位数（小时）", "服务积分"))
    assert rows[first + 1][:5] == ("街道1", 3, 1, 0, 1) and rows[first + 1][-1] == 40
    assert rows[first + 2][:3] == ("街道2", 1, 0)


def test_a_city_report_lists_only_its_least_covered_grids_and_says_how_many_there_are(forces, monkeypatch):
    import io

    from openpyxl import load_workbook

    import loaders.volunteer_exports
    from loaders.exports import monthly_report_file

    monkeypatch.setattr(loaders.volunteer_exports, "COVERAGE_ROWS", 2)  # as a city's 40,000 grids against 1,000
    with forces.db.session() as s:
        book = load_workbook(io.BytesIO(monthly_report_file(s, 2026, 3, NOW + timedelta(days=1), SUPERVISOR)))
    rows = [r for r in book["热心人"].iter_rows(values_only=True)]
    assert "3 个网格中 0 个 500 米内没有热心人" in rows[1][0]  # the summary still counts every grid
    title = next(i for i, r in enumerate(rows) if str(r[0]).startswith("各网格覆盖"))
    assert rows[title][0] == "各网格覆盖（最少的 2 个，共 3 个）"
    assert rows[title + 1][:4] == ("网格编码", "网格", "社区", "500 米内热心人")
    assert len([r for r in rows[title + 2:] if r[0] is not None]) == 2
