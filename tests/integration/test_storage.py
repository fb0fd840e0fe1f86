from datetime import UTC, datetime, timedelta, timezone

import pytest
import shapely
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from geo.db.models import Building, Case, Street
from geo.db.schema import current_revision
from geo.domain.vocabulary import Source, Status


def _street(geom) -> Street:
    street = Street(code="S99", name="测试街道")
    street.set_geometry(geom)
    return street


def _case(number: str = "T1", lon: float = 106.8234567891234, lat: float = 39.6712345678912) -> Case:
    return Case(number=number, source=Source.HOTLINE, status=Status.REPORTED, lon=lon, lat=lat,
                location=shapely.Point(lon, lat), reported_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))


def test_migrations_bring_the_schema_to_head(db):
    assert current_revision(db) is not None


def test_polygon_with_hole_round_trips_bit_for_bit(db):
    shell = [(106.8000000000001, 39.6), (106.9123456789012, 39.6), (106.9123456789012, 39.7), (106.8000000000001, 39.7)]
    hole = [(106.85, 39.65), (106.86, 39.65), (106.86, 39.66)]
    geom = shapely.MultiPolygon([shapely.Polygon(shell, [hole]), shapely.box(107.0, 39.0, 107.1, 39.1)])
    with db.transaction() as s:
        s.add(_street(geom))
    with db.session() as s:
        back = s.scalars(select(Street.geom)).one()
    assert shapely.to_wkb(back) == shapely.to_wkb(geom)


def test_polygon_in_a_multipolygon_column_is_stored_as_one_part_multipolygon(db):
    with db.transaction() as s:
        s.add(_street(shapely.box(106.8, 39.6, 106.9, 39.7)))
    with db.session() as s:
        back = s.scalars(select(Street.geom)).one()
    assert back.geom_type == "MultiPolygon"
    assert back.equals(shapely.box(106.8, 39.6, 106.9, 39.7))


def test_case_point_and_floats_round_trip_exactly(db):
    with db.transaction() as s:
        s.add(_case())
    with db.session() as s:
        case = s.scalars(select(Case)).one()
    assert (case.lon, case.lat) == (106.8234567891234, 39.6712345678912)
    assert (case.location.x, case.location.y) == (106.8234567891234, 39.6712345678912)


def test_times_are_stored_as_utc_and_read_back_aware(db):
    shanghai = timezone(timedelta(hours=8))
    with db.transaction() as s:
        case = _case()
        case.reported_at = datetime(2026, 1, 2, 11, 0, tzinfo=shanghai)
        s.add(case)
    with db.session() as s:
        back = s.scalars(select(Case.reported_at)).one()
    assert back == datetime(2026, 1, 2, 3, 0, tzinfo=UTC)
    assert back.tzinfo is not None


def test_naive_datetime_is_refused(db):
    with pytest.raises(Exception, match="naive datetime"):
        with db.transaction() as s:
            case = _case()
            case.reported_at = datetime(2026, 1, 2)
            s.add(case)


def test_stale_write_of_a_case_is_refused_by_the_version_column(db):
    with db.transaction() as s:
        s.add(_case())
    first, second = db.session(), db.session()
    a = first.scalars(select(Case)).one()
    b = second.scalars(select(Case)).one()
    a.status = Status.ACCEPTED
    first.commit()
    b.status = Status.REJECTED
    with pytest.raises(StaleDataError):
        second.commit()
    second.rollback()
    with db.session() as s:
        assert s.scalars(select(Case.status)).one() == Status.ACCEPTED
    first.close()
    second.close()


def test_building_bbox_columns_follow_its_footprint(db):
    building = Building(code="B1", address="滨河路1号")
    building.set_geometry(shapely.box(106.80, 39.60, 106.81, 39.61))
    with db.transaction() as s:
        s.add(building)
    with db.session() as s:
        b = s.scalars(select(Building)).one()
    assert (b.minx, b.miny, b.maxx, b.maxy) == (106.80, 39.60, 106.81, 39.61)


@pytest.mark.parametrize("statement", ["UPDATE case_events SET note = 'edited'", "DELETE FROM case_events"])
def test_the_case_log_refuses_updates_and_deletes(db, statement):
    from sqlalchemy import text

    from geo.db.models import CaseEvent

    with db.transaction() as s:
        s.add(_case())
        s.flush()
        s.add(CaseEvent(case_id=1, at=datetime(2026, 1, 2, tzinfo=UTC), actor="a", role="supervisor",
                        action="accept", from_status="reported", to_status="accepted", note=""))
    with pytest.raises(Exception, match="append-only"):
        with db.transaction() as s:
            s.execute(text(statement))
    with db.session() as s:
        assert s.scalars(select(CaseEvent.note)).all() == [""]
