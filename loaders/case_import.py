"""Importing cases from a hotline / mini-program / other-system export: the one entry point behind
``gridgov import cases`` and the upload page.

``run_case_import(path, spec, db, apply, actor)`` reads the file, maps its columns and words, validates every
row, places the good ones (coordinates → grid and building; else address → building; else the manual
placement queue) and returns an ImportReport with one outcome per row. With ``apply=False`` (the preview /
dry run) nothing is written. With ``apply=True`` the good rows are written in ONE transaction — only when the
report has no error and no open question — so a refused import changes nothing. Re-importing a file adds
nothing: every row's source id is already there.

Report: ``counts`` (rows, to_import, imported, duplicates_in_file, already_imported, rejected,
placed_by_coordinates, placed_by_address, not_placed, blank_rows); ``problems`` — every rejected row
(severity warning, kind bad_time / closed_before_opened / unknown_category / bad_coordinates / …), every
skipped duplicate and every unplaced row (severity info), each with its row number (a spreadsheet's: the
header is row 1); ``extra["rows"]``: the row table (row, outcome, placed_by, grid, number, message) for the
first ``spec.row_table_limit`` rows (placed_by coordinates | address | none for rows imported, None for others);
``extra["unknown_words"]``: {category|status|source: {word: rows rejected}} so a page can offer a mapping for
each word (with ``extra["our_categories"]``: [code, name] pairs), the answer going back in ``category_map`` /
``status_map`` / ``source_map``.
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
from geo.domain.actors import Actor
from geo.domain.datums import DATUMS
from geo.domain.permissions import may
from geo.domain.vocabulary import Source, Status
from geo.read import references
from geo.read.layouts import NoActiveLayout, active_layout
from geo.usecases.bulk_intake import NOT_PLACED, import_cases, place_cases
from loaders import case_rows as rows_
from loaders.case_address import AddressIndex
from loaders.case_mapping import CategoryLookup, MappingError, resolve_mapping
from loaders.case_read import CaseTable, UnreadableFile, read_case_table
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
        return report.fail("not_permitted", f"{actor.name} ({actor.role}) may not import cases")
    option_error = _check_spec(spec)
    if option_error:
        return report.fail("bad_option", option_error)
    try:
        table = read_case_table(path, spec.encoding, spec.sheet)
    except UnreadableFile as exc:  # with the analyst's encoding, another choice may read it: not the file's end
        return report.fail("unreadable" if spec.encoding is None else "bad_encoding", str(exc))
    _describe_table(report, table)
    try:
        mapping = resolve_mapping(table.frame.columns, spec.columns)
    except MappingError as exc:
        if report.questions:  # headers read with an uncertain encoding: the encoding is the question
            report.problem("bad_mapping", str(exc), severity="warning")
            return report.settle()
        return report.fail("bad_mapping", str(exc))
    _describe_mapping(report, table, mapping)
    with db.session() as session:
        try:
            layout = active_layout(session)
            outcome, cases, placement = _validate_and_place(session, table, mapping, spec)
        except (NoActiveLayout, MappingError) as exc:
            return report.fail("no_layout" if isinstance(exc, NoActiveLayout) else "bad_mapping", str(exc))
        numbers = pd.Series("", index=cases.index)
        if len(outcome.outcome) and (outcome.outcome == "rejected").all():
            report.problem("all_rejected", "every row was rejected: nothing can be imported (see the row "
                           "problems)")
        report.settle()
        if apply and report.status == "ok" and len(cases):
            numbers = import_cases(db, cases, placement, actor, now, path.name)
        if apply and report.status == "ok":
            report.status = "applied"
        _fill_report(report, session, layout.id, outcome, placement, numbers, spec)
    return report


def _check_spec(spec: CaseImportSpec) -> str | None:
    if spec.datum.strip().lower() not in DATUMS:
        return f"unknown datum {spec.datum!r}; expected one of {', '.join(DATUMS)}"
    if spec.default_source not in set(Source):
        return f"unknown default source {spec.default_source!r}; sources: {', '.join(Source)}"
    for theirs, ours in spec.status_map.items():
        if ours not in set(Status):
            return f"status mapping {theirs!r} → {ours!r}: {ours!r} is not a status ({', '.join(Status)})"
    for theirs, ours in spec.source_map.items():
        if ours not in set(Source):
            return f"source mapping {theirs!r} → {ours!r}: {ours!r} is not a source ({', '.join(Source)})"
    try:
        ZoneInfo(spec.tz)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {spec.tz!r} (e.g. Asia/Shanghai)"
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
        report.encoding = Detection(guess.encoding, guess.evidence, guess.certain)
        if not guess.certain:
            report.ask(Question(key="encoding", text="The text encoding is uncertain: which one shows the Chinese "
                                "text correctly? (pass --encoding NAME)",
                                choices=[(c, c.upper()) for c in guess.samples], samples=guess.samples,
                                default=guess.encoding))


def _describe_mapping(report: ImportReport, table: CaseTable, mapping: dict[str, str]) -> None:
    report.mapping = dict(mapping)
    if not ({"lon", "lat"} <= set(mapping) or "address" in mapping):
        report.problem("no_location_columns", "no coordinate (经度/纬度) or address column: every case goes to "
                       "the manual-placement queue", severity="warning")
    if not len(table.frame):
        report.problem("no_rows", "the file has a header but no rows", severity="warning")


def _validate_and_place(session: Session, table: CaseTable, mapping: dict[str, str], spec: CaseImportSpec):
    """(outcomes, the good rows as case columns, their placement) — all vectorised over the table."""
    frame = table.frame
    out = rows_.Outcomes.for_rows(frame.index)
    lookup = CategoryLookup.build(references.categories(session), spec.category_map)
    refs = rows_.source_refs(frame, mapping, spec.ref_prefix, out)
    rows_.mark_duplicates(refs, references.existing_source_refs(session, refs), out)
    reported, closed = rows_.times(frame, mapping, spec.tz, out)
    status = rows_.statuses(frame, mapping, closed, out, spec.status_map)
    category_id = rows_.categories(frame, mapping, lookup, out)
    source = rows_.sources(frame, mapping, spec.default_source, out, spec.source_map)
    lon, lat = rows_.coordinates(frame, mapping, spec.datum, out)
    good = out.alive.to_numpy()
    address = rows_.text(frame, mapping, "address", 200)
    cases = pd.DataFrame({
        "source_ref": refs, "category_id": category_id, "description": rows_.text(frame, mapping, "description"),
        "source": source, "reporter_name": rows_.text(frame, mapping, "reporter_name", 50),
        "reporter_phone": rows_.text(frame, mapping, "reporter_phone", 30), "address": address,
        "status": status, "reported_at": reported, "closed_at": closed,
        "rejected_at": closed.where(status == "rejected"), "rated_at": pd.Series(pd.NaT, index=frame.index,
                                                                                  dtype=reported.dtype),
    })[good]
    building, reason = _match_addresses(session, address[good], np.isfinite(lon[good]) & np.isfinite(lat[good]))
    placement = place_cases(session, lon[good], lat[good], building)
    placement.index = cases.index
    placement["reason"] = reason
    return out, cases, placement


def _match_addresses(session: Session, address: pd.Series, has_point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Building id by address for rows without coordinates (-1 elsewhere), and why a row was not matched."""
    building = np.full(len(address), -1, dtype=np.int64)
    reason = np.full(len(address), "", dtype=object)
    need = ~has_point
    if need.any():
        index = AddressIndex(references.building_addresses(session))
        match = index.match(address[need].tolist())
        building[need], reason[need] = match.building_id, match.reason
    return building, reason


def _fill_report(report: ImportReport, session: Session, layout_id: int, out: rows_.Outcomes,
                 placement: pd.DataFrame, numbers: pd.Series, spec: CaseImportSpec) -> None:
    """Counts, one problem per rejected / duplicate / unplaced row, and the row table."""
    applied = report.status == "applied"
    placed_by = placement["placed_by"]
    report.counts.update({
        "to_import": len(placement), "imported": len(placement) if applied else 0,
        "duplicates_in_file": int((out.kind == "duplicate_in_file").sum()),
        "already_imported": int((out.kind == "already_imported").sum()),
        "rejected": int((out.outcome == "rejected").sum()),
        "placed_by_coordinates": int((placed_by == "coordinates").sum()),
        "placed_by_address": int((placed_by == "address").sum()),
        "not_placed": int((placed_by == NOT_PLACED).sum()),
    })
    for row, kind, message in out.warnings:
        report.problem(kind, message, severity="info", row=row)
    for row, outcome, kind, message in zip(out.outcome.index, out.outcome, out.kind, out.message):
        if outcome != "ok":
            report.problem(kind, f"row {row}: {message}", row=int(row),
                           severity="warning" if outcome == "rejected" else "info")
    unplaced = placement[placed_by == NOT_PLACED]
    for row, lon, lat, reason in zip(unplaced.index, unplaced["lon"], unplaced["lat"], unplaced["reason"]):
        why = reason or f"coordinates ({lon:.6f}, {lat:.6f}) are outside every grid"
        report.problem("not_placed", f"row {row}: {why}: goes to the manual-placement queue", row=int(row),
                       severity="info", lon=None if reason else float(lon), lat=None if reason else float(lat))
    if out.unknown:
        report.extra["unknown_words"] = out.unknown
    if "category" in out.unknown:  # what the page offers to map them to
        report.extra["our_categories"] = references.category_codes(session)
    report.extra["rows"] = _row_table(session, layout_id, out, placement, numbers, applied,
                                      spec.row_table_limit)
    report.extra["rows_truncated"] = len(out.outcome) > spec.row_table_limit


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
        "message": out.message[head].mask(out.outcome[head] == "ok", placed["reason"].fillna("")),
    })
    table["placed_by"] = table["placed_by"].where(table["outcome"] == ok_word)
    table = table.astype(object).where(table.notna(), None)
    return table.to_dict("records")
