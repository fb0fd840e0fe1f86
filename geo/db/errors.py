"""What a user is told when something fails unexpectedly: what failed, never SQL text, SQL parameters or a
traceback. The details go to the server's log ("gridgov.errors") under a short reference the message gives.

Why: a database error's text carries the statement and its parameters — on PostGIS a duplicate key in an
import printed the reporters' names and phones of the rows being written. Import reports and the command
line show ``describe_failure(exc)`` (a Failure: its kind, never the database's text) instead of ``str(exc)``;
pages show a friendly message with a reference instead (dashboard/errors.py).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

log = logging.getLogger("gridgov.errors")
#: Non-database errors are named with their message, cut to this many characters (a parser's message can
#: quote a whole line of the file).
MAX_DETAIL = 300
_DRIVERS = ("psycopg", "psycopg2", "sqlite3")  # their errors unwrapped (SQLAlchemy wraps those it sees)
_SQL_MARKERS = ("[SQL:", "[parameters:")


def is_database_error(exc: BaseException) -> bool:
    """True for an error raised by the database or its driver, anywhere in the exception's chain."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, SQLAlchemyError) or type(exc).__module__.split(".")[0] in _DRIVERS:
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


@dataclass(frozen=True)
class Failure:
    """An unexpected error as a user may see it: its kind, the log reference, and nothing from the database.

    ``database``: the database refused something (``error`` is the driver's class, ``detail`` is empty);
    otherwise ``error`` is the exception's type and ``detail`` its message, cut short (and empty when the
    message quotes SQL)."""

    database: bool
    error: str
    detail: str
    reference: str

    @property
    def text(self) -> str:
        """In English, for the command line: "the database refused it (UniqueViolation; server log reference
        1a2b3c4d)" or "RuntimeError: disk full (server log reference 1a2b3c4d)"."""
        where = f"server log reference {self.reference}"
        if self.database:
            return f"the database refused it ({self.error}; {where})"
        return f"{self.error}: {self.detail} ({where})" if self.detail else f"{self.error} ({where})"


def new_reference(now: datetime | None = None) -> str:
    """A reference short enough to read out over the phone: local date-time to the second plus 4 random hex
    digits (e.g. 1130-103627-7F3A)."""
    return f"{(now or datetime.now()).strftime('%m%d-%H%M%S')}-{secrets.token_hex(2).upper()}"


def log_error(reference: str, exc: BaseException, where: str) -> None:
    """The whole error, traceback included, in the server log under ``reference``."""
    log.error("error %s in %s: %s", reference, where, type(exc).__name__,
              exc_info=(type(exc), exc, exc.__traceback__))


def describe_failure(exc: BaseException, where: str = "a command") -> Failure:
    """What a user may be told about ``exc``; the whole error goes to the log under the reference it carries."""
    reference = new_reference()
    log_error(reference, exc, where)
    if is_database_error(exc):
        return Failure(True, _database_error_name(exc), "", reference)
    detail = str(exc)
    if any(marker in detail for marker in _SQL_MARKERS):
        detail = ""
    return Failure(False, type(exc).__name__, detail if len(detail) <= MAX_DETAIL else detail[:MAX_DETAIL] + "…",
                   reference)


def _database_error_name(exc: BaseException) -> str:
    """The driver's own class (UniqueViolation, …) when there is one: it says what went wrong, not with what."""
    original = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return type(original).__name__
