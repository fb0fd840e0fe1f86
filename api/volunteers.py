"""The volunteer phone page at /api/volunteer/ and the JSON it calls under /api/v1/volunteer/ — beside the
snap-and-report page, for a 热心人 on a 360 × 640 phone: sign in, see the tasks of their community that need
people (nearest first), take one, record it done with an optional photo (downscaled in the browser first),
and read their points.

Same sign-in as the dashboard: the accounts of geo.usecases.accounts, the sessions of geo.usecases.sessions
and the same HttpOnly ``gridgov_session`` cookie (signing in on the dashboard signs the phone page in, and
the other way round). Only the ``volunteer`` role gets anything here, and only their own data. A POST must
come from this site (Sec-Fetch-Site), so another page cannot act with the volunteer's cookie.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response

from api import inputs, volunteer_strings
from api.context import context
from api.formats import render, w3c
from api.inputs import ApiError
from api.reports import field, read_media
from geo.config import session_max_age_s, session_timeout_s, volunteer_points_rule
from geo.domain.actors import Actor
from geo.domain.permissions import may
from geo.domain.volunteers import VolunteerInputError, split
from geo.read.volunteer_phone import NotAVolunteer, volunteer_home
from geo.read.volunteers import own_ledger, volunteer_of_user
from geo.usecases import sessions
from geo.usecases.accounts import LockedOut, SignInFailed
from geo.usecases.volunteer_completion import Completion, complete
from geo.usecases.volunteer_tasks import sign_up

STATIC = Path(__file__).resolve().parent / "static"
_FILES = {"volunteer.js": "text/javascript", "app.css": "text/css", "volunteer.css": "text/css"}

router = APIRouter(tags=["volunteer phone page"])


@router.get("/api/volunteer/", response_class=HTMLResponse, summary="The volunteer phone page")
def page(lang: str = "zh"):
    words = volunteer_strings.strings(lang)
    html = (STATIC / "volunteer.html").read_text(encoding="utf-8")
    html = html.replace("__LANG__", "en" if lang == "en" else "zh-CN").replace("__TITLE__", words["title"])
    html = html.replace("__STRINGS__", json.dumps(words, ensure_ascii=False).replace("</", "<\\/"))
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@router.get("/api/volunteer/{name}", summary="The page's script and style")
def asset(name: str):
    if name not in _FILES:
        raise ApiError(404, "no such file")
    return FileResponse(STATIC / name, media_type=_FILES[name], headers={"Cache-Control": "max-age=3600"})


def _same_site(request: Request) -> None:
    """Refuse a POST another site's page made with this browser's cookie."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise ApiError(403, "this request must come from GridGov's own page")


def _who(request: Request) -> tuple[Actor, int]:
    """The signed-in volunteer (actor, account id) by the session cookie; 401 signed out, 403 another role."""
    token = request.cookies.get(sessions.COOKIE)
    if not token:
        raise ApiError(401, "sign in first")
    now = datetime.now(UTC)
    with context(request).db.transaction() as session:
        found = sessions.resolve(session, now, timedelta(seconds=session_timeout_s()), token=token)
        if found.state == sessions.State.TIMED_OUT:
            sessions.end(session, found.session_id, now, sessions.EndReason.TIMEOUT)
        sessions.touch(session, found, now)
    if found.state != sessions.State.ACTIVE:
        raise ApiError(401, "your sign-in has ended: sign in again")
    if not may(found.actor.role, "volunteer_tasks"):
        raise ApiError(403, "this page is for volunteers (热心人)")
    return found.actor, found.user_id


@router.post("/api/v1/volunteer/sign-in", summary="Sign in with a volunteer account (sets the session cookie)")
async def sign_in(request: Request):
    _same_site(request)
    form = await request.form()
    username = inputs.text(field(form, "username"), "username", 64)
    password = field(form, "password") or ""
    now = datetime.now(UTC)
    try:
        token, expires_at, actor = await run_in_threadpool(
            sessions.sign_in_for_cookie, context(request).db, username, password, now, timedelta(seconds=session_max_age_s()))
    except LockedOut as exc:
        raise ApiError(429, f"too many failed sign-ins: try again after {w3c(exc.until)}") from None
    except SignInFailed as exc:
        raise ApiError(401, str(exc)) from None
    response = render({"name": actor.name, "role": str(actor.role)}, "json", "signed_in")
    response.set_cookie(sessions.COOKIE, token, max_age=int((expires_at - now).total_seconds()), path="/",
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return response


@router.post("/api/v1/volunteer/sign-out", summary="Sign out everywhere this cookie is used")
def sign_out(request: Request):
    _same_site(request)
    token, now = request.cookies.get(sessions.COOKIE), datetime.now(UTC)
    if token:
        with context(request).db.transaction() as session:
            found = sessions.resolve(session, now, timedelta(seconds=session_timeout_s()), token=token)
            if found.session_id is not None:
                sessions.end(session, found.session_id, now, sessions.EndReason.SIGN_OUT)
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.get("/api/v1/volunteer/me", summary="Who I am, the tasks I can take and mine, my balance")
def me(request: Request):
    actor, user_id = _who(request)
    try:
        home = context(request).db.read(volunteer_home, actor, user_id, datetime.now(UTC))
    except NotAVolunteer as exc:
        raise ApiError(403, str(exc)) from None
    return render({"name": home.name, "community": home.community, "skills": list(home.skills),
                   "balance": home.balance, "open_tasks": _tasks(home.open_tasks),
                   "my_tasks": _tasks(home.my_tasks)}, "json", "volunteer")


def _tasks(frame) -> list[dict]:
    return [{"id": int(r.id), "number": r.number, "kind": r.kind, "title": r.title, "description": r.description,
             "address": r.address, "skills": sorted(split(r.skills)), "starts_at": w3c(r.starts_at),
             "ends_at": w3c(r.ends_at.to_pydatetime()), "headcount": int(r.headcount), "on_task": int(r.on_task),
             "distance_m": None if r.distance_m != r.distance_m else int(r.distance_m),
             "my_status": r.my_status if isinstance(r.my_status, str) else None}
            for r in frame.itertuples(index=False)]


@router.post("/api/v1/volunteer/tasks/{task_id}/sign-up", summary="Take a task of my community")
def take(request: Request, task_id: int):
    _same_site(request)
    actor, user_id = _who(request)
    try:
        sign_up(context(request).db, task_id, user_id, actor, datetime.now(UTC))
    except VolunteerInputError as exc:
        raise ApiError(409, str(exc)) from None
    return render({"task_id": task_id, "status": "active"}, "json", "taken")


@router.post("/api/v1/volunteer/tasks/{task_id}/complete", summary="Record my part done (multipart: note, media)")
async def done(request: Request, task_id: int):
    _same_site(request)
    actor, user_id = await run_in_threadpool(_who, request)
    ctx = context(request)
    form = await request.form()
    note = inputs.text(field(form, "note"), "note", 1000, multiline=True)
    photo = await read_media(form, ctx.intake.photo_limits.max_bytes)
    try:
        completed = await run_in_threadpool(
            complete, ctx.db, ctx.store, task_id, Completion(note=note, photo=photo, user_id=user_id), actor,
            datetime.now(UTC), volunteer_points_rule(), ctx.intake.photo_limits)
    except VolunteerInputError as exc:
        raise ApiError(409 if "no open part" in str(exc) else 400, str(exc)) from None
    return render({"task_number": completed.task_number, "points": completed.points,
                   "task_done": completed.task_done}, "json", "completed")


@router.get("/api/v1/volunteer/points", summary="My points ledger, newest first")
def points(request: Request):
    actor, user_id = _who(request)
    db = context(request).db
    me_ = db.read(volunteer_of_user, user_id)
    if me_ is None:
        raise ApiError(403, "this account is not a registered volunteer")
    entries = db.read(own_ledger, actor, me_.id)
    return render([{"at": w3c(e.at), "kind": e.kind, "points": int(e.points), "task": e.task, "note": e.note,
                    "balance": int(e.balance)} for e in entries.iloc[::-1].itertuples(index=False)], "json", "points")
