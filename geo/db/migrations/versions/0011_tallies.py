"""tallies: the clock-independent figures pre-counted per day × street, month × grid, day × department ×
district and day × district × category, so a city's pages never rescan its cases; partial indexes for what
is read live (dispatches waiting for a report-in, cases outside every grid)

Existing databases get empty tallies and no tally_state row: the readers count from the cases until
``gridgov tallies --rebuild`` (or the next bulk load) fills them.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

import geo.db.types

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

CASE_COUNTERS = ("received", "open", "closed", "due", "answered_on_time", "closed_on_time", "rated", "satisfied",
                 "reworked", "finished_once")
DISPATCH_COUNTERS = ("whistled", "reported_in", "reported_in_on_time", "yellow_in", "red_in", "discipline_in")


def _counters(names=CASE_COUNTERS + DISPATCH_COUNTERS):
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def upgrade() -> None:
    op.create_table("tally_days", sa.Column("day", sa.Date(), nullable=False),
                    sa.Column("street_id", sa.Integer(), nullable=False),
                    sa.Column("closed_day", sa.Integer(), nullable=False), *_counters(),
                    sa.PrimaryKeyConstraint("day", "street_id"))
    op.create_table("tally_months", sa.Column("month", sa.Date(), nullable=False),
                    sa.Column("grid_id", sa.Integer(), nullable=False), *_counters(),
                    sa.PrimaryKeyConstraint("month", "grid_id"))
    op.create_table("tally_departments", sa.Column("day", sa.Date(), nullable=False),
                    sa.Column("department_id", sa.Integer(), nullable=False),
                    sa.Column("district_id", sa.Integer(), nullable=False), *_counters(),
                    sa.PrimaryKeyConstraint("day", "department_id", "district_id"))
    op.create_table("tally_categories", sa.Column("day", sa.Date(), nullable=False),
                    sa.Column("district_id", sa.Integer(), nullable=False),
                    sa.Column("category_id", sa.Integer(), nullable=False), *_counters(("received",)),
                    sa.PrimaryKeyConstraint("day", "district_id", "category_id"))
    op.create_table("tally_state", sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("through", geo.db.types.UTCDateTime(), nullable=True), sa.PrimaryKeyConstraint("id"))
    pending = sa.text("reported_in_at IS NULL")
    op.create_index("ix_case_dispatches_pending", "case_dispatches", ["whistled_at"], postgresql_where=pending,
                    sqlite_where=pending)
    unassigned = sa.text("grid_id IS NULL")
    op.create_index("ix_cases_unassigned", "cases", ["reported_at"], postgresql_where=unassigned,
                    sqlite_where=unassigned)


def downgrade() -> None:
    op.drop_index("ix_cases_unassigned", "cases")
    op.drop_index("ix_case_dispatches_pending", "case_dispatches")
    for table in ("tally_state", "tally_categories", "tally_departments", "tally_months", "tally_days"):
        op.drop_table(table)
