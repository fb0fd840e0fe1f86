"""The API on a test database: ``api`` is a FastAPI TestClient over the small intake district, ``server`` the
same app served by uvicorn on a loopback port (its base URL)."""

from __future__ import annotations

import threading
import time

import pytest
import uvicorn
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


@pytest.fixture
def server(district, store):
    config = uvicorn.Config(create_app(district.db, store, SETTINGS), host="127.0.0.1", port=0, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    for _ in range(200):
        if instance.started:
            break
        time.sleep(0.05)
    port = instance.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)
