"""Uploads leave the server: at once when spent, after GRIDGOV_UPLOAD_RETENTION_H hours when abandoned."""

import os
import time
from datetime import timedelta

import pytest

from loaders.import_report import ImportReport
from loaders.uploads import discard_upload, purge_uploads, upload_spent, uploads_root


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
    return tmp_path


def _upload(data_dir, session: str, name: str, age_h: float = 0):
    path = data_dir / "uploads" / session / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("工单编号,联系人,联系电话\nA1,张三,13800000000\n", encoding="utf-8")
    then = time.time() - age_h * 3600
    os.utime(path, (then, then))
    return path


def test_a_spent_upload_and_its_session_folder_are_removed(data_dir):
    path = _upload(data_dir, "s1", "export.csv")
    assert discard_upload(path) and not path.exists() and not path.parent.exists()
    assert uploads_root().exists()


def test_a_file_outside_the_uploads_folder_is_never_removed(data_dir, tmp_path):
    elsewhere = tmp_path / "mine.csv"
    elsewhere.write_text("x")
    assert not discard_upload(elsewhere) and elsewhere.exists()
    assert not discard_upload(data_dir / "uploads" / ".." / "mine.csv")


def test_the_purge_removes_only_what_is_older_than_the_retention(data_dir):
    old, fresh = _upload(data_dir, "s1", "old.csv", age_h=30), _upload(data_dir, "s2", "new.csv", age_h=1)
    unpacked = data_dir / "uploads" / "s3" / "layers"
    unpacked.mkdir(parents=True)
    (unpacked / "g.shp").write_bytes(b"x")
    for p in (unpacked / "g.shp", unpacked):
        os.utime(p, (time.time() - 48 * 3600,) * 2)
    assert purge_uploads(timedelta(hours=24)) == 2
    assert not old.exists() and not old.parent.exists() and not unpacked.parent.exists() and fresh.exists()


@pytest.mark.parametrize(("status", "kind", "spent"), [
    ("applied", None, True), ("unusable", "zip_bomb", True), ("unusable", "unreadable", True),
    ("unusable", "bad_mapping", False), ("unusable", "bad_encoding", False), ("ok", None, False),
    ("needs_decision", None, False),
])
def test_an_upload_is_spent_once_applied_or_refused_for_what_the_file_is(status, kind, spent):
    report = ImportReport(source="x", kind="cases", status=status)
    if kind:
        report.problem(kind, "…")
    assert upload_spent(report) is spent
