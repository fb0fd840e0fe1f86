"""The append-only logs cannot be emptied, and the dashboard's database role can do only what it needs.

PostGIS: TRUNCATE fired no row trigger, so the case log and the audit log could be emptied in one statement;
and the app connected as a superuser. Now a statement trigger refuses TRUNCATE, and ``gridgov init-db
--app-role NAME`` creates a role that reads and writes rows, only inserts into the logs and owns nothing."""

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError

from cli import main as gridgov
from geo.db.models import CaseEvent
from geo.db.schema import grant_app_role
from geo.domain.vocabulary import Role
from geo.usecases.audit import record
from tests.integration.factories import T0, add_case



def _audited(db) -> None:
    with db.transaction() as s:
        record(s, T0, "admin", Role.ADMIN, "sign_in", "admin")
        case = add_case(s, None)
        s.add(CaseEvent(case_id=case.id, at=T0, actor="热线", role="supervisor", action="report", to_status="reported"))


@pytest.mark.parametrize("statement", ["TRUNCATE audit_log", "TRUNCATE case_events", "DELETE FROM audit_log",
                                       "UPDATE audit_log SET actor = 'nobody'"])
def test_the_logs_refuse_to_be_emptied_or_rewritten_even_by_their_owner(db, backend_name, statement):
    if backend_name == "sqlite" and statement.startswith("TRUNCATE"):
        statement = statement.replace("TRUNCATE", "DELETE FROM")  # SQLite's TRUNCATE
    _audited(db)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(statement))


@pytest.fixture
def app_role(db, backend_name):
    """A role named after this checkout's test database (roles are shared by the whole server)."""
    name = f"{make_url(db.url).database}_app" if backend_name == "postgis" else "gridgov_app"
    yield name
    if backend_name == "postgis":
        with db.engine.begin() as conn:
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}).first():
                conn.execute(text(f'DROP OWNED BY "{name}"'))
                conn.execute(text(f'DROP ROLE "{name}"'))


def _as(db, role: str, statement: str) -> None:
    with db.engine.connect() as conn:
        conn.execute(text(f'SET ROLE "{role}"'))
        try:
            conn.execute(text(statement))
        finally:
            conn.rollback()


def test_the_app_role_reads_and_writes_rows_but_cannot_erase_the_logs_or_change_the_schema(db, backend_name,
                                                                                          app_role, monkeypatch):
    if backend_name == "sqlite":
        with pytest.raises(ValueError, match="SQLite has no database roles"):
            grant_app_role(db, "gridgov_app")
        return
    _audited(db)
    monkeypatch.setenv("DATABASE_URL", db.url)
    assert gridgov(["init-db", "--app-role", app_role]) == 0
    with db.engine.connect() as conn:
        flags = conn.execute(text("SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = :r"),
                             {"r": app_role}).one()
    assert tuple(flags) == (False, False, False)
    for allowed in ("SELECT count(*) FROM cases", "UPDATE cases SET description = 'x'",
                    "INSERT INTO audit_log (at, actor, role, action, target, detail) "
                    "VALUES (now(), 'a', 'admin', 'sign_in', '', '')",
                    "INSERT INTO counters (name, value) VALUES ('GG20260302', 1)"):
        _as(db, app_role, allowed)
    for refused in ("TRUNCATE cases", "TRUNCATE audit_log", "DELETE FROM audit_log",
                    "UPDATE case_events SET note = ''", "ALTER TABLE audit_log DISABLE TRIGGER USER",
                    "DROP TABLE cases", "CREATE TABLE loot (x int)", "UPDATE alembic_version SET version_num = 'x'"):
        with pytest.raises(DBAPIError, match="permission denied|must be owner"):
            _as(db, app_role, refused)


def test_an_app_role_name_that_is_not_a_plain_identifier_is_refused(db):
    with pytest.raises(ValueError, match="lower-case identifier"):
        grant_app_role(db, 'x"; DROP TABLE cases; --')
