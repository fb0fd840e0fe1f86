"""The case map page through Streamlit's AppTest (via dashboard/app.py, on a private copy of the sample).

AppTest cannot render or click a streamlit-folium map, so ``st_folium`` is replaced by a recorder and a click
is simulated the way streamlit-folium reports one: the component's value in session state (the page's map
key) carries the clicked layer's tooltip.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from geo.db.database import Database
from geo.db.models import Case
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases.case_actions import perform
from tests.e2e.signin import ANALYST, SUPERVISOR, signed_in

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
MAP_KEY = "case_map_map"


def _reported_case(url: str) -> tuple[int, str]:
    db = Database(url)
    with db.session() as s:
        row = s.execute(select(Case.id, Case.number).where(Case.status == "reported").order_by(Case.id)).first()
    db.dispose()
    return int(row[0]), row[1]


def open_page(maps, sample_url, actor=SUPERVISOR) -> AppTest:
    """The page as the app opens it. Note: while ``dashboard/views/`` exists, Streamlit (MPA v1 detection)
    runs a switched-to page without app.py's preamble, so the language switch is set through its key."""
    at = signed_in(AppTest.from_file(APP, default_timeout=90), actor)
    at.run()
    at.switch_page("views/case_map.py").run()
    assert not at.exception, at.exception
    return at


def click_case(at: AppTest, number: str) -> AppTest:
    at.session_state[MAP_KEY] = {"last_object_clicked_tooltip": f"● {number} 类别 · 待受理",
                                 "last_object_clicked": {"lat": 39.67, "lng": 106.82}}
    at.run()
    assert not at.exception, at.exception
    return at


def _markdown(at: AppTest) -> str:
    """The markdown as read: values from data arrive escaped (dashboard.markup), a reader sees them as typed."""
    return html.unescape("\n".join(m.value for m in at.markdown))


def test_the_case_map_counts_every_sample_case_with_the_filters_wide_open(maps, sample_url):
    at = open_page(maps, sample_url)
    assert "符合条件 48,022" in _markdown(at)
    assert maps[-1]["feature_group_to_add"] is not None
    assert set(maps[-1]["returned_objects"]) == {"last_object_clicked", "last_object_clicked_tooltip",
                                                 "bounds", "zoom"}


def test_the_search_filter_narrows_the_map_to_one_case(maps, sample_url):
    _, number = _reported_case(sample_url)
    at = open_page(maps, sample_url)
    at.sidebar.text_input(key="case_map_f_text").input(number).run()
    assert "符合条件 1**" in _markdown(at)
    assert "单个事件" in _markdown(at)


def test_a_filter_that_matches_nothing_says_so(maps, sample_url):
    at = open_page(maps, sample_url)
    at.sidebar.text_input(key="case_map_f_text").input("没有这个事件").run()
    assert "没有符合条件的事件" in at.info[0].value


def test_a_too_long_search_is_refused_with_the_reason(maps, sample_url):
    at = open_page(maps, sample_url)
    at.sidebar.text_input(key="case_map_f_text").input("x" * 120).run()
    assert "at most 100" in at.error[0].value


def test_clicking_a_case_opens_its_panel_with_the_masked_phone(maps, sample_url):
    _, number = _reported_case(sample_url)
    at = click_case(open_page(maps, sample_url), number)
    text = _markdown(at)
    assert f"#### {number}" in text and "****" in text and "办理过程 (1)" in text


def test_a_supervisor_accepts_a_case_and_the_timeline_grows(maps, sample_url):
    _, number = _reported_case(sample_url)
    at = click_case(open_page(maps, sample_url), number)
    at.button(key="case_map_do").click().run()
    assert "已完成：受理" in at.success[0].value
    assert "办理过程 (2)" in _markdown(at)


def test_a_role_without_permission_sees_no_action_buttons(maps, sample_url):
    _, number = _reported_case(sample_url)
    at = click_case(open_page(maps, sample_url, ANALYST), number)
    assert f"#### {number}" in _markdown(at)
    assert not [b for b in at.button if b.key == "case_map_do"]
    assert "无可执行的操作" in "\n".join(c.value for c in at.caption)


def test_a_change_by_someone_else_shows_a_conflict_and_writes_nothing(maps, sample_url):
    case_id, number = _reported_case(sample_url)
    at = click_case(open_page(maps, sample_url), number)
    db = Database(sample_url)
    with db.transaction() as s:  # another supervisor rejects it meanwhile
        version = s.get(Case, case_id).version
        perform(s, case_id, "reject", Actor("other", Role.SUPERVISOR), version, datetime.now(UTC), reason="重复")
    at.button(key="case_map_do").click().run()
    assert "冲突" in at.warning[0].value
    with db.session() as s:
        assert s.get(Case, case_id).status == "rejected"
    db.dispose()


def test_clicking_a_grid_shows_its_load(maps, sample_url):
    at = open_page(maps, sample_url)
    at.session_state[MAP_KEY] = {"last_object_clicked_tooltip": "▦ S01C01G05 新海社区第5网格",
                                 "last_object_clicked": {"lat": 39.69, "lng": 106.8}}
    at.run()
    assert "网格负荷 · S01C01G05" in _markdown(at)
    assert {m.label for m in at.metric} >= {"受理", "在办", "超期", "办结", "办结率"}


def test_the_page_switches_to_english(maps, sample_url):
    at = open_page(maps, sample_url)
    at.session_state["lang"] = "en"  # the sidebar switch's key (see note on open_page)
    at.run()
    assert "Matching 48,022" in _markdown(at)


def test_a_supervisor_reveals_the_reporter_and_the_reveal_is_audited(maps, sample_url):
    from geo.read.audit_log import audit_log

    case_id, number = _reported_case(sample_url)
    at = click_case(open_page(maps, sample_url), number)
    at.button(key=f"case_map_reveal_{case_id}").click().run()
    db = Database(sample_url)
    with db.session() as s:
        phone = s.get(Case, case_id).reporter_phone
        log = audit_log(s, Actor("admin", Role.ADMIN), action="reveal_personal")
    db.dispose()
    assert phone in "\n".join(c.value for c in at.caption)
    assert log["target"].tolist() == [number]


def test_an_analyst_gets_no_reveal_button(maps, sample_url):
    case_id, number = _reported_case(sample_url)
    at = click_case(open_page(maps, sample_url, ANALYST), number)
    assert not [b for b in at.button if b.key == f"case_map_reveal_{case_id}"]


def test_the_panel_draws_one_input_per_declared_parameter_of_the_chosen_action(maps, sample_url):
    from geo.domain.workflow import transition

    case_id, number = _reported_case(sample_url)
    at = click_case(open_page(maps, sample_url), number)
    keys = {w.key for kind in (at.selectbox, at.text_input, at.date_input, at.multiselect) for w in kind}
    assert {k for k in keys if k.startswith("case_map_in_")} == {
        f"case_map_in_{p.name}_accept_{case_id}" for p in transition("accept").params}
    at.radio(key=f"case_map_action_{case_id}").set_value("reject").run()
    assert [w.key for w in at.text_input if w.key.startswith("case_map_in_")] == [f"case_map_in_reason_reject_{case_id}"]


def test_a_supervisor_accepts_a_case_with_an_agreed_deadline(maps, sample_url):
    from datetime import date

    case_id, number = _reported_case(sample_url)
    at = click_case(open_page(maps, sample_url), number)
    at.date_input(key=f"case_map_in_deadline_accept_{case_id}").set_value(date(2027, 1, 15)).run()
    at.button(key="case_map_do").click().run()
    assert "已完成：受理" in at.success[0].value
    db = Database(sample_url)
    with db.session() as s:
        assert s.get(Case, case_id).deadline == datetime(2027, 1, 15, 16, 0, tzinfo=UTC)
    db.dispose()


def test_a_merged_duplicate_counts_once_and_the_page_says_how_merged_cases_count(maps, sample_url):
    from geo.usecases.duplicates import merge_case

    db = Database(sample_url)
    with db.transaction() as s:
        keep, dup = s.scalars(select(Case).where(Case.status == "reported").order_by(Case.id).limit(2)).all()
        merge_case(s, dup.id, keep.id, Actor("值班长", Role.SUPERVISOR), dup.version, datetime.now(UTC))
    db.dispose()
    at = open_page(maps, sample_url)
    assert "符合条件 48,021" in _markdown(at)
    assert "已合并的重复事件只计入其合并到的事件" in "\n".join(c.value for c in at.caption)
    at.sidebar.multiselect(key="case_map_f_status").set_value(["merged"]).run()
    assert "符合条件 1**" in _markdown(at)
    assert "其中含已合并的重复事件 1 件" in "\n".join(c.value for c in at.caption)
def _marker_statuses(maps) -> list[str]:
    group = maps[-1]["feature_group_to_add"]
    markers = [c for c in group._children.values() if getattr(c, "layer_name", "") == "case_markers"][0]
    return [f["properties"]["s"] for f in markers.data["features"]]


def test_the_map_shows_an_action_at_once_though_its_layer_is_cached(maps, sample_url):
    _, number = _reported_case(sample_url)
    at = open_page(maps, sample_url)
    at.sidebar.text_input(key="case_map_f_text").input(number).run()
    at = click_case(at, number)
    assert _marker_statuses(maps) == ["reported"]
    at.button(key="case_map_do").click().run()
    assert _marker_statuses(maps) == ["accepted"]
