"""The audit page (district admin) with hostile sign-in names in the log: the page draws, nothing raises."""

from datetime import UTC, datetime
from pathlib import Path

from streamlit.testing.v1 import AppTest

from geo.db.database import Database
from geo.db.schema import upgrade
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases.accounts import SignInFailed, authenticate
from tests.e2e.signin import signed_in

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def test_the_audit_page_lists_hostile_sign_in_names(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    db = Database(url)
    upgrade(db)
    for name in ("=HYPERLINK(\"http://evil\")", "@SUM(A1)"):
        with db.session() as s:
            try:
                authenticate(s, name, "x", datetime.now(UTC))
            except SignInFailed:
                s.commit()
    monkeypatch.setenv("DATABASE_URL", url)
    from dashboard.data import database

    database.clear()
    at = signed_in(AppTest.from_file(APP, default_timeout=60), Actor("admin", Role.ADMIN))
    at.run()
    at.switch_page("views/audit.py").run()
    assert not at.exception, at.exception
    assert "=HYPERLINK(\"http://evil\")" in at.dataframe[0].value["actor"].tolist()
