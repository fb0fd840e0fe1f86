"""Who the phone page reports as, and its own two posts: ``POST /api/report/submit`` and
``POST /api/report/follow/{id}`` (``?as=member`` or ``?as=resident``).

- **member**: the request carries the dashboard's session cookie (``gridgov_session``, checked by
  geo.usecases.sessions.check exactly as the dashboard checks it) of an account whose role may report on
  patrol: the case comes from that person — source ``grid_member``, their name as reporter, their account id,
  the case event in their name — through the page's grid-member channel.
- **resident**: no account: the district's own residents' channel, a first-party client the server reports
  through (geo.usecases.api_clients.page_client), limited per client address; no key ever reaches the page.

The page says which it means, so a session that ended while the form was being filled in is refused
(``signed_out``) instead of silently becoming an anonymous report.

CSRF: only this page may post here. The browser must say the request is same-origin (``Sec-Fetch-Site``), or
— a browser too old to send that — give our own ``Origin``; anything else is refused before the body is read.
That also stops a form on another port or sub-domain of ours, which the SameSite=Lax cookie lets through.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from api import inputs, reports
from api.context import context
from api.formats import render
from api.helpers import report_answer
from api.inputs import ApiError
from api.openapi import PAGE_FOLLOW_BODY, PAGE_REPORT_BODY
from geo.domain.actors import Actor
from geo.domain.permissions import may
from geo.domain.vocabulary import Source
from geo.read.api_clients import Client
from geo.usecases import sessions
from geo.usecases.api_clients import page_client
from geo.usecases.intake import Reporter

router = APIRouter(prefix="/api/report", tags=["snap-and-report page"])
As = Literal["member", "resident"]
_AS = Query("resident", alias="as", description="member: the signed-in person (session cookie); resident: no "
                                                "account")


@dataclass(frozen=True)
class Person:
    """Whom a session cookie signs in."""

    actor: Actor
    user_id: int

    @property
    def may_report(self) -> bool:
        return may(self.actor.role, "report_on_patrol")


@dataclass(frozen=True)
class Channel:
    """Through which client a post reports, and for whom (None: a resident without an account)."""

    client: Client
    person: Person | None = None

    @property
    def actor(self) -> Actor | None:
        return self.person.actor if self.person else None

    def reporter(self, sent: Reporter) -> Reporter:
        """A signed-in person reports under their own name and account, whatever the form says."""
        if self.person is None:
            return sent
        return replace(sent, name=self.person.actor.name, account_id=f"user:{self.person.user_id}", phone="",
                       email="", device_id="")


def signed_in(request: Request) -> Person | None:
    """The person the session cookie signs in, or None (no cookie; an ended, idle or expired session; a
    disabled account). Checking counts as activity, as a dashboard page run does."""
    token = request.cookies.get(sessions.COOKIE)
    if not token or len(token) > 200:
        return None
    ctx = context(request)
    found = sessions.check(ctx.db, datetime.now(UTC), ctx.session_idle, token=token)
    return Person(found.actor, found.user_id) if found.state == sessions.State.ACTIVE else None


def require_same_origin(request: Request) -> None:
    """403 ``cross_site`` unless the browser says the post comes from our own origin (module docstring)."""
    site, origin = request.headers.get("sec-fetch-site"), request.headers.get("origin")
    if site == "same-origin" or (site is None and origin in _own_origins(request)):
        return
    raise ApiError(403, "accepted only from GridGov's own report page (same origin)", reason="cross_site")


def _own_origins(request: Request) -> set[str]:
    origins = set()
    for url in (str(request.base_url), context(request).public_url):
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return origins


def channel(request: Request, as_: str) -> Channel:
    """The channel of a post, or the refusal: ``signed_out``, ``not_allowed``, ``channel_closed``, 429."""
    ctx, now = context(request), datetime.now(UTC)
    if as_ == "member":
        person = signed_in(request)
        if person is None:
            raise ApiError(403, "not signed in, or the session has ended: sign in again", reason="signed_out")
        if not person.may_report:
            raise ApiError(403, f"a {person.actor.role} account does not report on patrol", reason="not_allowed")
        ctx.limiter.check(("account", person.user_id), "account")
        return Channel(_open(page_client(ctx.db, Source.GRID_MEMBER, now)), person)
    if ctx.page_limiter is None:
        raise _closed()
    ctx.page_limiter.check(request.client.host if request.client else "")
    return Channel(_open(page_client(ctx.db, Source.RESIDENT_APP, now)))


def _open(client: Client | None) -> Client:
    if client is None:
        raise _closed()
    return client


def _closed() -> ApiError:
    return ApiError(403, "this channel of the report page is closed by the district", reason="channel_closed")


@router.post("/submit", summary="The page's report: a signed-in grid member, or a resident",
             openapi_extra=PAGE_REPORT_BODY)
async def submit(request: Request, as_: As = _AS):
    """As POST /api/v1/reports, without a key: who reports is the channel."""
    ctx = context(request)
    require_same_origin(request)
    chosen = await run_in_threadpool(channel, request, as_)
    async with request.form(max_files=2, max_fields=300) as form:
        photo = await reports.read_media(form, ctx.intake.photo_limits.max_bytes)
        report = await run_in_threadpool(reports.intake, ctx.db, form, chosen.client, request.headers, photo, False)
    report = replace(report, reporter=chosen.reporter(report.reporter))
    done = await run_in_threadpool(reports.submit, ctx.db, ctx.store, report, chosen.client, ctx.intake,
                                   datetime.now(UTC), chosen.actor)
    return report_answer(done)


@router.post("/follow/{service_request_id}", summary="The page's follow of an open case instead of a new report",
             openapi_extra=PAGE_FOLLOW_BODY)
async def follow(request: Request, service_request_id: str, as_: As = _AS):
    ctx = context(request)
    require_same_origin(request)
    chosen = await run_in_threadpool(channel, request, as_)
    async with request.form(max_files=0, max_fields=50) as form:
        sent = reports.reporter(form, chosen.client, reports.client_ref(form, request.headers))
    number = inputs.text(service_request_id, "service_request_id", 40)
    followed = await run_in_threadpool(reports.follow, ctx.db, number, chosen.client, chosen.reporter(sent),
                                       datetime.now(UTC), chosen.actor)
    return render({"service_request_id": followed, "followed": True}, "json", "follow")
