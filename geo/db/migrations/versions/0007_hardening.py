"""hardening: outbox keyed by whistle and claimed before delivery; counters; no TRUNCATE of the logs

Revision ID: 0007
Revises: 0006

- notifications: ``whistled_at`` (the whistle a reminder belongs to; existing rows get their dispatch's
  current one) joins the unique key, so a re-whistle earns new reminders; ``claimed_by`` / ``claimed_until``
  let one sender claim rows atomically before delivering them.
- counters: named counters incremented in the writer's transaction (collision-free case numbers).
- case_events, audit_log: a TRUNCATE trigger on PostgreSQL (row triggers do not see TRUNCATE).
"""

import sqlalchemy as sa
from alembic import op

import geo.db.types
from geo.db.database import backend

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

APPEND_ONLY = ("case_events", "audit_log")
#: Names batch mode gives unnamed constraints on SQLite, so the old unique key can be dropped by name.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}


def _unique_name(columns: list[str]) -> str:
    """The old unique key's name: PostgreSQL's own (e.g. notifications_dispatch_id_level_key) or, where it
    has none (SQLite), the one NAMING gives it."""
    found = [u["name"] for u in sa.inspect(op.get_bind()).get_unique_constraints("notifications")
             if u["column_names"] == columns]
    return (found[0] if found else None) or NAMING["uq"] % {
        "table_name": "notifications", "column_0_N_name": "_".join(columns)}


def upgrade() -> None:
    with op.batch_alter_table('notifications', naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column('whistled_at', geo.db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', geo.db.types.UTCDateTime(), nullable=True))
    op.execute("UPDATE notifications SET whistled_at = (SELECT d.whistled_at FROM case_dispatches d "
               "WHERE d.id = notifications.dispatch_id)")
    old = _unique_name(["dispatch_id", "level"])
    with op.batch_alter_table('notifications', naming_convention=NAMING) as batch_op:
        batch_op.alter_column('whistled_at', existing_type=geo.db.types.UTCDateTime(), nullable=False)
        batch_op.drop_constraint(old, type_='unique')
        batch_op.create_unique_constraint('uq_notifications_whistle_level', ['dispatch_id', 'whistled_at', 'level'])
    op.create_table('counters',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    bind = op.get_bind()
    for table in APPEND_ONLY:
        backend(bind.dialect.name).forbid_truncate(bind, table)


def downgrade() -> None:
    bind = op.get_bind()
    for table in APPEND_ONLY:
        backend(bind.dialect.name).allow_truncate(bind, table)
    op.drop_table('counters')
    with op.batch_alter_table('notifications', naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint('uq_notifications_whistle_level', type_='unique')
        batch_op.create_unique_constraint('uq_notifications_dispatch_id_level', ['dispatch_id', 'level'])
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('whistled_at')
