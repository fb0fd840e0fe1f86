"""Lockout under parallel attempts: ten threads, each on its own engine, try wrong passwords at once. At most
MAX_FAILURES passwords are checked, and the account ends up locked. Before the atomic counter, each attempt
read "0 failures" and wrote "1": twenty attempts were all checked and the account was never locked."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from geo.db.database import Database
from geo.db.models import AuditEntry, User
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases import accounts
from tests.integration.factories import T0

PASSWORD = "correct horse battery"


def _attempt(url: str, password: str, outcomes: list) -> None:
    db = Database(url)
    try:
        for _ in range(2):
            session = db.session()
            try:
                accounts.authenticate(session, "wang", password, T0)
                outcomes.append("signed_in")
            except (accounts.SignInFailed, accounts.LockedOut) as exc:
                outcomes.append(type(exc).__name__)
            finally:
                session.commit()  # as the sign-in page does: the attempt is recorded either way
                session.close()
    finally:
        db.dispose()


def test_ten_parallel_attempts_check_at_most_five_passwords_and_lock_the_account(db, monkeypatch):
    with db.transaction() as s:
        accounts.add_user(s, "wang", PASSWORD, "supervisor", Actor("admin", Role.ADMIN), T0)
    checked, real_verify = [], accounts._verify

    def slow_verify(password_hash, password):  # argon2 takes this long on a busy server: the race's window
        checked.append(password)
        time.sleep(0.02)
        return real_verify(password_hash, password)

    monkeypatch.setattr(accounts, "_verify", slow_verify)
    outcomes: list[str] = []
    threads = [threading.Thread(target=_attempt, args=(db.url, f"wrong {i}", outcomes)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 20 and "signed_in" not in outcomes
    assert len(checked) <= accounts.MAX_FAILURES
    with db.session() as s:
        locked_until = s.scalar(select(User.locked_until))
        assert locked_until == T0 + accounts.LOCKOUT
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.action == "lockout")).all() == ["lockout"]
    with db.session() as s, pytest.raises(accounts.LockedOut):  # the right password waits out the lock too
        accounts.authenticate(s, "wang", PASSWORD, T0 + timedelta(minutes=1))
