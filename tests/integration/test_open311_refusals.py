"""Bad input gets the specification's error list with a 4xx status and stores nothing — no case, reporter or
media row, no photo file — on every backend."""

import io
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from tests.integration.intake_fixtures import FAR_AWAY, INSIDE_D, counts, jpeg

GOOD = {"service_code": "JG", "lat": str(INSIDE_D[1]), "long": str(INSIDE_D[0]), "attribute[state]": "missing"}


def refused(api, district, store, status, data=None, files=None, path="/open311/v2/requests.json", headers=None):
    before = counts(district.db)
    response = api.post(path, data={"api_key": district.key, **(data or {})}, files=files, headers=headers)
    assert response.status_code == status, response.text
    body = response.json() if path.endswith(".json") else None
    if body is not None:
        assert isinstance(body, list) and set(body[0]) == {"code", "description"}
    assert counts(district.db) == before
    assert not any(p.is_file() for p in store.root.rglob("*")) if store.root.exists() else True
    return response


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "GIF")
    return out.getvalue()


def bomb() -> bytes:
    """A PNG of 30,000 × 30,000 pixels (900 MP) in a few kilobytes."""
    out = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(out, "PNG")
    return out.getvalue()


def test_a_missing_api_key_is_403(api, district, store):
    before = counts(district.db)
    response = api.post("/open311/v2/requests.json", data=GOOD)
    assert response.status_code == 403 and response.json()[0]["code"] == 403
    assert counts(district.db) == before


def test_a_wrong_api_key_is_403_in_xml_too(api, district):
    response = api.post("/open311/v2/requests.xml", data={**GOOD, "api_key": "gg_not-a-key"})
    assert response.status_code == 403
    assert ET.fromstring(response.content).find("error/description").text.startswith("invalid api_key")


def test_an_unknown_service_code_is_404(api, district, store):
    response = refused(api, district, store, 404, {**GOOD, "service_code": "NOPE"})
    assert "service_code 'NOPE' was not found" in response.json()[0]["description"]


@pytest.mark.parametrize("missing", ["service_code", "location", "attribute[state]"])
def test_a_missing_required_field_is_400(api, district, store, missing):
    data = dict(GOOD)
    if missing == "location":
        del data["lat"], data["long"]
    else:
        del data[missing]
    refused(api, district, store, 400, data)


@pytest.mark.parametrize("lat,long", [("91", "106.8"), ("39.67", "181"), ("nan", "106.8"), ("39.67", "inf"),
                                      ("north", "east"), ("39.67", "")])
def test_invalid_coordinates_are_400(api, district, store, lat, long):
    refused(api, district, store, 400, {**GOOD, "lat": lat, "long": long})


def test_a_point_outside_the_district_is_400_and_stores_nothing(api, district, store):
    response = refused(api, district, store, 400, {**GOOD, "lat": str(FAR_AWAY[1]), "long": str(FAR_AWAY[0])},
                       files={"media": ("p.jpg", jpeg(), "image/jpeg")})
    assert "outside the district" in response.json()[0]["description"]


def test_an_attribute_value_outside_its_list_is_400(api, district, store):
    refused(api, district, store, 400, {**GOOD, "attribute[state]": "stolen"})


def test_an_unknown_attribute_is_400(api, district, store):
    refused(api, district, store, 400, {**GOOD, "attribute[colour]": "red"})


def test_an_oversize_photo_is_400(api, district, store):
    big = jpeg(3000, 3000) + b"\0" * (2 * 1024 * 1024)
    response = refused(api, district, store, 400, GOOD, files={"media": ("p.jpg", big, "image/jpeg")})
    assert "at most 2 MB" in response.json()[0]["description"]


@pytest.mark.parametrize("name,data", [("gif", gif()), ("text", b"not an image at all"),
                                       ("truncated", jpeg()[:300]), ("bomb", bomb())])
def test_a_wrong_type_or_damaged_photo_is_400(api, district, store, name, data):
    response = refused(api, district, store, 400, GOOD, files={"media": (f"p.{name}", data, "image/jpeg")})
    assert response.json()[0]["description"].startswith("media:")


def test_an_oversize_body_is_refused_before_it_is_read(api, district, store):
    response = refused(api, district, store, 400, GOOD, files={"media": ("p.jpg", b"x" * (4 * 1024 * 1024), "a/b")})
    assert "request body is" in response.json()[0]["description"]


@pytest.mark.parametrize("field,value", [
    ("description", "井盖\x00缺失"), ("first_name", "王\x07"), ("phone", "1" * 31), ("description", "x" * 4001),
    ("email", "a\nb@example.com"), ("media_url", "javascript:alert(1)"), ("media_url", "http://[::1"),
    ("datum", "mars"), ("source_id", "s" * 101)])
def test_hostile_strings_are_400(api, district, store, field, value):
    refused(api, district, store, 400, {**GOOD, field: value})


def test_markup_in_a_description_is_stored_as_text_and_escaped_in_xml(api, district):
    number = api.post("/open311/v2/requests.json", data={**GOOD, "api_key": district.key,
                                                          "description": "<script>alert('x')</script> & ]]>"}
                      ).json()[0]["service_request_id"]
    body = api.get(f"/open311/v2/requests/{number}.xml").content
    assert b"<script>" not in body and ET.fromstring(body).find("request/description").text.startswith("<script>")


def test_a_media_field_that_is_not_a_file_is_400(api, district, store):
    refused(api, district, store, 400, {**GOOD, "media": "http://example.com/p.jpg"})


def test_a_wrong_format_suffix_is_400_and_an_unknown_path_404(api):
    assert api.get("/open311/v2/services.html").status_code == 400
    missing = api.get("/open311/v2/nothing.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_a_wrong_jurisdiction_is_404_when_one_is_configured(api):
    api.app.state.gridgov.jurisdiction = "wuhai.gov.cn"
    assert api.get("/open311/v2/services.json?jurisdiction_id=other.gov").status_code == 404
    assert api.get("/open311/v2/services.json?jurisdiction_id=wuhai.gov.cn").status_code == 200


@pytest.mark.parametrize("query", ["status=pending", "start_date=yesterday", "start_date=2026-01-01T00:00:00",
                                   "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"])
def test_bad_request_filters_are_400(api, query):
    response = api.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400 and response.json()[0]["code"] == 400


def test_an_unknown_request_is_404(api):
    assert api.get("/open311/v2/requests/GG0.json").status_code == 404


def test_the_rate_limit_answers_429_with_retry_after(api, district):
    api.app.state.gridgov.limiter.per_minute = 2
    codes = [api.get(f"/open311/v2/requests.json?api_key={district.key}").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert api.get(f"/open311/v2/requests.json?api_key={district.key}").headers["retry-after"].isdigit()


@pytest.mark.parametrize("path", ["/api/report/leaflet/..%2F..%2F..%2Fapi%2Fapp.py", "/api/report/leaflet/a%00b",
                                  "/api/report/report.html", "/media/..%2F..%2Fetc%2Fpasswd", "/media/ab/cd.jpg"])
def test_the_page_and_media_serve_only_their_own_files(api, path):
    response = api.get(path)
    assert response.status_code == 404 and response.json()[0]["code"] == 404
