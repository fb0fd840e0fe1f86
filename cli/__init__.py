"""The ``gridgov`` command line: an entry point beside the pages and the API, calling the same geo/loaders
functions. Subcommands live in this package: users.py (accounts), import_layer.py and import_cases.py (imports),
api.py (the HTTP API, its client keys and the category model)."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime

from cli.api import add_api_parsers
from cli.users import add_user_parsers


def _db():
    from geo.db.database import Database

    return Database()


def cmd_init_db(args: argparse.Namespace) -> int:
    from geo.db.schema import current_revision, upgrade

    db = _db()
    upgrade(db)
    print(f"database ready at revision {current_revision(db)}: {db.engine.url.render_as_string(hide_password=True)}")
    if args.app_role:
        from geo.db.schema import grant_app_role

        try:
            grant_app_role(db, args.app_role)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"app role {args.app_role}: rows read and written, logs append-only, no TRUNCATE or DDL; run the "
              f"dashboard as a login in it (docs/security.md)")
    return 0


def cmd_load_sample(args: argparse.Namespace) -> int:
    from geo.config import demo_password
    from geo.db.schema import upgrade
    from samples.accounts import add_demo_accounts
    from samples.load import DatabaseNotEmpty, load_sample
    from samples.volunteers import load_sample_forces

    db = _db()
    upgrade(db)
    now = datetime.now(UTC)
    try:
        counts = load_sample(db, ends_at=now)
    except DatabaseNotEmpty as exc:
        if args.if_empty:
            print(f"sample not loaded: {exc}")
            return 0
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("loaded the sample district, its year ending now: " + ", ".join(f"{t}={n}" for t, n in counts.items()))
    forces = load_sample_forces(db, ends_at=now)
    print("community forces: " + ", ".join(f"{t}={n}" for t, n in forces.items()))
    created = add_demo_accounts(db)
    print(f"demo accounts (password {demo_password()!r}): {', '.join(created)}")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    """Re-run grid assignment for every case under the active layout (after a tolerance change, say)."""
    from datetime import UTC, datetime

    from geo.domain.actors import SYSTEM
    from geo.read.layouts import active_layout
    from geo.usecases.recut import apply_regrid, regrid_diff

    db = _db()
    with db.transaction() as session:
        layout = active_layout(session)
        if args.dry_run:
            _, moved = regrid_diff(session, layout.id)
        else:
            moved = apply_regrid(session, layout.id, SYSTEM, datetime.now(UTC))
    print(moved[["number", "old_grid", "new_grid"]].fillna("—").to_string(index=False) if len(moved) else "")
    verb = "would move" if args.dry_run else "moved"
    print(f"{verb} {len(moved)} case(s) under layout {layout.id} ({layout.name})")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Write due escalation reminders to the outbox, then deliver pending ones (cron: every minute)."""
    from datetime import UTC, datetime

    from geo.usecases.notify import LogNotifier, WebhookNotifier, deliver_pending
    from geo.usecases.reporter_notices import notify_reporters
    from geo.usecases.sweep import sweep

    db = _db()
    now = datetime.now(UTC)
    with db.transaction() as session:
        inserted = sweep(session, now, full=args.full)
    print(f"sweep: {inserted} new reminder(s)")
    _purge_uploads()
    if args.deliver:
        notifier = WebhookNotifier(args.webhook) if args.webhook else LogNotifier()
        delivered, failed = deliver_pending(db, notifier, now)
        print(f"delivered {delivered}, failed {failed} (failed ones are retried on a later sweep)")
        with db.transaction() as session:
            told, failed = notify_reporters(session, notifier, now)
        print(f"told {told} reporter(s) their case closed, failed {failed}")
    return 0


def _purge_uploads() -> None:
    """Uploads an abandoned page session left behind (hotline exports hold personal data): gone after
    GRIDGOV_UPLOAD_RETENTION_H hours."""
    from datetime import timedelta

    from geo.config import upload_retention_hours
    from loaders.uploads import purge_uploads

    hours = upload_retention_hours()
    removed = purge_uploads(timedelta(hours=hours))
    if removed:
        print(f"uploads: removed {removed} left for more than {hours:g} h")


def _add_import_parsers(sub) -> None:
    from cli.import_cases import add_cases_parser
    from cli.import_layer import add_layer_parser

    p = sub.add_parser("import", help="import a layer or cases: --dry-run previews, --json prints one report")
    what = p.add_subparsers(dest="import_what", required=True)
    add_layer_parser(what)
    add_cases_parser(what)


def cmd_serve(args: argparse.Namespace) -> int:
    """The dashboard, our HTTP routes and the API (if installed) on one ASGI server (dashboard/asgi.py)."""
    from dashboard.asgi import serve

    serve(args.port, args.address)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridgov", description="GridGov: grid-based community governance.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init-db", help="create or upgrade the database schema (DATABASE_URL, default data/gridgov.db)")
    p.add_argument("--app-role", metavar="NAME",
                   help="PostgreSQL: also create/refresh the least-privilege role the dashboard runs as")
    p.set_defaults(func=cmd_init_db)
    p = sub.add_parser("load-sample", help="load the sample district (435 grids, one year of cases) into an empty database")
    p.add_argument("--if-empty", action="store_true", help="do nothing (exit 0) when the database already holds cases")
    p.set_defaults(func=cmd_load_sample)
    p = sub.add_parser("assign", help="re-run grid assignment for all cases under the active layout")
    p.add_argument("--dry-run", action="store_true", help="print the cases that would change grid; change nothing")
    p.set_defaults(func=cmd_assign)
    p = sub.add_parser("sweep", help="write due escalation reminders (idempotent; safe to run from cron)")
    p.add_argument("--deliver", action="store_true", help="also deliver pending reminders")
    p.add_argument("--full", action="store_true", help="check every dispatch, not only what fell due since the last sweep")
    p.add_argument("--webhook", metavar="URL", help="deliver by POSTing JSON to URL (default: the log)")
    p.set_defaults(func=cmd_sweep)
    add_user_parsers(sub)
    add_api_parsers(sub)
    _add_import_parsers(sub)
    p = sub.add_parser("serve", help="start the dashboard (and the API, if installed) on the configured database")
    p.add_argument("--port", type=int, default=8501, help="port to listen on (default 8501)")
    p.add_argument("--address", default="0.0.0.0", help="address to bind (default 0.0.0.0)")
    p.set_defaults(func=cmd_serve)
    return parser


#: Long-running servers keep the details of failures in their own log (the terminal or the service journal an
#: administrator reads); one-shot commands put them in the error log file instead of the terminal.
SERVERS = frozenset({"serve", "api"})


def main(argv: list[str] | None = None) -> int:
    """Run one command. An unexpected failure prints one line naming what failed and a reference into the
    error log (geo.config.error_log), never a traceback, SQL text or SQL parameters."""
    args = build_parser().parse_args(argv)
    if args.command not in SERVERS:
        _errors_to_the_log_file()
    try:
        return args.func(args)
    except Exception as exc:  # noqa: BLE001 - the terminal (and cron's mail) gets no SQL, no personal data
        from geo.db.errors import describe_failure

        print(f"error: gridgov {args.command} failed: {describe_failure(exc).text}", file=sys.stderr)
        return 1


def _errors_to_the_log_file() -> None:
    """The details of failures go to the error log file, not to the terminal."""
    from geo.config import error_log

    errors = logging.getLogger("gridgov.errors")
    for handler in list(errors.handlers):
        errors.removeHandler(handler)
        handler.close()
    try:
        error_log().parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(error_log(), delay=True, encoding="utf-8")
    except OSError:  # no writable log: the details are dropped rather than printed
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    errors.addHandler(handler)
    errors.propagate = False


if __name__ == "__main__":
    sys.exit(main())
