"""Open311 GeoReport v2 at /open311/v2/ (discovery at /open311/discovery.{json,xml}): services, service
definitions, POST a request (form-encoded, or multipart with a ``media`` photo), GET requests with their
filters, GET one request, tokens. Errors are the specification's list of {code, description}: 403 for a
missing or wrong api_key, 404 for what does not exist, 400 for the rest, 429 over the rate limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from api import inputs, items, keys, reports
from api.context import context
from api.formats import Format, render
from api.inputs import ApiError
from api.openapi import REPORT_BODY
from geo.read.service_requests import RequestQuery, find_requests, request_by_number
from geo.read.services import service, services

router = APIRouter(prefix="/open311", tags=["Open311 GeoReport v2"])
MAX_SPAN = timedelta(days=90)


@router.get("/discovery.{fmt}", summary="Service discovery")
def discovery(request: Request, fmt: Format):
    base = context(request).base_url(request)
    return render({"changeset": items.CHANGESET, "contact": "the district governance center (综治中心)",
                   "key_service": "API keys are issued by the district administrator (gridgov api-key add)",
                   "endpoints": [{"specification": items.SPECIFICATION, "url": f"{base}/open311/v2",
                                  "changeset": items.CHANGESET, "type": "production",
                                  "formats": ["text/xml", "application/json"]}]}, fmt.value, "discovery")


@router.get("/v2/services.{fmt}", summary="GET Service List")
def service_list(request: Request, fmt: Format, jurisdiction_id: str | None = None):
    ctx = context(request)
    ctx.check_jurisdiction(jurisdiction_id)
    with ctx.db.session() as session:
        found = services(session)
    return render([items.service_item(s) for s in found], fmt.value, "services")


@router.get("/v2/services/{service_code}.{fmt}", summary="GET Service Definition")
def service_definition(request: Request, service_code: str, fmt: Format, jurisdiction_id: str | None = None):
    ctx = context(request)
    ctx.check_jurisdiction(jurisdiction_id)
    with ctx.db.session() as session:
        found = service(session, service_code)
    if found is None:
        raise ApiError(404, f"service_code {service_code[:40]!r} was not found (GET services lists the codes)")
    return render(items.definition_item(found), fmt.value, "service_definition")


@router.post("/v2/requests.{fmt}", summary="POST Service Request", openapi_extra=REPORT_BODY)
async def post_request(request: Request, fmt: Format):
    ctx = context(request)
    async with request.form(max_files=2, max_fields=300) as form:
        ctx.check_jurisdiction(_field(form, "jurisdiction_id") or request.query_params.get("jurisdiction_id"))
        key = _field(form, "api_key") or request.query_params.get("api_key")
        client = await run_in_threadpool(keys.client, ctx.db, ctx.limiter, key, True)
        photo = await reports.read_media(form, ctx.intake.photo_limits.max_bytes)
        report = await run_in_threadpool(reports.intake, ctx.db, form, client, request.headers, photo)
    done = await run_in_threadpool(reports.submit, ctx.db, ctx.store, report, client, ctx.intake,
                                   datetime.now(UTC))
    with ctx.db.session() as session:
        department = request_by_number(session, done.number, client.id)["department"]
    notice = items.service_notice(department, done.received.duplicates)
    return render([{"service_request_id": done.number, "service_notice": notice,
                    "account_id": done.account_id or None}], fmt.value, "service_requests")


@router.get("/v2/requests.{fmt}", summary="GET Service Requests")
def get_requests(request: Request, fmt: Format, jurisdiction_id: str | None = None,
                 service_request_id: str | None = None, service_code: str | None = None,
                 start_date: str | None = None, end_date: str | None = None, status: str | None = None,
                 api_key: str | None = None):
    ctx = context(request)
    ctx.check_jurisdiction(jurisdiction_id)
    client = keys.client(ctx.db, ctx.limiter, api_key, required=False)
    query = _query(service_request_id, service_code, start_date, end_date, status, client.id if client else None)
    with ctx.db.session() as session:
        found = find_requests(session, query)
    base = ctx.base_url(request)
    return render([items.request_item(r, base) for r in found], fmt.value, "service_requests")


@router.get("/v2/requests/{service_request_id}.{fmt}", summary="GET Service Request")
def get_request(request: Request, service_request_id: str, fmt: Format, jurisdiction_id: str | None = None,
                api_key: str | None = None):
    ctx = context(request)
    ctx.check_jurisdiction(jurisdiction_id)
    client = keys.client(ctx.db, ctx.limiter, api_key, required=False)
    number = inputs.text(service_request_id, "service_request_id", 40)
    with ctx.db.session() as session:
        found = request_by_number(session, number, client.id if client else None)
    if found is None:
        raise ApiError(404, f"service_request_id {number!r} was not found")
    return render([items.request_item(found, ctx.base_url(request))], fmt.value, "service_requests")


@router.get("/v2/tokens/{token}.{fmt}", summary="GET service_request_id from a token")
def get_token(request: Request, token: str, fmt: Format, jurisdiction_id: str | None = None):
    context(request).check_jurisdiction(jurisdiction_id)
    raise ApiError(404, f"token {token[:40]!r} was not found: every service here is realtime, so POST "
                        "requests answers with the service_request_id itself and issues no tokens")


def _field(form, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def _query(ids, codes, start, end, status, viewer) -> RequestQuery:
    numbers = inputs.listed(ids, "service_request_id", max_len=40)
    service_codes = inputs.listed(codes, "service_code", max_len=32)
    start, end = inputs.when(start, "start_date"), inputs.when(end, "end_date")
    statuses = set(inputs.listed(status, "status", max_len=10))
    if statuses - {"open", "closed"}:
        raise ApiError(400, f"status must be open, closed or both (comma delimited), got {sorted(statuses)}")
    if start and end and end - start > MAX_SPAN:
        raise ApiError(400, "start_date and end_date may not span more than 90 days")
    if start and end and end < start:
        raise ApiError(400, "end_date is before start_date")
    if not numbers:
        end = end or (start + MAX_SPAN if start else datetime.now(UTC))
        start = start or end - MAX_SPAN
    closed = None if len(statuses) != 1 else statuses == {"closed"}
    return RequestQuery(numbers, service_codes, start, end, closed, viewer)
