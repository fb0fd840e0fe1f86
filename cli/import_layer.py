"""``gridgov import layer PATH …``: the command-line face of ``run_layer_import`` (the page's twin).

Exit codes follow the report (``loaders.import_report``): 0 applicable or applied, 2 a decision is needed,
1 the input cannot be used. Whatever the file or the options, the command prints a report, never a
traceback: option values are checked by the import itself and come back as an "unusable" report.
"""

from __future__ import annotations

import argparse

from loaders.import_messages import msg
from loaders.import_report import ImportReport, unusable

LAYER_KINDS = "grids|buildings|communities|streets"


def add_layer_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``layer`` under the ``import`` subcommand group."""
    p = subparsers.add_parser("layer", help="import a grid/building/community/street layer (zip, GeoJSON, GPKG)")
    p.add_argument("path", help="zipped shapefile, .geojson/.json or .gpkg")
    p.add_argument("--kind", required=True, help=f"what the layer holds: {LAYER_KINDS}")
    p.add_argument("--encoding", help="text encoding of the attributes (default: .cpg, DBF byte, else detected)")
    p.add_argument("--crs", help="CRS of the coordinates, e.g. EPSG:4545 (default: the .prj, checked)")
    p.add_argument("--datum", help="wgs84|gcj02|bd09: datum of lon/lat (default: fitted to the current layers, "
                                   "else asked when the file does not declare it)")
    p.add_argument("--field", action="append", default=[], metavar="ROLE=COLUMN",
                   help="which column holds a role, e.g. code=网格编码 (repeatable)")
    p.add_argument("--member", help="which layer inside a zip holding several (path inside the zip)")
    p.add_argument("--dry-run", action="store_true", help="check and show the diff; change nothing")
    p.add_argument("--json", action="store_true", help="print the report as one JSON document")
    p.set_defaults(func=cmd_import_layer)
    return p


def cmd_import_layer(args: argparse.Namespace) -> int:
    """Run the import and print its report; the exit code is the report's."""
    try:
        report = _run(args)
    except Exception as exc:  # noqa: BLE001 - never a traceback (run_layer_import itself never raises)
        report = unusable(args.path, args.kind, exc)
    print(report.to_json(indent=1) if args.json else summary(report))
    return report.exit_code


def _run(args: argparse.Namespace) -> ImportReport:
    from geo.db.database import Database
    from geo.domain.actors import Actor
    from geo.domain.vocabulary import Role
    from loaders.layer_import import LayerSpec, run_layer_import

    fields, bad = {}, [f for f in args.field if "=" not in f]
    if bad:
        return ImportReport(source=args.path, kind=args.kind).fail(
            "bad_input", msg("cli_bad_field", value=repr(bad[0])))
    for item in args.field:
        role, column = item.split("=", 1)
        fields[role.strip()] = column.strip()
    spec = LayerSpec(kind=args.kind, encoding=args.encoding, crs=args.crs,
                     datum=args.datum.lower() if args.datum else None, fields=fields, member=args.member)
    db = Database()
    try:
        return run_layer_import(args.path, spec, db, apply=not args.dry_run,
                                actor=Actor("gridgov import", Role.ANALYST))
    finally:
        db.dispose()


def summary(report: ImportReport) -> str:
    """A few plain lines for a terminal: status, detections, counts, problems, questions, the diff."""
    lines = [f"{report.source}: {report.status} ({report.kind})"]
    for label, found in (("encoding", report.encoding), ("crs", report.crs), ("datum", report.datum)):
        if found:
            lines.append(f"  {label}: {found.value or '?'} — {found.evidence}")
    if report.counts:
        lines.append("  counts: " + ", ".join(f"{k}={v}" for k, v in report.counts.items()))
    for p in report.problems:
        where = f" at {p.location.lon}, {p.location.lat}" if p.location and p.location.lon is not None else ""
        lines.append(f"  {p.severity}: [{p.kind}] {p.message}{where}")
    for q in report.questions:
        lines.append(f"  question ({q.key}): {q.text}")
        lines += [f"    {_option(q.key, value)}   {label}" for value, label in q.choices[:25]]
    if report.diff.get("cases_moving"):
        lines.append(f"  cases that would move: {report.diff['cases_moving']}")
    if "applied" in report.extra:
        lines.append("  applied: " + ", ".join(f"{k}={v}" for k, v in report.extra["applied"].items()))
    return "\n".join(lines)


def _option(key: str, value: str) -> str:
    """The option that answers a question: --crs EPSG:4545, --encoding GBK, --field code=网格编码."""
    if key.startswith("field:"):
        return f"--field {key.split(':', 1)[1]}={value}"
    return f"--{key} {value}"
