"""API clients (the hotline system, the mini-program, the video platform): one key each, bound to the case
source it reports as. The key is shown once; only its hash is kept (geo.read.api_clients)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo.db.database import Database
from geo.db.models import ApiClient
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role, Source
from geo.domain.workflow import InvalidInput
from geo.read.api_clients import Client, key_digest
from geo.usecases.audit import record

KEY_PREFIX = "gg_"
#: The phone page's own channels (first-party clients): the server reports through them itself, so their key
#: is never shown to anyone and no outside system can post as one. Revoking one (``gridgov api-key revoke``)
#: closes that channel of the page.
PAGE_CLIENTS = {Source.RESIDENT_APP: "report-page-residents", Source.GRID_MEMBER: "report-page-grid-members"}
_SERVER = Actor("gridgov", Role.ADMIN)


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


def page_client(db: Database, source: Source, now: datetime) -> Client | None:
    """The page's client for ``source`` (PAGE_CLIENTS), created and audited the first time it is needed; None
    once an administrator revoked it. Owns its transaction; two first uses at once both end with the one row."""
    try:
        return _page_client(db, source, now)
    except IntegrityError:  # created meanwhile by another request: it is there now
        return _page_client(db, source, now)


def _page_client(db: Database, source: Source, now: datetime) -> Client | None:
    name = PAGE_CLIENTS[source]
    with db.transaction() as session:
        found = session.scalar(select(ApiClient).where(ApiClient.name == name))
        if found is None:
            create_client(session, name, source, _SERVER, now)  # its key is dropped here: never usable
            found = session.scalar(select(ApiClient).where(ApiClient.name == name))
        return None if found.revoked else Client(found.id, found.name, found.source)
