"""Backend-parametrised database fixtures: every integration test runs on SQLite and on PostGIS.

The PostGIS server comes from GRIDGOV_TEST_POSTGIS_URL (./dev test starts one and sets it). Without it the
PostGIS half is skipped on a developer's machine and fails in CI (CI=true): a missing backend is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from geo.db.database import Database
from geo.db.models import Base
from geo.db.schema import upgrade

BACKENDS = ["sqlite", "postgis"]
APPEND_ONLY = ("case_events", "audit_log")
#: The intake district, media store and API test client (tests/integration/api_fixtures.py).
pytest_plugins = ["tests.integration.api_fixtures"]


def _postgis_url() -> str:
    url = os.environ.get("GRIDGOV_TEST_POSTGIS_URL", "")
    if not url:
        message = "GRIDGOV_TEST_POSTGIS_URL is not set (./dev test sets it)"
        if os.environ.get("CI"):
            pytest.fail(f"PostGIS backend missing in CI: {message}")
        pytest.skip(message)
    return url


def _fresh_postgres_database(base_url: str, suffix: str) -> str:
    """(Re)create the database named after ``base_url``'s own plus ``suffix`` (``gridgov_test`` →
    ``gridgov_test_empty``) on the same server; returns its URL. Two suites pointed at different base
    databases (parallel checkouts) never drop each other's databases."""
    name = f"{make_url(base_url).database}_{suffix}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def backend_name(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def empty_template(backend_name, tmp_path_factory) -> str:
    """A migrated, empty database per backend, made once per test session."""
    if backend_name == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'empty.db'}"
    else:
        url = _fresh_postgres_database(_postgis_url(), "empty")
    db = Database(url)
    upgrade(db)
    db.dispose()
    return url


@pytest.fixture
def db(empty_template, backend_name, tmp_path) -> Database:
    """An empty, migrated database of this backend for one test."""
    if backend_name == "sqlite":
        target = tmp_path / "test.db"
        shutil.copy(make_url(empty_template).database, target)
        database = Database(f"sqlite:///{target}")
    else:
        database = Database(empty_template)
        _empty_postgres_tables(database)
    yield database
    database.dispose()


def _empty_postgres_tables(database: Database) -> None:
    """TRUNCATE every table, the append-only logs included: their TRUNCATE triggers are switched off for this
    one transaction (the tests' role owns the tables; the app role of docs/security.md could not)."""
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:
        for table in APPEND_ONLY:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        for table in APPEND_ONLY:
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


class SampleDatabases:
    """The sample district loaded at most once per backend per test session, on first use."""

    name = "sample"

    def __init__(self, tmp_path_factory):
        self._tmp = tmp_path_factory
        self._loaded: dict[str, Database] = {}

    def get(self, backend_name: str) -> Database:
        if backend_name not in self._loaded:
            if backend_name == "sqlite":
                url = f"sqlite:///{self._tmp.mktemp(self.name) / f'{self.name}.db'}"
            else:
                url = _fresh_postgres_database(_postgis_url(), self.name)
            database = Database(url)
            upgrade(database)
            self.load(database)
            self._loaded[backend_name] = database
        return self._loaded[backend_name]

    def load(self, database: Database) -> None:
        from samples.load import SAMPLE_END, load_sample

        load_sample(database, SAMPLE_END)

    def close(self) -> None:
        for database in self._loaded.values():
            database.dispose()


@pytest.fixture(scope="session")
def sample_databases(tmp_path_factory):
    databases = SampleDatabases(tmp_path_factory)
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def sample_db(backend_name, sample_databases) -> Database:
    """The sample district on this backend. Tests must not change it (use ``db`` for that)."""
    return sample_databases.get(backend_name)


#: The small city the suite exercises the city code paths on: four districts, 2,000 grids, 200,000 cases,
#: event history for the last 30 days only (the full history would triple the load for nothing a test reads).
SMALL_CITY = {"n_grids": 2_000, "n_cases": 200_000, "n_districts": 4, "history_days": 30}


class CityDatabases(SampleDatabases):
    """The small sample city loaded at most once per backend per test session, on first use."""

    name = "city"

    def load(self, database: Database) -> None:
        from samples.city import load_city
        from samples.load import SAMPLE_END

        load_city(database, SAMPLE_END, **SMALL_CITY)


@pytest.fixture(scope="session")
def city_databases(tmp_path_factory):
    databases = CityDatabases(tmp_path_factory)
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def city_db(backend_name, city_databases) -> Database:
    """The small sample city on this backend. Tests must not change it."""
    return city_databases.get(backend_name)


@pytest.fixture
def city_sqlite_copy(city_databases, tmp_path) -> str:
    """URL of a private copy of the small city on SQLite, with the demo accounts, that a test may change."""
    return sqlite_copy(city_databases, tmp_path / "city-copy.db")


@pytest.fixture
def sample_sqlite_copy(sample_databases, tmp_path) -> str:
    """URL of a private copy of the loaded SQLite sample (with demo accounts) that a test may change."""
    return sqlite_copy(sample_databases, tmp_path / "sample-copy.db")


def sqlite_copy(databases: SampleDatabases, target: Path) -> str:
    """URL of ``target``, a copy of the SQLite database ``databases`` loaded, with the demo accounts (added to
    the loaded one once)."""
    from samples.accounts import add_demo_accounts

    source = databases.get("sqlite")
    if not getattr(source, "demo_accounts", False):
        add_demo_accounts(source)
        source.demo_accounts = True
    with source.engine.connect() as conn:  # fold the WAL into the main file before copying it
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(make_url(source.url).database, target)
    return f"sqlite:///{target}"


REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def browser():
    """One headless /usr/bin/chromium for the whole run, shared by tests/e2e and tests/security: Playwright's
    sync API allows one instance at a time (a second one started while the first lives finds its event loop
    running and refuses)."""
    from tests.e2e.browser import CHROMIUM, launch_chromium

    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} not available")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()
