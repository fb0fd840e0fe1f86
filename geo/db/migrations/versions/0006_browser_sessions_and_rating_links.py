"""browser sessions and rating links

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import geo.db.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('ticket_hash', sa.String(length=64), nullable=True),
    sa.Column('ticket_expires_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('ended_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_hash'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('rating_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('created_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('used_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('rating', sa.String(length=30), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'closed_at')
    )
    with op.batch_alter_table('rating_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rating_links_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rating_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_links_case_id'))

    op.drop_table('rating_links')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
