"""``gridgov import cases PATH …``: parse the options, call run_case_import, print the report.

Registered under the shared ``import`` group by cli/__init__.py (``add_cases_parser(import_subparsers)``).
Exit codes follow the report: 0 can be / was applied, 2 a decision is needed, 1 the input cannot be used.
"""

from __future__ import annotations

import argparse

from geo.domain.datums import DATUMS
from loaders.import_report import ImportReport

MAX_LISTED = 30  # problems printed in the text form (the JSON form lists them all)


def add_cases_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``cases`` on the ``import`` group's subparsers."""
    p = subparsers.add_parser("cases", help="import cases from a CSV or Excel export (12345 hotline, mini-program…)",
                              description="Import cases; preview with --dry-run. Re-importing a file adds nothing.")
    p.add_argument("path", metavar="PATH", help="CSV (UTF-8, GBK, GB18030) or .xlsx file")
    p.add_argument("--datum", default="wgs84",
                   help=f"datum of the coordinates: {'|'.join(DATUMS)} (mini-program: gcj02; Baidu: bd09; default wgs84)")
    p.add_argument("--column", action="append", default=[], metavar="ROLE=COLUMN",
                   help="map a column to a role, e.g. reported_at=受理时间 (repeatable; the rest is detected)")
    p.add_argument("--category", action="append", default=[], metavar="THEIRS=OURS",
                   help="map their category name to our category code or name, or to 待分类 (the center triages "
                        "it) (repeatable)")
    p.add_argument("--status-word", action="append", default=[], metavar="THEIRS=OURS",
                   help="map their status word to ours, e.g. 已归档=closed, or to 待分类 (repeatable)")
    p.add_argument("--source-word", action="append", default=[], metavar="THEIRS=OURS",
                   help="map their channel word to our source, e.g. 市长信箱=hotline_12345, or to 待分类 (repeatable)")
    p.add_argument("--time-format", metavar="ORDER|PATTERN",
                   help="dates like 01/06/2018: month-first or day-first; or a strptime pattern such as "
                        "'%%d-%%b-%%Y %%H:%%M' (default: recognised, asked when ambiguous)")
    p.add_argument("--encoding", help="text encoding of a CSV (default: detect UTF-8 / GBK / GB18030)")
    p.add_argument("--sheet", help="Excel sheet name (default: the first sheet)")
    p.add_argument("--tz", default="Asia/Shanghai", help="time zone of times written without an offset")
    p.add_argument("--source", default="hotline_12345", help="source of rows without one (default hotline_12345)")
    p.add_argument("--ref-prefix", default="", help="prefix for the source ids, e.g. '12345:'")
    p.add_argument("--dry-run", action="store_true", help="report what would be imported; change nothing")
    p.add_argument("--json", action="store_true", help="print the report as one JSON document")
    p.set_defaults(func=cmd_import_cases)
    return p


def cmd_import_cases(args: argparse.Namespace) -> int:
    """Run the import; any failure becomes an 'unusable' report, never a traceback."""
    from loaders.import_report import unusable

    try:
        report = _run(args)
    except Exception as exc:  # noqa: BLE001 — e.g. the database cannot be opened
        report = unusable(args.path, "cases", exc)
    print(report.to_json(indent=1) if args.json else _text(report))
    return report.exit_code


def _run(args: argparse.Namespace) -> ImportReport:
    from geo.db.database import Database
    from geo.domain.actors import Actor
    from geo.domain.vocabulary import Role
    from loaders.case_import import CaseImportSpec, run_case_import
    from loaders.case_mapping import MappingError, parse_column_args
    from loaders.import_report import ImportReport as Report

    try:
        columns = parse_column_args(args.column)
        categories = dict(_pair("--category", p) for p in args.category)
        statuses = dict(_pair("--status-word", p) for p in args.status_word)
        sources = dict(_pair("--source-word", p) for p in args.source_word)
    except MappingError as exc:
        return Report(source=args.path, kind="cases").fail("bad_mapping", exc.message or str(exc))
    spec = CaseImportSpec(datum=args.datum, columns=columns, encoding=args.encoding, sheet=args.sheet,
                          category_map=categories, status_map=statuses, source_map=sources,
                          default_source=args.source, ref_prefix=args.ref_prefix, tz=args.tz,
                          time_format=args.time_format)
    return run_case_import(args.path, spec, Database(), apply=not args.dry_run,
                           actor=Actor("gridgov import cases", Role.ANALYST))


def _pair(option: str, text: str) -> tuple[str, str]:
    from loaders.case_mapping import MappingError
    from loaders.import_messages import msg

    theirs, sep, ours = text.rpartition("=")
    if not sep or not theirs.strip() or not ours.strip():
        raise MappingError(msg("word_arg_malformed", option=option, pair=repr(text)))
    return theirs.strip(), ours.strip()


def _text(report: ImportReport) -> str:
    """A short human summary: status, detections, counts, questions with the option that answers each, the
    first problems."""
    lines = [f"{report.source}: {report.status}"]
    if report.encoding:
        lines.append(f"encoding: {report.encoding.value} ({report.encoding.evidence})")
    if found := report.extra.get("time_format"):
        lines.append(f"time format: {found['value']} ({found['evidence']})")
    if report.mapping:
        lines.append("columns: " + ", ".join(f"{r}={c}" for r, c in report.mapping.items()))
    if report.counts:
        lines.append(", ".join(f"{k}={v}" for k, v in report.counts.items()))
    for q in report.questions:
        lines.append(f"question ({q.key}): {q.text}")
        lines.append(f"    answer with {_option(q.key, q.default or q.choices[0][0])}")
    lines += [f"{p.severity}: {p.message}" for p in report.problems[:MAX_LISTED]]
    if len(report.problems) > MAX_LISTED:
        lines.append(f"… {len(report.problems) - MAX_LISTED} more problems (--json lists them all)")
    return "\n".join(lines)


#: Question key (before the colon) → the option that answers it.
_OPTIONS = {"category": "--category", "status": "--status-word", "source": "--source-word",
            "time_format": "--time-format", "encoding": "--encoding"}


def _option(key: str, value: str) -> str:
    """``--category 'Bulky Items=待分类'`` for the question ``category:Bulky Items``."""
    import shlex

    role, _, word = key.partition(":")
    answer = f"{word}={value}" if word else value
    return f"{_OPTIONS.get(role, '--' + role)} {shlex.quote(answer)}"
