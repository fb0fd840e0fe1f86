"""The case panel's intake parts through AppTest on a private copy of the sample: a report's photo is shown,
and a supervisor merges a likely duplicate from the panel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from geo.db.database import Database
from geo.db.media_store import FileMediaStore
from geo.db.models import Case, Category
from geo.domain.actors import Actor
from geo.domain.photos import process_photo
from geo.domain.vocabulary import Role, Status
from geo.usecases.intake import NewCase, report_case
from geo.usecases.media import store_photo
from tests.e2e.test_case_map_page import click_case, open_page
from tests.photo_files import jpeg


@pytest.fixture
def intake_url(sample_sqlite_copy, monkeypatch, tmp_path):
    """The sample copy plus two reports of one missing manhole cover 20 m apart, the first with a photo."""
    from dashboard.data import database, media_store

    monkeypatch.setenv("DATABASE_URL", sample_sqlite_copy)
    monkeypatch.setenv("GRIDGOV_MEDIA_DIR", str(tmp_path / "media"))
    database.clear()
    media_store.clear()
    db, now, clerk = Database(sample_sqlite_copy), datetime.now(UTC), Actor("接线员", Role.SUPERVISOR)
    with db.transaction() as s:
        cover = s.scalar(select(Category.id).where(Category.code == "SZSS02"))
        first = report_case(s, NewCase("resident_app", 106.8105, 39.6805, category_id=cover,
                                       description="井盖缺失，存在安全隐患", reported_at=now - timedelta(hours=1)), clerk)
        store_photo(s, FileMediaStore(tmp_path / "media"), first, process_photo(jpeg()), "before", "test", now)
        second = report_case(s, NewCase("grid_member", 106.8107, 39.6805, category_id=cover,
                                        description="井盖缺失", reported_at=now), clerk)
        numbers = (first.number, second.number, second.id)
    db.dispose()
    return sample_sqlite_copy, numbers


@pytest.fixture
def maps(monkeypatch):
    monkeypatch.setattr("streamlit_folium.st_folium", lambda fig, **kwargs: {})


def test_the_panel_shows_the_report_photo(maps, intake_url):
    url, (first, _, _) = intake_url
    at = click_case(open_page(maps, url), first)
    [image] = at.get("image")
    assert "上报照片" in str(image.proto)


def test_a_supervisor_merges_a_likely_duplicate_from_the_panel(maps, intake_url):
    url, (first, second, second_id) = intake_url
    at = click_case(open_page(maps, url), second)
    merge = [b for b in at.button if b.key.startswith(f"case_map_merge_{second_id}_")]
    assert merge and first in merge[0].label
    merge[0].click().run()
    assert f"已合并到 {first}" in at.success[0].value
    db = Database(url)
    with db.session() as s:
        assert s.get(Case, second_id).status == Status.MERGED
    db.dispose()
