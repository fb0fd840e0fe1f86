"""districts: the city's top level above the streets; district-wide accounts may be bound to one

An existing database is one district: it gets one district row (code ``D01``, name 本区, the union of its
streets) and every street is put in it, so nothing is lost and every figure stays what it was.

Revision ID: 0010
Revises: 0009
"""

import shapely
import sqlalchemy as sa
from alembic import op

import geo.db.types
from geo.db.database import backend
from geo.db.models import bbox_rows

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

#: The district row made for the streets of a database that predates districts.
EXISTING_CODE, EXISTING_NAME = "D01", "本区"


def upgrade() -> None:
    op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("geom", geo.db.types.Geometry("MULTIPOLYGON", srid=4326), nullable=False),
        *(sa.Column(c, sa.Float(), nullable=False) for c in ("minx", "miny", "maxx", "maxy")),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("streets") as batch:
        batch.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch.create_index("ix_streets_district_id", ["district_id"])
        batch.create_foreign_key("fk_streets_district_id", "districts", ["district_id"], ["id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_users_district_id", "districts", ["district_id"], ["id"])
    bind = op.get_bind()
    backend(bind.dialect.name).create_spatial_index(bind, "districts", "geom")
    _existing_streets_become_one_district(bind)


def _existing_streets_become_one_district(bind) -> None:
    geometry = geo.db.types.Geometry("MULTIPOLYGON")
    streets = sa.table("streets", sa.column("id"), sa.column("geom", geometry), sa.column("district_id"))
    geoms = [g for (g,) in bind.execute(sa.select(streets.c.geom))]
    if not geoms:
        return
    outline = shapely.union_all(geoms)
    if outline.geom_type == "Polygon":
        outline = shapely.MultiPolygon([outline])
    elif outline.geom_type != "MultiPolygon":  # stray lines or points from a union: keep the polygons
        outline = shapely.MultiPolygon([p for p in shapely.get_parts(outline) if p.geom_type == "Polygon"])
    districts = sa.table("districts", sa.column("code"), sa.column("name"), sa.column("geom", geometry),
                         *(sa.column(c) for c in ("minx", "miny", "maxx", "maxy")))
    bind.execute(sa.insert(districts).values(code=EXISTING_CODE, name=EXISTING_NAME, **bbox_rows([outline])[0]))
    district_id = bind.execute(sa.text("SELECT id FROM districts WHERE code = :c"), {"c": EXISTING_CODE}).scalar()
    bind.execute(sa.update(streets).values(district_id=district_id))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("fk_users_district_id", type_="foreignkey")
        batch.drop_column("district_id")
    with op.batch_alter_table("streets") as batch:
        batch.drop_constraint("fk_streets_district_id", type_="foreignkey")
        batch.drop_index("ix_streets_district_id")
        batch.drop_column("district_id")
    op.drop_table("districts")
