"""The one report every import returns (layers and cases alike).

Why one shape: the upload pages and the ``gridgov import …`` command line show the same
facts — what was detected and on what evidence, what is wrong and where, what would change,
and which questions the analyst must answer before anything is written. A report is plain
data (JSON-serialisable), never an exception: bad input is described, not raised.

Status and exit code (``exit_code``):
- ``ok``             → 0: the input can be applied as is (dry run / preview).
- ``applied``        → 0: it was applied (committed).
- ``needs_decision`` → 2: a question must be answered (e.g. no CRS, uncertain encoding).
- ``unusable``       → 1: the input cannot be used (broken file, zip bomb, …).

Status is derived from problems and questions by ``settle()`` so that callers cannot
forget a rule: any ``error`` problem makes the report unusable; otherwise any open
question makes it need a decision.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from geo.db.errors import describe_failure
from loaders.import_messages import Msg, msg

Status = Literal["ok", "needs_decision", "unusable", "applied"]
Severity = Literal["error", "warning", "info"]

EXIT_CODES: dict[str, int] = {"ok": 0, "applied": 0, "needs_decision": 2, "unusable": 1}


@dataclass(frozen=True)
class Location:
    """Where a problem is: a point (WGS84 lon/lat) for a map, and/or a row or feature id."""

    lon: float | None = None
    lat: float | None = None
    row: int | None = None
    feature: str | None = None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input.

    ``kind`` is a stable machine key (``invalid_geometry``, ``overlap``, ``bad_time``, …);
    ``message`` is the plain English sentence, naming the bad value and what would be accepted;
    ``msg`` + ``params`` are the same message as a catalogue key, for the page to translate.
    """

    kind: str
    message: str
    location: Location | None = None
    severity: Severity = "error"
    msg: str = ""  # message key (loaders.import_messages), translated on the page as import_<msg>
    params: dict[str, Any] = field(default_factory=dict)
    count: int = 1  # rows or features this line stands for (grouped row problems)
    rows: tuple[int, ...] = ()  # the first rows it stands for

    @property
    def row(self) -> int | None:
        """Row number (cases) if the problem belongs to a row."""
        return self.location.row if self.location else None


@dataclass(frozen=True)
class Question:
    """A decision the analyst must make; ``choices`` are (value, label) pairs.

    ``key`` names the option it sets (``encoding``, ``crs``, ``column:time`` …) so the
    answer can be passed back in the spec of the next run. ``samples`` shows evidence per
    choice (e.g. decoded attribute values per candidate encoding).
    """

    key: str
    text: str
    choices: list[tuple[str, str]] = field(default_factory=list)
    samples: dict[str, list[str]] = field(default_factory=dict)
    default: str | None = None
    msg: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, key: str, message: Msg, choices: list[tuple[str, str]] | None = None, **more) -> Question:
        """A question whose text is a catalogue message (English ``text``, ``msg`` + ``params`` for the page)."""
        return cls(key, message.text, choices or [], msg=message.key, params=message.params, **more)


@dataclass(frozen=True)
class Detection:
    """A detected setting (encoding, CRS…) and the evidence it rests on."""

    value: str | None
    evidence: str
    certain: bool = True
    msg: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, value: str | None, evidence: Msg, certain: bool = True) -> Detection:
        """A detection whose evidence is a catalogue message."""
        return cls(value, evidence.text, certain, evidence.key, evidence.params)


@dataclass
class ImportReport:
    """Everything an import found, proposes or did; see module docstring for status rules."""

    source: str
    kind: str
    encoding: Detection | None = None
    crs: Detection | None = None
    datum: Detection | None = None
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    diff: dict[str, Any] = field(default_factory=dict)
    questions: list[Question] = field(default_factory=list)
    status: Status = "ok"
    mapping: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    #: Map layers for a preview (name → GeoJSON string). Left out of to_json(): the CLI report stays small.
    geojson: dict[str, str] = field(default_factory=dict, repr=False, metadata={"json": False})

    # -- building -------------------------------------------------------------------
    def problem(
        self,
        kind: str,
        message: str | Msg,
        *,
        severity: Severity = "error",
        location: Location | None = None,
        lon: float | None = None,
        lat: float | None = None,
        row: int | None = None,
        feature: str | None = None,
        count: int = 1,
        rows: tuple[int, ...] = (),
    ) -> Problem:
        """Record a problem (convenience: pass lon/lat/row/feature instead of a Location)."""
        if location is None and any(v is not None for v in (lon, lat, row, feature)):
            location = Location(lon=lon, lat=lat, row=row, feature=feature)
        key, params = (message.key, message.params) if isinstance(message, Msg) else ("", {})
        item = Problem(kind=kind, message=str(message), location=location, severity=severity, msg=key,
                       params=params, count=count, rows=tuple(rows))
        self.problems.append(item)
        return item

    def ask(self, question: Question) -> None:
        """Add a question unless one with the same key is already open."""
        if all(q.key != question.key for q in self.questions):
            self.questions.append(question)

    def fail(self, kind: str, message: str | Msg) -> ImportReport:
        """Mark the input unusable with one error problem; returns self for ``return report.fail(...)``."""
        self.problem(kind, message, severity="error")
        self.status = "unusable"
        return self

    def settle(self) -> ImportReport:
        """Derive status from problems and questions (keeps ``applied`` once applied)."""
        if self.status == "applied":
            return self
        if any(p.severity == "error" for p in self.problems):
            self.status = "unusable"
        elif self.questions:
            self.status = "needs_decision"
        else:
            self.status = "ok"
        return self

    # -- reading --------------------------------------------------------------------
    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def exit_code(self) -> int:
        """0 ok/applied, 2 decision needed, 1 unusable."""
        return EXIT_CODES[self.status]

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (tuples become lists) for JSON and for tests."""
        return json.loads(self.to_json())

    def to_json(self, indent: int | None = None) -> str:
        """One JSON document; non-JSON values (numpy numbers, datetimes) become strings."""
        data = {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self) if f.metadata.get("json", True)}
        return json.dumps(data, ensure_ascii=False, indent=indent, default=_jsonable)


def _plain(value: Any) -> Any:
    """Dataclasses (Problem, Question, …) inside a field become dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    """Fallback for json.dumps: numpy scalars → Python numbers, anything else → str."""
    if hasattr(value, "item"):
        try:
            return value.item()
        except (TypeError, ValueError):
            pass
    return str(value)


def exit_code(status: str) -> int:
    """The exit-code rule for a status string (used by CLIs)."""
    return EXIT_CODES[status]


def failure_message(what: str, error: BaseException, **params) -> Msg:
    """The message for an unexpected error: ``what`` ("cannot_use", "restore_failed") naming what failed, the
    error's kind and a server-log reference — never the database's own text (geo.db.errors)."""
    failure = describe_failure(error)
    return msg(f"{what}_database" if failure.database else f"{what}_logged", error=failure.error,
               detail=failure.detail or "—", reference=failure.reference, **params)


def unusable(source: str, kind: str, error: BaseException) -> ImportReport:
    """Turn any unexpected error at an entry point into an 'unusable' report naming it — never with SQL text or
    parameters (a database error's text holds the rows being written: reporters' names and phones)."""
    report = ImportReport(source=source, kind=kind)
    return report.fail("error", failure_message("cannot_use", error))
