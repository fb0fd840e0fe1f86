"""event note keys (the system's notes translated at display) and bundle closure

Plain ADD COLUMN on both backends: a batch copy of case_events would drop its append-only triggers (0003).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

import geo.db.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_events", sa.Column("note_key", sa.String(40), nullable=True))
    op.add_column("case_events", sa.Column("note_params", sa.Text(), nullable=True))
    op.add_column("bundles", sa.Column("closed_at", geo.db.types.UTCDateTime(), nullable=True))
    op.add_column("bundles", sa.Column("closed_by", sa.String(100), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("bundles") as batch:
        batch.drop_column("closed_by")
        batch.drop_column("closed_at")
    op.drop_column("case_events", "note_params")
    op.drop_column("case_events", "note_key")
