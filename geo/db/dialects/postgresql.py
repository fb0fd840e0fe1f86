"""PostgreSQL + PostGIS, the production backend for a district or a whole city (``DATABASE_URL``)."""

from __future__ import annotations

from sqlalchemy import Engine, extract, func, text

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
        connection.execute(
            text(f"CREATE INDEX IF NOT EXISTS ix_{table}_{column}_gist ON {table} USING gist ({column})")
        )


def seconds_between(start, end):
    """SQL expression: seconds from ``start`` to ``end`` (NULL if either is NULL)."""
    return extract("epoch", end - start)


def month_of(column):
    """SQL expression: the UTC month of a timestamp as 'YYYY-MM'."""
    return func.to_char(column, "YYYY-MM")


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


def after_bulk_load(connection) -> None:
    """Refresh the planner's statistics after a bulk load."""
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
