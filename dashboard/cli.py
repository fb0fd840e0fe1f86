"""The ``gridgov`` command line: an entry point beside the pages, calling the same geo/loaders functions."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def _db():
    from geo.storage import Database

    return Database()


def cmd_init_db(args: argparse.Namespace) -> int:
    from geo.schema import current_revision, upgrade

    db = _db()
    upgrade(db)
    print(f"database ready at revision {current_revision(db)}: {db.engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_load_sample(args: argparse.Namespace) -> int:
    from geo.schema import upgrade
    from loaders.sample_load import DatabaseNotEmpty, load_sample

    db = _db()
    upgrade(db)
    try:
        counts = load_sample(db)
    except DatabaseNotEmpty as exc:
        if args.if_empty:
            print(f"sample not loaded: {exc}")
            return 0
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("loaded the sample district: " + ", ".join(f"{t}={n}" for t, n in counts.items()))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(args.port),
               "--server.address", args.address, "--server.headless", "true",
               "--server.enableStaticServing", "true", "--browser.gatherUsageStats", "false"]
    return subprocess.call(command, env=os.environ.copy())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridgov", description="GridGov: grid-based community governance.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init-db", help="create or upgrade the database schema (DATABASE_URL, default data/gridgov.db)")
    p.set_defaults(func=cmd_init_db)
    p = sub.add_parser("load-sample", help="load the sample district (435 grids, one year of cases) into an empty database")
    p.add_argument("--if-empty", action="store_true", help="do nothing (exit 0) when the database already holds cases")
    p.set_defaults(func=cmd_load_sample)
    p = sub.add_parser("serve", help="start the dashboard on the configured database")
    p.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501)")
    p.add_argument("--address", default="0.0.0.0", help="address to bind (default 0.0.0.0)")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
