"""Every located case carries its stored H3 key (geo.domain.h3_keys), however it was written: through the
ORM (intake, a moved case), by the bulk loads of the district and city samples; imports: test_case_import."""

import shapely
from sqlalchemy import select

from geo.db.models import Case
from geo.domain.h3_keys import location_key_of, location_keys
from geo.domain.vocabulary import Source, Status
from tests.integration.factories import T0, X0, Y0, add_case


def test_a_case_written_through_the_orm_gets_its_key_and_a_move_changes_it(db):
    with db.transaction() as s:
        case_id = add_case(s, None).id
    with db.transaction() as s:
        case = s.get(Case, case_id)
        assert case.h3_key == location_key_of(X0 + 0.0005, Y0 + 0.0005) is not None
        case.lon, case.lat, case.location = X0 + 0.01, Y0 + 0.01, shapely.Point(X0 + 0.01, Y0 + 0.01)
    with db.session() as s:
        assert s.get(Case, case_id).h3_key == location_key_of(X0 + 0.01, Y0 + 0.01)


def test_a_case_without_a_location_has_no_key(db):
    with db.transaction() as s:
        case = Case(number="N1", source=Source.HOTLINE, status=Status.REPORTED, reported_at=T0)
        s.add(case)
        s.flush()
        case_id = case.id
    with db.session() as s:
        assert s.get(Case, case_id).h3_key is None


def _loaded_keys_agree(db) -> None:
    with db.session() as s:
        rows = s.execute(select(Case.lon, Case.lat, Case.h3_key).order_by(Case.id).limit(20_000)).all()
    lon, lat, stored = zip(*rows)
    assert list(stored) == location_keys(lon, lat) and None not in stored


def test_the_bulk_loaded_district_sample_carries_its_keys(sample_db):
    _loaded_keys_agree(sample_db)


def test_the_bulk_loaded_city_sample_carries_its_keys(city_db):
    _loaded_keys_agree(city_db)
