"""The OpenAPI description of the form bodies, which the routes read themselves (to accept attribute[code]
fields and the specification's exact error answers): form-encoded as Open311 says, or multipart with a
``media`` photo."""

from __future__ import annotations

_TEXT = {"type": "string"}
FIELDS = {
    "api_key": {**_TEXT, "description": "the client's key (also accepted in the query string)"},
    "jurisdiction_id": _TEXT,
    "service_code": {**_TEXT, "description": "a code from GET services"},
    "lat": {**_TEXT, "description": "latitude, WGS84 unless datum says otherwise"},
    "long": {**_TEXT, "description": "longitude, WGS84 unless datum says otherwise"},
    "datum": {"type": "string", "enum": ["wgs84", "cgcs2000", "gcj02", "bd09"],
              "description": "GridGov extension: the datum of lat/long (phone mini-programs send gcj02)"},
    "address_string": {**_TEXT, "description": "an address matched to a building when no lat/long is sent"},
    "address_id": {**_TEXT, "description": "a building code"},
    "email": _TEXT, "device_id": _TEXT, "account_id": _TEXT, "first_name": _TEXT, "last_name": _TEXT,
    "phone": _TEXT,
    "description": {**_TEXT, "description": "at most 4,000 characters; line breaks allowed"},
    "media_url": {**_TEXT, "description": "a link to media the client hosts (kept as a link, never fetched)"},
    "source_id": {**_TEXT, "description": "GridGov extension: the client's id for the report; posting the same "
                                          "one again returns the first request (so does an Idempotency-Key "
                                          "header)"},
}
_ANSWERS = {"type": "string", "description": "attribute[CODE]=value (attribute[CODE][]=v1&… for a "
                                             "multivaluelist), as GET services/CODE defines"}
_FORM = {"type": "object", "properties": FIELDS, "additionalProperties": _ANSWERS}
_MULTIPART = {"type": "object", "properties": {**FIELDS, "media": {"type": "string", "format": "binary"}},
              "additionalProperties": _ANSWERS}
REPORT_BODY = {"requestBody": {"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": _FORM},
    "multipart/form-data": {"schema": _MULTIPART}}}}
FOLLOW_BODY = {"requestBody": {"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
        k: FIELDS[k] for k in ("api_key", "email", "device_id", "account_id", "first_name", "last_name", "phone",
                               "source_id")}}}}}}

#: The phone page's own posts (/api/report/…): no api_key — who reports is the session cookie or the residents'
#: channel — and of the contact fields only the resident's optional phone.
_PAGE_FIELDS = {k: v for k, v in FIELDS.items() if k not in ("api_key", "jurisdiction_id", "email", "device_id",
                                                               "account_id", "first_name", "last_name")}
PAGE_REPORT_BODY = {"requestBody": {"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": {**_FORM, "properties": _PAGE_FIELDS}},
    "multipart/form-data": {"schema": {**_MULTIPART, "properties": {
        **_PAGE_FIELDS, "media": {"type": "string", "format": "binary"}}}}}}}
PAGE_FOLLOW_BODY = {"requestBody": {"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
        k: FIELDS[k] for k in ("phone", "source_id")}}}}}}
