"""Grid load, department load, monthly trend and supervision notices on a hand-made district, on every backend.

Street A holds communities A1 (grids G1, G2, both kept by 张三) and A2 (grid G3, 李四); street B holds community
B1 (grid G4, no case). Department SZ gets 22 whistles (20 reported in on time, one late, one never), CGJ two,
both on time: SZ must rank above CGJ on report-in although CGJ's rate is 100 %.
"""

from datetime import UTC, datetime, timedelta

import pytest
import shapely

from geo.db.models import Case, CaseDispatch, Community, Street
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role, Source, Status
from geo.read.analysis_filters import Window
from geo.read.load_service import department_load, department_trend, grid_load
from geo.read.supervision import monthly_report, notice_counts, notice_documents, notice_reasons
from tests.integration.factories import STEP, T0, X0, Y0, add_departments_and_category, add_layout, square

ANALYST = Actor("分析员", Role.ANALYST)

H = timedelta(hours=1)
NOW = T0 + timedelta(days=40)
WINDOW = Window(T0 - timedelta(days=1), NOW)
MARCH_31_LOCAL_APRIL_1 = datetime(2026, 3, 31, 20, 0, tzinfo=UTC)  # 04:00 on 1 April in Shanghai


def _area(model, code, cells, **kw):
    area = model(code=code, name=code, **kw)
    area.set_geometry(shapely.MultiPolygon([square(*c) for c in cells]))
    return area


def _case(s, number, grid, status, reported_at=T0, deadline=T0 + 4 * H):
    lon, lat = X0 + 0.5 * STEP, Y0 + 0.5 * STEP
    case = Case(number=number, source=Source.HOTLINE, status=status, lon=lon, lat=lat,
                location=shapely.Point(lon, lat), grid_id=grid.id, reported_at=reported_at, deadline=deadline,
                closed_at=reported_at + 2 * H if status == Status.CLOSED else None)
    s.add(case)
    s.flush()
    return case


def _dispatch(s, case, department, role="lead", report_in=0.5 * H, answer=True):
    s.add(CaseDispatch(case_id=case.id, department_id=department.id, role=role, whistled_at=case.reported_at,
                       reported_in_at=case.reported_at + report_in if report_in is not None else None,
                       answered_at=case.reported_at + H if answer and role == "lead" else None))


@pytest.fixture
def district(db):
    with db.transaction() as s:
        a, b = _area(Street, "A", [(0, 0), (1, 0), (2, 0)]), _area(Street, "B", [(3, 0)])
        s.add_all([a, b])
        s.flush()
        a1, a2 = _area(Community, "A1", [(0, 0), (1, 0)], street_id=a.id), _area(Community, "A2", [(2, 0)], street_id=a.id)
        b1 = _area(Community, "B1", [(3, 0)], street_id=b.id)
        s.add_all([a1, a2, b1])
        s.flush()
        _, grids = add_layout(s, {f"G{i + 1}": square(i, 0) for i in range(4)})
        for code, community, member in [("G1", a1, "张三"), ("G2", a1, "张三"), ("G3", a2, "李四"), ("G4", b1, "王五")]:
            grids[code].community_id, grids[code].member_name = community.id, member
        departments, _ = add_departments_and_category(s)
        sz, cgj = departments["SZ"], departments["CGJ"]
        for k in range(20):
            _dispatch(s, _case(s, f"S{k:02d}", grids["G1"], Status.CLOSED), sz, report_in=2 * H if k == 0 else 0.5 * H)
        stuck = _case(s, "STUCK", grids["G2"], Status.WHISTLED)
        _dispatch(s, stuck, sz, report_in=None, answer=False)
        _dispatch(s, stuck, cgj, role="co", report_in=0.2 * H)
        _dispatch(s, _case(s, "C3", grids["G3"], Status.CLOSED), cgj, report_in=0.1 * H)
        _dispatch(s, _case(s, "APR", grids["G3"], Status.CLOSED, reported_at=MARCH_31_LOCAL_APRIL_1), sz)
        ids = {"A": a.id, "B": b.id, "A1": a1.id, "A2": a2.id, "B1": b1.id}
    return db, ids


def test_the_district_level_lists_streets_with_their_totals(district):
    db, ids = district
    with db.session() as s:
        load = grid_load(s, NOW, WINDOW, actor=ANALYST)
    assert load.level == "street"
    streets = load.areas.set_index("name")
    assert (streets.loc["A", "received"], streets.loc["B", "received"]) == (23, 0)
    assert len(load.grids) == 4


def test_a_grid_without_cases_is_listed_with_zeros(district):
    db, _ = district
    with db.session() as s:
        grids = grid_load(s, NOW, WINDOW, actor=ANALYST).grids.set_index("code")
    assert (grids.loc["G4", "received"], grids.loc["G4", "open"]) == (0, 0)
    assert (grids.loc["G2", "open"], grids.loc["G2", "overdue"]) == (1, 1)


def test_drilling_into_a_street_lists_its_communities_and_only_its_grids(district):
    db, ids = district
    with db.session() as s:
        load = grid_load(s, NOW, WINDOW, street_id=ids["A"], actor=ANALYST)
    assert load.level == "community"
    assert sorted(load.areas["name"]) == ["A1", "A2"]
    assert sorted(load.grids["code"]) == ["G1", "G2", "G3"]


def test_drilling_into_a_community_lists_its_grids(district):
    db, ids = district
    with db.session() as s:
        load = grid_load(s, NOW, WINDOW, street_id=ids["A"], community_id=ids["A1"], actor=ANALYST)
    assert load.level == "grid"
    assert sorted(load.areas["code"]) == ["G1", "G2"]


def test_a_grid_member_keeping_two_grids_gets_one_row_with_both(district):
    db, ids = district
    with db.session() as s:
        members = grid_load(s, NOW, WINDOW, street_id=ids["A"], actor=ANALYST).members.set_index("member")
    assert members.loc["张三", "grids"] == "G1、G2"
    assert members.loc["张三", "received"] == 21
    assert set(members.index) == {"张三", "李四"}


def test_an_unknown_street_or_a_community_of_another_street_is_refused(district):
    db, ids = district
    with db.session() as s:
        with pytest.raises(ValueError, match="no street with id 9999"):
            grid_load(s, NOW, WINDOW, street_id=9999, actor=ANALYST)
        with pytest.raises(ValueError, match=f"no community with id {ids['B1']} in street {ids['A']}"):
            grid_load(s, NOW, WINDOW, street_id=ids["A"], community_id=ids["B1"], actor=ANALYST)


def test_a_department_with_two_of_two_on_time_does_not_outrank_twenty_of_twenty_two(district):
    db, _ = district
    with db.session() as s:
        table = department_load(s, NOW, WINDOW, actor=ANALYST).set_index("department")
    sz, cgj = table.loc["市政公用事业服务中心"], table.loc["城市管理局"]
    assert (sz.whistled, sz.reported_in_on_time, cgj.whistled, cgj.reported_in_on_time) == (22, 20, 2, 2)
    assert cgj.report_in_on_time_rate > sz.report_in_on_time_rate
    assert (sz["rank"], cgj["rank"]) == (1, 2)
    assert table.loc["街道办事处", "whistled"] == 0


def test_an_unknown_ranking_is_refused(district):
    with district[0].session() as s, pytest.raises(ValueError, match="ranking must be one of"):
        department_load(s, NOW, WINDOW, ranking="speed", actor=ANALYST)


def test_the_trend_counts_a_case_by_its_local_month(district):
    db, _ = district
    with db.session() as s:
        trend = department_trend(s, NOW, WINDOW, actor=ANALYST)
    sz = trend[trend["department"] == "市政公用事业服务中心"].set_index("month")
    assert list(sz.index) == ["2026-03", "2026-04"]
    assert (sz.loc["2026-03", "whistled"], sz.loc["2026-04", "whistled"]) == (21, 1)
    assert sz.loc["2026-03", "late"] == 2  # the late report-in and the one never reported in


def test_notice_counts_name_the_department_and_count_each_reason(district):
    db, _ = district
    with db.session() as s:
        counts = notice_counts(s, NOW, WINDOW, actor=ANALYST)
    assert counts[["department", "cases", "not_reported_in", "late", "no_answer"]].values.tolist() == [
        ["市政公用事业服务中心", 2, 1, 1, 1]]  # STUCK: not reported in and no answer; S00: late
    rows = {(r.department, r.reason): r.count for r in notice_reasons(counts).itertuples()}
    assert rows == {("市政公用事业服务中心", "not_reported_in"): 1, ("市政公用事业服务中心", "late"): 1,
                    ("市政公用事业服务中心", "no_answer"): 1}


def test_each_department_gets_one_numbered_notice_listing_its_flagged_cases(district):
    db, _ = district
    with db.session() as s:
        notices = notice_documents(s, NOW, WINDOW, actor=ANALYST, first_serial=12)
    assert [(n.serial, n.year, n.department) for n in notices] == [(12, 2026, "市政公用事业服务中心")]
    cases = notices[0].cases
    assert cases["number"].tolist() == ["STUCK", "S00"]  # the worst card first
    assert cases["reasons"].tolist() == [("not_reported_in", "no_answer"), ("late",)]
    assert cases["card"].tolist() == ["discipline", "yellow"]
    with db.session() as s, pytest.raises(ValueError, match="starts at 1"):
        notice_documents(s, NOW, WINDOW, actor=ANALYST, first_serial=0)


def test_a_quiet_window_has_no_notices(district):
    quiet = Window(NOW, NOW + timedelta(days=1))
    with district[0].session() as s:
        assert notice_counts(s, NOW, quiet, actor=ANALYST).empty


def test_the_monthly_report_covers_one_local_month(district):
    with district[0].session() as s:
        report = monthly_report(s, 2026, 4, NOW, actor=ANALYST)
    assert report.district["received"] == 1
    assert report.notices.empty
    assert list(report.streets["label"]) == ["A"]


@pytest.mark.parametrize("days", [365, 31])
def test_notice_counts_agree_with_the_notices_over_the_sample(sample_db, days):
    """The counts (department tallies + the live missing answers) equal the notices' own lists: same
    departments in the same order, same cases and reasons per department — over the sample's year (whole
    tallied days) and a month ending mid-day (edges counted from the cases)."""
    from samples.load import SAMPLE_END

    now = SAMPLE_END - timedelta(hours=5, minutes=7)
    window = Window(now - timedelta(days=days), now)
    with sample_db.session() as s:
        counts = notice_counts(s, now, window, actor=ANALYST)
        notices = notice_documents(s, now, window, actor=ANALYST)
    listed = [[n.department_id, len(n.cases), *(sum(r in reasons for reasons in n.cases["reasons"])
                                                for r in ("not_reported_in", "late", "no_answer"))]
              for n in notices]
    assert len(listed) > 10
    assert counts[["department_id", "cases", "not_reported_in", "late", "no_answer"]].values.tolist() == listed


def test_notice_counts_from_the_department_table_equal_those_read_afresh(sample_db):
    from samples.load import SAMPLE_END

    window = Window(SAMPLE_END - timedelta(days=90), SAMPLE_END)
    with sample_db.session() as s:
        table = department_load(s, SAMPLE_END, window, actor=ANALYST)
        given = notice_counts(s, SAMPLE_END, window, actor=ANALYST, figures=table)
        afresh = notice_counts(s, SAMPLE_END, window, actor=ANALYST)
    assert len(afresh) > 10
    assert given.equals(afresh)
