"""Importing a community's volunteer roster (热心人名册) from a spreadsheet, and registering one volunteer from
the page: the one entry behind both. ``run_volunteer_import(path, db, apply, actor)`` reads the file (CSV in
UTF-8/GBK, or Excel) with the case import's reader, recognises the columns by their Chinese or English
headers, checks every row and places each volunteer (home position → its grid; a grid code only → a point
inside that grid), and returns an ImportReport with one outcome per row. With ``apply=True`` the good rows
are written in ONE transaction (geo.usecases.volunteers.import_volunteers) — only when the report has no
error and no open question — so a refused import changes nothing. A phone registered already is skipped
(re-importing a roster adds nobody twice).

Report counts: rows, to_import, imported, rejected, already_registered, placed_by_home, placed_by_grid,
blank_rows; problems grouped by kind and value (rejected rows: warnings); ``extra["rows"]``: row, outcome,
name (masked), community, grid_code, placed_by, message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from geo.db.database import Database
from geo.db.schema import current_revision
from geo.domain.actors import Actor
from geo.domain.datums import DATUMS, to_wgs84
from geo.domain.permissions import may
from geo.domain.personal_data import mask_name, mask_phone
from geo.domain.volunteers import Availability, Skill, VolunteerInputError, normalise_phone, parse_codes
from geo.read.volunteers import communities_in_scope, known_phones, managed_communities, place_homes
from geo.usecases.volunteers import ROW_COLUMNS, import_volunteers
from loaders.case_read import UnreadableFile, read_case_table
from loaders.case_report import add_row_messages
from loaders.import_messages import Msg, msg
from loaders.import_report import Detection, ImportReport, Question, unusable

#: Column role → headers recognised (compared without spaces, case-insensitively).
HEADERS = {
    "name": ("姓名", "名字", "name"), "phone": ("手机", "手机号", "电话", "联系电话", "phone", "mobile"),
    "community": ("社区", "所属社区", "社区编码", "community"), "skills": ("技能", "特长", "服务技能", "skills"),
    "availability": ("服务时间", "可服务时间", "时间", "availability"),
    "lon": ("经度", "lon", "lng", "longitude"), "lat": ("纬度", "lat", "latitude"),
    "grid": ("网格", "网格编码", "所在网格", "grid"), "note": ("备注", "note"),
}
REQUIRED = ("name", "phone")


@dataclass(frozen=True)
class VolunteerImportSpec:
    datum: str = "wgs84"  # of the file's coordinates: wgs84 | gcj02 (mini-programs) | bd09 (Baidu)
    encoding: str | None = None  # None: detected
    community: str | None = None  # code for rows without a community column (a community's own: theirs)


def run_volunteer_import(path: str | Path, spec: VolunteerImportSpec, db: Database, apply: bool, actor: Actor,
                         now: datetime | None = None) -> ImportReport:
    """Preview (apply=False) or apply a roster; never raises for bad input."""
    report = ImportReport(source=str(path), kind="volunteers")
    try:
        return _run(Path(path), spec, db, apply, actor, now or datetime.now(UTC), report)
    except Exception as exc:  # noqa: BLE001 — the contract: a report, never a traceback, whatever the file
        return unusable(str(path), "volunteers", exc)


def register_one(fields: dict[str, str], db: Database, actor: Actor, now: datetime | None = None) -> ImportReport:
    """The page's "add a volunteer" form, through the same checks as a roster row (and written the same way)."""
    report = ImportReport(source="form", kind="volunteers")
    frame = pd.DataFrame([{role: str(fields.get(role) or "") for role in HEADERS}], index=[1])
    try:
        return _check_and_apply(frame, VolunteerImportSpec(), db, True, actor, now or datetime.now(UTC), report)
    except Exception as exc:  # noqa: BLE001
        return unusable("form", "volunteers", exc)


def _run(path: Path, spec: VolunteerImportSpec, db: Database, apply: bool, actor: Actor, now: datetime,
         report: ImportReport) -> ImportReport:
    try:
        table = read_case_table(path, spec.encoding)
    except UnreadableFile as exc:
        return report.fail("unreadable", exc.message or str(exc))
    report.counts.update(rows=len(table.frame), blank_rows=table.blank_rows)
    if table.encoding is not None:
        guess = table.encoding
        report.encoding = Detection.of(guess.encoding, guess.evidence, guess.certain)
        if not guess.certain:
            report.ask(Question.of("encoding", msg("question_csv_encoding"), [(c, c.upper()) for c in guess.samples],
                                   samples=guess.samples, default=guess.encoding))
            return report.settle()
    mapping = {role: column for role in HEADERS for column in table.frame.columns
               if column.replace(" ", "").lower() in HEADERS[role]}
    missing = [role for role in REQUIRED if role not in mapping]
    if missing:
        return report.fail("bad_mapping", msg("volunteer_columns", missing=", ".join(
            HEADERS[r][0] for r in missing), columns=", ".join(table.frame.columns)))
    report.mapping = mapping
    frame = pd.DataFrame({role: table.frame[column] for role, column in mapping.items()}, index=table.frame.index)
    return _check_and_apply(frame, spec, db, apply, actor, now, report)


def _check_and_apply(frame: pd.DataFrame, spec: VolunteerImportSpec, db: Database, apply: bool, actor: Actor,
                     now: datetime, report: ImportReport) -> ImportReport:
    if not may(actor.role, "manage_volunteers"):
        return report.fail("not_permitted", msg("not_permitted_volunteers", name=actor.name, role=actor.role))
    if spec.datum not in DATUMS:
        return report.fail("bad_option", msg("option_datum", datum=repr(spec.datum), datums=", ".join(DATUMS)))
    if current_revision(db) is None:
        return report.fail("no_schema", msg("no_schema"))
    frame = frame.reindex(columns=list(HEADERS), fill_value="").fillna("")
    with db.session() as session:
        communities = _community_lookup(session, actor)
        rows, problems = _rows(frame, spec, communities, actor)
        phones = [p for p in rows["phone"] if p]
        taken = known_phones(session, phones)
        lon, lat = _wgs84(rows, spec.datum)
        placed = place_homes(session, lon, lat, rows["grid_code"].tolist())
    good = _settle_rows(rows, placed, taken, problems, actor)
    report.counts.update(to_import=int(good.sum()), rejected=len(problems), imported=0,
                         already_registered=int(rows["phone"].isin(taken).sum()),
                         placed_by_home=int((placed["placed_by"][good.to_numpy()] == "home").sum()),
                         placed_by_grid=int((placed["placed_by"][good.to_numpy()] == "grid").sum()))
    add_row_messages(report, [(row, kind, message) for row, (kind, message) in problems.items()], "warning")
    add_row_messages(report, [(row, "already_registered", msg("volunteer_already", name=rows.at[row, "masked"],
                                                                   phone=mask_phone(rows.at[row, "phone"])))
                              for row in rows.index[rows["phone"].isin(taken)]], "info")
    if len(rows) and not good.any() and not report.questions:
        report.problem("all_rejected", msg("volunteer_none"))
    report.settle()
    if apply and report.status == "ok":
        import_volunteers(db, _entries(rows[good], placed[good.to_numpy()]), actor, now, report.source)
        report.counts["imported"] = int(good.sum())
        report.status = "applied"
    report.extra["rows"] = _row_table(rows, placed, good, problems, taken, communities)
    return report


def _community_lookup(session, actor: Actor) -> dict[str, int]:
    """Code and name → id of the communities the actor registers volunteers in."""
    managed = managed_communities(session, actor)
    named = communities_in_scope(session, actor)
    names = {n: i for n, i in zip(named["name"], named["id"]) if i in managed.values()}
    return {**managed, **names}


def _rows(frame: pd.DataFrame, spec: VolunteerImportSpec, communities: dict[str, int],
          actor: Actor) -> tuple[pd.DataFrame, dict[int, tuple[str, Msg]]]:
    """Each row's values as stored, and the first problem of each bad row."""
    problems: dict[int, tuple[str, Msg]] = {}
    own = next((i for i in communities.values() if i == actor.community_id), None)
    records = []
    for row, values in frame.iterrows():
        record = {"name": values["name"].strip(), "phone": "", "masked": mask_name(values["name"].strip()),
                  "community_id": None, "skills": "", "availability": "", "grid_code": values["grid"].strip(),
                  "lon": values["lon"].strip(), "lat": values["lat"].strip(), "note": values["note"].strip()}
        try:
            record.update(_values(values, spec, communities, own))
        except _RowProblem as problem:
            problems[int(row)] = (problem.kind, problem.message)
        records.append(record)
    return pd.DataFrame(records, index=frame.index), problems


class _RowProblem(Exception):
    def __init__(self, kind: str, message: Msg):
        super().__init__(message.text)
        self.kind, self.message = kind, message


def _values(values: pd.Series, spec: VolunteerImportSpec, communities: dict[str, int], own: int | None) -> dict:
    name = values["name"].strip()
    if not name or len(name) > 50:
        raise _RowProblem("no_name", msg("volunteer_no_name"))
    try:
        phone = normalise_phone(values["phone"])
    except VolunteerInputError:
        raise _RowProblem("bad_phone", msg("volunteer_bad_phone", value=values["phone"][:30])) from None
    community = values["community"].strip() or spec.community or ""
    community_id = communities.get(community) if community else own
    if community_id is None:
        raise _RowProblem("unknown_community", msg("volunteer_community", value=community or "—"))
    out = {"phone": phone, "community_id": community_id}
    for role, vocabulary in (("skills", Skill), ("availability", Availability)):
        try:
            out[role] = ";".join(parse_codes(values[role], vocabulary, role))
        except VolunteerInputError as exc:
            raise _RowProblem(f"bad_{role}", msg(f"volunteer_bad_{role}", detail=str(exc)[:200])) from None
    out["availability"] = out["availability"] or str(Availability.ANYTIME)
    return out


def _wgs84(rows: pd.DataFrame, datum: str) -> tuple[np.ndarray, np.ndarray]:
    lon = pd.to_numeric(rows["lon"], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(rows["lat"], errors="coerce").to_numpy(float)
    if datum != "wgs84" and np.isfinite(lon).any():
        lon, lat = to_wgs84(lon, lat, datum)
    return lon, lat


def _settle_rows(rows: pd.DataFrame, placed: pd.DataFrame, taken: set[str], problems: dict, actor: Actor) -> pd.Series:
    """Rows to register: no problem so far, a place found, a phone new and not twice in the file."""
    twice = rows["phone"].duplicated(keep="first") & rows["phone"].ne("")
    for position, row in enumerate(rows.index):
        if int(row) in problems:
            continue
        if twice.iloc[position]:
            problems[int(row)] = ("phone_twice", msg("volunteer_phone_twice", name=rows.at[row, "masked"],
                                                                 phone=mask_phone(rows.at[row, "phone"])))
        elif (rows.at[row, "lon"] or rows.at[row, "lat"]) and not (placed["placed_by"].iloc[position] == "home"
                                                                   and placed["grid_code"].iloc[position]):
            problems[int(row)] = ("bad_position", msg("volunteer_bad_position", lon=rows.at[row, "lon"],
                                                      lat=rows.at[row, "lat"]))
        elif placed["placed_by"].iloc[position] == "":
            problems[int(row)] = ("no_place", msg("volunteer_no_place", grid=rows.at[row, "grid_code"] or "—"))
    bad = rows.index.isin(list(problems)) | rows["phone"].isin(taken)
    return pd.Series(~bad, index=rows.index)


def _entries(rows: pd.DataFrame, placed: pd.DataFrame) -> pd.DataFrame:
    out = rows.assign(lon=placed["lon"].to_numpy(), lat=placed["lat"].to_numpy(),
                      grid_code=placed["grid_code"].to_numpy(), placed_by=placed["placed_by"].to_numpy())
    return out[list(ROW_COLUMNS)]


def _row_table(rows, placed, good, problems, taken, communities) -> list[dict]:
    names = {i: c for c, i in communities.items()}
    outcome = np.where(good, "import", np.where(rows["phone"].isin(taken), "already_registered", "rejected"))
    return [{"row": int(r), "outcome": o, "name": rows.at[r, "masked"], "community": names.get(rows.at[r, "community_id"], ""),
             "grid_code": placed["grid_code"].iloc[i], "placed_by": placed["placed_by"].iloc[i],
             "msg": problems[int(r)][1].key if int(r) in problems else "",
             "params": problems[int(r)][1].params if int(r) in problems else {}}
            for i, (r, o) in enumerate(zip(rows.index, outcome))]
