"""Open311 output: JSON, or XML by the Spark convention (a list is an element of the plural name holding one
element per item; true/false and empty elements as the specification's examples), both UTF-8, chosen by the
resource's .json/.xml suffix; errors as the specification's list of {code, description}."""

from __future__ import annotations

import json
import re
from datetime import datetime
from enum import Enum
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from fastapi.responses import Response

from geo.config import LOCAL_TZ

#: The element name of one item of each list (services → service …).
ITEM = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
        "endpoints": "endpoint", "formats": "format", "errors": "error"}
MEDIA_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TZ = ZoneInfo(LOCAL_TZ)


class Format(str, Enum):
    json = "json"
    xml = "xml"


def w3c(value: datetime | None) -> str | None:
    """W3C date-time with the district's offset, e.g. 2026-03-02T09:00:00+08:00 (None stays None)."""
    return None if value is None else value.astimezone(_TZ).isoformat(timespec="seconds")


def render(data, fmt: str, root: str, status: int = 200, headers: dict | None = None) -> Response:
    """``data`` (a list or a dict of plain values) as JSON, or as XML under the element ``root``."""
    if fmt == "xml":
        body = _xml(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(body, status_code=status, media_type=MEDIA_TYPES["xml" if fmt == "xml" else "json"],
                    headers=headers)


def errors(status: int, descriptions: list[str], fmt: str = "json", code: int | None = None,
           headers: dict | None = None, reason: str | None = None) -> Response:
    """The specification's error list: HTTP ``status``, one {code, description} per problem (plus the
    ``reason`` word on GridGov's own routes, for the phone page's catalogue)."""
    items = [{"code": code or status, "description": d, **({"reason": reason} if reason else {})}
             for d in descriptions]
    return render(items, fmt, "errors", status, headers)


def format_of(path: str) -> str:
    """xml for a resource ending in .xml, else json (errors answer in the format the client asked for)."""
    return "xml" if path.lower().endswith(".xml") else "json"


def _xml(root: str, data) -> bytes:
    element = ET.Element(root)
    _fill(element, data, root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8", xml_declaration=False)


def _fill(element: ET.Element, value, name: str) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child, key)
    elif isinstance(value, list):
        item = ITEM.get(name, "item")
        for child in value:
            _fill(ET.SubElement(element, item), child, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _XML_ILLEGAL.sub("", str(value))
