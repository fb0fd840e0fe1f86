"""Open311 GeoReport v2 through the API on every backend: discovery, services, definitions, POST (form and
multipart with a photo), GET requests with filters, GET one, JSON and XML."""

import xml.etree.ElementTree as ET

from sqlalchemy import select

from geo.db.models import Case, CaseMedia, CaseReporter, Grid
from tests.integration.intake_fixtures import ADDRESS, INSIDE_D, counts, jpeg


def post(api, district, **fields):
    data = {"api_key": district.key, "service_code": "JG", "lat": str(INSIDE_D[1]), "long": str(INSIDE_D[0]),
            "description": "井盖缺失，存在安全隐患", "attribute[state]": "missing", **fields}
    return api.post("/open311/v2/requests.json", data={k: v for k, v in data.items() if v is not None})


def test_discovery_names_the_v2_endpoint_in_both_formats(api):
    body = api.get("/open311/discovery.json").json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["url"].endswith("/open311/v2")
    root = ET.fromstring(api.get("/open311/discovery.xml").content)
    assert root.tag == "discovery" and root.find("endpoints/endpoint/formats/format").text == "text/xml"


def test_services_list_our_categories_with_metadata_when_they_have_questions(api):
    services = {s["service_code"]: s for s in api.get("/open311/v2/services.json").json()}
    assert services["JG"]["metadata"] is True and services["LD"]["metadata"] is False
    assert services["JG"]["group"] == "市政设施" and services["JG"]["type"] == "realtime"


def test_services_xml_is_utf8_with_one_service_element_each(api):
    response = api.get("/open311/v2/services.xml")
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(response.content)
    assert [s.find("service_code").text for s in root.findall("service")] == ["JG", "LD"]
    assert root.find("service/metadata").text == "true"


def test_a_service_definition_lists_its_attributes_with_values(api):
    definition = api.get("/open311/v2/services/JG.json").json()
    state = definition["attributes"][0]
    assert (state["code"], state["datatype"], state["required"], state["order"]) == ("state", "singlevaluelist", True, 1)
    assert state["values"] == [{"key": "missing", "name": "缺失"}, {"key": "broken", "name": "破损"}]
    root = ET.fromstring(api.get("/open311/v2/services/JG.xml").content)
    assert root.tag == "service_definition" and root.find("attributes/attribute/values/value/key").text == "missing"


def test_a_posted_request_is_placed_in_its_grid_and_readable(api, district):
    response = post(api, district, **{"attribute[kind][]": None})
    assert response.status_code == 200, response.text
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert "市政公用事业服务中心" in created["service_notice"]
    with district.db.session() as s:
        case = s.scalars(select(Case).where(Case.number == created["service_request_id"])).one()
        assert s.get(Grid, case.grid_id).code == "D" and case.source == "resident_app"
    [read] = api.get(f"/open311/v2/requests/{created['service_request_id']}.json").json()
    assert (read["status"], read["service_code"], read["agency_responsible"]) == ("open", "JG", "市政公用事业服务中心")
    assert read["status_notes"].startswith("stage: reported")
    assert abs(read["lat"] - INSIDE_D[1]) < 1e-9 and read["requested_datetime"].endswith("+08:00")


def test_multivalue_attributes_and_the_answers_note(api, district):
    response = api.post("/open311/v2/requests.json", data={
        "api_key": district.key, "service_code": "JG", "lat": str(INSIDE_D[1]), "long": str(INSIDE_D[0]),
        "attribute[state]": "broken", "attribute[kind][]": ["rain", "sewage"]})
    assert response.status_code == 200, response.text
    with district.db.session() as s:
        reporter = s.scalars(select(CaseReporter)).one()
    assert '"kind": ["rain", "sewage"]' in reporter.attributes


def test_a_photo_sent_as_multipart_media_is_stored_without_exif_and_linked(api, district, store):
    response = api.post("/open311/v2/requests.json", data={
        "api_key": district.key, "service_code": "JG", "lat": str(INSIDE_D[1]), "long": str(INSIDE_D[0]),
        "attribute[state]": "missing"}, files={"media": ("p.jpg", jpeg(gps=(106.8, 39.67)), "image/jpeg")})
    assert response.status_code == 200, response.text
    number = response.json()[0]["service_request_id"]
    [read] = api.get(f"/open311/v2/requests/{number}.json").json()
    photo = api.get(read["media_url"].split("testserver", 1)[1])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert b"PhoneMaker" not in photo.content and b"Exif" not in photo.content
    with district.db.session() as s:
        media = s.scalars(select(CaseMedia)).one()
    assert (media.kind, round(media.exif_lon, 4), round(media.exif_lat, 4)) == ("before", 106.8, 39.67)


def test_a_report_without_position_is_placed_by_its_photo_gps(api, district):
    response = api.post("/open311/v2/requests.json", data={"api_key": district.key, "service_code": "LD"},
                        files={"media": ("p.jpg", jpeg(gps=INSIDE_D), "image/jpeg")})
    assert response.status_code == 200, response.text
    with district.db.session() as s:
        case = s.scalars(select(Case)).one()
        assert s.get(Grid, case.grid_id).code == "D"


def test_an_address_string_places_the_request_at_its_building(api, district):
    response = post(api, district, lat=None, long=None, address_string=ADDRESS + "2单元501")
    assert response.status_code == 200, response.text
    with district.db.session() as s:
        case = s.scalars(select(Case)).one()
    assert case.building_id == district.building_id and case.grid_id is not None


def test_gcj02_coordinates_are_converted_when_datum_says_so(api, district):
    from geo.domain.datums import wgs84_to_gcj02

    lon, lat = (float(v[0]) for v in wgs84_to_gcj02([INSIDE_D[0]], [INSIDE_D[1]]))
    assert post(api, district, lat=str(lat), long=str(lon), datum="gcj02").status_code == 200
    with district.db.session() as s:
        case = s.scalars(select(Case)).one()
    assert abs(case.lon - INSIDE_D[0]) < 1e-7 and abs(case.lat - INSIDE_D[1]) < 1e-7


def test_reposting_with_the_same_source_id_creates_nothing_new(api, district):
    first = post(api, district, source_id="12345-0001").json()[0]["service_request_id"]
    before = counts(district.db)
    again = post(api, district, source_id="12345-0001")
    assert again.status_code == 200 and again.json()[0]["service_request_id"] == first
    assert counts(district.db) == before


def test_the_idempotency_key_header_works_like_source_id(api, district):
    data = {"api_key": district.key, "service_code": "LD", "lat": str(INSIDE_D[1]), "long": str(INSIDE_D[0])}
    first = api.post("/open311/v2/requests.json", data=data, headers={"Idempotency-Key": "k-1"}).json()
    second = api.post("/open311/v2/requests.json", data=data, headers={"Idempotency-Key": "k-1"}).json()
    assert first == second and counts(district.db)["cases"] == 1


def test_get_requests_filters_by_code_status_and_dates(api, district):
    jg = post(api, district).json()[0]["service_request_id"]
    post(api, district, service_code="LD", **{"attribute[state]": None})
    assert [r["service_request_id"] for r in api.get("/open311/v2/requests.json?service_code=JG").json()] == [jg]
    assert len(api.get("/open311/v2/requests.json?status=open").json()) == 2
    assert api.get("/open311/v2/requests.json?status=closed").json() == []
    old = api.get("/open311/v2/requests.json?start_date=2010-01-01T00:00:00Z&end_date=2010-02-01T00:00:00Z")
    assert old.status_code == 200 and old.json() == []


def test_get_requests_by_id_list_overrides_other_filters(api, district):
    a = post(api, district).json()[0]["service_request_id"]
    b = post(api, district, description="又一个").json()[0]["service_request_id"]
    found = api.get(f"/open311/v2/requests.xml?service_request_id={a},{b}&service_code=LD")
    assert sorted(r.find("service_request_id").text for r in ET.fromstring(found.content).findall("request")) == \
        sorted([a, b])


def test_another_client_sees_a_description_with_its_phone_number_masked(api, district):
    number = post(api, district, description="井盖没了，联系我13812345678").json()[0]["service_request_id"]
    [public] = api.get(f"/open311/v2/requests/{number}.json").json()
    [own] = api.get(f"/open311/v2/requests/{number}.json?api_key={district.key}").json()
    assert "138****5678" in public["description"] and "13812345678" in own["description"]
    assert "13812345678" not in api.get("/open311/v2/requests.json").text


def test_a_likely_duplicate_is_named_in_the_service_notice_and_by_the_helper(api, district):
    first = post(api, district).json()[0]["service_request_id"]
    notice = post(api, district).json()[0]["service_notice"]
    assert f"possibly already reported as {first}" in notice
    found = api.get("/api/v1/duplicates", params={"lat": INSIDE_D[1], "long": INSIDE_D[0], "service_code": "JG",
                                                  "description": "井盖缺失"}).json()["duplicates"]
    assert first in [d["service_request_id"] for d in found]


def test_following_a_case_adds_a_reporter_and_no_case(api, district):
    number = post(api, district).json()[0]["service_request_id"]
    response = api.post(f"/api/v1/requests/{number}/follow", data={"api_key": district.key, "phone": "13900000000"})
    assert response.status_code == 200 and response.json()["service_request_id"] == number
    assert counts(district.db)["cases"] == 1 and counts(district.db)["case_reporters"] == 2


def test_tokens_are_not_issued_so_any_token_is_not_found(api):
    response = api.get("/open311/v2/tokens/123.xml")
    assert response.status_code == 404 and ET.fromstring(response.content).find("error/code").text == "404"


def test_the_openapi_description_is_served_under_api(api):
    spec = api.get("/api/openapi.json").json()
    assert "/open311/v2/requests.{fmt}" in spec["paths"]
    body = spec["paths"]["/open311/v2/requests.{fmt}"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/x-www-form-urlencoded", "multipart/form-data"}


def test_the_sample_district_offers_its_categories_with_their_questions(sample_db, store):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.integration.api_fixtures import SETTINGS

    with TestClient(create_app(sample_db, store, SETTINGS)) as client:
        services = client.get("/open311/v2/services.json").json()
        assert len(services) == 31 and sum(s["metadata"] for s in services) == 7
        cover = client.get("/open311/v2/services/SZSS02.json").json()["attributes"]
        assert [a["code"] for a in cover] == ["cover_state", "cover_kind"]
        gas = client.get("/open311/v2/services/AQYH01.xml")
        assert b"<variable>false</variable>" in gas.content
