"""The phone snap-and-report page at /api/report/: one static HTML + JS page (no framework, no CDN; Leaflet
from the dashboard's vendored copy), for grid members and residents on a 360 × 640 screen and a slow link —
the photo is downscaled in the browser before it is sent.

No key is ever in the page: a grid member is signed in by the dashboard's session cookie, a resident reports
through the district's own residents' channel (api.page_reports). The page is rendered per request with
who is signed in and its words (Chinese by default, ``?lang=en``), both as one JSON object in the page.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from api import inputs, page_reports, page_strings
from api.context import context
from api.formats import render
from api.inputs import ApiError
from geo.config import tile_config
from geo.domain.datums import to_wgs84
from geo.read.place import district_bounds, grid_at

STATIC = Path(__file__).resolve().parent / "static"
#: The dashboard vendors Leaflet for offline maps; the page serves the same files (read by path, no import).
LEAFLET = Path(__file__).resolve().parent.parent / "dashboard" / "static" / "leaflet-1.9.3"
_FILES = {"app.js": "text/javascript", "app.css": "text/css"}
#: The dashboard's sign-in, which sends the browser back to ``next`` once signed in (dashboard/auth.py).
SIGN_IN = "/?"

router = APIRouter(tags=["snap-and-report page"])


@router.get("/api/report/", response_class=HTMLResponse, summary="The snap-and-report page")
def page(request: Request, lang: str = "zh"):
    lang = "en" if lang == "en" else "zh"
    strings = page_strings.strings(lang)
    person = page_reports.signed_in(request)
    here = "/api/report/" + ("?lang=en" if lang == "en" else "")
    setup = {"strings": strings, "residents": context(request).page_limiter is not None,
             "sign_in": SIGN_IN + urlencode({"next": here}), "switch": "?lang=" + ("zh" if lang == "en" else "en"),
             "me": None if person is None else {
                 "name": person.actor.name, "role": str(person.actor.role), "may_report": person.may_report,
                 "grids": sorted(person.actor.grid_codes)}}
    html = (STATIC / "report.html").read_text(encoding="utf-8")
    html = html.replace("__LANG__", "en" if lang == "en" else "zh-CN").replace("__TITLE__", escape(strings["title"]))
    html = html.replace("__SETUP__", _script_json(setup))
    # Who is signed in is part of the page: never kept by a cache, never served to another cookie.
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Vary": "Cookie"})


def _script_json(value) -> str:
    """JSON safe inside a <script> element: <, > and & written as \\u escapes (a name cannot end the script)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@router.get("/api/report/{name}", summary="The page's script and style")
def asset(name: str):
    if name not in _FILES:
        raise ApiError(404, "no such file")
    return FileResponse(STATIC / name, media_type=_FILES[name], headers={"Cache-Control": "max-age=3600"})


@router.get("/api/report/leaflet/{name:path}", summary="Leaflet, served offline")
def leaflet(name: str):
    try:
        path = (LEAFLET / name).resolve()
        found = LEAFLET.resolve() in path.parents and path.is_file()
    except (OSError, ValueError):  # a NUL byte or an impossible name
        found = False
    if not found:
        raise ApiError(404, "no such file")
    return FileResponse(path, headers={"Cache-Control": "max-age=86400"})


@router.get("/api/v1/map", summary="The district's extent and the base-map tiles, for the page's map")
def map_config(request: Request):
    with context(request).db.session() as session:
        bounds = district_bounds(session)
    tiles = tile_config()
    return render({"bounds": bounds, "tiles": None if tiles is None else {
        "url": tiles.url, "attribution": tiles.attribution, "max_zoom": tiles.max_zoom,
        "subdomains": tiles.subdomains}}, "json", "map")


@router.get("/api/v1/where", summary="The grid a position falls in")
def where(request: Request, lat: str, long: str, datum: str | None = None):
    y, x = inputs.number(lat, "lat", -90, 90), inputs.number(long, "long", -180, 180)
    if x is None or y is None:
        raise ApiError(400, "lat and long are required")
    lon, lat_ = (float(v[0]) for v in to_wgs84([x], [y], inputs.datum(datum)))
    with context(request).db.session() as session:
        grid = grid_at(session, lon, lat_)
    return render({"inside": grid is not None, "grid": grid}, "json", "where")
