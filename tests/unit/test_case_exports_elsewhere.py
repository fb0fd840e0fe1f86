"""Case exports from systems shaped unlike ours (a US 311 system): English headers and words, dates written
before their year with a 12-hour clock, and a report that stays short whatever the file size."""

from datetime import UTC, datetime

import pandas as pd
import pytest

from loaders.case_mapping import SOURCE_WORDS, STATUS_WORDS, CategoryLookup, detect_mapping, map_words
from loaders.case_report import MAX_GROUPS, add_grouped
from loaders.case_times import day_month_order, parse_times
from loaders.import_messages import msg
from loaders.import_report import ImportReport
from tests.case_files import HEADER


def test_the_headers_of_a_us_311_export_are_recognised():
    assert detect_mapping(HEADER) == {
        "source_ref": "SRNumber", "category": "RequestType", "source": "RequestSource", "lon": "Longitude",
        "lat": "Latitude", "address": "Address", "reported_at": "CreatedDate", "closed_at": "ClosedDate",
        "status": "Status"}


def test_english_aliases_match_whole_headers_only():
    assert detect_mapping(["Platform", "Created Date", "Request_Type"]) == {"category": "Request_Type",
                                                                             "reported_at": "Created Date"}


def test_plain_english_status_and_channel_words_are_known_and_the_rest_is_asked():
    statuses = map_words(pd.Series(["Closed", "Open", "Pending", "Cancelled"]), STATUS_WORDS, "")
    assert statuses.tolist() == ["closed", "accepted", None, "rejected"]
    sources = map_words(pd.Series(["Call", "Mobile App", "Self Service", "Voicemail", "Walk-in"]), SOURCE_WORDS, "")
    assert sources.tolist() == ["hotline_12345", "resident_app", "resident_app", "hotline_12345", None]


def test_the_fallback_maps_a_category_to_uncategorised():
    lookup = CategoryLookup.build([(1, "JG", "井盖缺失破损")], {"Bulky Items": "待分类", "Graffiti": "JG"})
    assert lookup.ids(pd.Series(["Bulky Items", "Graffiti", "Feedback"])).tolist() == [-1, 1, -2]


@pytest.mark.parametrize("text, order, expected", [
    ("01/06/2018 10:18:29 AM", "month-first", datetime(2018, 1, 6, 10, 18, 29)),
    ("01/06/2018 10:18:29 AM", "day-first", datetime(2018, 6, 1, 10, 18, 29)),
    ("12/31/2018 12:05 AM", "month-first", datetime(2018, 12, 31, 0, 5)),
    ("12/31/2018 12:05 PM", "month-first", datetime(2018, 12, 31, 12, 5)),
    ("01/06/2018 01:00:00 PM", "month-first", datetime(2018, 1, 6, 13, 0)),
    ("06.01.2018 10:18", "day-first", datetime(2018, 1, 6, 10, 18)),
    ("2018/01/06 10:18:29 PM", None, datetime(2018, 1, 6, 22, 18, 29)),
])
def test_dates_before_their_year_and_12_hour_clocks_are_read(text, order, expected):
    times, bad = parse_times(pd.Series([text]), "UTC", order)
    assert times.iloc[0].to_pydatetime() == expected.replace(tzinfo=UTC) and not bad.iloc[0]


@pytest.mark.parametrize("text, order", [("01/06/2018 10:18", None), ("01/06/2018 13:00 PM", "month-first"),
                                         ("13/01/2018 10:00", "month-first")])
def test_a_date_before_its_year_without_an_order_or_impossible_under_it_is_bad(text, order):
    assert parse_times(pd.Series([text]), "UTC", order)[1].iloc[0]


def test_the_values_tell_month_first_from_day_first_or_say_they_cannot():
    assert day_month_order(pd.Series(["01/06/2018", "01/13/2018 10:00 AM"])) == ("month-first", "01/13/2018 10:00 AM")
    assert day_month_order(pd.Series(["13/01/2018"]), pd.Series([""])) == ("day-first", "13/01/2018")
    assert day_month_order(pd.Series(["01/06/2018 10:18", "02/03/2018"])) == (None, "01/06/2018 10:18")
    assert day_month_order(pd.Series(["2018-01-06 10:18"])) == (None, None)


def test_a_strptime_pattern_reads_any_other_layout():
    times, bad = parse_times(pd.Series(["05-Mar-2026 14:30", "yesterday"]), "Asia/Shanghai", "%d-%b-%Y %H:%M")
    assert times.iloc[0].to_pydatetime() == datetime(2026, 3, 5, 6, 30, tzinfo=UTC)
    assert bad.tolist() == [False, True]


def test_ten_thousand_rows_with_one_problem_value_are_one_line_and_unique_values_are_capped():
    report = ImportReport(source="311.csv", kind="cases")
    rows = pd.RangeIndex(2, 10_002)
    same = pd.Series([msg("unknown_category", value="'Bulky Items'", examples="JG")] * len(rows), index=rows)
    add_grouped(report, pd.Series("unknown_category", index=rows), same, "warning")
    assert [(p.count, p.rows, p.msg) for p in report.problems] == [(10_000, (2, 3, 4, 5, 6), "unknown_category")]
    assert report.problems[0].message.startswith("10,000 rows (2, 3, 4, 5, 6 …): unknown category 'Bulky Items';")
    report.problems.clear()
    each = pd.Series([msg("missing_time", column=f"c{r}") for r in rows], index=rows)
    add_grouped(report, pd.Series("missing_time", index=rows), each, "warning")
    assert len(report.problems) == MAX_GROUPS + 1
    assert report.problems[-1].message == "9,980 more rows with problems of kind missing_time, not listed one by one"
