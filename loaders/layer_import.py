"""The one entry point for importing a layer (grids, buildings, communities, streets): page and CLI alike.

``run_layer_import(path, spec, db, apply, actor)`` unpacks, reads (encoding), places (CRS, datum), maps
fields, checks and repairs geometry, compares with what the database holds and — only when ``apply`` is
true and nothing is left to decide — writes everything in one transaction. It never raises: whatever goes
wrong becomes an "unusable" report naming the problem, and the database is unchanged.

The last field mapping per source file name is remembered (``MappingMemory``) so the next delivery from the
same survey office needs no re-mapping.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.config import data_dir
from geo.db.database import Database
from geo.db.errors import describe_failure
from geo.domain.actors import Actor
from geo.domain.permissions import may
from geo.read.layers import current_features, district_outline, moved_cases, parent_lookup
from geo.read.layers import layout_history as read_layout_history
from geo.usecases import layers as publishing
from loaders import layer_diff, layer_validate
from loaders.archive import ArchiveRefused, unpack_upload
from loaders.import_report import ImportReport, Question
from loaders.layer_crs import resolve_crs, to_storage
from loaders.layer_read import LayerUnreadable, read_layer

KINDS = ("grids", "buildings", "communities", "streets")
DATUMS = ("wgs84", "cgcs2000", "gcj02", "bd09")
ROLES = {
    "grids": ("code", "name", "community", "member_name", "member_phone"),
    "buildings": ("code", "address", "grid", "households"),
    "communities": ("code", "name", "street"),
    "streets": ("code", "name"),
}
REQUIRED = {"grids": ("code",), "buildings": ("code",), "communities": ("code", "name", "street"),
            "streets": ("code", "name")}
#: Column names survey offices and our own exports use for each role (lower-case for matching).
SYNONYMS = {
    "code": ("code", "网格编码", "网格编号", "编码", "编号", "wgbm", "bm", "grid_code"),
    "name": ("name", "网格名称", "名称", "社区名称", "街道名称", "wgmc", "mc"),
    "community": ("community", "community_code", "所属社区", "社区编码", "社区"),
    "member_name": ("member_name", "网格员", "网格员姓名", "姓名"),
    "member_phone": ("member_phone", "联系电话", "电话", "手机", "手机号"),
    "address": ("address", "地址", "门牌地址", "楼栋地址"),
    "grid": ("grid", "grid_code", "所属网格"),
    "households": ("households", "户数", "住户数"),
    "street": ("street", "street_code", "所属街道", "街道编码", "街道"),
}
Progress = Callable[[float, str], None]


@dataclass
class LayerSpec:
    """What the analyst said about the upload; every field left None is detected (or asked)."""

    kind: str
    encoding: str | None = None
    crs: str | None = None
    datum: str = "wgs84"
    fields: dict[str, str] = field(default_factory=dict)  # role → column
    member: str | None = None  # which layer file inside a zip holding several
    tolerance_m2: float = layer_validate.AREA_TOLERANCE_M2


class MappingMemory:
    """The last field mapping per (kind, source file name), in a JSON file beside the database."""

    def __init__(self, path: Path | None = None):
        self.path = path or data_dir() / "import_mappings.json"

    def _all(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def get(self, kind: str, source: str) -> dict[str, str]:
        return self._all().get(f"{kind}:{source}", {})

    def put(self, kind: str, source: str, mapping: dict[str, str]) -> None:
        stored = self._all() | {f"{kind}:{source}": mapping}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(stored, ensure_ascii=False, indent=1), encoding="utf-8")


def run_layer_import(source_path: str | Path, spec: LayerSpec, db: Database, apply: bool, actor: Actor,
                     progress: Progress | None = None, memory: MappingMemory | None = None) -> ImportReport:
    """Preview (``apply=False``) or apply an uploaded layer; see the module docstring. Never raises."""
    path = Path(source_path)
    report = ImportReport(source=path.name, kind=spec.kind)
    try:
        if not may(actor.role, "upload"):
            raise PermissionError(f"{actor.name} ({actor.role}) may not import layers")
        _check_spec(spec)
        with tempfile.TemporaryDirectory(prefix="gridgov-upload-") as tmp:
            _run(path, spec, db, apply, actor, report, progress or (lambda f, s: None),
                 memory or MappingMemory(), Path(tmp))
    except ArchiveRefused as exc:
        report.fail(exc.kind, str(exc))
    except LayerUnreadable as exc:
        report.fail("unreadable", str(exc))
    except (ValueError, LookupError) as exc:
        report.fail("bad_input", str(exc))
    except PermissionError as exc:
        report.fail("not_permitted", str(exc))
    except Exception as exc:  # noqa: BLE001 - the contract: a report, never a traceback (nor SQL)
        report.fail("error", "Cannot use the input: " + describe_failure(exc))
    return report.settle()


def _check_spec(spec: LayerSpec) -> None:
    if spec.kind not in KINDS:
        raise ValueError(f"kind {spec.kind!r} is not one of {', '.join(KINDS)}")
    if spec.datum not in DATUMS:
        raise ValueError(f"datum {spec.datum!r} is not one of {', '.join(DATUMS)}")
    unknown = set(spec.fields) - set(ROLES[spec.kind])
    if unknown:
        raise ValueError(f"--field {min(unknown)}=…: {spec.kind} have the roles {', '.join(ROLES[spec.kind])}")


def _run(path, spec, db, apply, actor, report, progress, memory, tmp) -> None:
    progress(0.05, "unpack")
    layer_path = _pick_layer(unpack_upload(path, tmp), tmp, spec, report)
    if layer_path is None:
        return
    progress(0.2, "read")
    frame, declared = _read(layer_path, spec, report)
    mapping = _mapping(frame, spec, report, memory.get(spec.kind, report.source))
    progress(0.35, "crs")
    with db.session() as session:
        district = district_outline(session)
    frame = _place(frame, declared, spec, report, district)
    if frame is None or mapping is None:
        return
    progress(0.5, "validate")
    frame = _validate(_canonical(frame, mapping, spec.kind), spec, report, district)
    progress(0.7, "diff")
    with db.session() as session:
        _diff(session, frame, spec.kind, report)
    report.settle()
    if report.status == "ok":
        memory.put(spec.kind, report.source, mapping)
    if apply and report.status == "ok":
        progress(0.85, "apply")
        _apply(db, frame, spec.kind, report, actor)
    progress(1.0, "done")


def _pick_layer(found: list[Path], root: Path, spec: LayerSpec, report: ImportReport) -> Path | None:
    names = [p.relative_to(root).as_posix() if p.is_relative_to(root) else p.name for p in found]
    if not found:
        raise LayerUnreadable("The upload holds no layer file (.shp, .geojson, .json or .gpkg).")
    if spec.member:
        if spec.member not in names:
            raise ValueError(f"the zip holds no {spec.member!r}; it holds {', '.join(names)}")
        return found[names.index(spec.member)]
    if len(found) == 1:
        return found[0]
    report.ask(Question("member", f"The zip holds {len(found)} layers; choose one.", [(n, n) for n in names]))
    return None


def _read(layer_path: Path, spec: LayerSpec, report: ImportReport):
    data = read_layer(layer_path, spec.encoding)
    report.encoding = data.encoding
    if data.question:
        report.ask(data.question)
    for kind, message in data.warnings:
        report.problem(kind, message, severity="warning")
    report.counts["features"] = len(data.frame)
    report.extra["columns"] = [c for c in data.frame.columns if c != data.frame.geometry.name]
    report.extra["declared_crs"] = data.declared_crs.name if data.declared_crs is not None else None
    return data.frame, data.declared_crs


def _mapping(frame, spec: LayerSpec, report: ImportReport, remembered: dict[str, str]) -> dict[str, str] | None:
    """role → column: the spec's, else the remembered one, else guessed from column names; ask if missing."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for role, column in spec.fields.items():
        if column not in columns:
            raise ValueError(f"--field {role}={column}: the layer has no column {column!r}; its columns are "
                             f"{', '.join(columns)}")
    mapping = {}
    for role in ROLES[spec.kind]:
        column = spec.fields.get(role) or remembered.get(role) or _guess(role, columns)
        if column in columns:
            mapping[role] = column
    report.mapping = mapping
    missing = [r for r in REQUIRED[spec.kind] if r not in mapping]
    for role in missing:
        report.ask(Question(f"field:{role}", f"Which column holds the {role}?", [(c, c) for c in columns]))
    return None if missing else mapping


def _guess(role: str, columns: list[str]) -> str | None:
    lowered = {c.lower(): c for c in columns}
    return next((lowered[s] for s in SYNONYMS[role] if s in lowered), None)


def _place(frame, declared, spec: LayerSpec, report: ImportReport, district) -> gpd.GeoDataFrame | None:
    """Resolve the CRS (asking if needed) and bring the layer to WGS84; None while a question is open."""
    present = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if present.empty:
        raise LayerUnreadable("Every feature of the layer has an empty geometry; there is nothing to import.")
    bounds = tuple(float(v) for v in present.total_bounds)
    outcome = resolve_crs(declared, bounds, override=spec.crs,
                          district=district.bounds if district is not None else None)
    report.crs = outcome.detection
    for kind, message in outcome.warnings:
        report.problem(kind, message, severity="warning")
    if outcome.question:
        report.ask(outcome.question)
        return None
    return to_storage(frame, outcome.crs, spec.datum)


def _canonical(frame: gpd.GeoDataFrame, mapping: dict[str, str], kind: str) -> gpd.GeoDataFrame:
    """Role-named text columns (codes as read: 150302001 not 150302001.0) plus the geometry."""
    data = {role: [_text(v) for v in frame[mapping[role]]] if role in mapping else [""] * len(frame)
            for role in ROLES[kind]}
    if kind == "buildings":
        data["households"] = [int(float(v)) if v not in ("", None) else 0 for v in data["households"]]
    return gpd.GeoDataFrame(pd.DataFrame(data, index=frame.index), geometry=frame.geometry.to_numpy(),
                            crs=frame.crs).reset_index(drop=True)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _validate(frame, spec: LayerSpec, report: ImportReport, district) -> gpd.GeoDataFrame:
    frame = layer_validate.clean_geometries(frame, report)
    frame = layer_validate.check_codes(frame, spec.kind, report)
    if spec.kind == "grids":
        layer_validate.check_topology(frame, report, spec.tolerance_m2)
    if spec.kind != "streets":
        layer_validate.check_district(frame, district, report, spec.tolerance_m2)
    report.counts["accepted"] = len(frame)
    report.counts["dropped"] = report.counts["features"] - len(frame)
    return frame


def _diff(session, frame: gpd.GeoDataFrame, kind: str, report: ImportReport) -> None:
    _check_parents(session, frame, kind, report)
    old, layout = current_features(session, kind)
    frame = frame.drop_duplicates("code")  # duplicates are already reported as errors
    diff = layer_diff.compare(old, frame, kind)
    diff["against_layout"] = layout or None
    if kind == "grids" and (diff["added"] or diff["removed"] or any(c["geometry"] for c in diff["changed"])):
        moved = moved_cases(session, frame)
    else:
        moved = pd.DataFrame(columns=["number", "old_grid", "new_grid"])
    diff["cases_moving"] = len(moved)
    diff["moved_cases"] = moved.head(layer_diff.MOVED_LISTED).fillna("").to_dict("records")
    report.diff = diff
    report.counts |= {k: len(diff[k]) for k in ("added", "removed", "changed")} | {"unchanged": diff["unchanged"]}
    report.geojson = layer_diff.preview_layers(old, frame, diff)


def _check_parents(session, frame, kind: str, report: ImportReport) -> None:
    """Grids name a community, communities a street: unknown ones are a warning (grid) or an error."""
    parent = {"grids": "community", "communities": "street"}.get(kind)
    known = parent_lookup(session, kind)
    if known is None:
        return
    for code, value in zip(frame["code"], frame[parent]):
        if value and value not in known or (kind == "communities" and not value):
            severity = "error" if kind == "communities" else "warning"
            report.problem(f"unknown_{parent}", f"{code}: {parent} {value!r} is not a known {parent} code or name"
                           + ("; stored without one." if severity == "warning" else "."), severity=severity,
                           feature=code)


def _apply(db: Database, frame, kind: str, report: ImportReport, actor: Actor) -> None:
    report.extra["applied"] = publishing.publish_layer(db, kind, frame, report.source, actor)
    report.status = "applied"


def restore_layout(db: Database, layout_id: int, actor: Actor) -> ImportReport:
    """Publish an earlier grid layout version again (cases re-placed, history kept), in one transaction."""
    report = ImportReport(source=f"layout {layout_id}", kind="restore")
    if not may(actor.role, "upload"):
        return report.fail("not_permitted", f"{actor.name} ({actor.role}) may not restore layouts")
    try:
        report.extra["applied"] = publishing.restore_layout(db, layout_id, actor)
        report.status = "applied"
    except Exception as exc:  # noqa: BLE001 - a report, never a traceback (nor SQL)
        report.fail("error", f"Cannot restore layout {layout_id}: " + describe_failure(exc))
    return report


def layout_history(db: Database) -> list[dict]:
    """Every grid layout version, newest first (for the page's history table)."""
    with db.session() as session:
        return read_layout_history(session)
