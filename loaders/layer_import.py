"""The one entry point for importing a layer (grids, buildings, communities, streets): page and CLI alike.

``run_layer_import(path, spec, db, apply, actor)`` unpacks, reads (encoding), refuses a layer without areas,
maps fields, places (CRS, then the datum of lon/lat: fitted to a reference or asked — ``layer_datum``),
checks and repairs geometry, compares with what the database holds and — only when ``apply`` is true and
nothing is left to decide — writes everything in one transaction. It never raises: whatever goes wrong
becomes an "unusable" report naming the problem (a message key with parameters, see ``import_messages``),
and the database is unchanged.

The last field mapping per source file name is remembered (``MappingMemory``) so the next delivery from the
same survey office needs no re-mapping.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import data_dir
from geo.db.database import Database
from geo.db.schema import current_revision
from geo.domain.actors import Actor
from geo.domain.crs import STORAGE_CRS
from geo.domain.datums import DATUMS
from geo.domain.permissions import may
from geo.read.layers import current_features, district_outline, moved_cases, parent_lookup
from geo.read.layers import layout_history as read_layout_history
from geo.usecases import layers as publishing
from loaders import layer_diff, layer_validate
from loaders.archive import ArchiveRefused, unpack_upload
from loaders.import_messages import MessageError, msg
from loaders.import_report import ImportReport, Question, failure_message
from loaders.layer_crs import CrsRefused, resolve_crs, to_storage
from loaders.layer_datum import Reference, looks_like_web_export, resolve_datum
from loaders.layer_fields import KINDS, REQUIRED, ROLES, SYNONYMS, not_areas, resolve_fields, text
from loaders.layer_read import LayerUnreadable, read_layer

__all__ = ["KINDS", "REQUIRED", "ROLES", "SYNONYMS", "LayerSpec", "MappingMemory", "layout_history",
           "restore_layout", "run_layer_import"]
Progress = Callable[[float, str], None]
#: What each refusal is called in the report (problem kind); anything else with a message is bad input.
_REFUSALS = ((ArchiveRefused, None), (LayerUnreadable, "unreadable"), (CrsRefused, "bad_input"))


@dataclass
class LayerSpec:
    """What the analyst said about the upload; every field left None is detected (or asked)."""

    kind: str
    encoding: str | None = None
    crs: str | None = None
    datum: str | None = None  # wgs84 | cgcs2000 | gcj02 | bd09; None: detected (reference fit) or asked
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
            return report.fail("not_permitted", msg("not_permitted_layers", name=actor.name, role=actor.role))
        _check_spec(spec)
        if current_revision(db) is None:
            return report.fail("no_schema", msg("no_schema"))
        with tempfile.TemporaryDirectory(prefix="gridgov-upload-") as tmp:
            _run(path, spec, db, apply, actor, report, progress or (lambda f, s: None),
                 memory or MappingMemory(), Path(tmp))
    except MessageError as exc:
        kind = next((k or exc.kind for cls, k in _REFUSALS if isinstance(exc, cls)), "bad_input")
        report.fail(kind, exc.message or str(exc))
    except (ValueError, LookupError) as exc:
        report.fail("bad_input", str(exc))
    except Exception as exc:  # noqa: BLE001 - the contract: a report, never a traceback (nor SQL)
        report.fail("error", failure_message("cannot_use", exc))
    return report.settle()


def _check_spec(spec: LayerSpec) -> None:
    if spec.kind not in KINDS:
        raise MessageError(msg("spec_bad_kind", kind=repr(spec.kind), kinds=", ".join(KINDS)))
    if spec.datum is not None and spec.datum not in DATUMS:
        raise MessageError(msg("spec_bad_datum", datum=repr(spec.datum), datums=", ".join(DATUMS)))
    unknown = set(spec.fields) - set(ROLES[spec.kind])
    if unknown:
        raise MessageError(msg("spec_bad_role", role=min(unknown), kind=spec.kind, roles=", ".join(ROLES[spec.kind])))


def _run(path, spec, db, apply, actor, report, progress, memory, tmp) -> None:
    progress(0.05, "unpack")
    layer_path = _pick_layer(unpack_upload(path, tmp), tmp, spec, report)
    if layer_path is None:
        return
    progress(0.2, "read")
    frame, declared = _read(layer_path, spec, report)
    if wrong := not_areas(frame, spec.kind):
        report.fail("not_areas", wrong)
        return
    mapping = resolve_fields(frame, spec.kind, spec.fields, memory.get(spec.kind, report.source), report)
    progress(0.35, "crs")
    with db.session() as session:
        district = district_outline(session)
        old, layout = current_features(session, spec.kind)
    frame = _place(frame, declared, spec, report, _references(spec.kind, old, district), old)
    if frame is None or mapping is None:
        return
    progress(0.5, "validate")
    frame = _validate(_canonical(frame, mapping, spec.kind), spec, report, district)
    progress(0.7, "diff")
    with db.session() as session:
        _diff(session, frame, spec.kind, report, old, layout)
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
        raise LayerUnreadable(msg("layer_none_in_upload"))
    if spec.member:
        if spec.member not in names:
            raise MessageError(msg("member_missing", member=repr(spec.member), names=", ".join(names)))
        return found[names.index(spec.member)]
    if len(found) == 1:
        return found[0]
    report.ask(Question.of("member", msg("question_member", n=len(found)), [(n, n) for n in names]))
    return None


def _read(layer_path: Path, spec: LayerSpec, report: ImportReport):
    if layer_path.suffix.lower() in (".geojson", ".json") and layer_validate.holds_nul(layer_path):
        raise LayerUnreadable(msg("layer_nul", file=layer_path.name))
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


def _references(kind: str, old: gpd.GeoDataFrame, district) -> list[Reference]:
    """What the layer should line up with: the same kind in the database (every edge), else the district
    outline (for the layers that tile the district: grids, communities, streets)."""
    found = [Reference(msg(f"reference_{kind}"), old.geometry.to_numpy())] if len(old) else []
    if district is not None and kind != "buildings":
        found.append(Reference(msg("reference_district"), np.array([district]), outline=True))
    return found


def _place(frame, declared, spec: LayerSpec, report: ImportReport, references: list[Reference],
           old: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    """Resolve the CRS and the datum (asking if needed) and bring the layer to WGS84; None while asked."""
    present = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if present.empty:
        raise LayerUnreadable(msg("layer_all_empty"))
    bounds = tuple(float(v) for v in present.total_bounds)
    district = next((r.geoms[0] for r in references if r.outline), None)
    outcome = resolve_crs(declared, bounds, override=spec.crs,
                          district=district.bounds if district is not None else None)
    report.crs = outcome.detection
    for kind, message in outcome.warnings:
        report.problem(kind, message, severity="warning")
    if outcome.question:
        report.ask(outcome.question)
        return None
    datum = _datum(present, outcome, spec, report, references, old)
    return None if datum is None else to_storage(frame, outcome.crs, datum)


def _datum(present, outcome, spec: LayerSpec, report: ImportReport, references, old) -> str | None:
    """WGS 84 for projected layers (survey offices); for lon/lat, the reference fit or the analyst's answer."""
    if not outcome.crs.is_geographic:
        return spec.datum or "wgs84"
    geoms = present.set_crs(outcome.crs, allow_override=True).to_crs(STORAGE_CRS).geometry.to_numpy()
    found = resolve_datum(geoms, chosen=spec.datum, undeclared=outcome.geographic_undeclared,
                          web=looks_like_web_export(list(present.columns)), references=references,
                          declared_as=outcome.detection.value or "")
    report.datum = found.detection
    for kind, message in found.warnings:
        report.problem(kind, message, severity="warning")
    if found.question:
        report.ask(found.question)
        report.geojson = found.previews | {"current": old[["code", "geometry"]].to_json(drop_id=True, na="drop")}
        return None
    return found.datum


def _canonical(frame: gpd.GeoDataFrame, mapping: dict[str, str], kind: str) -> gpd.GeoDataFrame:
    """Role-named text columns (codes as read: 150302001 not 150302001.0) plus the geometry."""
    data = {role: [text(v) for v in frame[mapping[role]]] if role in mapping else [""] * len(frame)
            for role in ROLES[kind]}
    if kind == "buildings":
        data["households"] = [int(float(v)) if v not in ("", None) else 0 for v in data["households"]]
    return gpd.GeoDataFrame(pd.DataFrame(data, index=frame.index), geometry=frame.geometry.to_numpy(),
                            crs=frame.crs).reset_index(drop=True)


def _validate(frame, spec: LayerSpec, report: ImportReport, district) -> gpd.GeoDataFrame:
    frame = layer_validate.clean_geometries(frame, report)
    frame = layer_validate.check_codes(frame, spec.kind, report)
    layer_validate.check_text(frame, report, publishing.text_limits(spec.kind))
    if spec.kind == "grids":
        layer_validate.check_topology(frame, report, spec.tolerance_m2)
    if spec.kind != "streets":
        layer_validate.check_district(frame, district, report, spec.tolerance_m2)
    report.counts["accepted"] = len(frame)
    report.counts["dropped"] = report.counts["features"] - len(frame)
    return frame


def _diff(session, frame: gpd.GeoDataFrame, kind: str, report: ImportReport, old, layout) -> None:
    _check_parents(session, frame, kind, report)
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
            report.problem(f"unknown_{parent}", msg(f"unknown_parent_{severity}", code=code, value=repr(value),
                                                    parent=msg(f"role_{parent}")), severity=severity, feature=code)


def _apply(db: Database, frame, kind: str, report: ImportReport, actor: Actor) -> None:
    report.extra["applied"] = publishing.publish_layer(db, kind, frame, report.source, actor)
    report.status = "applied"


def restore_layout(db: Database, layout_id: int, actor: Actor) -> ImportReport:
    """Publish an earlier grid layout version again (cases re-placed, history kept), in one transaction."""
    report = ImportReport(source=f"layout {layout_id}", kind="restore")
    if not may(actor.role, "upload"):
        return report.fail("not_permitted", msg("not_permitted_restore", name=actor.name, role=actor.role))
    try:
        report.extra["applied"] = publishing.restore_layout(db, layout_id, actor)
        report.status = "applied"
    except Exception as exc:  # noqa: BLE001 - a report, never a traceback (nor SQL)
        report.fail("error", failure_message("restore_failed", exc, id=layout_id))
    return report


def layout_history(db: Database) -> list[dict]:
    """Every grid layout version, newest first (for the page's history table)."""
    with db.session() as session:
        return read_layout_history(session)
