"""The big screen's figures on a tiny district checkable by eye, on every backend.

NOW is Monday 2 March 2026, 09:00 in Shanghai (01:00 UTC). Local midnight is 16:00 UTC the day before, so a
case at 15:59 UTC on 1 March is yesterday's and one at 16:01 UTC is today's.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from geo.db.models import Bundle, Case, CaseDispatch, Category, Community, Street
from geo.domain.actors import Actor
from geo.domain.vocabulary import Rating, Role, Status
from geo.read.screen import (
    ScreenSettings,
    cards_now,
    category_mix,
    daily_trend,
    department_ranking,
    headline,
    latest_cases,
    latest_whistles,
    live_cases,
    local_day_start,
    screen_data,
    screen_map,
)
from geo.read import screen_problems
from geo.read.screen_problems import common_problems
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

ANALYST = Actor("分析员", Role.ANALYST)

NOW = T0
H = timedelta(hours=1)
SECRET = "王秘密"  # a reporter's name: must never reach the screen


@pytest.fixture
def district(db):
    """Grid A holds five open cases (one per card, one fresh); grid B two closed ones; plus one rejected."""
    with db.transaction() as s:
        _, grids = add_layout(s, {"A": square(0, 0), "B": square(1, 0)})
        departments, category = add_departments_and_category(s)
        sz, cgj = departments["SZ"].id, departments["CGJ"].id
        spec = [  # number, grid, status, reported before NOW, whistled before NOW (pending), rating
            ("N1", "A", Status.WHISTLED, 30 * H, 16 * H, None),  # discipline
            ("N2", "A", Status.WHISTLED, 6 * H, 5 * H, None),  # red
            ("N3", "A", Status.WHISTLED, 3 * H, 2 * H, None),  # yellow
            ("N4", "A", Status.WHISTLED, 1 * H, 0.5 * H, None),  # no card yet, fresh
            ("N5", "A", Status.REPORTED, 0.25 * H, None, None),  # fresh, not whistled
            ("C1", "B", Status.RATED, 40 * H, None, Rating.SATISFIED),
            ("C2", "B", Status.CLOSED, 20 * H, None, None),
            ("R1", "B", Status.REJECTED, 10 * H, None, None),
        ]
        cases = {}
        for number, grid, status, age, whistled, rating in spec:
            case = cases[number] = add_case(
                s,
                category,
                number=number,
                reported_at=NOW - age,
                lon=X0 + (0.5 if grid == "A" else 1.5) * STEP,
                lat=Y0 + 0.5 * STEP,
            )
            case.grid_id, case.status, case.rating = grids[grid].id, status, str(rating) if rating else None
            case.reporter_name, case.reporter_phone, case.description = SECRET, "13812345678", "住我家楼下"
            case.closed_at = NOW - age + 2 * H if status in (Status.RATED, Status.CLOSED) else None
            if whistled is not None:
                s.add(
                    CaseDispatch(case_id=case.id, department_id=sz, role="lead", whistled_at=NOW - whistled)
                )
        # A late report-in is lateness, not a card to chase now.
        s.add(
            CaseDispatch(
                case_id=cases["N1"].id,
                department_id=cgj,
                role="co",
                whistled_at=NOW - 19 * H,
                reported_in_at=NOW - 10 * H,
            )
        )
    return db


def test_local_midnight_is_in_shanghai_time():
    assert local_day_start(NOW) == datetime(2026, 3, 1, 16, 0, tzinfo=UTC)


def test_today_and_month_count_by_local_time(district):
    with district.session() as s:
        h = headline(s, NOW, actor=ANALYST)
    # Today began 9 h ago (N2..N5); the month 33 h ago (all but C1, reported 40 h ago).
    assert (h.today, h.month, h.open) == (4, 7, 5)
    assert h.closure_rate == pytest.approx(2 / 7)  # closed / due (rejected is not due)
    assert h.satisfaction_rate == 1.0


def test_cards_now_count_only_dispatches_still_waiting(district):
    with district.session() as s:
        assert cards_now(s, NOW) == (1, 1, 1)
        # 14 h ago: N1 had waited 2 h (yellow); its co-dispatch, reported in 10 h ago, had waited 5 h (red).
        assert cards_now(s, NOW - 14 * H) == (1, 1, 0)


def test_the_feed_lists_the_newest_cases_without_personal_data(district):
    with district.session() as s:
        feed = latest_cases(s, NOW, limit=3)
    assert list(feed["number"]) == ["N5", "N4", "N3"]
    assert list(feed.columns) == ["number", "category", "grid", "reported_at", "status"]
    assert feed.loc[0, "reported_at"].strftime("%H:%M") == "08:45"  # local time
    assert (feed.loc[0, "grid"], feed.loc[0, "status"]) == ("A", "reported")


def test_whistles_carry_their_card_now(district):
    with district.session() as s:
        whistles = latest_whistles(s, NOW, limit=10)
    assert list(whistles["number"][:3]) == ["N4", "N3", "N2"]
    assert (
        dict(zip(whistles["number"] + whistles["department"], whistles["card"]))["N1市政公用事业服务中心"]
        == "discipline"
    )


def test_nothing_personal_reaches_any_panel(district):
    with district.session() as s:
        data, live = screen_data(s, NOW, actor=ANALYST), screen_map(s, NOW, actor=ANALYST)
    frames = [
        data.latest_cases,
        data.latest_whistles,
        data.ranking,
        data.trend,
        data.category_mix,
        data.problems,
        live.cases,
    ]
    text = " ".join(f.to_csv() for f in frames) + repr(data.headline)
    assert (
        SECRET not in text and "13812345678" not in text and "住我家楼下" not in text
    )  # name, phone, description
    assert not {"reporter_name", "reporter_phone", "description", "address"} & set().union(
        *(f.columns for f in frames)
    )


def test_a_department_with_two_cases_does_not_top_the_ranking(db):
    with db.transaction() as s:
        departments, category = add_departments_and_category(s)
        tiny, big = departments["CGJ"].id, departments["SZ"].id
        for i in range(22):
            case = add_case(s, category, number=f"K{i}", reported_at=NOW - 48 * H)
            case.status, case.closed_at = Status.CLOSED, NOW - 24 * H
            # tiny: 2 of 2 on time; big: 18 of 20 on time
            late = i >= 2 and i < 4
            s.add(
                CaseDispatch(
                    case_id=case.id,
                    department_id=tiny if i < 2 else big,
                    role="lead",
                    whistled_at=NOW - 47 * H,
                    reported_in_at=NOW - (45 if late else 46.9) * H,
                )
            )
    with db.session() as s:
        ranking = department_ranking(s, NOW, actor=ANALYST)
    assert list(ranking["department"]) == ["市政公用事业服务中心", "城市管理局"]
    assert ranking.loc[1, "report_in_on_time_rate"] == 1.0


def test_the_trend_buckets_by_local_day(district):
    with district.session() as s:
        trend = daily_trend(s, NOW, days=3)
    assert [str(d) for d in trend["day"]] == ["2026-02-28", "2026-03-01", "2026-03-02"]
    assert list(trend["received"]) == [1, 3, 4]  # C1 (40 h ago); N1, C2, R1 (30, 20, 10 h); N2..N5
    assert list(trend["closed"]) == [
        1,
        1,
        0,
    ]  # C1 closed 38 h ago (28 Feb 19:00 local), C2 18 h ago (1 March)


def test_the_category_mix_counts_cases_per_class(district):
    with district.session() as s:
        assert category_mix(s, NOW).to_dict("records") == [{"category_class": "市政设施", "cases": 8}]


def test_the_category_mix_sums_uncategorised_cases_as_other(district):
    with district.transaction() as s:
        add_case(s, None, number="U1", reported_at=NOW - H)
    with district.session() as s:
        mix = category_mix(s, NOW)
    assert mix.to_dict("records") == [
        {"category_class": "市政设施", "cases": 8},
        {"category_class": None, "cases": 1},
    ]


def test_five_open_cases_of_one_kind_in_one_place_are_a_common_problem(district):
    with district.session() as s:
        problems = common_problems(s, NOW)
    assert problems.to_dict("records") == [
        {"kind": "candidate", "category": "井盖缺失破损", "place": None, "places": 0, "cases": 5, "grids": 1}
    ]


def test_two_clusters_of_one_category_are_told_apart_by_their_community(district):
    with district.transaction() as s:
        category = s.scalars(select(Category)).one()
        _, far = add_layout(s, {"F": square(40, 0)}, name="far", activate=False)
        street = Street(code="S9", name="远方街道")
        street.set_geometry(square(40, 0))
        s.add(street)
        s.flush()
        community = Community(code="C9", name="远方社区", street_id=street.id)
        community.set_geometry(square(40, 0))
        s.add(community)
        s.flush()
        far["F"].community_id = community.id
        for i in range(6):
            case = add_case(s, category, number=f"F{i}", reported_at=NOW - H, lon=X0 + 40.5 * STEP, lat=Y0 + 0.5 * STEP)
            case.grid_id = far["F"].id
    with district.session() as s:
        problems = common_problems(s, NOW)
    assert problems[["category", "place", "cases"]].values.tolist() == [["井盖缺失破损", "远方社区", 6],
                                                                         ["井盖缺失破损", None, 5]]


def test_a_citys_clusters_are_reused_for_a_while_and_a_districts_never(district, monkeypatch):
    """Above PROBLEM_CASES candidates the clusters found are reused for PROBLEMS_REUSE of screen time; the
    bundles are read every time."""
    def cases_shown(now):
        with district.session() as s:
            return common_problems(s, now)["cases"].tolist()

    monkeypatch.setattr(screen_problems, "_found", {})
    monkeypatch.setattr(screen_problems, "PROBLEM_CASES", 4)  # the five candidates count as a city's
    assert cases_shown(NOW) == [5]
    _bundle_n1_n2(district, "t")
    assert cases_shown(NOW + timedelta(minutes=9)) == [5, 2]  # the old cluster still, and the new bundle
    assert cases_shown(NOW + timedelta(minutes=10)) == [5, 2]  # shown once more while found again behind
    screen_problems.searches_done(timeout=30)
    assert cases_shown(NOW + timedelta(minutes=11)) == [2]  # found again: three candidates, no cluster
    monkeypatch.setattr(screen_problems, "PROBLEM_CASES", 10_000)  # a district: clustered every time
    assert cases_shown(NOW + timedelta(minutes=12)) == [2]


def test_clusters_of_a_screen_that_stood_still_are_found_again_before_it_shows_them(district, monkeypatch):
    def cases_shown(now):
        with district.session() as s:
            return common_problems(s, now)["cases"].tolist()

    monkeypatch.setattr(screen_problems, "_found", {})
    monkeypatch.setattr(screen_problems, "PROBLEM_CASES", 4)
    assert cases_shown(NOW) == [5]
    _bundle_n1_n2(district, "t")
    assert cases_shown(NOW + 2 * screen_problems.PROBLEMS_REUSE) == [2]
    screen_problems.searches_done(timeout=30)
    assert screen_problems._searching == {}  # nothing was left to find in the background



def _bundle_n1_n2(district, title: str) -> None:
    """Bundle the open cases N1 and N2 under the district's one category."""
    with district.transaction() as s:
        category = s.scalars(select(Category)).one()
        bundle = Bundle(category_id=category.id, title=title, created_at=NOW, created_by="sup")
        s.add(bundle)
        s.flush()
        for case in s.scalars(select(Case).where(Case.number.in_(["N1", "N2"]))):
            case.bundle_id = bundle.id


def test_a_bundle_shows_with_its_open_cases_but_not_its_title(district):
    _bundle_n1_n2(district, "井盖 at 3 Main St")
    with district.session() as s:
        problems = common_problems(s, NOW)
    assert problems.to_dict("records") == [
        {"kind": "bundle", "category": "井盖缺失破损", "place": None, "places": 0, "cases": 2, "grids": 1}
    ]
    assert "Main St" not in problems.to_csv()  # a bundle title is free text: not shown


def test_the_map_shows_open_load_cards_and_fresh_cases(district):
    with district.session() as s:
        live = screen_map(s, NOW, actor=ANALYST)
    assert sum(live.open_by_grid.values()) == 5 and len(live.open_by_grid) == 1
    cases = live.cases.sort_values("card")
    assert sorted(live.cases["card"]) == ["discipline", "none", "none", "red", "yellow"]
    assert int(live.cases["fresh"].sum()) == 2  # N4 and N5: reported within 2 h
    assert set(cases.columns) == {"lon", "lat", "status", "card", "fresh"}


def test_the_map_caps_the_cases_it_draws(district):
    with district.session() as s:
        assert len(live_cases(s, NOW, ScreenSettings(map_cases=2))) == 2


def test_an_empty_database_gives_zeros_and_no_layout(db):
    with db.session() as s:
        data, live = screen_data(s, NOW, actor=ANALYST), screen_map(s, NOW, actor=ANALYST)
    assert (data.headline.today, data.headline.open, data.headline.closure_rate) == (0, 0, None)
    assert data.latest_cases.empty and data.ranking.empty and data.problems.empty
    assert len(data.trend) == 30 and data.trend["received"].sum() == 0
    assert live.layout_id is None and live.cases.empty
