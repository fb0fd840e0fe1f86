"""A case's photos (before/after) for the case panel, the wall screen's feed and the API's media_url; the
bytes come from the media store (geo.db.media_store)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.db.media_store import MediaNotFound, MediaStore
from geo.db.models import Case, CaseMedia

MEDIA_COLUMNS = ["id", "case_id", "kind", "key", "thumb_key", "url", "width", "height", "taken_at", "uploaded_at"]


def case_photos(session: Session, case_id: int) -> pd.DataFrame:
    """The case's media, "before" first, oldest first within a kind (photos of cases merged into it too:
    the evidence follows the case)."""
    merged = select(Case.id).where(Case.merged_into_id == case_id)
    rows = session.execute(
        select(*(getattr(CaseMedia, c) for c in MEDIA_COLUMNS))
        .where((CaseMedia.case_id == case_id) | CaseMedia.case_id.in_(merged))
        .order_by(CaseMedia.kind.desc(), CaseMedia.uploaded_at, CaseMedia.id)).all()
    return pd.DataFrame(rows, columns=MEDIA_COLUMNS)


def first_photos(session: Session, case_ids: list[int], kind: str = "before") -> dict[int, dict]:
    """Per case id, its first media of ``kind`` as {"key", "thumb_key", "url"} (cases without none absent)."""
    if not case_ids:
        return {}
    first = (select(CaseMedia.case_id, func.min(CaseMedia.id).label("id"))
             .where(CaseMedia.case_id.in_(case_ids), CaseMedia.kind == kind).group_by(CaseMedia.case_id)
             .subquery())
    rows = session.execute(select(CaseMedia.case_id, CaseMedia.key, CaseMedia.thumb_key, CaseMedia.url)
                           .join(first, first.c.id == CaseMedia.id)).all()
    return {int(c): {"key": k, "thumb_key": t, "url": u} for c, k, t, u in rows}


def thumbnails_by_number(session: Session, numbers: list[str]) -> dict[str, str]:
    """Case number → the media-store key of its first "before" photo's thumbnail (the wall screen's feed)."""
    if not numbers:
        return {}
    ids = dict(session.execute(select(Case.id, Case.number).where(Case.number.in_(numbers))).all())
    photos = first_photos(session, list(ids))
    return {ids[c]: p["thumb_key"] for c, p in photos.items() if p["thumb_key"]}


def photo_images(session: Session, store: MediaStore, case_id: int, thumbnails: bool = True) -> list[dict]:
    """What the case panel draws: per photo its kind, the image bytes (thumbnail by default) and when it was
    taken and uploaded; a client-hosted link comes as ``url`` without bytes. A file missing from the store
    is left out (the row stays: the store may be restored)."""
    found = []
    for row in case_photos(session, case_id).itertuples(index=False):
        if not row.key:
            found.append({"kind": row.kind, "url": row.url, "image": None, "taken_at": row.taken_at,
                          "uploaded_at": row.uploaded_at})
            continue
        try:
            image = store.get(row.thumb_key if thumbnails and row.thumb_key else row.key)
        except MediaNotFound:
            continue
        found.append({"kind": row.kind, "url": "", "image": image, "taken_at": row.taken_at,
                      "uploaded_at": row.uploaded_at})
    return found


def feed_thumbnails(session: Session, store: MediaStore, numbers: list[str]) -> dict[str, bytes]:
    """Case number → the thumbnail bytes of its first "before" photo, for the wall screen's newest cases."""
    found = {}
    for number, key in thumbnails_by_number(session, numbers).items():
        try:
            found[number] = store.get(key)
        except MediaNotFound:
            continue
    return found
