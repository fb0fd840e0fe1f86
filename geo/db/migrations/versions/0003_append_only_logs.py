"""append-only case events and audit log

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from geo.db.database import backend

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

APPEND_ONLY = ("case_events", "audit_log")


def upgrade() -> None:
    bind = op.get_bind()
    for table in APPEND_ONLY:
        backend(bind.dialect.name).forbid_changes(bind, table)


def downgrade() -> None:
    bind = op.get_bind()
    for table in APPEND_ONLY:
        backend(bind.dialect.name).allow_changes(bind, table)
