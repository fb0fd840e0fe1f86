"""Keeping a case's photos: the re-encoded bytes in the media store, a case_media row linking them to the
case, and an event in the case's log. "before" photos come with the report; an "after" photo is a
department's (or a community's) answer showing the result."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from geo.db.database import Database
from geo.db.media_store import MediaStore
from geo.db.models import Case, CaseEvent, CaseMedia
from geo.db.scope import require_case
from geo.domain.actors import Actor
from geo.domain.event_notes import Note
from geo.domain.permissions import require
from geo.domain.photos import Photo, PhotoLimits, PhotoRefused, process_photo
from geo.domain.vocabulary import OPEN_STATUSES, Role
from geo.domain.workflow import InvalidInput

KINDS = ("before", "after")


def new_key() -> str:
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


def store_photo(session: Session, store: MediaStore, case: Case, photo: Photo, kind: str, by: str,
                now: datetime) -> CaseMedia:
    """Put the photo and its thumbnail in the store and link them to the case; flushes, does not commit. The
    caller deletes ``row.key``/``row.thumb_key`` from the store if its transaction fails."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown photo kind {kind!r}; kinds: {', '.join(KINDS)}")
    key = new_key()
    row = CaseMedia(case_id=case.id, kind=kind, key=f"{key}.jpg", thumb_key=f"{key}-thumb.jpg",
                    content_type="image/jpeg", width=photo.width, height=photo.height, size=len(photo.jpeg),
                    sha256=hashlib.sha256(photo.jpeg).hexdigest(), taken_at=photo.taken_at, exif_lon=photo.lon,
                    exif_lat=photo.lat, uploaded_at=now, uploaded_by=by)
    store.put(row.key, photo.jpeg, "image/jpeg")
    store.put(row.thumb_key, photo.thumbnail, "image/jpeg")
    session.add(row)
    said = Note("photo", {"kind": kind, "width": photo.width, "height": photo.height})
    session.add(CaseEvent(case_id=case.id, at=now, actor=by, role="", action="photo", from_status=case.status,
                          to_status=case.status, note_key=said.key, note_params=said.dumps()))
    session.flush()
    return row


def link_media(session: Session, case: Case, url: str, by: str, now: datetime) -> CaseMedia:
    """A client's own media_url (Open311): kept as a link, never fetched by GridGov (no requests to
    addresses a client chooses)."""
    row = CaseMedia(case_id=case.id, kind="before", url=url, uploaded_at=now, uploaded_by=by)
    session.add(row)
    session.flush()
    return row


def save_after_photo(db: Database, store: MediaStore, case_id: int, data: bytes, actor: Actor, now: datetime,
                     limits: PhotoLimits = PhotoLimits()) -> None:
    """``add_after_photo`` in a transaction of its own (what the case panel calls)."""
    with db.transaction() as session:
        add_after_photo(session, store, case_id, data, actor, now, limits)


def add_after_photo(session: Session, store: MediaStore, case_id: int, data: bytes, actor: Actor,
                    now: datetime, limits: PhotoLimits = PhotoLimits()) -> CaseMedia:
    """An "after" photo by someone who may answer or close the case, while it is open or just closed; the
    bytes are checked and re-encoded like a report's photo (InvalidInput says why one is refused)."""
    require(actor, "add_after_photo")
    case = session.get(Case, case_id)
    if case is None:
        raise InvalidInput(f"no case with id {case_id}")
    require_case(session, actor, case_id)
    if case.status not in OPEN_STATUSES and case.status not in ("closed", "rated"):
        raise InvalidInput(f"case {case.number} is '{case.status}': no photo can be added to it")
    if actor.role == Role.DEPARTMENT and not any(d.department_id == actor.department_id for d in case.dispatches):
        raise InvalidInput(f"case {case.number} was not whistled to your department")
    try:
        photo = process_photo(data, limits)
    except PhotoRefused as exc:
        raise InvalidInput(str(exc)) from None
    return store_photo(session, store, case, photo, "after", actor.name, now)
