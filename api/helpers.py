"""GridGov's own intake helpers under /api/v1/ (JSON): what the phone page and integrating systems need
around an Open311 report — category suggestions from the text, likely duplicates before submitting, following
an existing case instead of reporting it again, and a report whose category may be left to the model."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from api import inputs, items, keys, reports
from api.context import context
from api.formats import render, w3c
from api.inputs import ApiError
from api.openapi import FOLLOW_BODY, REPORT_BODY
from geo.domain.datums import to_wgs84
from geo.read.duplicates import likely_duplicates
from geo.read.services import service
from geo.read.suggestions import suggest_categories

router = APIRouter(prefix="/api/v1", tags=["GridGov intake"])


@router.get("/suggestions", summary="Top-3 categories for a description")
def suggestions(request: Request, description: str):
    """Each with its routed department and confidence; ``decided`` is false when the best is below the
    district's threshold — then a person picks the category (GridGov never routes on a guess)."""
    ctx = context(request)
    text = inputs.text(description, "description", 4000, multiline=True)
    with ctx.db.session() as session:
        found = suggest_categories(session, text, ctx.intake.model_loader())
    threshold = ctx.intake.min_confidence
    return render({"suggestions": [{"service_code": s.code, "service_name": s.name, "department": s.department,
                                    "confidence": round(s.confidence, 3)} for s in found],
                   "threshold": threshold, "decided": bool(found) and found[0].confidence >= threshold},
                  "json", "suggestions")


@router.get("/duplicates", summary="Open cases a report would probably duplicate")
def duplicates(request: Request, lat: str, long: str, service_code: str | None = None,
               description: str | None = None, datum: str | None = None):
    ctx = context(request)
    y, x = inputs.number(lat, "lat", -90, 90), inputs.number(long, "long", -180, 180)
    if x is None or y is None:
        raise ApiError(400, "lat and long are required")
    lon, lat_ = (float(v[0]) for v in to_wgs84([x], [y], inputs.datum(datum)))
    text = inputs.text(description, "description", 4000, multiline=True)
    code = inputs.text(service_code, "service_code", 32)
    with ctx.db.session() as session:
        known = service(session, code) if code else None
        if code and known is None:
            raise ApiError(404, f"service_code {code!r} was not found")
        found = likely_duplicates(session, lon, lat_, known.category_id if known else None, text,
                                  datetime.now(UTC), ctx.intake.duplicates)
    return render({"duplicates": items.duplicate_items(found)}, "json", "duplicates")


@router.post("/requests/{service_request_id}/follow", summary="Follow an open case instead of reporting it",
             openapi_extra=FOLLOW_BODY)
async def follow(request: Request, service_request_id: str):
    ctx = context(request)
    async with request.form(max_files=0, max_fields=50) as form:
        key = reports.field(form, "api_key") or request.query_params.get("api_key")
        client = await run_in_threadpool(keys.client, ctx.db, ctx.limiter, key, True)
        reporter = reports.reporter(form, client, reports.client_ref(form, request.headers))
    number = inputs.text(service_request_id, "service_request_id", 40)
    followed = await run_in_threadpool(reports.follow, ctx.db, number, client, reporter, datetime.now(UTC))
    return render({"service_request_id": followed, "followed": True}, "json", "follow")


@router.post("/reports", summary="Report a case (Open311 fields; service_code optional)", openapi_extra=REPORT_BODY)
async def report(request: Request):
    """As POST /open311/v2/requests, but the category may be left out (the model decides when it is sure,
    else the center does) and the answer lists likely duplicates and the suggestion used."""
    ctx = context(request)
    async with request.form(max_files=2, max_fields=300) as form:
        key = reports.field(form, "api_key") or request.query_params.get("api_key")
        client = await run_in_threadpool(keys.client, ctx.db, ctx.limiter, key, True)
        photo = await reports.read_media(form, ctx.intake.photo_limits.max_bytes)
        intake = await run_in_threadpool(reports.intake, ctx.db, form, client, request.headers, photo, False)
    done = await run_in_threadpool(reports.submit, ctx.db, ctx.store, intake, client, ctx.intake, datetime.now(UTC))
    return report_answer(done)


def report_answer(done: reports.Submitted):
    """The answer to a report: its number, whether it is new, the duplicates and whether the model chose."""
    received = done.received
    return render({"service_request_id": done.number, "created": received.created,
                   "requested_datetime": w3c(received.case.reported_at),
                   "category_suggested": received.suggested is not None,
                   "duplicates": items.duplicate_items(received.duplicates)}, "json", "report")
