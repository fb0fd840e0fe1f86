"""Alembic environment: run migrations on the connection handed in by geo.db.schema (or on DATABASE_URL)."""

from alembic import context
from sqlalchemy import create_engine

from geo.config import database_url
from geo.db.models import Base

config = context.config


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with create_engine(database_url()).connect() as conn:
        _run(conn)
