"""Importing cases from a hotline / mini-program / other-system export: the one entry point behind
``gridgov import cases`` and the upload page.

``run_case_import(path, spec, db, apply, actor)`` reads the file, maps its columns and words, validates every
row, places the good ones (coordinates → grid and building; else address → building; else the manual
placement queue) and returns an ImportReport with one outcome per row. With ``apply=False`` (the preview /
dry run) nothing is written. With ``apply=True`` the good rows are written in ONE transaction — only when the
report has no error and no open question — so a refused import changes nothing. Re-importing a file adds
nothing: every row's source id is already there.

Questions (``loaders.case_questions``): the encoding when uncertain, ``time_format`` when dates such as
01/06/2018 do not tell day from month, and ``category:WORD`` / ``status:WORD`` / ``source:WORD`` once per
word we do not know, with its row count — answered with one of ours or 待分类, back in ``time_format``,
``category_map``, ``status_map``, ``source_map``.

Report: ``counts`` (rows, to_import, imported, duplicates_in_file, already_imported, rejected,
placed_by_coordinates, placed_by_address, not_placed, without_coordinates, outside_district,
closed_before_reported, unknown_words, blank_rows); ``problems`` — rejected rows (severity warning, kind
bad_time / closed_before_opened / unknown_category / bad_coordinates / …), skipped duplicates and unplaced
rows (severity info), **grouped by kind and value** (``loaders.case_report``: one line per distinct problem
with its row count and first rows, row numbers as a spreadsheet shows them: the header is row 1);
``extra["rows"]``: the row table (row, outcome, placed_by, grid, number, message, msg, params) for the first
``spec.row_table_limit`` rows (placed_by coordinates | address | none for rows imported, None for others);
``extra["unknown_words"]``: {category|status|source: {word: rows held back}} (with ``extra["our_categories"]``:
[code, name] pairs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ
from geo.db.database import Database
from geo.db.schema import current_revision
from geo.domain.actors import Actor
from geo.domain.datums import DATUMS
from geo.domain.permissions import may
from geo.domain.vocabulary import IMPORTABLE_STATUSES, Source
from geo.read import references
from geo.read.layouts import NoActiveLayout, active_layout
from geo.usecases.bulk_intake import CASE_TEXT_LIMITS, NOT_PLACED, import_cases, place_cases
from loaders import case_rows as rows_
from loaders.case_address import AddressIndex
from loaders.case_mapping import FALLBACK, CategoryLookup, MappingError, resolve_mapping
from loaders.case_questions import ask_words, time_order
from loaders.case_read import CaseTable, UnreadableFile, read_case_table
from loaders.case_report import add_grouped, add_row_messages
from loaders.case_times import ORDERS
from loaders.import_messages import Msg, msg
from loaders.import_report import Detection, ImportReport, Question, unusable


@dataclass(frozen=True)
class CaseImportSpec:
    """How to read one export. Everything has a default; ``columns`` overrides auto-detection per role."""

    datum: str = "wgs84"  # of the file's coordinates: wgs84 | cgcs2000 | gcj02 (mini-program) | bd09 (Baidu)
    columns: dict[str, str] = field(default_factory=dict)  # role → column (see loaders.case_mapping.ROLES)
    encoding: str | None = None  # None: detect (UTF-8 / GBK / GB18030)
    sheet: str | int | None = None  # Excel: sheet name or position (default the first)
    tz: str = LOCAL_TZ  # of times written without an offset
    category_map: dict[str, str] = field(default_factory=dict)  # their category name → our code or name
    status_map: dict[str, str] = field(default_factory=dict)  # their status word → our Status code
    source_map: dict[str, str] = field(default_factory=dict)  # their channel word → our Source code
    time_format: str | None = None  # month-first | day-first | a strptime pattern; None: detected or asked
    default_source: str = str(Source.HOTLINE)  # for rows whose source column is empty (or no such column)
    ref_prefix: str = ""  # e.g. "12345:" when two systems' ids could clash
    row_table_limit: int = 1000  # rows listed in extra["rows"] (problems list every row regardless)


def run_case_import(source_path: str | Path, spec: CaseImportSpec, db: Database, apply: bool,
                    actor: Actor, now: datetime | None = None) -> ImportReport:
    """Preview (apply=False) or apply the import of ``source_path``; never raises for bad input."""
    report = ImportReport(source=str(source_path), kind="cases")
    try:
        return _run(Path(source_path), spec, db, apply, actor, now or datetime.now(UTC), report)
    except Exception as exc:  # noqa: BLE001 — the contract: a report, never a traceback, whatever the file
        return unusable(str(source_path), "cases", exc)


def _run(path: Path, spec: CaseImportSpec, db: Database, apply: bool, actor: Actor, now: datetime,
         report: ImportReport) -> ImportReport:
    if not may(actor.role, "upload"):
        return report.fail("not_permitted", msg("not_permitted_cases", name=actor.name, role=actor.role))
    option_error = _check_spec(spec)
    if option_error:
        return report.fail("bad_option", option_error)
    if current_revision(db) is None:
        return report.fail("no_schema", msg("no_schema"))
    read = _read(path, spec, report)
    if read is None:
        return report.settle()
    table, mapping = read
    order = time_order(report, [table.frame[mapping[r]] for r in ("reported_at", "closed_at") if r in mapping],
                       spec.time_format)
    with db.session() as session:
        try:
            layout = active_layout(session)
            outcome, cases, placement = _validate_and_place(session, table, mapping, spec, order)
        except NoActiveLayout:
            return report.fail("no_layout", msg("no_layout"))
        except MappingError as exc:
            return report.fail("bad_mapping", exc.message or str(exc))
        ask_words(report, outcome.unknown, [tuple(c) for c in references.category_codes(session)], spec.default_source)
        numbers = pd.Series("", index=cases.index)
        if len(outcome.outcome) and (outcome.outcome == "rejected").all() and not report.questions:
            report.problem("all_rejected", msg("all_rejected"))
        report.settle()
        if apply and report.status == "ok" and len(cases):
            numbers = import_cases(db, cases, placement, actor, now, path.name)
        if apply and report.status == "ok":
            report.status = "applied"
        _fill_report(report, session, layout.id, outcome, placement, numbers, spec)
    return report


def _read(path: Path, spec: CaseImportSpec, report: ImportReport) -> tuple[CaseTable, dict[str, str]] | None:
    """The table and its column mapping, described in the report; None when the file cannot be used (or the
    encoding question must be answered before its headers can be mapped)."""
    try:
        table = read_case_table(path, spec.encoding, spec.sheet)
    except UnreadableFile as exc:  # with the analyst's encoding, another choice may read it: not the file's end
        report.fail("unreadable" if spec.encoding is None else "bad_encoding", exc.message or str(exc))
        return None
    _describe_table(report, table)
    try:
        mapping = resolve_mapping(table.frame.columns, spec.columns)
    except MappingError as exc:
        if report.questions:  # headers read with an uncertain encoding: the encoding is the question
            report.problem("bad_mapping", exc.message or str(exc), severity="warning")
        else:
            report.fail("bad_mapping", exc.message or str(exc))
        return None
    _describe_mapping(report, table, mapping)
    return table, mapping


def _check_spec(spec: CaseImportSpec) -> Msg | None:
    if spec.datum.strip().lower() not in DATUMS:
        return msg("option_datum", datum=repr(spec.datum), datums=", ".join(DATUMS))
    if spec.default_source not in set(Source):
        return msg("option_default_source", source=repr(spec.default_source), sources=", ".join(Source))
    for theirs, ours in spec.status_map.items():
        if ours not in set(IMPORTABLE_STATUSES) and ours != FALLBACK:
            return msg("option_status_map", theirs=repr(theirs), ours=repr(ours), statuses=", ".join(IMPORTABLE_STATUSES))
    for theirs, ours in spec.source_map.items():
        if ours not in set(Source) and ours != FALLBACK:
            return msg("option_source_map", theirs=repr(theirs), ours=repr(ours), sources=", ".join(Source))
    if spec.time_format and spec.time_format not in ORDERS and "%" not in spec.time_format:
        return msg("option_time_format", value=repr(spec.time_format))
    try:
        ZoneInfo(spec.tz)
    except (ZoneInfoNotFoundError, ValueError):
        return msg("option_tz", tz=repr(spec.tz))
    return None


def _describe_table(report: ImportReport, table: CaseTable) -> None:
    """Encoding with its evidence (a question when uncertain), the columns and a sample."""
    report.counts["rows"] = len(table.frame)
    report.counts["blank_rows"] = table.blank_rows
    report.extra["columns"] = list(table.frame.columns)
    report.extra["delimiter"] = table.delimiter
    report.extra["sample"] = table.frame.head(5).to_dict("records")
    guess = table.encoding
    if guess is not None:
        report.encoding = Detection.of(guess.encoding, guess.evidence, guess.certain)
        if not guess.certain:
            report.ask(Question.of("encoding", msg("question_csv_encoding"),
                                   [(c, c.upper()) for c in guess.samples], samples=guess.samples,
                                   default=guess.encoding))


def _describe_mapping(report: ImportReport, table: CaseTable, mapping: dict[str, str]) -> None:
    report.mapping = dict(mapping)
    if not ({"lon", "lat"} <= set(mapping) or "address" in mapping):
        report.problem("no_location_columns", msg("no_location_columns"), severity="warning")
    if not len(table.frame):
        report.problem("no_rows", msg("no_rows"), severity="warning")


def _validate_and_place(session: Session, table: CaseTable, mapping: dict[str, str], spec: CaseImportSpec,
                        order: str | None):
    """(outcomes, the good rows as case columns, their placement) — all vectorised over the table."""
    frame = table.frame
    out = rows_.Outcomes.for_rows(frame.index)
    lookup = CategoryLookup.build(references.categories(session), spec.category_map)
    refs = rows_.source_refs(frame, mapping, spec.ref_prefix, out)
    rows_.mark_duplicates(refs, references.existing_source_refs(session, refs), out)
    reported, closed = rows_.times(frame, mapping, spec.tz, out, order)
    status = rows_.statuses(frame, mapping, closed, out, spec.status_map)
    category_id = rows_.categories(frame, mapping, lookup, out)
    source = rows_.sources(frame, mapping, spec.default_source, out, spec.source_map)
    lon, lat = rows_.coordinates(frame, mapping, spec.datum, out)
    rows_.check_text(frame, mapping, CASE_TEXT_LIMITS, out)
    good = out.alive.to_numpy()
    address = rows_.text(frame, mapping, "address")
    cases = pd.DataFrame({
        "source_ref": refs, "category_id": category_id, "description": rows_.text(frame, mapping, "description"),
        "source": source, "reporter_name": rows_.text(frame, mapping, "reporter_name"),
        "reporter_phone": rows_.text(frame, mapping, "reporter_phone"), "address": address,
        "status": status, "reported_at": reported, "closed_at": closed,
        "rejected_at": closed.where(status == "rejected"), "rated_at": pd.Series(pd.NaT, index=frame.index,
                                                                                  dtype=reported.dtype),
    })[good]
    has_point = np.isfinite(lon[good]) & np.isfinite(lat[good])
    building, reason = _match_addresses(session, address[good], has_point)
    placement = place_cases(session, lon[good], lat[good], building)
    placement.index = cases.index
    placement["reason"], placement["had_coordinates"] = reason, has_point
    return out, cases, placement


def _match_addresses(session: Session, address: pd.Series, has_point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Building id by address for rows without coordinates (-1 elsewhere), and why a row was not matched."""
    building = np.full(len(address), -1, dtype=np.int64)
    reason = np.full(len(address), None, dtype=object)
    need = ~has_point
    if need.any():
        index = AddressIndex(references.building_addresses(session))
        match = index.match(address[need].tolist())
        building[need], reason[need] = match.building_id, match.reason
    return building, reason


def _fill_report(report: ImportReport, session: Session, layout_id: int, out: rows_.Outcomes,
                 placement: pd.DataFrame, numbers: pd.Series, spec: CaseImportSpec) -> None:
    """Counts, the problems grouped by kind and value, and the row table."""
    applied = report.status == "applied"
    placed_by = placement["placed_by"]
    unplaced = placement[placed_by == NOT_PLACED]
    report.counts.update({
        "to_import": len(placement), "imported": len(placement) if applied else 0,
        "duplicates_in_file": int((out.kind == "duplicate_in_file").sum()),
        "already_imported": int((out.kind == "already_imported").sum()),
        "rejected": int((out.outcome == "rejected").sum()),
        "placed_by_coordinates": int((placed_by == "coordinates").sum()),
        "placed_by_address": int((placed_by == "address").sum()),
        "not_placed": len(unplaced),
        "without_coordinates": int((~placement["had_coordinates"]).sum()),
        "outside_district": int(unplaced["lon"].notna().sum()),
        "closed_before_reported": int((out.kind == "closed_before_opened").sum()),
        "unknown_words": int(out.kind.isin(["unknown_category", "unknown_status", "unknown_source"]).sum()),
    })
    add_row_messages(report, out.warnings, "info")
    for outcome, severity in (("rejected", "warning"), ("duplicate", "info")):
        rows = out.outcome.index[out.outcome == outcome]
        add_grouped(report, out.kind[rows], pd.Series([out.message(r) for r in rows], index=rows, dtype=object),
                    severity)
    add_grouped(report, pd.Series("not_placed", index=unplaced.index),
                pd.Series([msg("not_placed", why=_unplaced_reason(r)) for r in unplaced.itertuples()],
                          index=unplaced.index, dtype=object), "info", unplaced[["lon", "lat"]])
    if out.unknown:
        report.extra["unknown_words"] = out.unknown
    if "category" in out.unknown:  # what the page offers to map them to
        report.extra["our_categories"] = references.category_codes(session)
    report.extra["rows"] = _row_table(session, layout_id, out, placement, numbers, applied,
                                      spec.row_table_limit)
    report.extra["rows_truncated"] = len(out.outcome) > spec.row_table_limit


def _unplaced_reason(row) -> Msg:
    """Why a row to import is not placed: its address's reason, else coordinates outside every grid."""
    return row.reason or msg("outside_every_grid", lon=row.lon, lat=row.lat)


def _row_table(session: Session, layout_id: int, out: rows_.Outcomes, placement: pd.DataFrame,
               numbers: pd.Series, applied: bool, limit: int) -> list[dict]:
    codes = references.grid_codes(session, layout_id)
    head = out.outcome.index[:limit]
    placed = placement.reindex(head)
    ok_word = "imported" if applied else "to_import"
    table = pd.DataFrame({
        "row": head, "outcome": out.outcome[head].replace("ok", ok_word),
        "placed_by": placed["placed_by"].replace("", "none"),  # none: the manual-placement queue
        "grid": placed["grid_id"].map(lambda g: codes.get(int(g)) if pd.notna(g) and g >= 0 else None),
        "number": numbers.reindex(head).replace("", None),
    })
    messages = [out.message(r) if o != "ok" else reason for r, o, reason in
                zip(head, out.outcome[head], placed["reason"])]
    table["message"] = [m.text if m else "" for m in messages]
    table["msg"] = [m.key if m else "" for m in messages]
    table["params"] = [m.params if m else {} for m in messages]
    table["placed_by"] = table["placed_by"].where(table["outcome"] == ok_word)
    table = table.astype(object).where(table.notna(), None)
    return table.to_dict("records")
