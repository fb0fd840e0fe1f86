"""Checking what a client sends before anything reaches geo: every text field has a length and no control
characters (a NUL byte would make PostgreSQL refuse the row, a lone surrogate cannot be stored as UTF-8),
numbers are finite and in range, dates are W3C, lists are comma-separated. Each failure is an ApiError
naming the field, the bad value's problem and what is accepted."""

from __future__ import annotations

import math
from datetime import datetime
from urllib.parse import urlsplit

from geo.domain.datums import DATUMS
from geo.domain.text import CONTROL as _CONTROL
from geo.domain.text import CONTROL_ONE_LINE as _CONTROL_ONE_LINE


class ApiError(Exception):
    """A request refused: HTTP ``status`` with the descriptions for the specification's error list, and for
    GridGov's own routes (/api/) a ``reason`` word the phone page turns into a sentence in the reader's
    language (api.page_strings: ``err_<reason>``); without one the status decides (api.app.REASON_BY_STATUS)."""

    def __init__(self, status: int, *descriptions: str, headers: dict | None = None, reason: str | None = None):
        super().__init__("; ".join(descriptions))
        self.status, self.descriptions, self.headers, self.reason = status, list(descriptions), headers, reason


def text(value: str | None, field: str, max_len: int, multiline: bool = False) -> str:
    """The trimmed value ("" for none), or 400 for control characters or more than ``max_len`` characters."""
    value = (value or "").strip()
    if (_CONTROL if multiline else _CONTROL_ONE_LINE).search(value):
        raise ApiError(400, f"{field} contains control characters or invalid Unicode; send plain UTF-8 text"
                            + (" (line breaks allowed)" if multiline else " on one line"))
    if len(value) > max_len:
        raise ApiError(400, f"{field} is {len(value)} characters long; at most {max_len} are accepted")
    return value


def number(value: str | None, field: str, low: float, high: float) -> float | None:
    """A finite number in [low, high], None when not sent, else 400."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = float(value)
    except ValueError:
        raise ApiError(400, f"{field} must be a decimal number, got {value[:40]!r}") from None
    if not math.isfinite(parsed) or not low <= parsed <= high:
        raise ApiError(400, f"{field} must be between {low:g} and {high:g}, got {value[:40]!r}")
    return parsed


def datum(value: str | None) -> str:
    """The coordinates' datum (GridGov's extra parameter): wgs84 (default, as Open311 says), gcj02, bd09."""
    value = (value or "wgs84").strip().lower()
    if value not in DATUMS:
        raise ApiError(400, f"datum must be one of {', '.join(DATUMS)}, got {value[:20]!r}")
    return value


def when(value: str | None, field: str) -> datetime | None:
    """A W3C date-time (2010-01-01T00:00:00Z; an offset is required, as the specification says)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ApiError(400, f"{field} must be a W3C date-time with a time zone such as 2010-01-01T00:00:00Z, "
                            f"got {value[:40]!r}")
    return parsed


def listed(value: str | None, field: str, max_items: int = 1000, max_len: int = 100) -> tuple[str, ...]:
    """A comma-delimited list (empty items dropped)."""
    items = tuple(dict.fromkeys(i.strip() for i in text(value, field, max_items * (max_len + 1)).split(",")
                                if i.strip()))
    if len(items) > max_items:
        raise ApiError(400, f"{field}: at most {max_items} values, got {len(items)}")
    if any(len(i) > max_len for i in items):
        raise ApiError(400, f"{field}: each value has at most {max_len} characters")
    return items


def url(value: str | None, field: str) -> str:
    """An http(s) URL of at most 500 characters, or ""."""
    value = text(value, field, 500)
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if value and (parts is None or parts.scheme not in ("http", "https") or not parts.netloc):
        raise ApiError(400, f"{field} must be an http or https URL, got {value[:60]!r}")
    return value
