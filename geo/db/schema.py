"""Schema management through Alembic migrations, so a running district upgrades without losing data."""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from alembic.config import Config

from geo.db.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database to ``revision``: creates PostGIS if needed, then runs the migrations."""
    with db.engine.begin() as connection:
        db.backend.prepare_database(connection)
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    db.backend.after_migrations(db.engine)


#: Tables the app role may only insert into (their triggers refuse changes too), and only read.
APPEND_ONLY = ("case_events", "audit_log", "volunteer_points")
READ_ONLY = ("alembic_version", "spatial_ref_sys")
_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def grant_app_role(db: Database, role: str) -> None:
    """Create (if missing) the least-privilege role the dashboard, the API and cron run as, with exactly the
    privileges they need on the current schema (docs/security.md). PostgreSQL only; ValueError otherwise or
    for a name that is not a plain lower-case identifier."""
    if not _ROLE_NAME.fullmatch(role):
        raise ValueError(f"app role {role!r} must be a lower-case identifier such as gridgov_app")
    with db.engine.begin() as connection:
        db.backend.grant_app_role(connection, role, APPEND_ONLY, READ_ONLY)


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
