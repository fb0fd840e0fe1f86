"""Opening the database. Backend differences live in one module per dialect (sqlite.py, postgresql.py) with
the same function names, picked by the dialect's name — never ``if postgres:`` elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from geo.config import database_url
from geo.db.dialects import postgresql, sqlite

P = ParamSpec("P")
T = TypeVar("T")
_BACKENDS: dict[str, ModuleType] = {"sqlite": sqlite, "postgresql": postgresql}


def backend(dialect_name: str) -> ModuleType:
    """The module holding this dialect's spatial and time SQL."""
    try:
        return _BACKENDS[dialect_name]
    except KeyError:
        raise ValueError(
            f"unsupported database {dialect_name!r}: GridGov runs on {', '.join(sorted(_BACKENDS))}"
        ) from None


class Database:
    """An engine plus a session factory. ``db.read(fn, …)`` is how a page reads; a use case that changes the
    world takes the Database and opens ``with db.transaction() as s:`` itself (commit or roll back as one)."""

    def __init__(self, url: str | None = None):
        self.url = url or database_url()
        self.engine: Engine = create_engine(self.url, **_engine_options(self.url))
        self.backend = backend(self.engine.dialect.name)
        self.backend.configure_engine(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self._sessions()

    def read(self, fn: Callable[Concatenate[Session, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(session, *args, **kwargs)`` — a geo.read function — in a session of its own, closed afterwards
        and never committed: a page's one call for what it shows."""
        with self._sessions() as session:
            return fn(session, *args, **kwargs)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def reachable(self) -> bool:
        """True if the database answers now (a page waiting for an outage to end polls this)."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DBAPIError:
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    # Session time zone UTC: timestamps are stored as naive UTC, and the server must not shift them.
    # connect_timeout: a database host that is down fails fast instead of stalling a page (or the wall
    # screen's refresh) for minutes.
    # jit=off: a city's aggregates are costed high enough for PostgreSQL to JIT-compile them, which took
    # 1.1 s of a 1.2 s query over the open cases (bench/RESULTS.md); the pages' queries are short and many.
    # work_mem=32MB: a city month's durations (≈ 15 MB a sort) are sorted in memory, not spilled to disk.
    return {"pool_pre_ping": True,
            "connect_args": {"options": "-c timezone=UTC -c jit=off -c work_mem=32MB", "connect_timeout": 5}}
