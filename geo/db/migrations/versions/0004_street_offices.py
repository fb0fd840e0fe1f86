"""street offices: a department may be the office of one street (territory routing)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("departments") as batch:
        batch.add_column(sa.Column("street_id", sa.Integer(), nullable=True))
        batch.create_index("ix_departments_street_id", ["street_id"])
        batch.create_foreign_key("fk_departments_street_id", "streets", ["street_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("departments") as batch:
        batch.drop_constraint("fk_departments_street_id", type_="foreignkey")
        batch.drop_index("ix_departments_street_id")
        batch.drop_column("street_id")
