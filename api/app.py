"""The API application: Open311 (/open311/), GridGov's intake helpers (/api/v1/), photos (/media/), and the
OpenAPI description at /api/openapi.json (no interactive docs page: it would load scripts from a CDN).

Every refusal is the specification's error list with a 4xx status; an unexpected failure is logged and
answered with a generic 500 list — never a traceback. ``create_app`` takes the database, media store and
settings for tests; by default it reads them from geo.config.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from api import helpers, media, open311, page, page_reports, volunteers
from api.context import Context
from api.formats import errors, format_of
from api.inputs import ApiError
from api.keys import RateLimiter
from geo import config
from geo.db.database import Database
from geo.db.media_store import MediaStore, open_media_store
from geo.read.suggestions import load_model
from geo.usecases.reports import IntakeSettings

log = logging.getLogger("gridgov.api")
PREFIXES = ("/open311/", "/api/", "/media/")
#: The reason word of a refusal on GridGov's own routes when the code raising it gave none.
REASON_BY_STATUS = {400: "bad_input", 403: "forbidden", 404: "not_found", 429: "rate_limited", 500: "failed"}
#: Room for the form fields around the largest photo allowed.
_FORM_SLACK = 1024 * 1024


def default_settings() -> IntakeSettings:
    return IntakeSettings(duplicates=config.duplicate_policy(), min_confidence=config.suggest_min_confidence(),
                          photo_limits=config.photo_limits(), model_loader=load_model)


def create_app(db: Database | None = None, store: MediaStore | None = None,
               settings: IntakeSettings | None = None, rate_per_minute: int | None = None,
               page_rate_per_minute: int | None = None) -> FastAPI:
    """The app; ``page_rate_per_minute`` is the residents' channel of the phone page per client address (0
    closes it; None: GRIDGOV_REPORT_PAGE_RATE_PER_MIN)."""
    app = FastAPI(title="GridGov intake API", version="1", openapi_url="/api/openapi.json", docs_url=None,
                  redoc_url=None, description="Open311 GeoReport v2 plus GridGov's intake helpers. See docs/api.md.")
    page_rate = config.report_page_rate_per_minute() if page_rate_per_minute is None else page_rate_per_minute
    app.state.gridgov = Context(db=db or Database(), store=store or open_media_store(),
                                limiter=RateLimiter(rate_per_minute or config.api_rate_per_minute()),
                                intake=settings or default_settings(), jurisdiction=config.jurisdiction_id(),
                                public_url=config.public_url(),
                                page_limiter=RateLimiter(page_rate, "client address") if page_rate else None,
                                session_idle=timedelta(seconds=config.session_timeout_s()))
    for router in (open311.router, helpers.router, page.router, page_reports.router, volunteers.router,
                   media.router):
        app.include_router(router)
    _handlers(app)
    return app


def _handlers(app: FastAPI) -> None:
    @app.middleware("http")
    async def refuse_oversize_bodies(request: Request, call_next):
        """A body far past the photo limit is refused before it is read (and spooled to disk)."""
        limit = request.app.state.gridgov.intake.photo_limits.max_bytes + _FORM_SLACK
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            return errors(400, [f"request body is {int(length) / 1048576:.1f} MB; at most "
                                f"{limit / 1048576:.0f} MB (one photo and the form) is accepted"],
                          format_of(request.url.path), reason=_reason(request, 400, "too_large"))
        return await call_next(request)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return errors(exc.status, exc.descriptions, format_of(request.url.path), headers=exc.headers,
                      reason=_reason(request, exc.status, exc.reason))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"[:300]
                    for e in exc.errors()] or ["invalid request"]
        return errors(400, problems, format_of(request.url.path), reason=_reason(request, 400))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        status = exc.status_code if 400 <= exc.status_code < 500 else 400
        detail = exc.detail if isinstance(exc.detail, str) else "invalid request"
        if exc.status_code == 404:
            detail = f"no resource at {request.url.path[:100]} (Open311 resources end in .json or .xml)"
        return errors(status, [detail], format_of(request.url.path), headers=getattr(exc, "headers", None),
                      reason=_reason(request, status))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("API failure on %s %s", request.method, request.url.path)
        return errors(500, ["the service failed to process the request; the administrator has been told"],
                      format_of(request.url.path), reason=_reason(request, 500))


def _reason(request: Request, status: int, reason: str | None = None) -> str | None:
    """The reason word for GridGov's own routes (/api/); Open311's answers stay as the specification has them."""
    if not request.url.path.startswith("/api/"):
        return None
    return reason or REASON_BY_STATUS.get(status, "failed")
