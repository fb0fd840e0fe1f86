"""The hotspots, grid-load and department-load pages through Streamlit's AppTest: on the sample district
(SQLite) and on a district without cases. streamlit-folium cannot render in AppTest, so ``st_folium`` is
replaced by a stand-in that returns what a click on the map would."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import streamlit_folium
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from geo.db.database import Database
from geo.db.models import Grid
from geo.db.schema import upgrade
from tests.e2e.signin import ANALYST, signed_in
from tests.integration.factories import (
    STEP,
    X0,
    Y0,
    add_case,
    add_departments_and_category,
    add_layout,
    square,
)

PAGES = Path(__file__).resolve().parents[2] / "dashboard" / "views"


@pytest.fixture
def map_returns(monkeypatch):
    """What the stand-in st_folium returns (a dict, changed by the test to simulate a click)."""
    returned: dict = {}
    monkeypatch.setattr(streamlit_folium, "st_folium", lambda *args, **kwargs: dict(returned))
    return returned


@pytest.fixture
def page_on(monkeypatch, map_returns):
    def run(url: str, page: str) -> AppTest:
        monkeypatch.setenv("DATABASE_URL", url)
        from dashboard.data import database

        database.clear()
        at = AppTest.from_string(
            "import runpy\nfrom dashboard.i18n import language_switch\nlanguage_switch()\n"
            f"runpy.run_path({str(PAGES / page)!r}, run_name='__main__')\n", default_timeout=180)
        signed_in(at, ANALYST).run()
        assert not at.exception, at.exception
        return at

    return run


@pytest.fixture(scope="module")
def no_cases_url(tmp_path_factory) -> str:
    """Two grids, departments and a category, but not a single case."""
    url = f"sqlite:///{tmp_path_factory.mktemp('quiet') / 'quiet.db'}"
    db = Database(url)
    upgrade(db)
    with db.transaction() as s:
        add_layout(s, {"A": square(0, 0), "B": square(1, 0)})
        add_departments_and_category(s)
    db.dispose()
    return url


@pytest.fixture(scope="module")
def few_cases_url(tmp_path_factory) -> str:
    """Nine grids with a few cases each, but no buildings (so no households)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('few') / 'few.db'}"
    db = Database(url)
    upgrade(db)
    with db.transaction() as s:
        _, grids = add_layout(s, {f"G{i}{j}": square(i, j) for i in range(3) for j in range(3)})
        _, category = add_departments_and_category(s)
        for n, grid in enumerate(grids.values()):
            for k in range(n % 3 + 1):
                case = add_case(s, category, f"C{n}-{k}", X0 + (int(grid.code[1]) + 0.5) * STEP,
                                Y0 + (int(grid.code[2]) + 0.5) * STEP, reported_at=datetime.now(UTC) - timedelta(days=3))
                case.grid_id = grid.id
    db.dispose()
    return url


@pytest.fixture(scope="module")
def sample_url(sample_databases) -> str:
    return sample_databases.get("sqlite").url


def metrics_of(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


# ------------------------------------------------------------------------------------------------ hotspots


def test_hotspots_open_on_hexagons_the_measure_the_method_note_recommends(page_on, sample_url):
    at = page_on(sample_url, "hotspots.py")
    assert metrics_of(at)["事件数"] == "48,022"
    assert at.selectbox(key="hs_measure").value == "h3"
    assert any(c.value.startswith("回答：事件在地面上扎堆在哪里？") for c in at.caption)
    assert any("H3 分辨率 9" in c.value for c in at.caption)
    cells = at.dataframe[0].value
    assert len(cells) > 435 and cells["unit_id"].str.len().eq(15).all()  # H3 cell ids, more cells than grids
    assert int(metrics_of(at)["热点六边形"]) > 0


@pytest.mark.parametrize("measure, answer", [
    ("per_households", "回答：哪里的事件比住户数所能解释的更多？"),
    ("per_km2", "回答：哪些网格单位面积上的事件最密集？"),
    ("counts", "回答：哪些网格员承担的事件最多？"),
])
def test_each_grid_measure_says_what_it_answers_and_ranks_every_grid(page_on, sample_url, measure, answer):
    at = page_on(sample_url, "hotspots.py")
    at.selectbox(key="hs_measure").set_value(measure).run()
    assert not at.exception
    assert any(c.value.startswith(answer) for c in at.caption)
    assert len(at.dataframe[0].value) == 435
    assert int(metrics_of(at)["热点网格"]) + int(metrics_of(at)["冷点网格"]) > 0


def test_hotspots_narrow_to_one_category_class(page_on, sample_url):
    at = page_on(sample_url, "hotspots.py")
    at.selectbox(key="hs_class").select_index(1).run()
    assert not at.exception
    assert 0 < int(metrics_of(at)["事件数"].replace(",", "")) < 48_022


@pytest.mark.parametrize("measure, view, detail", [
    ("h3", "values", "kde"), ("h3", "emerging", "none"), ("h3", "space_time", "none"),
    ("counts", "values", "h3"), ("counts", "emerging", "kde"), ("per_km2", "space_time", "none"),
])
def test_hotspots_draw_every_view_with_the_detail_layers(page_on, sample_url, measure, view, detail):
    at = page_on(sample_url, "hotspots.py")
    at.selectbox(key="hs_measure").set_value(measure).run()
    at.selectbox(key="hs_view").set_value(view)
    at.selectbox(key="hs_detail").set_value(detail).run()
    assert not at.exception
    weekly = any(m.value.startswith("**每周热点/冷点单元数") for m in at.markdown)
    assert weekly == (view == "space_time")


def test_the_hexagon_detail_layer_is_not_offered_over_hexagons(page_on, sample_url):
    at = page_on(sample_url, "hotspots.py")
    assert at.selectbox(key="hs_detail").options == ["无", "核密度"]


def test_clicking_a_grid_on_the_map_selects_it_beside_the_table(page_on, sample_url, map_returns):
    with Database(sample_url).session() as s:
        grid_id, code = s.execute(select(Grid.id, Grid.code).order_by(Grid.code)).first()
    map_returns["last_active_drawing"] = {"properties": {"id": grid_id}}
    at = page_on(sample_url, "hotspots.py")
    at.selectbox(key="hs_measure").set_value("counts").run()
    assert any(f"已选: {code}" in m.value for m in at.markdown)


def test_clicking_a_hexagon_on_the_map_selects_it_beside_the_table(page_on, sample_url, map_returns):
    at = page_on(sample_url, "hotspots.py")
    cell = at.dataframe[0].value["unit_id"].iloc[3]
    map_returns["last_active_drawing"] = {"properties": {"id": cell}}
    at.run()
    assert any(f"已选: {cell} · " in m.value for m in at.markdown)


def test_hotspots_on_a_district_without_cases_say_so(page_on, no_cases_url):
    at = page_on(no_cases_url, "hotspots.py")
    assert at.info[0].value.startswith("所选条件下没有事件")
    assert not at.dataframe


def test_cases_per_household_on_a_district_without_buildings_say_what_is_missing(page_on, few_cases_url):
    at = page_on(few_cases_url, "hotspots.py")
    at.selectbox(key="hs_measure").set_value("per_households").run()
    assert at.info[0].value.startswith("没有可检验的单元：按住户计算需要楼栋图层中的住户数")
    assert not at.dataframe


def test_hotspots_switch_to_english(page_on, sample_url):
    at = page_on(sample_url, "hotspots.py")
    at.sidebar.radio[0].set_value("en").run()
    assert "Cases" in metrics_of(at)
    assert any(c.value.startswith("Answers: where do cases crowd together") for c in at.caption)


# ---------------------------------------------------------------------------------------------- grid load


def test_grid_load_opens_on_the_streets_of_the_district(page_on, sample_url):
    at = page_on(sample_url, "grid_load.py")
    assert metrics_of(at)["网格"] == "435"
    assert metrics_of(at)["新增"] == "48,022"
    assert len(at.dataframe[0].value) == 7  # streets


def test_grid_load_drills_from_a_street_to_a_community(page_on, sample_url):
    at = page_on(sample_url, "grid_load.py")
    at.selectbox(key="gl_street").select_index(1).run()
    assert any(m.value == "**各社区**" for m in at.markdown)
    street_grids = int(metrics_of(at)["网格"])
    assert 0 < street_grids < 435
    at.selectbox(key="gl_community").select_index(1).run()
    assert any(m.value == "**各网格**" for m in at.markdown)
    assert int(metrics_of(at)["网格"]) < street_grids


def test_grid_load_lists_grid_members(page_on, sample_url):
    at = page_on(sample_url, "grid_load.py")
    at.radio(key="gl_table_of").set_value("members").run()
    members = next(d.value for d in at.dataframe if "grids" in d.value.columns)  # the 热心人 section follows it
    assert len(members) == 435


def test_grid_load_on_a_district_without_cases_shows_zeros_and_says_so(page_on, no_cases_url):
    at = page_on(no_cases_url, "grid_load.py")
    assert metrics_of(at)["新增"] == "0"
    assert at.info[0].value.startswith("所选条件下没有事件")


# --------------------------------------------------------------------------------------- department load


def test_department_load_ranks_every_department_and_lists_notices(page_on, sample_url):
    at = page_on(sample_url, "department_load.py")
    ranked = at.dataframe[0].value
    assert len(ranked) == 27  # 20 departments and the offices of the 7 streets
    assert list(ranked["rank"]) == list(range(1, 28))
    assert {"新华街道办事处", "千里山镇人民政府"} <= set(ranked["department"])
    assert int(metrics_of(at)["督办单"]) > 0
    assert len(at.dataframe[1].value) == int(metrics_of(at)["督办单"])


def test_department_load_numbers_one_notice_per_department_from_the_first_number(page_on, sample_url):
    at = page_on(sample_url, "department_load.py")
    notices = at.dataframe[1].value
    assert notices["department"].is_unique
    assert notices["number"].iloc[0].endswith("第1号") and notices["number"].iloc[0].startswith("督字〔")
    at.number_input(key="dl_first_serial").set_value(40).run()
    numbers = at.dataframe[1].value["number"]
    assert [n.split("第")[1] for n in numbers[:2]] == ["40号", "41号"]
    assert (at.dataframe[1].value["cases"] >= at.dataframe[1].value[["not_reported_in", "late", "no_answer"]].max(axis=1)).all()


def test_department_load_ranks_by_satisfaction_on_request(page_on, sample_url):
    at = page_on(sample_url, "department_load.py")
    at.selectbox(key="dl_ranking").set_value("satisfaction").run()
    scores = list(at.dataframe[0].value["score"])
    assert scores == sorted(scores, reverse=True)


def test_department_load_without_cases_has_no_notices(page_on, no_cases_url):
    at = page_on(no_cases_url, "department_load.py")
    assert metrics_of(at)["吹哨"] == "0"
    assert any(i.value == "所选时间内没有需要督办的部门。" for i in at.info)


def _column_helps(frame) -> dict[str, str]:
    import json

    config = json.loads(frame.proto.columns) if frame.proto.columns else {}
    return {c.get("label", name): c.get("help", "") for name, c in config.items()}


@pytest.mark.parametrize("page", ["grid_load.py", "department_load.py"])
def test_every_rate_tile_and_column_carries_its_definition(page_on, sample_url, page):
    at = page_on(sample_url, page)
    rates = {"办结率", "按期处置率", "按期办结率", "按时应哨率", "满意率", "返工率"}
    tiles = {m.label: m.proto.help for m in at.metric if m.label in rates}
    columns = {label: h for frame in at.dataframe for label, h in _column_helps(frame).items() if label in rates}
    assert tiles and columns
    assert all(h.startswith(label) for label, h in {**tiles, **columns}.items()), {**tiles, **columns}


def test_department_load_previews_the_first_notice_alone(page_on, sample_url):
    at = page_on(sample_url, "department_load.py")
    first = at.dataframe[1].value.iloc[0]
    at.toggle(key="dl_notice_preview").set_value(True).run()
    assert not at.exception, at.exception
    frames = [e for e in at.main if getattr(e, "type", "") == "iframe"]
    html = frames[0].proto.srcdoc
    assert first["number"] in html and first["department"] in html
    assert html.count("督字〔") == 1 and f"有 {first['cases']} 件" in html
