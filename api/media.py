"""Photos at /media/<key>: the re-encoded JPEGs (no EXIF) from the media store. Keys are random and
unguessable (128 bits); a link to a photo is handed only with the case it belongs to."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.context import context
from api.inputs import ApiError
from geo.db.media_store import MediaNotFound, valid_key

router = APIRouter(prefix="/media", tags=["media"])


@router.get("/{key:path}", summary="A photo", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
async def photo(request: Request, key: str):
    if not valid_key(key):
        raise ApiError(404, "no such photo")
    try:
        data = await run_in_threadpool(context(request).store.get, key)
    except MediaNotFound:
        raise ApiError(404, "no such photo") from None
    return Response(data, media_type="image/jpeg",
                    headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"})
