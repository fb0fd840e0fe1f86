"""The big screen's settings and HTML, without a database or Streamlit."""

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from dashboard.screen_draw import (
    cases_feed_html,
    category_html,
    header_html,
    trend_svg,
)
from geo.config import screen_as_of as fixed_as_of
from geo.config import screen_refresh_s as refresh_seconds

AS_OF = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def t(key: str) -> str:
    return {"big_screen_db_down": "down since {time}", "big_screen_status_reported": "new"}.get(key, key)


def test_the_refresh_defaults_to_thirty_seconds():
    assert refresh_seconds({}) == 30.0 and refresh_seconds({"GRIDGOV_SCREEN_REFRESH_S": "3"}) == 3.0


@pytest.mark.parametrize(
    "raw, message",
    [
        ("often", "must be a number of seconds, got 'often'"),
        ("0.2", "must be at least 1 s, got '0.2'"),
        ("nan", "must be at least 1 s, got 'nan'"),
    ],
)
def test_a_bad_refresh_interval_is_refused_with_the_value(raw, message):
    with pytest.raises(ValueError, match=message):
        refresh_seconds({"GRIDGOV_SCREEN_REFRESH_S": raw})


def test_a_fixed_instant_without_zone_is_read_as_local_time():
    assert fixed_as_of({"GRIDGOV_SCREEN_AS_OF": "2026-03-02T09:00"}) == AS_OF
    assert fixed_as_of({}) is None


def test_a_bad_fixed_instant_is_refused_with_an_example():
    with pytest.raises(ValueError, match="ISO 8601 time such as 2026-10-31T20:00\\+08:00, got 'yesterday'"):
        fixed_as_of({"GRIDGOV_SCREEN_AS_OF": "yesterday"})


def test_the_header_shows_local_time_and_the_warning_with_the_last_good_time():
    page = header_html(t, AS_OF, failed_at=AS_OF)
    assert ">09:00</b>" in page and "down since 09:00" in page


def test_database_text_is_escaped():
    cases = pd.DataFrame(
        {
            "number": ["N1"],
            "category": ["<script>x</script>"],
            "grid": ["A&B"],
            "reported_at": [pd.Timestamp(AS_OF).tz_convert("Asia/Shanghai")],
            "status": ["reported"],
        }
    )
    page = cases_feed_html(t, cases, fresh_since=AS_OF, as_of=AS_OF)
    assert "<script>" not in page and "&#60;script&#62;" in page and "A&#38;B" in page and "fresh" in page
    assert category_html(t, pd.DataFrame({"category_class": ["<b>"], "cases": [1]})).count("&#60;b&#62;") == 1


def test_the_trend_draws_two_lines_with_the_first_middle_and_last_day():
    trend = pd.DataFrame(
        {
            "day": [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)],
            "received": [1, 3, 4],
            "closed": [1, 1, 0],
        }
    )
    svg = trend_svg(trend)
    assert svg.count("<polyline") == 2 and ">02-28<" in svg and ">03-01<" in svg and ">03-02<" in svg


def test_a_feed_case_with_a_photo_shows_its_thumbnail_inline():
    cases = pd.DataFrame({"number": ["GG1", "GG2"], "category": ["井盖缺失破损", "路灯不亮"], "grid": ["G1", "G2"],
                          "reported_at": [pd.Timestamp(AS_OF).tz_convert("Asia/Shanghai")] * 2,
                          "status": ["reported"] * 2})
    page = cases_feed_html(t, cases, fresh_since=AS_OF, as_of=AS_OF, thumbs={"GG2": b"\xff\xd8jpeg"})
    assert page.count('data-testid="gg-feed-photo"') == 1 and 'src="data:image/jpeg;base64,/9hqcGVn"' in page


def test_the_volunteer_panel_shows_six_counts_and_nothing_when_not_read():
    from dashboard.screen_draw import volunteers_html
    from geo.read.volunteer_figures import ScreenCounts

    html = volunteers_html(lambda k: k, ScreenCounts(2815, 193, 103, 60, 198, 4490))
    assert html.count("data-testid=\"gg-vol-") == 6 and "<b>2,815</b>" in html and "<b>4,490</b>" in html
    assert "暂无" in volunteers_html(lambda k: "暂无" if k == "big_screen_nothing" else k, None)
