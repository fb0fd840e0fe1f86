"""Schema management through Alembic migrations, so a running district upgrades without losing data."""

from __future__ import annotations

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


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
