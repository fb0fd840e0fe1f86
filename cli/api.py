"""``gridgov api`` (serve the HTTP API alone), ``gridgov api-key add|list|revoke`` (client keys) and
``gridgov train-classifier`` (the category model)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from geo.config import cli_user


def cmd_api(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    uvicorn.run(create_app(), host=args.address, port=args.port, log_level="info")
    return 0


def cmd_api_key(args: argparse.Namespace) -> int:
    """The key is printed alone on the last line, once: only its hash is kept."""
    from geo.db.database import Database
    from geo.domain.actors import Actor
    from geo.domain.vocabulary import Role
    from geo.domain.workflow import InvalidInput
    from geo.read.api_clients import list_clients
    from geo.usecases.api_clients import create_client, revoke_client

    admin, now = Actor(f"cli:{cli_user()}", Role.ADMIN), datetime.now(UTC)
    try:
        with Database().transaction() as session:
            if args.key_command == "add":
                key = create_client(session, args.name, args.source, admin, now)
            elif args.key_command == "revoke":
                revoke_client(session, args.name, admin, now)
            else:
                for c in list_clients(session):
                    state = "revoked" if c["revoked"] else "active"
                    print(f"{c['name']}\t{c['source']}\t{c['key_prefix']}…\t{c['created_at']:%Y-%m-%d}\t{state}")
                return 0
    except InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.key_command == "revoke":
        print(f"API key of {args.name} revoked")
        return 0
    print(f"API key for {args.name} (source {args.source}); shown once, store it now:")
    print(key)
    return 0


def cmd_train_classifier(args: argparse.Namespace) -> int:
    from geo.config import model_path
    from geo.db.database import Database
    from geo.usecases.classifier import train_category_model

    with Database().session() as session:
        try:
            report = train_category_model(session, model_path(), held_back=args.held_back)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print(f"trained on {report.cases} closed cases, {report.categories} categories; held back the newest "
          f"{report.held_back}: top-1 {report.top1:.1%}, top-3 {report.top3:.1%}")
    print(f"model written to {report.path}")
    return 0


def add_api_parsers(sub) -> None:
    from geo.domain.vocabulary import Source

    p = sub.add_parser("api", help="serve the HTTP API (Open311 at /open311/v2/) alone, with uvicorn")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--address", default="0.0.0.0", help="address to bind (default 0.0.0.0)")
    p.set_defaults(func=cmd_api)
    p = sub.add_parser("api-key", help="API client keys: add (prints the key once), list, revoke")
    keys = p.add_subparsers(dest="key_command", required=True)
    q = keys.add_parser("add", help="create a client and print its key alone on the last line")
    q.add_argument("name", help="the client, e.g. 12345-hotline")
    q.add_argument("--source", required=True, choices=[str(s) for s in Source],
                   help="the case source its reports count as")
    q = keys.add_parser("revoke", help="revoke a client's key")
    q.add_argument("name")
    keys.add_parser("list", help="list the clients (never their keys)")
    p.set_defaults(func=cmd_api_key)
    p = sub.add_parser("train-classifier", help="train the category suggestion model on the closed cases")
    p.add_argument("--held-back", type=float, default=0.2,
                   help="share of the newest closed cases held back to measure accuracy (default 0.2)")
    p.set_defaults(func=cmd_train_classifier)
