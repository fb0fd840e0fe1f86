"""Every setting GridGov reads from the environment, in one place (README's configuration table lists them).

Each reader takes an optional ``env`` mapping (default ``os.environ``) so tests can pass their own, and
refuses a malformed value with a message naming the variable and an accepted example. Nothing else in
GridGov reads the environment. This module may import geo.domain (to build its value types) and nothing
else of geo.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from geo.domain.crs import DEFAULT_METRIC_CRS
from geo.domain.duplicates import DuplicatePolicy
from geo.domain.escalation import EscalationPolicy
from geo.domain.photos import PhotoLimits
from geo.domain.volunteer_points import PointsRule
from geo.domain.workcalendar import WorkCalendar, default_calendar

#: Display time zone: all times are stored as UTC and shown in the district's local time.
LOCAL_TZ = "Asia/Shanghai"
MB = 1024 * 1024


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def _text(name: str, env: Mapping[str, str] | None, default: str = "") -> str:
    return (_env(env).get(name) or "").strip() or default


def _number(name: str, env: Mapping[str, str] | None, default: float, minimum: float, unit: str,
            short: str) -> float:
    """A number of ``unit`` (e.g. "seconds", short "s") at least ``minimum``; NaN is refused too."""
    raw = _text(name, env)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of {unit}, got {raw!r}") from None
    if not value >= minimum:
        raise ValueError(f"{name} must be at least {minimum:g} {short}, got {raw!r}")
    return value


# --------------------------------------------------------------------------- storage


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the embedded database and uploads live (``GRIDGOV_DATA_DIR``, default ``./data``)."""
    return Path(_text("GRIDGOV_DATA_DIR", env, "data")).resolve()


def database_url(env: Mapping[str, str] | None = None) -> str:
    """``DATABASE_URL`` if set (``postgresql+psycopg://…`` for PostGIS), else the embedded SQLite file."""
    return _text("DATABASE_URL", env) or f"sqlite:///{data_dir(env) / 'gridgov.db'}"


def upload_retention_hours(env: Mapping[str, str] | None = None) -> float:
    """Hours an abandoned upload may stay under ``<data dir>/uploads`` before ``gridgov sweep`` removes it
    (``GRIDGOV_UPLOAD_RETENTION_H``, default 24). Spent uploads go at once (loaders.uploads)."""
    return _number("GRIDGOV_UPLOAD_RETENTION_H", env, 24, minimum=0, unit="hours", short="h")


def error_log(env: Mapping[str, str] | None = None) -> Path:
    """Where the command line writes the details of unexpected errors — its messages give only a reference
    into this file, never SQL or personal data (``GRIDGOV_ERROR_LOG``, default ``<data dir>/errors.log``)."""
    return Path(_text("GRIDGOV_ERROR_LOG", env) or data_dir(env) / "errors.log")


def max_upload_bytes(env: Mapping[str, str] | None = None) -> int:
    """Largest upload accepted (``GRIDGOV_MAX_UPLOAD_MB``, default 200 MB — Streamlit's own default limit)."""
    return int(_number("GRIDGOV_MAX_UPLOAD_MB", env, 200, minimum=0, unit="megabytes", short="MB") * MB)


# --------------------------------------------------------------------------- spatial rules


def metric_crs(env: Mapping[str, str] | None = None) -> str:
    """The projected CRS (metres) for distances and areas (``GRIDGOV_METRIC_CRS``, default EPSG:4545)."""
    return _text("GRIDGOV_METRIC_CRS", env, DEFAULT_METRIC_CRS)


@dataclass(frozen=True)
class AssignmentSettings:
    """Tolerances for placing a case in a grid, in metres."""

    snap_m: float = 30.0  # outside every grid but this close to one: snapped to it (and flagged)
    boundary_m: float = 5.0  # this close to a grid edge: flagged "near boundary" for a supervisor to confirm
    building_m: float = 20.0  # no footprint contains the point: the nearest building this close

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AssignmentSettings:
        return cls(
            snap_m=_number("GRIDGOV_SNAP_M", env, cls.snap_m, minimum=0, unit="metres", short="m"),
            boundary_m=_number("GRIDGOV_BOUNDARY_M", env, cls.boundary_m, minimum=0, unit="metres", short="m"),
            building_m=_number("GRIDGOV_BUILDING_M", env, cls.building_m, minimum=0, unit="metres", short="m"),
        )


@lru_cache(maxsize=1)
def _calendar_from(path: str) -> WorkCalendar:
    return WorkCalendar.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def work_calendar(env: Mapping[str, str] | None = None) -> WorkCalendar:
    """The district's work calendar: the JSON file named by ``GRIDGOV_CALENDAR``, else China's official one."""
    path = _text("GRIDGOV_CALENDAR", env)
    return _calendar_from(path) if path else default_calendar()


@lru_cache(maxsize=4)
def _policy_from(raw: str) -> EscalationPolicy:
    example = "GRIDGOV_ESCALATION_HOURS must be three increasing numbers of hours (yellow, red, discipline) " \
              "such as 1,4,15"
    try:
        yellow, red, discipline = (float(part) for part in raw.split(","))
        return EscalationPolicy.from_dict({"yellow_hours": yellow, "red_hours": red, "discipline_hours": discipline})
    except ValueError as exc:
        raise ValueError(f"{example}, got {raw!r} ({exc})") from None


def escalation_policy(env: Mapping[str, str] | None = None) -> EscalationPolicy:
    """The district's escalation thresholds (``GRIDGOV_ESCALATION_HOURS``, hours to the yellow card, the red
    card and the push to discipline inspection; default ``1,4,15`` as DOMAIN.md quotes). Every card, queue,
    figure and reminder reads them from here, through geo.db.rules (SQL) or by passing the policy to
    geo.domain.escalation (Python)."""
    raw = _text("GRIDGOV_ESCALATION_HOURS", env)
    return _policy_from(raw) if raw else EscalationPolicy()


# --------------------------------------------------------------------------- dashboard


def session_timeout_s(env: Mapping[str, str] | None = None) -> float:
    """Idle seconds before a session signs out (``GRIDGOV_SESSION_TIMEOUT_MIN``, default 30 minutes)."""
    return _number("GRIDGOV_SESSION_TIMEOUT_MIN", env, 30, minimum=0, unit="minutes", short="min") * 60


def session_max_age_s(env: Mapping[str, str] | None = None) -> float:
    """Seconds a signed-in browser session lasts at most, active or not (``GRIDGOV_SESSION_MAX_HOURS``, default
    12: one long shift); also the cookie's Max-Age."""
    return _number("GRIDGOV_SESSION_MAX_HOURS", env, 12, minimum=0.01, unit="hours", short="h") * 3600


def secret_key(env: Mapping[str, str] | None = None) -> bytes:
    """The server secret that signs rating links (``GRIDGOV_SECRET_KEY``). Unset: a random key generated once
    and kept in ``<data dir>/secret_key`` (mode 600), so links survive restarts. Several servers behind one
    name must share the same ``GRIDGOV_SECRET_KEY``."""
    given = _text("GRIDGOV_SECRET_KEY", env)
    if given:
        if len(given) < 32:
            raise ValueError(f"GRIDGOV_SECRET_KEY must be at least 32 characters, got {len(given)}")
        return given.encode()
    return _persisted_secret(data_dir(env) / "secret_key")


def _persisted_secret(path: Path) -> bytes:
    """Read the key file, creating it atomically (O_EXCL) when missing: two processes starting together agree."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
    for _ in range(50):  # the creator may not have written it yet
        key = path.read_text().strip()
        if key:
            return key.encode()
        time.sleep(0.02)
    raise ValueError(f"the secret key file {path} is empty: delete it or set GRIDGOV_SECRET_KEY")


def rating_link_days(env: Mapping[str, str] | None = None) -> float:
    """Days a resident's rating link stays valid after the case is closed (``GRIDGOV_RATING_LINK_DAYS``, 7)."""
    return _number("GRIDGOV_RATING_LINK_DAYS", env, 7, minimum=0.01, unit="days", short="d")


def public_url(env: Mapping[str, str] | None = None) -> str:
    """The address residents and API clients reach GridGov at, for printed rating links and the API's
    media_url links behind a proxy (``GRIDGOV_PUBLIC_URL``, e.g. ``https://gridgov.example.gov.cn``). Unset:
    the address the supervisor's browser, or each API request, came to."""
    raw = _text("GRIDGOV_PUBLIC_URL", env)
    if raw and urlsplit(raw).scheme not in ("http", "https"):
        raise ValueError(f"GRIDGOV_PUBLIC_URL must start with http:// or https://, got {raw!r}")
    return raw.rstrip("/")


@dataclass(frozen=True)
class SingleSignOn:
    """``GRIDGOV_AUTH=oidc``: sign in through Streamlit's OIDC login; groups map to roles."""

    role_claim: str
    role_map: dict[str, str]


def single_sign_on(env: Mapping[str, str] | None = None) -> SingleSignOn | None:
    """The single sign-on settings, or None for local accounts (the default)."""
    if _text("GRIDGOV_AUTH", env) != "oidc":
        return None
    raw = _text("GRIDGOV_OIDC_ROLE_MAP", env, "{}")
    try:
        role_map = json.loads(raw)
    except ValueError:
        raise ValueError(f'GRIDGOV_OIDC_ROLE_MAP must be JSON such as {{"gov-center": "supervisor"}}, '
                         f"got {raw!r}") from None
    return SingleSignOn(_text("GRIDGOV_OIDC_ROLE_CLAIM", env, "groups"), role_map)


def demo_password(env: Mapping[str, str] | None = None) -> str:
    """The sample's demo accounts' password (``GRIDGOV_DEMO_PASSWORD``, default ``gridgov-demo``)."""
    return _text("GRIDGOV_DEMO_PASSWORD", env, "gridgov-demo")


DEFAULT_TILE_MAX_ZOOM = 18


@dataclass(frozen=True)
class TileConfig:
    url: str
    attribution: str
    max_zoom: int = DEFAULT_TILE_MAX_ZOOM
    subdomains: str = "abc"


def tile_config(env: Mapping[str, str] | None = None) -> TileConfig | None:
    """Base-map tiles from ``GRIDGOV_TILE_URL`` (template; unset, empty or ``none``: no tiles),
    ``GRIDGOV_TILE_ATTRIBUTION`` (default: the host), ``GRIDGOV_TILE_MAX_ZOOM`` (18) and
    ``GRIDGOV_TILE_SUBDOMAINS`` (values of ``{s}``, e.g. ``01234567`` for Tianditu; default ``abc``)."""
    url = _text("GRIDGOV_TILE_URL", env)
    if not url or url.lower() == "none":
        return None
    raw_zoom = _text("GRIDGOV_TILE_MAX_ZOOM", env)
    try:
        max_zoom = int(raw_zoom) if raw_zoom else DEFAULT_TILE_MAX_ZOOM
    except ValueError:
        raise ValueError(f"GRIDGOV_TILE_MAX_ZOOM must be an integer, got {raw_zoom!r}") from None
    # Default attribution: the host name without the {s} label ("t{s}.tianditu.gov.cn" -> "tianditu.gov.cn").
    host = re.sub(r"[^.]*\{s\}[^.]*\.", "", urlsplit(url).netloc)
    return TileConfig(url=url, attribution=_text("GRIDGOV_TILE_ATTRIBUTION", env) or host or "tiles",
                      max_zoom=max_zoom, subdomains=_text("GRIDGOV_TILE_SUBDOMAINS", env, "abc"))


def screen_refresh_s(env: Mapping[str, str] | None = None) -> float:
    """``GRIDGOV_SCREEN_REFRESH_S`` (default 30): seconds between big-screen refreshes, at least 1."""
    return _number("GRIDGOV_SCREEN_REFRESH_S", env, 30.0, minimum=1.0, unit="seconds", short="s")


def screen_as_of(env: Mapping[str, str] | None = None) -> datetime | None:
    """``GRIDGOV_SCREEN_AS_OF`` (ISO 8601, e.g. ``2026-10-31T20:00+08:00``): show the district as of that
    instant instead of now — for training on a historical database. Unset: live."""
    raw = _text("GRIDGOV_SCREEN_AS_OF", env)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"GRIDGOV_SCREEN_AS_OF must be an ISO 8601 time such as 2026-10-31T20:00+08:00, got {raw!r}"
        ) from None
    return value.replace(tzinfo=ZoneInfo(LOCAL_TZ)) if value.tzinfo is None else value.astimezone(UTC)


# --------------------------------------------------------------------------- intake and the API


def media_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the file media store keeps photos (``GRIDGOV_MEDIA_DIR``, default ``<data dir>/media``)."""
    raw = _text("GRIDGOV_MEDIA_DIR", env)
    return Path(raw).resolve() if raw else data_dir(env) / "media"


MEDIA_STORES = ("file",)


def media_store_kind(env: Mapping[str, str] | None = None) -> str:
    """``GRIDGOV_MEDIA_STORE``: which media store keeps photos (``file``, the default; an S3-compatible store
    plugs in behind geo.db.media_store.MediaStore — see docs/api.md)."""
    kind = _text("GRIDGOV_MEDIA_STORE", env, "file").lower()
    if kind not in MEDIA_STORES:
        raise ValueError(f"GRIDGOV_MEDIA_STORE must be one of {', '.join(MEDIA_STORES)}, got {kind!r}")
    return kind


def photo_limits(env: Mapping[str, str] | None = None) -> PhotoLimits:
    """``GRIDGOV_MEDIA_MAX_MB`` (default 10): largest photo accepted; ``GRIDGOV_MEDIA_MAX_SIDE`` (default 2048):
    longest side kept after re-encoding."""
    size = _number("GRIDGOV_MEDIA_MAX_MB", env, 10, minimum=0.01, unit="megabytes", short="MB")
    side = _number("GRIDGOV_MEDIA_MAX_SIDE", env, 2048, minimum=64, unit="pixels", short="px")
    return PhotoLimits(max_bytes=int(size * MB), max_side=int(side))


def api_rate_per_minute(env: Mapping[str, str] | None = None) -> int:
    """``GRIDGOV_API_RATE_PER_MIN`` (default 60): requests one API key may make per minute."""
    return int(_number("GRIDGOV_API_RATE_PER_MIN", env, 60, minimum=1, unit="requests", short="requests"))


def report_page_rate_per_minute(env: Mapping[str, str] | None = None) -> int:
    """``GRIDGOV_REPORT_PAGE_RATE_PER_MIN`` (default 10): reports and follows one client address may send per
    minute through the phone page's resident channel (no account); 0 closes that channel (grid members, signed
    in, still report)."""
    return int(_number("GRIDGOV_REPORT_PAGE_RATE_PER_MIN", env, 10, minimum=0, unit="requests", short="requests"))


def jurisdiction_id(env: Mapping[str, str] | None = None) -> str:
    """``GRIDGOV_JURISDICTION``: the Open311 jurisdiction_id this endpoint serves. Unset: the parameter is
    ignored (one jurisdiction, as the specification allows); set: any other value is refused with 404."""
    return _text("GRIDGOV_JURISDICTION", env)


def duplicate_policy(env: Mapping[str, str] | None = None) -> DuplicatePolicy:
    """``GRIDGOV_DUPLICATE_RULES`` (JSON): radius and window per category code, e.g.
    ``{"default": {"radius_m": 50, "hours": 72}, "SZSS03": {"radius_m": 150, "hours": 24}}``."""
    raw = _text("GRIDGOV_DUPLICATE_RULES", env)
    if not raw:
        return DuplicatePolicy()
    try:
        return DuplicatePolicy.from_dict(json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise ValueError(f'GRIDGOV_DUPLICATE_RULES must be JSON such as {{"default": {{"radius_m": 50, '
                         f'"hours": 72}}}}: {exc}') from None


def suggest_min_confidence(env: Mapping[str, str] | None = None) -> float:
    """``GRIDGOV_SUGGEST_MIN_CONFIDENCE`` (default 0.6): below this the category suggestion is only a hint
    and a person decides."""
    value = _number("GRIDGOV_SUGGEST_MIN_CONFIDENCE", env, 0.6, minimum=0, unit="a fraction", short="")
    if value > 1:
        raise ValueError(f"GRIDGOV_SUGGEST_MIN_CONFIDENCE must be at most 1, got {value}")
    return value


def model_path(env: Mapping[str, str] | None = None) -> Path:
    """Where ``gridgov train-classifier`` writes the category model (``<data dir>/models/categories.joblib``)."""
    return data_dir(env) / "models" / "categories.joblib"


# --------------------------------------------------------------------------- community forces


def volunteer_points_rule(env: Mapping[str, str] | None = None) -> PointsRule:
    """``GRIDGOV_VOLUNTEER_POINTS`` (JSON): what a completed volunteer task earns, e.g.
    ``{"base": 10, "per_hour": 5, "max_hours": 4, "photo_bonus": 2}`` (the default; any subset)."""
    raw = _text("GRIDGOV_VOLUNTEER_POINTS", env)
    if not raw:
        return PointsRule()
    try:
        return PointsRule.from_dict(json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise ValueError(f'GRIDGOV_VOLUNTEER_POINTS must be JSON such as {{"base": 10, "per_hour": 5, '
                         f'"max_hours": 4, "photo_bonus": 2}}, got {raw!r}: {exc}') from None


# --------------------------------------------------------------------------- command line


def cli_user(env: Mapping[str, str] | None = None) -> str:
    """Who runs a ``gridgov`` command, for the audit log (``USER``, default ``admin``)."""
    return _text("USER", env, "admin")


def new_password(env: Mapping[str, str] | None = None) -> str:
    """``GRIDGOV_NEW_PASSWORD``: the password for ``gridgov user add`` without a terminal (scripts); "" asks."""
    return _text("GRIDGOV_NEW_PASSWORD", env)
