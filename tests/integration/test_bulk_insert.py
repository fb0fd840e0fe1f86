"""The backends' bulk writers (COPY on PostgreSQL, executemany on SQLite) store exactly what the ORM stores."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select, text

from geo.db.models import Case, Street
from geo.domain.vocabulary import Source, Status


def _frame(ids):
    lon = np.array([106.8234567891234, 0.1 + 0.2])
    return pd.DataFrame({
        "id": ids, "number": ["B1", "B2"], "lon": lon, "lat": [39.6712345678912, 1e-7],
        "location": shapely.points(lon, [39.6712345678912, 1e-7]), "source": str(Source.HOTLINE),
        "status": str(Status.REPORTED), "description": ["", 'a "quoted", comma\nnewline 中文'],
        "reporter_name": "", "reporter_phone": "", "address": "", "reject_reason": "", "tier": [None, "community"],
        "reported_at": pd.to_datetime(["2026-01-02T03:04:05.123456Z", "2026-01-02T03:04:05Z"], utc=True,
                                     format="ISO8601"),
        "closed_at": pd.to_datetime([None, "2026-02-01T00:00:00Z"], utc=True), "rework_count": [0, 2],
        "grid_id": pd.array([None, None], dtype="Int64"), "snapped": [True, False], "near_boundary": False,
        "version": 1})


def test_bulk_insert_round_trips_floats_texts_times_nulls_and_points(db):
    with db.transaction() as s:
        first = db.backend.reserve_ids(s.connection(), Case.__table__, 2)
        db.backend.bulk_insert(s.connection(), Case.__table__, _frame([first, first + 1]))
    with db.session() as s:
        rows = {c.number: c for c in s.scalars(select(Case))}
    one, two = rows["B1"], rows["B2"]
    assert (one.lon, one.lat, two.lon, two.lat) == (106.8234567891234, 39.6712345678912, 0.1 + 0.2, 1e-7)
    assert one.location.equals(shapely.Point(106.8234567891234, 39.6712345678912))
    assert (one.description, two.description) == ("", 'a "quoted", comma\nnewline 中文')
    assert (one.tier, two.tier, one.closed_at) == (None, "community", None)
    assert one.reported_at == datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert (one.snapped, two.snapped, two.rework_count, one.grid_id) == (True, False, 2, None)


def test_ids_reserved_for_a_bulk_insert_are_not_handed_out_again(db):
    with db.transaction() as s:
        first = db.backend.reserve_ids(s.connection(), Case.__table__, 2)
        db.backend.bulk_insert(s.connection(), Case.__table__, _frame([first, first + 1]))
    with db.transaction() as s:
        later = Case(number="ORM", source=Source.HOTLINE, status=Status.REPORTED, lon=106.8, lat=39.7,
                     reported_at=datetime(2026, 3, 1, tzinfo=UTC))
        s.add(later)
        s.flush()
        assert later.id == first + 2


def test_a_polygon_bound_for_a_multipolygon_column_is_stored_as_one(db):
    square = shapely.box(106.8, 39.6, 106.9, 39.7)
    frame = pd.DataFrame({"code": ["S1"], "name": ["街道"], "geom": [square], "minx": 106.8, "miny": 39.6,
                          "maxx": 106.9, "maxy": 39.7})
    with db.transaction() as s:
        db.backend.bulk_insert(s.connection(), Street.__table__, frame)
    with db.session() as s:
        stored = s.scalar(select(Street.geom))
    assert stored.geom_type == "MultiPolygon" and stored.equals(square)


def _index_names(db, table):
    query = ("SELECT indexname FROM pg_indexes WHERE tablename = :t" if db.dialect == "postgresql" else
             "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t")
    with db.engine.connect() as connection:
        return sorted(connection.execute(text(query), {"t": table}).scalars())


def test_indexes_set_aside_for_a_load_come_back_the_same(db):
    before = _index_names(db, "cases")
    with db.transaction() as s:
        restore = db.backend.without_indexes(s.connection(), ["cases", "case_events"])
        assert len(restore) >= 5  # ix_cases_status, ix_cases_reported_at, ix_case_events_case_id …
        db.backend.restore_indexes(s.connection(), restore)
    assert _index_names(db, "cases") == before
