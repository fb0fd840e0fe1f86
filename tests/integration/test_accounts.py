from datetime import timedelta

import pytest
from sqlalchemy import select

from geo.db.models import AuditEntry, User
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.read.audit_log import audit_log
from geo.usecases.accounts import (
    AccountError,
    Binding,
    LockedOut,
    SignInFailed,
    actor_from_claims,
    add_user,
    authenticate,
    create_kiosk_token,
    kiosk_actor,
    set_disabled,
    set_role,
)
from tests.integration.factories import T0, add_departments_and_category

ADMIN = Actor("管理员", Role.ADMIN)
PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(db):
    with db.transaction() as s:
        add_departments_and_category(s)
        add_user(s, "zhang", PASSWORD, "department", ADMIN, T0, display_name="张工", binding=Binding(department="SZ"))
    return db


def sign_in(db, password, at=T0, username="zhang"):
    with db.session() as s:
        try:
            return authenticate(s, username, password, at)
        finally:
            s.commit()  # failures must persist, as the sign-in page does


def test_the_password_is_stored_only_as_an_argon2id_hash(accounts):
    with accounts.session() as s:
        stored = s.scalar(select(User.password_hash))
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
        assert PASSWORD not in " ".join(s.scalars(select(AuditEntry.detail)))


def test_a_correct_password_signs_in_bound_to_the_department(accounts):
    actor = sign_in(accounts, PASSWORD)
    assert (actor.name, actor.role, actor.department_id) == ("张工", Role.DEPARTMENT, 2)


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(accounts):
    for _ in range(5):
        with pytest.raises(SignInFailed):
            sign_in(accounts, "wrong password")
    with pytest.raises(LockedOut, match="locked until"):
        sign_in(accounts, PASSWORD, at=T0 + timedelta(minutes=5))
    assert sign_in(accounts, PASSWORD, at=T0 + timedelta(minutes=16)).role == Role.DEPARTMENT
    with accounts.session() as s:
        actions = audit_log(s, ADMIN)["action"].tolist()
    assert actions.count("sign_in_failed") == 5 and "lockout" in actions and "sign_in_locked" in actions


def test_a_disabled_account_cannot_sign_in(accounts):
    with accounts.transaction() as s:
        set_disabled(s, "zhang", True, ADMIN, T0)
    with pytest.raises(SignInFailed, match="user name or password is wrong"):
        sign_in(accounts, PASSWORD)


def test_an_unknown_user_gets_the_same_message_as_a_wrong_password(accounts):
    with pytest.raises(SignInFailed, match="user name or password is wrong"):
        sign_in(accounts, PASSWORD, username="nobody")


def test_a_bound_role_needs_its_binding(accounts):
    with pytest.raises(AccountError, match="role department must be bound to a department"):
        with accounts.transaction() as s:
            add_user(s, "li", PASSWORD, "department", ADMIN, T0)


def test_a_short_password_is_refused(accounts):
    with pytest.raises(AccountError, match="at least 10 characters"):
        with accounts.transaction() as s:
            add_user(s, "li", "short", "supervisor", ADMIN, T0)


def test_a_role_change_is_audited(accounts):
    with accounts.transaction() as s:
        set_role(s, "zhang", "supervisor", ADMIN, T0)
    with accounts.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "role_change")).one()
    assert (entry.actor, entry.target, entry.detail) == ("管理员", "zhang", "department → supervisor")
    assert sign_in(accounts, PASSWORD).role == Role.SUPERVISOR


def test_only_the_admin_reads_the_audit_log(accounts):
    with accounts.session() as s, pytest.raises(PermissionError, match="may not read the audit log"):
        audit_log(s, Actor("王", Role.SUPERVISOR))


def test_a_kiosk_token_gives_the_read_only_screen_role(accounts):
    with accounts.transaction() as s:
        token = create_kiosk_token(s, "指挥中心大屏", ADMIN, T0)
    with accounts.session() as s:
        assert kiosk_actor(s, token).role == Role.SCREEN
        assert kiosk_actor(s, token + "x") is None


def test_single_sign_on_claims_map_to_an_unbound_role(accounts):
    with accounts.transaction() as s:
        actor = actor_from_claims(s, {"preferred_username": "wang@gov", "groups": ["gov-center"]}, "groups",
                                  {"gov-center": "supervisor"}, T0)
        assert actor.role == Role.SUPERVISOR
        with pytest.raises(SignInFailed):
            actor_from_claims(s, {"preferred_username": "x@gov", "groups": ["other"]}, "groups",
                              {"gov-center": "supervisor"}, T0)


def test_a_sign_in_name_longer_than_any_account_fails_and_is_audited(accounts):
    name = "管理员" * 3000  # 9,000 characters: the audit's actor column holds 100
    with pytest.raises(SignInFailed):
        sign_in(accounts, "whatever", username=name)
    with accounts.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in_failed")).one()
    assert entry.actor.startswith("管理员管理员") and len(entry.actor) == 100 and len(entry.target) == 200
    assert "9000 characters" in entry.detail
