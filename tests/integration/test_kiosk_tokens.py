"""Big-screen kiosk tokens can be listed and revoked (issue 11), from the command line too; a revoked token
signs nothing in."""

import pytest

from cli import main
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.usecases.accounts import (
    AccountError,
    create_kiosk_token,
    kiosk_actor,
    list_kiosk_tokens,
    revoke_kiosk_token,
)
from tests.integration.factories import T0

ADMIN = Actor("管理员", Role.ADMIN)


@pytest.fixture
def tokens(db):
    with db.transaction() as s:
        first = create_kiosk_token(s, "指挥中心大屏", ADMIN, T0)
        second = create_kiosk_token(s, "街道大屏", ADMIN, T0)
    return db, first, second


def test_a_revoked_token_signs_nothing_in_and_the_other_still_works(tokens):
    db, first, second = tokens
    with db.transaction() as s:
        revoke_kiosk_token(s, "指挥中心大屏", ADMIN, T0)
    with db.session() as s:
        assert kiosk_actor(s, first) is None
        assert kiosk_actor(s, second).name == "kiosk:街道大屏"


def test_a_token_is_revoked_by_its_id(tokens):
    db, first, _ = tokens
    with db.transaction() as s:
        token_id = next(k["id"] for k in list_kiosk_tokens(s) if k["label"] == "指挥中心大屏")
        revoke_kiosk_token(s, str(token_id), ADMIN, T0)
    with db.session() as s:
        assert kiosk_actor(s, first) is None


def test_a_label_naming_two_live_tokens_is_refused_with_their_ids(tokens):
    db, _, _ = tokens
    with db.transaction() as s:
        create_kiosk_token(s, "街道大屏", ADMIN, T0)
    with db.transaction() as s, pytest.raises(AccountError, match=r"names 2 live kiosk tokens \(ids 2, 3\)"):
        revoke_kiosk_token(s, "街道大屏", ADMIN, T0)


def test_revoking_an_unknown_token_is_refused(tokens):
    db, _, _ = tokens
    with db.transaction() as s, pytest.raises(AccountError, match="no live kiosk token with id or label '9'"):
        revoke_kiosk_token(s, "9", ADMIN, T0)


def test_the_command_line_lists_and_revokes_without_printing_any_token(tokens, monkeypatch, capsys):
    db, first, _ = tokens
    monkeypatch.setenv("DATABASE_URL", db.url)
    assert main(["user", "kiosk-token", "--revoke", "指挥中心大屏"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["user", "kiosk-token", "--list"]) == 0
    listing = capsys.readouterr().out
    assert "revoked  " in listing and "live     " in listing and first not in listing
    assert main(["user", "kiosk-token", "--revoke", "指挥中心大屏"]) == 1
    assert "no live kiosk token" in capsys.readouterr().err
    with db.session() as s:
        assert kiosk_actor(s, first) is None
