"""Calling an ASGI app in-process without an HTTP client library: one request, the whole response."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name.lower()), None)

    def headers_named(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def call(app, method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Reply:
    parts = urlsplit(url)
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": parts.path, "raw_path": parts.path.encode(), "query_string": parts.query.encode(),
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8501),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
                   + [(b"content-length", str(len(body)).encode())],
    }
    return run_coroutine(_run(app, scope, body))


def run_coroutine(coroutine):
    """``asyncio.run`` on a thread of its own: the browser tests' Playwright keeps an event loop running in the
    main thread for the whole session, and asyncio.run refuses to start inside a running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _run(app, scope, body: bytes) -> Reply:
    messages, pending = [], [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message):
        messages.append(message)

    await app(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    return Reply(start["status"], [(k.decode().lower(), v.decode()) for k, v in start.get("headers", [])],
                 b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body"))
