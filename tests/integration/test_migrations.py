"""The migrations build exactly the tables geo.db.models declares, and a district holding cases
upgrades (SQLite rebuilds tables with foreign keys off) with its outbox rows kept."""

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from geo.db.database import Database
from geo.db.models import Base
from geo.db.schema import upgrade
from geo.domain.h3_keys import location_key_of


def _differences(db: Database) -> list:
    """Model vs. database, less what the models cannot declare: PostGIS's own table and the GiST indexes."""
    with warnings.catch_warnings(), db.engine.connect() as conn:
        warnings.simplefilter("ignore")  # "did not recognize type 'geometry'"
        found = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    return [d for d in found if not (d[0] == "remove_table" and d[1].name == "spatial_ref_sys")
            and not (d[0] == "remove_index" and d[1].name.endswith("_gist"))]


def test_the_migrated_schema_is_the_models_schema(db):
    assert _differences(db) == []


@pytest.fixture
def at_0004(backend_name, tmp_path):
    """A fresh database migrated to revision 0004 (before the intake tables and the outbox keyed by whistle)."""
    if backend_name == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        from tests.conftest import _fresh_postgres_database, _postgis_url

        url = _fresh_postgres_database(_postgis_url(), "migrate")
    database = Database(url)
    upgrade(database, "0004")
    yield database
    database.dispose()


def test_a_district_with_cases_upgrades_and_its_reminders_get_their_dispatchs_whistle(at_0004):
    with at_0004.engine.begin() as conn:
        conn.execute(text("INSERT INTO departments (id, code, name, short_name) VALUES (1, 'SZ', '市政', '')"))
        conn.execute(text("INSERT INTO cases (id, number, description, source, reporter_name, reporter_phone, "
                          "address, snapped, near_boundary, status, reported_at, rework_count, reject_reason, "
                          "version) VALUES (1, 'C1', '', 'hotline_12345', '', '', '', false, false, 'whistled', "
                          "'2026-03-02 01:00:00', 0, '', 1)"))
        conn.execute(text("INSERT INTO cases (id, number, description, source, reporter_name, reporter_phone, "
                          "address, snapped, near_boundary, status, reported_at, rework_count, reject_reason, "
                          "version, lon, lat) VALUES (2, 'C2', '', 'hotline_12345', '', '', '', false, false, "
                          "'reported', '2026-03-02 02:00:00', 0, '', 1, 116.397, 39.909)"))
        conn.execute(text("INSERT INTO case_dispatches (id, case_id, department_id, role, whistled_at) "
                          "VALUES (1, 1, 1, 'lead', '2026-03-02 01:10:00')"))
        conn.execute(text("INSERT INTO notifications (dispatch_id, level, created_at, attempts, last_error) "
                          "VALUES (1, 1, '2026-03-02 01:11:00', 0, '')"))
    upgrade(at_0004)
    with at_0004.engine.connect() as conn:
        rows = conn.execute(text("SELECT dispatch_id, level, whistled_at, claimed_by FROM notifications")).all()
    assert [(d, lvl, str(w)[:19], c) for d, lvl, w, c in rows] == [(1, 1, "2026-03-02 01:10:00", None)]
    with at_0004.engine.connect() as conn:  # 0013: located cases get their H3 key, the others none
        keys = conn.execute(text("SELECT id, h3_key FROM cases ORDER BY id")).all()
    assert [tuple(k) for k in keys] == [(1, None), (2, location_key_of(116.397, 39.909))]
    assert _differences(at_0004) == []
