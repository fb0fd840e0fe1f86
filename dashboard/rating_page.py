"""The residents' rating page, ``/rate/<token>`` (issue 13): no account, one small server-rendered HTML form
that fits a 360×640 phone, no script and nothing from outside (CSP ``default-src 'none'``). The link, its
single use and expiry, and the rework an unsatisfied rating triggers are geo.usecases.rating_links'.

Every outcome is a page in the resident's language (Chinese, or English by ``?lang=en`` or the browser's
Accept-Language): the form, thanks, and one page each for an unknown, expired, used or no-longer-open link.
An unexpected failure shows a reference number and logs the details under it (dashboard/errors.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from dashboard.errors import log_error, new_reference
from dashboard.i18n import text_in
from dashboard.markup import escape
from dashboard.rating_html import form_body, page
from dashboard.session_routes import route_database
from geo.config import LOCAL_TZ
from geo.domain.vocabulary import Rating, Status
from geo.domain.workflow import InvalidInput
from geo.usecases.rating_links import MAX_COMMENT, LinkRefused, Problem, open_link, submit_rating

MAX_BODY = 16 * 1024  # a rating and 500 characters of comment, url-encoded, with room to spare
STATUS_CODES = {Problem.UNKNOWN: 404, Problem.EXPIRED: 410, Problem.USED: 409, Problem.NOT_OPEN: 409}
_TZ = ZoneInfo(LOCAL_TZ)


def routes() -> list[Route]:
    return [Route("/rate/{token}", rating_page, methods=["GET", "POST"])]


def language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in ("zh", "en"):
        return asked
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "zh"


async def rating_page(request: Request) -> HTMLResponse:
    lang, token = language(request), request.path_params["token"]
    try:
        if request.method == "POST":
            body = await _body(request)
            if body is None:
                return await run_in_threadpool(_show, token, lang, "rating_comment_too_long", 413)
            form = parse_qs(body.decode("utf-8", "replace"))
            return await run_in_threadpool(_submit, token, lang, form.get("rating", [""])[0],
                                           form.get("comment", [""])[0])
        return await run_in_threadpool(_show, token, lang)
    except Exception as exc:  # noqa: BLE001 - a resident must never see a traceback
        reference = new_reference()
        log_error(reference, exc, "the rating page")
        message = text_in(lang, "rating_error").format(ref=reference)
        return _respond(lang, "rating_error_title", f"<p>{escape(message)}</p>", 500)


async def _body(request: Request) -> bytes | None:
    """The form body, or None past MAX_BODY (read no further)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _show(token: str, lang: str, problem_key: str | None = None, status: int = 200,
          chosen: str = "", comment: str = "") -> HTMLResponse:
    try:
        view = route_database().read(open_link, token, datetime.now(UTC))
    except LinkRefused as refused:
        return _refused(refused.problem, lang)
    dates = {key: getattr(view, key).astimezone(_TZ).strftime("%Y-%m-%d %H:%M")
             for key in ("reported_at", "closed_at", "expires_at")}
    problem = text_in(lang, problem_key).format(n=MAX_COMMENT) if problem_key else ""
    body = form_body(lambda key: text_in(lang, key), view, dates, lang, problem, chosen, comment,
                     [str(r) for r in Rating], MAX_COMMENT)
    return _respond(lang, "rating_title", body, status)


def _submit(token: str, lang: str, rating: str, comment: str) -> HTMLResponse:
    try:
        status = submit_rating(route_database(), token, rating, comment, datetime.now(UTC))
    except LinkRefused as refused:
        return _refused(refused.problem, lang)
    except InvalidInput:
        key = "rating_choose" if rating not in set(Rating) else "rating_comment_too_long"
        return _show(token, lang, key, 400, rating, comment)
    thanks = "rating_thanks_rework" if status == Status.REWORK else "rating_thanks"
    return _respond(lang, "rating_thanks_title", f'<p data-testid="gg-rating-done">{escape(text_in(lang, thanks))}</p>')


def _refused(problem: Problem, lang: str) -> HTMLResponse:
    text = escape(text_in(lang, f"rating_{problem}"))
    return _respond(lang, f"rating_{problem}_title", f'<p data-testid="gg-rating-{problem}">{text}</p>',
                    STATUS_CODES[problem])


def _respond(lang: str, title_key: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(page(lang, text_in(lang, title_key), body, text_in(lang, "rating_other_language")),
                        status_code=status, headers=_HEADERS)


_HEADERS = {
    # Nothing but our own inline style; the form posts only here; the token never leaks as a referrer.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
