"""case H3 keys and covering indexes: each located case keeps its H3 cells at the resolutions the hotspots
page studies, as one number (``cases.h3_key``, geo.domain.h3_keys), and a covering index (grid, report time
→ key, category, status) that the page counts from, so a city's hotspots never evaluate a location's cell
per row nor visit the case rows.

Existing cases get their key here, computed by the h3 library in batches of ids.

The report-time index of the cases and the case index of the dispatches now also hold what the durations'
percentiles read (geo.db.models.WINDOW_READS, DISPATCH_READS), so a city month is read from them alone.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from geo.domain.h3_keys import location_keys

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BATCH = 50_000


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("h3_key", sa.BigInteger(), nullable=True))
    _fill_keys(op.get_bind())
    op.create_index("ix_cases_hotspot", "cases", ["grid_id", "reported_at"],
                    postgresql_include=["h3_key", "category_id", "status"])
    _covering("cases", "ix_cases_reported_at", "reported_at", ["id", "closed_at", "grid_id", "status"])
    _covering("case_dispatches", "ix_case_dispatches_case_id", "case_id",
              ["department_id", "whistled_at", "reported_in_at"])


def _covering(table: str, name: str, column: str, include: list[str]) -> None:
    op.drop_index(name, table)
    op.create_index(name, table, [column], postgresql_include=include)


def _fill_keys(connection) -> None:
    cases = sa.table("cases", sa.column("id"), sa.column("lon"), sa.column("lat"), sa.column("h3_key"))
    last = 0
    while True:
        rows = connection.execute(sa.select(cases.c.id, cases.c.lon, cases.c.lat)
                                  .where(cases.c.id > last, cases.c.lon.is_not(None), cases.c.lat.is_not(None))
                                  .order_by(cases.c.id).limit(BATCH)).all()
        if not rows:
            return
        ids, lon, lat = zip(*rows)
        connection.execute(cases.update().where(cases.c.id == sa.bindparam("case_id"))
                           .values(h3_key=sa.bindparam("key")),
                           [{"case_id": i, "key": k} for i, k in zip(ids, location_keys(lon, lat))])
        last = ids[-1]


def downgrade() -> None:
    _covering("case_dispatches", "ix_case_dispatches_case_id", "case_id", [])
    _covering("cases", "ix_cases_reported_at", "reported_at", [])
    op.drop_index("ix_cases_hotspot", "cases")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("h3_key")
