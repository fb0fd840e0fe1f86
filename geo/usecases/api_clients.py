"""API clients (the hotline system, the mini-program, the video platform): one key each, bound to the case
source it reports as. The key is shown once; only its hash is kept (geo.read.api_clients)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.db.models import ApiClient
from geo.domain.actors import Actor
from geo.domain.vocabulary import Source
from geo.domain.workflow import InvalidInput
from geo.read.api_clients import key_digest
from geo.usecases.audit import record

KEY_PREFIX = "gg_"


def create_client(session: Session, name: str, source: str, by: Actor, now: datetime) -> str:
    """A new client and its key (returned once). Refuses an empty or taken name and an unknown source."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("an API client needs a name of 1 to 100 characters")
    try:
        source = str(Source(source))
    except ValueError:
        raise InvalidInput(f"unknown source {source!r}; sources: {', '.join(Source)}") from None
    if session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise InvalidInput(f"an API client named {name!r} exists already; revoke it or pick another name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiClient(name=name, source=source, key_hash=key_digest(key), key_prefix=key[:10],
                          created_at=now, created_by=by.name))
    record(session, now, by.name, by.role, "api_key", name, f"source={source}")
    session.flush()
    return key


def revoke_client(session: Session, name: str, by: Actor, now: datetime) -> None:
    client = session.scalar(select(ApiClient).where(ApiClient.name == name))
    if client is None:
        raise InvalidInput(f"no API client named {name!r}")
    client.revoked = True
    record(session, now, by.name, by.role, "api_key_revoke", name)
    session.flush()
