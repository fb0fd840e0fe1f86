"""SQLite, the embedded default: a file under data/, WAL mode, geometry as WKB evaluated with shapely.

The standard Python here cannot load SQLite extensions, so SpatiaLite is not used: spatial predicates run in
shapely over the bbox-filtered rows, and times are compared with julianday().
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Date, Engine, event, func, insert, text
from sqlalchemy.engine import make_url

from geo.config import LOCAL_TZ

#: Rows per executemany call of a bulk insert.
_CHUNK = 5000


def configure_engine(engine: Engine) -> None:
    """WAL journal (readers never block the writer), foreign keys on, a busy timeout for concurrent writers."""
    database = make_url(str(engine.url)).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def prepare_database(connection) -> None:
    """Foreign keys off for the migrating connection: batch migrations rebuild a table (copy, drop, rename),
    and with foreign keys on, dropping a table that other rows reference fails — on any district holding
    cases. ``after_migrations`` switches them back on and checks nothing was left dangling."""
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")


def after_migrations(engine: Engine) -> None:
    """Every pooled connection is dropped (new ones get foreign keys on again, configure_engine), then the
    whole database is checked: a migration that left a dangling reference fails here, not in production."""
    engine.dispose()
    with engine.connect() as connection:
        dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if dangling:
        raise RuntimeError(f"the migration left {len(dangling)} dangling reference(s), e.g. table "
                           f"{dangling[0][0]!r} row {dangling[0][1]} → {dangling[0][2]!r}")


def create_spatial_indexes(connection) -> None:
    """SQLite has no spatial index without SpatiaLite; the bbox and lon/lat columns carry B-tree indexes."""


def create_spatial_index(connection, table: str, column: str) -> None:
    """No spatial index on SQLite (see create_spatial_indexes)."""


def seconds_between(start, end):
    """SQL expression: seconds from ``start`` to ``end`` (NULL if either is NULL).

    Rounded to the millisecond: julianday's day fractions make exactly one hour 3599.9999996 s, which would
    miss an inclusive 1 h threshold that PostgreSQL (and Python) hit."""
    return func.round((func.julianday(end) - func.julianday(start)) * 86400.0, 3)


def month_of(column):
    """SQL expression: the UTC month of a timestamp as 'YYYY-MM'."""
    return func.strftime("%Y-%m", column)


def _local_shift() -> str:
    """LOCAL_TZ's offset as an SQLite date modifier ('+8 hours'): a zone without daylight saving, as China's."""
    hours = ZoneInfo(LOCAL_TZ).utcoffset(datetime(2026, 1, 1)).total_seconds() / 3600
    return f"{hours:+g} hours"


def local_date(column):
    """SQL expression: the local calendar day (LOCAL_TZ) of a naive-UTC timestamp, as 'YYYY-MM-DD'."""
    return func.date(column, _local_shift(), type_=Date)


def local_month(column):
    """SQL expression: the first day of the local calendar month of a naive-UTC timestamp, as 'YYYY-MM-DD'."""
    return func.date(column, _local_shift(), "start of month", type_=Date)


def least(a, b):
    """SQL expression: the smaller of two values (SQLite's two-argument min)."""
    return func.min(a, b)


def insert_from_select_ignoring_conflicts(table, names, query):
    """INSERT … SELECT … ON CONFLICT DO NOTHING: rows already present (by a unique key) are skipped."""
    from sqlalchemy.dialects.sqlite import insert

    return insert(table).from_select(names, query).on_conflict_do_nothing()


def floor(value):
    """SQL expression: floor of a non-negative number (SQLite's CAST truncates; floor() may be missing)."""
    from sqlalchemy import Integer, cast

    return cast(value, Integer)


def index_joins(connection) -> None:
    """SQLite joins through indexes anyway (PostgreSQL's ``index_joins``): nothing to do."""


def after_bulk_load(connection, vacuum: tuple[str, ...] = ()) -> None:
    """Fold the write-ahead log into the database file (a WAL holding a whole bulk load slows every later
    read several-fold until the next checkpoint) and refresh the planner's statistics. ``vacuum``: nothing to
    do, SQLite reads an index alone without a visibility map (PostgreSQL's ``after_bulk_load``)."""
    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.exec_driver_sql("ANALYZE")


def forbid_changes(connection, table: str) -> None:
    """Make ``table`` append-only: any UPDATE or DELETE aborts (the case log and the audit log)."""
    for verb in ("UPDATE", "DELETE"):
        connection.exec_driver_sql(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows are never updated or deleted'); END")


def allow_changes(connection, table: str) -> None:
    """Undo ``forbid_changes`` (migration downgrade)."""
    for verb in ("update", "delete"):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def bulk_insert(connection, table, frame: pd.DataFrame) -> None:
    """Insert ``frame`` (columns named after ``table``'s) with executemany in chunks: the embedded database
    holds a district, whose rows go in within seconds this way. None/NaN/NaT = NULL."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for start in range(0, len(rows), _CHUNK):
        connection.execute(insert(table), rows[start:start + _CHUNK])


def reserve_ids(connection, table, n: int) -> int:
    """The first of ``n`` consecutive ids for rows inserted with explicit ids: past the largest one (an
    INTEGER PRIMARY KEY without AUTOINCREMENT continues after the largest id)."""
    return int(connection.execute(text(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}")).scalar())


def without_indexes(connection, tables: list[str]) -> list[str]:
    """Drop the secondary indexes of ``tables`` before a bulk load; returns the statements that rebuild them
    (``restore_indexes``). Unique constraints and foreign keys stay (SQLite cannot drop them)."""
    names = ", ".join(f"'{t}'" for t in tables)
    indexes = connection.execute(text(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({names}) AND sql IS NOT NULL"
    )).all()
    for name, _ in indexes:
        connection.execute(text(f'DROP INDEX "{name}"'))
    return [sql for _, sql in indexes]


def restore_indexes(connection, statements: list[str]) -> None:
    """Rebuild what ``without_indexes`` dropped."""
    for statement in statements:
        connection.execute(text(statement))


def grant_app_role(connection, role: str, append_only: tuple[str, ...], read_only: tuple[str, ...]) -> None:
    """SQLite has no roles: whoever can write the file can do anything to it (docs/security.md: keep the file
    readable and writable by the service account only)."""
    raise ValueError("SQLite has no database roles: protect data/gridgov.db with file permissions instead "
                     "(see docs/security.md), or use PostgreSQL for a least-privilege app role")


def forbid_truncate(connection, table: str) -> None:
    """Nothing to add: SQLite has no TRUNCATE, and a DELETE without WHERE fires the row trigger of
    ``forbid_changes`` (a table with a DELETE trigger is never truncated by SQLite's shortcut)."""


def allow_truncate(connection, table: str) -> None:
    """Nothing to undo (see ``forbid_truncate``)."""
