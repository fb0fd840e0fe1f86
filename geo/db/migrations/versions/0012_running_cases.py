"""running cases and unanswered dispatches: a partial index of the open cases whose deadline clock runs (not deferred), holding what
the live "overdue" figure reads (deadline, report time, grid, category), and one of the lead dispatches
still owing their answer, so a city's pages count overdue cases and missing answers from the indexes alone
instead of visiting every open case's row and scanning every dispatch.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

RUNNING = sa.text("status IN ('accepted', 'answered', 'reopened', 'reported', 'reported_in', 'rework', 'whistled')")

ANSWER_DUE = sa.text("role = 'lead' AND answered_at IS NULL")


def upgrade() -> None:
    op.create_index("ix_cases_running", "cases", ["deadline"], postgresql_include=["id", "reported_at", "grid_id",
                                                                                   "category_id"],
                    postgresql_where=RUNNING, sqlite_where=RUNNING)
    op.create_index("ix_case_dispatches_unanswered", "case_dispatches", ["case_id"],
                    postgresql_include=["department_id", "whistled_at", "reported_in_at"],
                    postgresql_where=ANSWER_DUE, sqlite_where=ANSWER_DUE)


def downgrade() -> None:
    op.drop_index("ix_case_dispatches_unanswered", "case_dispatches")
    op.drop_index("ix_cases_running", "cases")
