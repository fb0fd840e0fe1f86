"""``gridgov user …``: local accounts (add, set-role, disable, enable) and big-screen kiosk tokens."""

from __future__ import annotations

import argparse
import sys

from geo.config import cli_user, new_password
from geo.db.database import Database


def _admin():
    from geo.domain.actors import Actor
    from geo.domain.vocabulary import Role

    return Actor(f"cli:{cli_user()}", Role.ADMIN)


def _binding(args: argparse.Namespace):
    from geo.usecases.accounts import Binding

    return Binding(department=args.department, street=args.street, community=args.community,
                   grids=tuple(g for g in (args.grids or "").split(",") if g), district=args.district)


def cmd_user(args: argparse.Namespace) -> int:
    """Account administration: add, disable/enable, set-role, kiosk-token."""
    import getpass
    from datetime import UTC, datetime

    from geo.usecases import accounts

    now = datetime.now(UTC)
    try:
        with Database().transaction() as session:
            if args.user_command == "add":
                password = new_password() or getpass.getpass(f"password for {args.username}: ")
                accounts.add_user(session, args.username, password, args.role, _admin(), now,
                                  display_name=args.name or "", binding=_binding(args))
            elif args.user_command in ("disable", "enable"):
                accounts.set_disabled(session, args.username, args.user_command == "disable", _admin(), now)
            elif args.user_command == "set-role":
                accounts.set_role(session, args.username, args.role, _admin(), now, binding=_binding(args))
            elif args.user_command == "kiosk-token":
                _kiosk_token(session, args, now)
    except (accounts.AccountError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except EOFError:
        print("error: no password given: run in a terminal or set GRIDGOV_NEW_PASSWORD", file=sys.stderr)
        return 1
    if args.user_command != "kiosk-token":
        print(f"user {args.username}: {args.user_command} done")
    return 0


def _kiosk_token(session, args: argparse.Namespace, now) -> None:
    """Create (default), list, or revoke big-screen kiosk tokens."""
    from geo.usecases import accounts

    if args.list:
        for k in accounts.list_kiosk_tokens(session):
            state = "revoked" if k["revoked"] else "live"
            print(f"{k['id']:>4}  {state:<7}  {k['created_at']:%Y-%m-%d %H:%M} UTC  {k['label']}")
    elif args.revoke:
        revoked = accounts.revoke_kiosk_token(session, args.revoke, _admin(), now)
        print(f"kiosk token {revoked.id} ({revoked.label}) revoked: the wall shows the sign-in page at its next "
              "refresh")
    else:
        token = accounts.create_kiosk_token(session, args.label, _admin(), now)
        print(f"kiosk token (shown once): {token}")
        print(f"big screen URL: http://<host>:<port>/big_screen?embed=true&kiosk={token}")


def add_user_parsers(sub) -> None:
    from geo.domain.vocabulary import Role

    p = sub.add_parser("user", help="manage local accounts (add, disable, enable, set-role, kiosk-token)")
    users = p.add_subparsers(dest="user_command", required=True)
    for name, needs_role in (("add", True), ("set-role", True), ("disable", False), ("enable", False)):
        q = users.add_parser(name, help=f"{name} a user")
        q.add_argument("username")
        if needs_role:
            q.add_argument("--role", required=True, choices=[str(r) for r in Role if r != Role.RESIDENT])
            q.add_argument("--department", help="department code (department staff)")
            q.add_argument("--street", help="street code (street staff)")
            q.add_argument("--community", help="community code (community staff)")
            q.add_argument("--grids", help="comma-separated grid codes (grid members)")
            q.add_argument("--district", help="district code: binds an admin, supervisor or analyst to one "
                                              "district of the city (default: the whole city)")
        if name == "add":
            q.add_argument("--name", help="display name; the password is read from the terminal "
                                          "(or GRIDGOV_NEW_PASSWORD)")
    q = users.add_parser("kiosk-token", help="create (default), --list or --revoke read-only big-screen tokens")
    q.add_argument("--label", default="big screen")
    what = q.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true", help="list the tokens (never their values)")
    what.add_argument("--revoke", metavar="ID|LABEL", help="revoke the token with this id or label")
    p.set_defaults(func=cmd_user)
