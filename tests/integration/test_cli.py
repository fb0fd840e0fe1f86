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


def test_tallies_rebuild_makes_the_pages_read_the_tallies(cli, capsys):
    from geo.db.models import TallyState

    with cli.transaction() as s:
        add_layout(s, {"A": square(0, 0)})
        add_case(s, None)
    assert main(["tallies", "--rebuild"]) == 0
    assert "tallies rebuilt" in capsys.readouterr().out
    with cli.session() as s:
        assert s.get(TallyState, 1).through is not None
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


def test_api_key_add_prints_the_key_alone_on_its_last_line_and_stores_only_its_hash(cli, capsys):
    from geo.db.models import ApiClient
    from geo.read.api_clients import client_for_key

    assert main(["api-key", "add", "12345-hotline", "--source", "hotline_12345"]) == 0
    key = capsys.readouterr().out.splitlines()[-1]
    assert key.startswith("gg_") and len(key) > 40
    with cli.session() as s:
        stored = s.scalars(select(ApiClient)).one()
        assert key not in (stored.key_hash, stored.key_prefix) and client_for_key(s, key).source == "hotline_12345"
    assert main(["api-key", "add", "12345-hotline", "--source", "hotline_12345"]) == 1
    assert "exists already" in capsys.readouterr().err
    assert main(["api-key", "revoke", "12345-hotline"]) == 0
    with cli.session() as s:
        assert client_for_key(s, key) is None
    assert main(["api-key", "list"]) == 0
    assert "12345-hotline\thotline_12345\tgg_" in capsys.readouterr().out


def test_train_classifier_writes_a_model_that_suggests_categories(cli, tmp_path, monkeypatch, capsys):
    from geo.db.models import Case
    from geo.read.suggestions import load_model, suggest_categories
    from tests.integration.factories import add_departments_and_category

    monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
    assert main(["train-classifier"]) == 1 and "at least 50 are needed" in capsys.readouterr().err
    with cli.transaction() as s:
        _, cover = add_departments_and_category(s)
        for i in range(60):
            case = add_case(s, cover, number=f"C{i}")
            case.status, case.description = "closed", ("井盖缺失" if i % 2 else "路灯不亮") + f"，第{i}处"
            case.category_id = cover.id if i % 2 else None
        s.flush()
        other = s.scalars(select(Case).where(Case.category_id.is_(None))).all()
        from geo.db.models import Category
        light = Category(code="LD", name="路灯不亮", class_code="SZSS", class_name="市政设施", time_limit=2,
                         time_unit="working_days", routing_rule="owner")
        s.add(light)
        s.flush()
        for case in other:
            case.category_id = light.id
    assert main(["train-classifier"]) == 0
    out = capsys.readouterr().out
    assert "trained on 60 closed cases, 2 categories" in out and "top-1" in out
    with cli.session() as s:
        [first, *_] = suggest_categories(s, "路口井盖缺失了", load_model(tmp_path / "models" / "categories.joblib"))
    assert first.code == "JG" and first.department == "市政公用事业服务中心"
