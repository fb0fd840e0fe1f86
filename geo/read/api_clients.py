"""Which API client a key belongs to. Keys are stored only as sha256 hashes (a random 256-bit key needs no
slow hash: the stored value is useless to a thief)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.db.models import ApiClient


@dataclass(frozen=True)
class Client:
    id: int
    name: str
    source: str


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def client_for_key(session: Session, key: str) -> Client | None:
    """The unrevoked client holding ``key``, else None."""
    if not key:
        return None
    found = session.scalar(select(ApiClient).where(ApiClient.key_hash == key_digest(key),
                                                   ApiClient.revoked.is_(False)))
    return Client(found.id, found.name, found.source) if found else None


def list_clients(session: Session) -> list[dict]:
    """Every client: name, source, key prefix, created, revoked (never a key)."""
    return [{"name": c.name, "source": c.source, "key_prefix": c.key_prefix, "created_at": c.created_at,
             "revoked": c.revoked} for c in session.scalars(select(ApiClient).order_by(ApiClient.name))]
