"""initial schema

Revision ID: 0001
Revises: 
"""

import sqlalchemy as sa
from alembic import op

import geo.db.types
from geo.db.database import backend

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('short_name', sa.String(length=50), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('grid_layouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('created_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('grid_layouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_layouts_is_active'), ['is_active'], unique=False)

    op.create_table('streets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('geom', geo.db.types.Geometry('MULTIPOLYGON', srid=4326), nullable=False),
    sa.Column('minx', sa.Float(), nullable=False),
    sa.Column('miny', sa.Float(), nullable=False),
    sa.Column('maxx', sa.Float(), nullable=False),
    sa.Column('maxy', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('sweep_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ran_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sweep_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sweep_runs_ran_at'), ['ran_at'], unique=False)

    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('class_code', sa.String(length=32), nullable=False),
    sa.Column('class_name', sa.String(length=100), nullable=False),
    sa.Column('lead_department_id', sa.Integer(), nullable=True),
    sa.Column('co_department_codes', sa.String(length=200), nullable=False),
    sa.Column('time_limit', sa.Float(), nullable=False),
    sa.Column('time_unit', sa.String(length=20), nullable=False),
    sa.Column('routing_rule', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['lead_department_id'], ['departments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_categories_class_code'), ['class_code'], unique=False)

    op.create_table('communities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('geom', geo.db.types.Geometry('MULTIPOLYGON', srid=4326), nullable=False),
    sa.Column('minx', sa.Float(), nullable=False),
    sa.Column('miny', sa.Float(), nullable=False),
    sa.Column('maxx', sa.Float(), nullable=False),
    sa.Column('maxy', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_communities_street_id'), ['street_id'], unique=False)

    op.create_table('bundles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('escalated_to', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('grids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('layout_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('member_name', sa.String(length=50), nullable=False),
    sa.Column('member_phone', sa.String(length=30), nullable=False),
    sa.Column('geom', geo.db.types.Geometry('MULTIPOLYGON', srid=4326), nullable=False),
    sa.Column('minx', sa.Float(), nullable=False),
    sa.Column('miny', sa.Float(), nullable=False),
    sa.Column('maxx', sa.Float(), nullable=False),
    sa.Column('maxy', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['layout_id'], ['grid_layouts.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('layout_id', 'code')
    )
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grids_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grids_layout_id'), ['layout_id'], unique=False)

    op.create_table('buildings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('geom', geo.db.types.Geometry('MULTIPOLYGON', srid=4326), nullable=False),
    sa.Column('minx', sa.Float(), nullable=False),
    sa.Column('miny', sa.Float(), nullable=False),
    sa.Column('maxx', sa.Float(), nullable=False),
    sa.Column('maxy', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_buildings_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_buildings_grid_id'), ['grid_id'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('source_ref', sa.String(length=100), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('reporter_name', sa.String(length=50), nullable=False),
    sa.Column('reporter_phone', sa.String(length=30), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('location', geo.db.types.Geometry('POINT', srid=4326), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('snapped', sa.Boolean(), nullable=False),
    sa.Column('near_boundary', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('tier', sa.String(length=20), nullable=True),
    sa.Column('reported_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('accepted_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('whistled_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('reported_in_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('answered_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('closed_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('rated_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('rejected_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('deadline', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('rating', sa.String(length=30), nullable=True),
    sa.Column('rework_count', sa.Integer(), nullable=False),
    sa.Column('reject_reason', sa.Text(), nullable=False),
    sa.Column('deferred_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('deferred_from', sa.String(length=20), nullable=True),
    sa.Column('bundle_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90', name='ck_cases_lonlat'),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ),
    sa.ForeignKeyConstraint(['bundle_id'], ['bundles.id'], ),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number'),
    sa.UniqueConstraint('source_ref')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_bundle_id'), ['bundle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index('ix_cases_lon_lat', ['lon', 'lat'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)
        batch_op.create_index('ix_cases_status_reported', ['status', 'reported_at'], unique=False)

    op.create_table('case_dispatches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('whistled_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('reported_in_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('answered_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'department_id')
    )
    with op.batch_alter_table('case_dispatches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_dispatches_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_dispatches_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_dispatches_whistled_at'), ['whistled_at'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_case_id'), ['case_id'], unique=False)

    op.create_table('case_grid_assignments',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('layout_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('snapped', sa.Boolean(), nullable=False),
    sa.Column('near_boundary', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], ),
    sa.ForeignKeyConstraint(['layout_id'], ['grid_layouts.id'], ),
    sa.PrimaryKeyConstraint('case_id', 'layout_id')
    )
    with op.batch_alter_table('case_grid_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_grid_assignments_grid_id'), ['grid_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('created_at', geo.db.types.UTCDateTime(), nullable=False),
    sa.Column('delivered_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', geo.db.types.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['dispatch_id'], ['case_dispatches.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dispatch_id', 'level')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_delivered_at'), ['delivered_at'], unique=False)
    bind = op.get_bind()
    backend(bind.dialect.name).create_spatial_indexes(bind)


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_delivered_at'))

    op.drop_table('notifications')
    with op.batch_alter_table('case_grid_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_grid_assignments_grid_id'))

    op.drop_table('case_grid_assignments')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_case_id'))

    op.drop_table('case_events')
    with op.batch_alter_table('case_dispatches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_dispatches_whistled_at'))
        batch_op.drop_index(batch_op.f('ix_case_dispatches_department_id'))
        batch_op.drop_index(batch_op.f('ix_case_dispatches_case_id'))

    op.drop_table('case_dispatches')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_reported')
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index(batch_op.f('ix_cases_reported_at'))
        batch_op.drop_index('ix_cases_lon_lat')
        batch_op.drop_index(batch_op.f('ix_cases_grid_id'))
        batch_op.drop_index(batch_op.f('ix_cases_category_id'))
        batch_op.drop_index(batch_op.f('ix_cases_bundle_id'))
        batch_op.drop_index(batch_op.f('ix_cases_building_id'))

    op.drop_table('cases')
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buildings_grid_id'))
        batch_op.drop_index(batch_op.f('ix_buildings_address'))

    op.drop_table('buildings')
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grids_layout_id'))
        batch_op.drop_index(batch_op.f('ix_grids_community_id'))

    op.drop_table('grids')
    op.drop_table('bundles')
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communities_street_id'))

    op.drop_table('communities')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_categories_class_code'))

    op.drop_table('categories')
    with op.batch_alter_table('sweep_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sweep_runs_ran_at'))

    op.drop_table('sweep_runs')
    op.drop_table('streets')
    with op.batch_alter_table('grid_layouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_layouts_is_active'))

    op.drop_table('grid_layouts')
    op.drop_table('departments')
