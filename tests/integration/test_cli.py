"""The gridgov command line against each backend (DATABASE_URL pointed at the test database)."""

import pytest
from sqlalchemy import select

from cli import main
from geo.db.models import User
from tests.integration.factories import X0, Y0, add_case, add_layout, square


@pytest.fixture
def cli(db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db.url)
    return db


def test_init_db_reports_the_revision(cli, capsys):
    from alembic.script import ScriptDirectory

    from geo.db.schema import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert main(["init-db"]) == 0
    assert f"database ready at revision {head}" in capsys.readouterr().out


def test_user_add_stores_a_hash_and_set_role_changes_it(cli, monkeypatch, capsys):
    monkeypatch.setenv("GRIDGOV_NEW_PASSWORD", "a long enough password")
    assert main(["user", "add", "wang", "--role", "supervisor", "--name", "王主任"]) == 0
    assert main(["user", "set-role", "wang", "--role", "analyst"]) == 0
    with cli.session() as s:
        user = s.scalars(select(User)).one()
    assert (user.role, user.display_name) == ("analyst", "王主任")
    assert user.password_hash.startswith("$argon2id$")


def test_user_add_with_a_missing_binding_fails_with_a_message(cli, monkeypatch, capsys):
    monkeypatch.setenv("GRIDGOV_NEW_PASSWORD", "a long enough password")
    assert main(["user", "add", "li", "--role", "department"]) == 1
    assert "role department must be bound to a department" in capsys.readouterr().err


def test_assign_dry_run_prints_the_diff_and_changes_nothing(cli, capsys):
    with cli.transaction() as s:
        _, grids = add_layout(s, {"A": square(0, 0), "B": square(1, 0)})
        case = add_case(s, None, lon=X0 + 0.0015, lat=Y0 + 0.0005)
        case.grid_id = grids["A"].id  # wrong on purpose: the point is in B
    assert main(["assign", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split() == ["C1", "A", "B"] and "would move 1 case(s)" in out
    assert main(["assign"]) == 0
    assert "moved 1 case(s)" in capsys.readouterr().out


def test_sweep_runs_twice_safely(cli, capsys):
    assert main(["sweep"]) == 0
    assert main(["sweep", "--deliver"]) == 0
    assert "delivered 0, failed 0" in capsys.readouterr().out


def test_the_sweep_removes_uploads_left_longer_than_the_retention(cli, tmp_path, monkeypatch, capsys):
    import os
    import time

    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRIDGOV_UPLOAD_RETENTION_H", "2")
    old = tmp_path / "uploads" / "abandoned" / "12345导出.csv"
    old.parent.mkdir(parents=True)
    old.write_text("联系人,联系电话\n张三,13800000000\n", encoding="utf-8")
    os.utime(old, (time.time() - 3 * 3600,) * 2)
    assert main(["sweep"]) == 0
    assert not old.exists() and "uploads: removed 1 left for more than 2 h" in capsys.readouterr().out
