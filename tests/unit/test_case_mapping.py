"""Column roles, time formats, status and source words, categories and addresses of case exports."""

from datetime import UTC, datetime

import pandas as pd
import pytest

from loaders.case_address import AddressIndex, normalise_address
from loaders.case_mapping import (
    SOURCE_WORDS,
    STATUS_WORDS,
    CategoryLookup,
    MappingError,
    detect_mapping,
    map_words,
    parse_column_args,
    resolve_mapping,
)
from loaders.case_times import parse_times

T = datetime(2026, 3, 5, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai


@pytest.mark.parametrize("text", [
    "2026-03-05 14:30", "2026-03-05T14:30:00", "2026/3/5 14:30", "2026.03.05 14:30", "2026年3月5日 14时30分",
    "2026年3月5日14:30", "2026年3月5日 14点30分", "２０２６／３／５ １４：３０", "202603051430", "20260305143000",
    "2026-03-05T06:30:00Z", "2026-03-05 14:30+08:00", "2026-03-05T01:30:00-05:00", "46086.6041666667",
])
def test_each_accepted_time_format_reads_as_the_same_instant(text):
    times, bad = parse_times(pd.Series([text]))
    assert times.iloc[0].to_pydatetime() == T and not bad.iloc[0]


def test_a_date_alone_is_local_midnight():
    assert parse_times(pd.Series(["2026-03-05"]))[0].iloc[0].to_pydatetime() == datetime(2026, 3, 4, 16, tzinfo=UTC)


def test_another_time_zone_can_be_given():
    times, _ = parse_times(pd.Series(["2026-03-05 14:30"]), tz="UTC")
    assert times.iloc[0].to_pydatetime() == datetime(2026, 3, 5, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", ["昨天下午", "2026-02-30 10:00", "2026-13-01", "14:30", "12345", "2026-03-05 25:00"])
def test_impossible_or_unreadable_times_are_bad_not_guessed(text):
    times, bad = parse_times(pd.Series([text]))
    assert pd.isna(times.iloc[0]) and bad.iloc[0]


def test_an_empty_time_is_missing_not_bad():
    times, bad = parse_times(pd.Series([""]))
    assert pd.isna(times.iloc[0]) and not bad.iloc[0]


def test_chinese_headers_of_a_hotline_export_are_detected():
    columns = ["工单编号", "诉求内容", "问题分类", "来源", "联系人", "联系电话", "经度", "纬度", "事发地址", "受理时间",
               "办结时间", "状态"]
    assert detect_mapping(columns) == {
        "source_ref": "工单编号", "description": "诉求内容", "category": "问题分类", "source": "来源",
        "reporter_name": "联系人", "reporter_phone": "联系电话", "lon": "经度", "lat": "纬度", "address": "事发地址",
        "reported_at": "受理时间", "closed_at": "办结时间", "status": "状态"}


def test_headers_with_decorations_are_detected_and_one_column_serves_one_role():
    mapping = detect_mapping(["事件编号", "事件描述（详细）", "上报时间 ", "位置经度", "位置纬度", "事件类型"])
    assert mapping == {"source_ref": "事件编号", "description": "事件描述（详细）", "category": "事件类型",
                       "lon": "位置经度", "lat": "位置纬度", "reported_at": "上报时间 "}


def test_the_analysts_mapping_wins_and_an_empty_column_switches_a_role_off():
    mapping = resolve_mapping(["编号", "受理时间", "来电时间", "地址"], {"reported_at": "来电时间", "address": ""})
    assert mapping == {"source_ref": "编号", "reported_at": "来电时间"}


@pytest.mark.parametrize("given, message", [
    ({"reported_at": "时间"}, "column '时间' (for reported_at) is not in the file; columns: 编号, 地址"),
    ({"when": "编号"}, "unknown role 'when'; roles: source_ref, description"),
    ({}, "no column for reported_at (the time the case was reported); map one, e.g. --column reported_at=受理时间"),
])
def test_a_mapping_that_cannot_work_says_why(given, message):
    with pytest.raises(MappingError) as error:
        resolve_mapping(["编号", "地址"], given)
    assert str(error.value).startswith(message)


def test_column_arguments_are_parsed_and_malformed_ones_refused():
    assert parse_column_args(["reported_at=受理时间", " lon = X "]) == {"reported_at": "受理时间", "lon": "X"}
    with pytest.raises(MappingError, match="is not ROLE=COLUMN"):
        parse_column_args(["reported_at"])


def test_status_words_map_to_our_statuses():
    words = pd.Series(["已办结", "处理中", " 已 受理 ", "不予受理", "closed", "", "已飞走"])
    assert map_words(words, STATUS_WORDS, "").tolist() == ["closed", "whistled", "accepted", "rejected", "closed", "",
                                                          None]


def test_source_words_map_to_our_sources_with_a_default_for_empty():
    words = pd.Series(["12345热线", "随手拍", "网格员", "视频巡查", "", "ＡＰＰ"])
    assert map_words(words, SOURCE_WORDS, "hotline_12345").tolist() == [
        "hotline_12345", "resident_app", "grid_member", "video_patrol", "hotline_12345", "resident_app"]


def test_categories_by_code_name_or_table_unknown_and_empty_apart():
    lookup = CategoryLookup.build([(1, "JG", "井盖缺失破损"), (2, "LD", "路灯不亮")], {"井盖问题": "JG"})
    ids = lookup.ids(pd.Series(["jg", "路灯不亮", "井盖问题", "飞机噪音", ""]))
    assert ids.tolist() == [1, 2, 1, -2, -1]


def test_a_category_table_pointing_at_no_category_is_refused():
    with pytest.raises(MappingError, match="'不存在' is not one of our category codes or names"):
        CategoryLookup.build([(1, "JG", "井盖缺失破损")], {"井盖问题": "不存在"})


def test_addresses_normalise_full_width_digits_spaces_and_building_words():
    assert normalise_address("北环路１７７号 3号楼 2单元") == "北环路177号3栋2单元"
    assert normalise_address("北环路177号3幢") == normalise_address("北环路177号3座") == "北环路177号3栋"


def test_addresses_match_exactly_then_by_the_longest_building_prefix():
    index = AddressIndex([(1, "北环路177号3栋"), (2, "北环路177号4栋"), (3, "北环路17号1栋")])
    match = index.match(["北环路177号3栋", "北环路177号3号楼2单元501", "北环路17号1栋1单元", "北环路177号", "幸福路9号"])
    assert match.building_id.tolist() == [1, 1, 3, -1, -1]
    assert match.how.tolist() == ["exact", "prefix", "prefix", "", ""]
    assert match.reason[3].text == "no coordinates, and address '北环路177号' matches 2 buildings"
