"""The API's output formats, input checks and rate limit, without a database."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from api import inputs
from api.formats import errors, render, w3c
from api.inputs import ApiError
from api.keys import RateLimiter


def test_xml_follows_the_spark_convention_with_a_utf8_declaration():
    response = render([{"service_code": "JG", "metadata": True, "group": None, "name": "井盖"}], "xml", "services")
    assert response.body.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<services><service>')
    root = ET.fromstring(response.body)
    assert root.find("service/metadata").text == "true" and root.find("service/group").text is None
    assert root.find("service/name").text == "井盖"


def test_nested_lists_take_their_singular_element_names():
    body = render({"service_code": "JG", "attributes": [{"values": [{"key": "a", "name": "A"}]}]}, "xml",
                  "service_definition").body
    assert ET.fromstring(body).find("attributes/attribute/values/value/key").text == "a"


def test_errors_are_a_list_of_code_and_description_in_either_format():
    response = errors(403, ["Invalid api_key received"])
    assert response.status_code == 403 and response.body == b'[{"code": 403, "description": "Invalid api_key received"}]'
    xml = ET.fromstring(errors(400, ["a", "b"], "xml").body)
    assert [e.find("code").text for e in xml.findall("error")] == ["400", "400"]


def test_control_characters_never_reach_the_xml():
    assert b"\x07" not in render([{"d": "a\x07b"}], "xml", "service_requests").body


def test_times_are_w3c_in_the_district_offset():
    assert w3c(datetime(2026, 3, 2, 1, 0, tzinfo=UTC)) == "2026-03-02T09:00:00+08:00"


@pytest.mark.parametrize("value", ["2010-01-01T00:00:00Z", "2010-01-01T08:00:00+08:00"])
def test_w3c_dates_with_a_zone_are_read(value):
    assert inputs.when(value, "start_date") == datetime(2010, 1, 1, tzinfo=UTC)


def test_a_date_without_a_zone_is_refused():
    with pytest.raises(ApiError, match="with a time zone"):
        inputs.when("2010-01-01T00:00:00", "start_date")


def test_the_rate_limit_slides_over_one_minute():
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    limiter.check(1), limiter.check(1)
    limiter.check(2)  # another key has its own allowance
    with pytest.raises(ApiError) as err:
        limiter.check(1)
    assert err.value.status == 429 and err.value.headers == {"Retry-After": "60"}
    now[0] = 60.5
    limiter.check(1)
