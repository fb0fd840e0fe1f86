"""community forces: volunteers, their tasks and assignments, and the append-only points ledger

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import geo.db.types
from geo.db.database import backend

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('volunteers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('skills', sa.String(length=200), nullable=False),
    sa.Column('availability', sa.String(length=100), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('grid_code', sa.String(length=64), nullable=False),
    sa.Column('placed_by', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('joined_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint('lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90', name='ck_volunteers_lonlat'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('phone'),
    sa.UniqueConstraint('user_id')
    )
    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteers_community_id'), ['community_id'], unique=False)

    op.create_table('volunteer_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('skills', sa.String(length=200), nullable=False),
    sa.Column('starts_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('ends_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('done_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name='ck_volunteer_tasks_window'),
    sa.CheckConstraint('headcount >= 1', name='ck_volunteer_tasks_headcount'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    with op.batch_alter_table('volunteer_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_tasks_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_tasks_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_tasks_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_tasks_status'), ['status'], unique=False)

    op.create_table('volunteer_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by', sa.String(length=20), nullable=False),
    sa.Column('assigned_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('done_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('photo_key', sa.String(length=100), nullable=True),
    sa.Column('thumb_key', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['volunteer_tasks.id'], ),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('task_id', 'volunteer_id')
    )
    with op.batch_alter_table('volunteer_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_assignments_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_assignments_task_id'), ['task_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_assignments_volunteer_id'), ['volunteer_id'], unique=False)

    op.create_table('volunteer_points',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('volunteer_id', sa.Integer(), nullable=False),
    sa.Column('at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("(kind = 'task' AND points > 0) OR (kind = 'redeem' AND points < 0)", name='ck_volunteer_points_sign'),
    sa.ForeignKeyConstraint(['assignment_id'], ['volunteer_assignments.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['volunteer_tasks.id'], ),
    sa.ForeignKeyConstraint(['volunteer_id'], ['volunteers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assignment_id')
    )
    with op.batch_alter_table('volunteer_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_points_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_points_task_id'), ['task_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_points_volunteer_id'), ['volunteer_id'], unique=False)

    # The ledger is append-only like the case log: a correction is a new entry, never an edit.
    bind = op.get_bind()
    backend(bind.dialect.name).forbid_changes(bind, 'volunteer_points')


def downgrade() -> None:
    bind = op.get_bind()
    backend(bind.dialect.name).allow_changes(bind, 'volunteer_points')
    with op.batch_alter_table('volunteer_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_points_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_volunteer_points_task_id'))
        batch_op.drop_index(batch_op.f('ix_volunteer_points_at'))

    op.drop_table('volunteer_points')
    with op.batch_alter_table('volunteer_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_assignments_volunteer_id'))
        batch_op.drop_index(batch_op.f('ix_volunteer_assignments_task_id'))
        batch_op.drop_index(batch_op.f('ix_volunteer_assignments_status'))

    op.drop_table('volunteer_assignments')
    with op.batch_alter_table('volunteer_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_tasks_status'))
        batch_op.drop_index(batch_op.f('ix_volunteer_tasks_created_at'))
        batch_op.drop_index(batch_op.f('ix_volunteer_tasks_community_id'))
        batch_op.drop_index(batch_op.f('ix_volunteer_tasks_case_id'))

    op.drop_table('volunteer_tasks')
    with op.batch_alter_table('volunteers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteers_community_id'))

    op.drop_table('volunteers')
