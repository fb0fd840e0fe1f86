"""API keys and their rate limit.

The limit is kept in process memory (a sliding one-minute window per key), not in the database: counting in
the database would cost a write, and on SQLite a lock, on every request — the very load the limit guards
against. One process serves the API (``gridgov api``, or the dashboard's server mounting it), so the count is
exact; a deployment running N API processes behind a balancer allows up to N × the limit, and should put the
limit in the balancer instead.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Hashable

from api.inputs import ApiError
from geo.db.database import Database
from geo.read.api_clients import Client, client_for_key


class RateLimiter:
    """At most ``per_minute`` calls per caller (an API key's client, a signed-in account, a client address) in
    any 60 seconds; ``what`` names the caller in the refusal."""

    def __init__(self, per_minute: int, what: str = "api_key", clock=time.monotonic):
        self.per_minute, self.what, self._clock = per_minute, what, clock
        self._calls: dict[Hashable, deque] = {}
        self._lock = threading.Lock()

    def check(self, caller: Hashable, what: str | None = None) -> None:
        """Count one call, or raise 429 with Retry-After when the caller is over its limit."""
        now = self._clock()
        with self._lock:
            calls = self._calls.setdefault(caller, deque())
            while calls and calls[0] <= now - 60:
                calls.popleft()
            if len(calls) >= self.per_minute:
                wait = max(1, math.ceil(calls[0] + 60 - now))
                raise ApiError(429, f"rate limit: at most {self.per_minute} requests per minute for this "
                                    f"{what or self.what}; retry in {wait} s", headers={"Retry-After": str(wait)})
            calls.append(now)


def client(db: Database, limiter: RateLimiter, key: str | None, required: bool) -> Client | None:
    """The client of ``key`` (counted against its limit); 403 when the key is missing and required, or
    unknown or revoked (as the specification says: 403 for a wrong or missing api_key)."""
    if not key:
        if required:
            raise ApiError(403, "api_key is required to create a service request")
        return None
    if len(key) > 200:
        raise ApiError(403, "invalid api_key")
    with db.session() as session:
        found = client_for_key(session, key)
    if found is None:
        raise ApiError(403, "invalid api_key: unknown or revoked")
    limiter.check(found.id)
    return found
