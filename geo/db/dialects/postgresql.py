"""PostgreSQL + PostGIS, the production backend for a district or a whole city (``DATABASE_URL``)."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely
from sqlalchemy import Boolean, Date, Engine, Float, Integer, cast, func, literal_column, text

from geo.config import LOCAL_TZ

from geo.db.types import Geometry, UTCDateTime

#: Rows per CSV chunk written to COPY: a few tens of MB, so memory stays flat whatever the frame's size.
_COPY_ROWS = 200_000

#: Spatial columns that get a GiST index: (table, column).
SPATIAL_COLUMNS = (
    ("streets", "geom"),
    ("communities", "geom"),
    ("grids", "geom"),
    ("buildings", "geom"),
    ("cases", "location"),
)


def configure_engine(engine: Engine) -> None:
    """Nothing per connection: PostGIS is a database extension (see prepare_database)."""


def prepare_database(connection) -> None:
    """Create the PostGIS extension if it is missing (needs a role allowed to, e.g. the database owner)."""
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))


def after_migrations(engine: Engine) -> None:
    """Nothing to restore: PostgreSQL migrates with its constraints in force."""


def create_spatial_indexes(connection) -> None:
    for table, column in SPATIAL_COLUMNS:
        create_spatial_index(connection, table, column)


def create_spatial_index(connection, table: str, column: str) -> None:
    """A GiST index on one geometry column (tables added by later migrations, e.g. districts)."""
    connection.execute(text(f"CREATE INDEX IF NOT EXISTS ix_{table}_{column}_gist ON {table} USING gist ({column})"))


def seconds_between(start, end):
    """SQL expression: seconds from ``start`` to ``end`` (NULL if either is NULL), as a double: EXTRACT's
    numeric costs a third of a city month's percentile queries in arithmetic alone."""
    return func.date_part("epoch", end - start)


def month_of(column):
    """SQL expression: the UTC month of a timestamp as 'YYYY-MM'."""
    return func.to_char(column, "YYYY-MM")


def _local_shift():
    """LOCAL_TZ's offset from UTC as an SQL interval: a zone without daylight saving, as China's (as the
    SQLite module assumes). Adding it is a third faster than AT TIME ZONE over a city's ten million rows."""
    seconds = int(ZoneInfo(LOCAL_TZ).utcoffset(datetime(2026, 1, 1)).total_seconds())
    return literal_column(f"interval '{seconds} seconds'")


def local_date(column):
    """SQL expression: the local calendar day (LOCAL_TZ) of a naive-UTC timestamp, as a date."""
    return cast(column + _local_shift(), Date)


def local_month(column):
    """SQL expression: the first day of the local calendar month of a naive-UTC timestamp, as a date."""
    return cast(func.date_trunc("month", column + _local_shift()), Date)


def least(a, b):
    """SQL expression: the smaller of two values."""
    return func.least(a, b)


def insert_from_select_ignoring_conflicts(table, names, query):
    """INSERT … SELECT … ON CONFLICT DO NOTHING: rows already present (by a unique key) are skipped."""
    from sqlalchemy.dialects.postgresql import insert

    return insert(table).from_select(names, query).on_conflict_do_nothing()


def floor(value):
    """SQL expression: floor of a non-negative number (PostgreSQL's CAST rounds, so not CAST)."""
    return func.floor(value)


def index_joins(connection) -> None:
    """For the rest of ``connection``'s transaction, join through indexes rather than hash a whole table: the
    planner costs a window's dispatches as cheap to find by hashing all of a city's (7 million, with the
    duration computed for each), which takes 2.0–2.5 s a percentile query; driven from the window's cases
    through the covering dispatch index it takes 0.7–1.2 s (bench/RESULTS.md)."""
    connection.execute(text("SET LOCAL enable_hashjoin = off"))


def after_bulk_load(connection, vacuum: tuple[str, ...] = ()) -> None:
    """Refresh the planner's statistics after a bulk load, and VACUUM the tables in ``vacuum``: it marks their
    pages all-visible, without which PostgreSQL visits every row behind a covering index instead of reading
    the index alone. ``connection`` is in autocommit (VACUUM runs outside a transaction)."""
    if vacuum:
        connection.execute(text(f"VACUUM (ANALYZE) {', '.join(vacuum)}"))
    connection.execute(text("ANALYZE"))


def forbid_changes(connection, table: str) -> None:
    """Make ``table`` append-only: any UPDATE or DELETE raises (the case log and the audit log)."""
    connection.execute(text(
        "CREATE OR REPLACE FUNCTION gridgov_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '% is append-only: rows are never updated or deleted', TG_TABLE_NAME; END $$"))
    connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
    connection.execute(text(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                            "FOR EACH ROW EXECUTE FUNCTION gridgov_append_only()"))


def allow_changes(connection, table: str) -> None:
    """Undo ``forbid_changes`` (migration downgrade)."""
    connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))


def bulk_insert(connection, table, frame: pd.DataFrame) -> None:
    """Insert ``frame`` (columns named after ``table``'s) with COPY … FROM STDIN in CSV: one stream instead
    of one statement per row, ~20× faster than executemany for a city's millions of rows. Values as the ORM
    takes them: shapely geometries, aware datetimes (NaT = NULL), None/NaN = NULL."""
    if frame.empty:
        return
    names = ", ".join(f'"{c}"' for c in frame.columns)
    driver = connection.connection.driver_connection  # the psycopg connection, inside the caller's transaction
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN (FORMAT csv)") as copy:
        for start in range(0, len(frame), _COPY_ROWS):
            copy.write(_csv(table, frame.iloc[start:start + _COPY_ROWS]))


def _csv(table, frame: pd.DataFrame) -> bytes:
    """CSV that COPY reads back exactly: every non-NULL value quoted (so '' is an empty string and an
    unquoted empty field is NULL), floats in their shortest round-trip form, geometries as hex EWKB."""
    columns = {name: _arrow(table.c[name].type, frame[name]) for name in frame.columns}
    out = io.BytesIO()
    pa_csv.write_csv(pa.table(columns), out, pa_csv.WriteOptions(include_header=False, quoting_style="all_valid"))
    return out.getvalue()


def _arrow(kind, values: pd.Series) -> pa.Array:
    if isinstance(kind, Geometry):
        return pa.array(_hex_ewkb(np.asarray(values, dtype=object), kind), type=pa.string())
    if isinstance(kind, UTCDateTime):
        naive = pd.to_datetime(values, utc=True).dt.tz_convert(None).astype("datetime64[us]")
        return pa.array(naive, type=pa.timestamp("us"), from_pandas=True)
    if isinstance(kind, Date):
        return pa.array(values.astype(object).where(values.notna(), None), type=pa.date32())
    if isinstance(kind, Boolean):
        return pa.array(values.astype(object).where(values.notna(), None), type=pa.bool_())
    if isinstance(kind, Integer):
        return pa.array(pd.array(values, dtype="Int64"), type=pa.int64())
    if isinstance(kind, Float):
        return pa.array(pd.to_numeric(values), type=pa.float64(), from_pandas=True)
    if isinstance(values.dtype, pd.StringDtype):  # Arrow-backed already: no round trip through Python objects
        return pa.array(values.array, type=pa.string())
    return pa.array(values.astype(object).where(values.notna(), None), type=pa.string())


def _hex_ewkb(geoms: np.ndarray, kind: Geometry) -> np.ndarray:
    """Hex EWKB with the column's SRID; a Polygon bound for a MULTIPOLYGON column becomes a one-part
    MultiPolygon (as Geometry.process_bind_param does for single rows)."""
    geoms = np.where(pd.isna(geoms), None, geoms)
    if kind.kind == "MULTIPOLYGON":
        polygons = np.flatnonzero(shapely.get_type_id(geoms) == 3)
        geoms[polygons] = shapely.multipolygons(geoms[polygons], indices=np.arange(polygons.size))
    return shapely.to_wkb(shapely.set_srid(geoms, kind.srid), hex=True, include_srid=True, flavor="extended")


def reserve_ids(connection, table, n: int) -> int:
    """The first of ``n`` consecutive ids taken from ``table``'s own sequence, for rows inserted with explicit
    ids (so the sequence never lags behind them)."""
    sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
    last = connection.execute(text(f"SELECT setval({sequence}, nextval({sequence}) + {int(n)} - 1)")).scalar()
    return int(last) - n + 1


def without_indexes(connection, tables: list[str]) -> list[str]:
    """Drop the secondary indexes, unique and foreign-key constraints of ``tables`` before a bulk load (each row
    would otherwise update every index and look up every foreign key); returns the statements that put them
    back (``restore_indexes``), which rebuild each index in one sort and validate each key in one join."""
    names = ", ".join(f"'{t}'" for t in tables)
    constraints = connection.execute(text(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        f"WHERE conrelid::regclass::text IN ({names}) AND contype IN ('f', 'u') ORDER BY contype")).all()
    indexes = connection.execute(text(
        f"SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ({names}) AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))")).all()
    for table, name, _, _ in constraints:  # foreign keys first ('f' sorts before 'u'), back last
        connection.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        connection.execute(text(f'DROP INDEX "{name}"'))
    return ([definition for _, definition in indexes]
            + [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, kind, d in reversed(constraints)])


def restore_indexes(connection, statements: list[str]) -> None:
    """Put back what ``without_indexes`` dropped (indexes and unique keys first, then foreign keys)."""
    connection.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    for statement in statements:
        connection.execute(text(statement))


def grant_app_role(connection, role: str, append_only: tuple[str, ...], read_only: tuple[str, ...]) -> None:
    """Create ``role`` (NOLOGIN, no superuser, owning nothing) if missing, and give it exactly what the
    dashboard, the API and the cron jobs need: read and write rows, but only insert into the append-only
    logs, only read the migration bookkeeping, use the id sequences. No TRUNCATE, no DDL, no trigger can be
    switched off: those belong to the tables' owner, the role that runs ``gridgov init-db``. Idempotent:
    re-run after every upgrade (new tables get their grants)."""
    quoted = f'"{role}"'
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    if exists is None:
        connection.execute(text(f"CREATE ROLE {quoted} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"))
    database = connection.execute(text("SELECT current_database()")).scalar()
    connection.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {quoted}'))
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {quoted}"))
    connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}"))
    connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"))
    connection.execute(text(f"REVOKE UPDATE, DELETE ON {', '.join(append_only)} FROM {quoted}"))
    present = [t for t in read_only if connection.execute(text("SELECT to_regclass(:t)"), {"t": t}).scalar()]
    if present:
        connection.execute(text(f"REVOKE INSERT, UPDATE, DELETE ON {', '.join(present)} FROM {quoted}"))
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"))


def forbid_truncate(connection, table: str) -> None:
    """TRUNCATE fires no row trigger, so an append-only table also needs a statement trigger against it (the
    table's owner could still drop the trigger: the app role of docs/security.md is not the owner)."""
    connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"))
    connection.execute(text(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                            "FOR EACH STATEMENT EXECUTE FUNCTION gridgov_append_only()"))


def allow_truncate(connection, table: str) -> None:
    """Undo ``forbid_truncate`` (migration downgrade)."""
    connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"))
