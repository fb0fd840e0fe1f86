"""What every route needs, built once per app: the database, the media store, the rate limiters and the
settings (read from geo.config when the app is created)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request

from api.inputs import ApiError
from api.keys import RateLimiter
from geo.db.database import Database
from geo.db.media_store import MediaStore
from geo.usecases.reports import IntakeSettings


@dataclass
class Context:
    db: Database
    store: MediaStore
    limiter: RateLimiter
    intake: IntakeSettings
    jurisdiction: str = ""
    public_url: str = ""
    page_limiter: RateLimiter | None = None  # the phone page's residents' channel, per address; None: closed
    session_idle: timedelta = timedelta(minutes=30)  # a browser session idle longer has ended

    def base_url(self, request: Request) -> str:
        return self.public_url or str(request.base_url).rstrip("/")

    def check_jurisdiction(self, value: str | None) -> None:
        """One jurisdiction: the parameter may be left out; a wrong one is 404 (when one is configured)."""
        if value and self.jurisdiction and value != self.jurisdiction:
            raise ApiError(404, f"jurisdiction_id {value[:60]!r} was not found (this endpoint serves "
                                f"{self.jurisdiction!r})")


def context(request: Request) -> Context:
    return request.app.state.gridgov
