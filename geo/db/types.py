"""Column types that behave the same on both backends.

Geometry: shapely objects in Python. On PostgreSQL a real PostGIS ``geometry(<kind>, 4326)`` column (so the
server can index and query it); on SQLite the ISO WKB bytes, which round-trip every coordinate exactly.
Both sides exchange WKB, so a geometry read back is bit-for-bit the geometry written.

UTCDateTime: aware datetimes in Python, naive UTC in the database (identical on both backends, so SQL
arithmetic on times gives the same figures everywhere). Display converts to Asia/Shanghai.
"""

from __future__ import annotations

from datetime import UTC, datetime

import shapely
from sqlalchemy import func
from sqlalchemy.types import DateTime, LargeBinary, TypeDecorator, UserDefinedType

SRID = 4326


class _PostGISGeometry(UserDefinedType):
    """``geometry(kind, srid)``: bound with ST_GeomFromWKB, read with ST_AsBinary."""

    cache_ok = True

    def __init__(self, kind: str = "GEOMETRY", srid: int = SRID):
        self.kind = kind
        self.srid = srid

    def get_col_spec(self, **kw) -> str:
        return f"geometry({self.kind}, {self.srid})"

    def bind_expression(self, bindvalue):
        return func.ST_GeomFromWKB(bindvalue, self.srid, type_=self)

    def column_expression(self, col):
        # typed as the decorator so that its process_result_value turns the WKB into a shapely geometry
        return func.ST_AsBinary(col, type_=Geometry(self.kind, self.srid))


class Geometry(TypeDecorator):
    """A shapely geometry stored as PostGIS geometry or as WKB bytes (SQLite)."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, kind: str = "GEOMETRY", srid: int = SRID):
        super().__init__()
        self.kind = kind
        self.srid = srid

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(_PostGISGeometry(self.kind, self.srid))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value, dialect):
        """A Polygon bound to a MULTIPOLYGON column is stored as a one-part MultiPolygon, so that every row
        of a layer has one geometry type (PostGIS enforces it, and readers of the layer rely on it)."""
        if value is None:
            return None
        if isinstance(value, (bytes, memoryview)):  # already WKB (bulk writers encode whole arrays at once)
            return bytes(value)
        if self.kind == "MULTIPOLYGON" and value.geom_type == "Polygon":
            value = shapely.MultiPolygon([value])
        return shapely.to_wkb(value, flavor="iso")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return shapely.from_wkb(bytes(value))

    def __repr__(self) -> str:
        return f"Geometry({self.kind!r}, srid={self.srid})"


class UTCDateTime(TypeDecorator):
    """Aware datetime in, aware UTC datetime out; stored as naive UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: GridGov stores only timezone-aware times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
