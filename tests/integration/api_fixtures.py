"""The API on a test database: ``api`` is a FastAPI TestClient over the small intake district."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.db.media_store import FileMediaStore
from geo.domain.photos import PhotoLimits
from geo.usecases.reports import IntakeSettings
from tests.integration.intake_fixtures import make_district

SETTINGS = IntakeSettings(photo_limits=PhotoLimits(max_bytes=2 * 1024 * 1024))


@pytest.fixture
def district(db):
    return make_district(db)


@pytest.fixture
def store(tmp_path):
    return FileMediaStore(tmp_path / "media")


@pytest.fixture
def api(district, store):
    with TestClient(create_app(district.db, store, SETTINGS, rate_per_minute=1000),
                    raise_server_exceptions=False) as client:
        yield client
