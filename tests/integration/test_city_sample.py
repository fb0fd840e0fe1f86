"""The small sample city (tests/conftest.py SMALL_CITY) loads the same on both backends, with the district
sample's realism in every district."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from geo.db.models import Case, CaseDispatch, Category, Community, Department, District, Grid, Street
from geo.domain.actors import SYSTEM
from geo.usecases.bulk_load import table_counts
from samples.load import SAMPLE_END
from tests.conftest import SMALL_CITY


def _per_district(db):
    with db.session() as s:
        return dict(s.execute(
            select(District.code, func.count(Case.id)).join(Street, Street.district_id == District.id)
            .join(Community, Community.street_id == Street.id).join(Grid, Grid.community_id == Community.id)
            .join(Case, Case.grid_id == Grid.id).group_by(District.code)).all())


def test_the_small_city_has_the_asked_size(city_db):
    with city_db.session() as s:
        counts = table_counts(s)
    assert (counts["districts"], counts["grids"], counts["cases"]) == (4, 2_000, 200_000)
    assert counts["buildings"] == 15 * 2_000
    assert sum(_per_district(city_db).values()) == 200_000  # every case placed in a grid of a district


def test_both_backends_hold_the_same_city(city_databases):
    sqlite, postgis = city_databases.get("sqlite"), city_databases.get("postgis")
    with sqlite.session() as a, postgis.session() as b:
        assert table_counts(a) == table_counts(b)
    assert _per_district(sqlite) == _per_district(postgis)


def test_codes_nest_under_their_district(city_db):
    with city_db.session() as s:
        rows = s.execute(select(District.code, Street.code, Grid.code).join(Street, Street.district_id == District.id)
                         .join(Community, Community.street_id == Street.id)
                         .join(Grid, Grid.community_id == Community.id)).all()
        numbers = s.execute(select(Case.number, District.code).join(Grid, Grid.id == Case.grid_id)
                            .join(Community, Community.id == Grid.community_id)
                            .join(Street, Street.id == Community.street_id)
                            .join(District, District.id == Street.district_id).limit(2000)).all()
    assert all(street.startswith(district) and grid.startswith(street) for district, street, grid in rows)
    assert all(number.startswith(district) for number, district in numbers)


def test_the_year_ends_when_it_was_loaded(city_db):
    with city_db.session() as s:
        first, last = s.execute(select(func.min(Case.reported_at), func.max(Case.reported_at))).one()
    assert SAMPLE_END - timedelta(hours=1) < last <= SAMPLE_END
    assert SAMPLE_END - timedelta(days=366) < first


def test_territory_dispatches_go_to_the_office_of_the_cases_own_street(city_db):
    with city_db.session() as s:
        wrong = s.scalar(
            select(func.count()).select_from(CaseDispatch).join(Department, Department.id == CaseDispatch.department_id)
            .join(Case, Case.id == CaseDispatch.case_id).join(Grid, Grid.id == Case.grid_id)
            .join(Community, Community.id == Grid.community_id)
            .where(Department.street_id.is_not(None), Department.street_id != Community.street_id))
        offices = s.scalar(select(func.count()).select_from(CaseDispatch)
                           .join(Department, Department.id == CaseDispatch.department_id)
                           .where(Department.street_id.is_not(None)))
    assert wrong == 0 and offices > 0


def test_the_city_keeps_the_samples_seasons_and_slow_departments(city_db):
    from geo.read.analysis_filters import month_window
    from geo.read.metrics import metrics

    with city_db.session() as s:
        heating = s.scalar(select(Category.id).where(Category.name == "供暖温度不达标"))
        july = month_window(2026, 7)
        summer_heating = s.scalar(select(func.count()).select_from(Case).where(
            Case.category_id == heating, Case.reported_at >= july.start, Case.reported_at < july.end))
        departments = metrics(s, "department", SAMPLE_END, SAMPLE_END - timedelta(days=365), SAMPLE_END,
                              actor=SYSTEM)
        codes = dict(s.execute(select(Department.id, Department.code)).all())
    on_time = dict(zip(departments["key"].map(codes), departments["report_in_on_time_rate"]))
    assert summer_heating == 0
    assert on_time["RLGS"] < on_time["CGJ"] < on_time["GAFJ"]  # heating is slow, police quick


@pytest.mark.parametrize("history_days", [SMALL_CITY["history_days"]])
def test_event_history_covers_the_recent_and_the_open_cases_only(city_db, history_days):
    from geo.db.models import CaseEvent

    with city_db.session() as s:
        old_closed_with_events = s.scalar(
            select(func.count(func.distinct(CaseEvent.case_id))).join(Case, Case.id == CaseEvent.case_id)
            .where(Case.reported_at < SAMPLE_END - timedelta(days=history_days + 1), Case.closed_at.is_not(None)))
        recent = s.scalar(select(func.count(func.distinct(CaseEvent.case_id))).join(Case, Case.id == CaseEvent.case_id)
                          .where(Case.reported_at >= SAMPLE_END - timedelta(days=history_days - 1)))
        recent_cases = s.scalar(select(func.count()).select_from(Case)
                                .where(Case.reported_at >= SAMPLE_END - timedelta(days=history_days - 1)))
    assert old_closed_with_events == 0 and recent == recent_cases
