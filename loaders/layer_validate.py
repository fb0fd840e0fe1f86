"""Checking and repairing an uploaded area layer (grids, buildings, communities, streets) in WGS84.

Every problem gets a WGS84 point so the preview map can show where it is. Severity is chosen by what the
database and the assignment can live with: a repaired bow-tie, a dropped empty feature, small overlaps or
gaps are warnings (assignment has a deterministic edge rule and a snap tolerance); a missing or duplicate
code is an error (codes are how people and cases refer to grids), as is a grid lying wholly outside the
district (almost always a wrong CRS).

Areas are measured in ``geo.config.metric_crs()`` (m²); the default tolerance of 1 m² ignores the centimetre
noise a projection round trip leaves while catching any real overlap or gap.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.config import metric_crs
from geo.domain.crs import STORAGE_CRS
from geo.domain.text import text_problem
from loaders.import_messages import msg
from loaders.import_report import ImportReport

AREA_TOLERANCE_M2 = 1.0
#: 4πA/P² below this: a thin strip (a sliver) rather than a real hole or overlap.
SLIVER_THINNESS = 0.05
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
CODE_LENGTH = {"grids": 64, "buildings": 64, "communities": 32, "streets": 32}
_REASON_POINT = re.compile(r"\[\s*([-0-9.eE+]+)\s+([-0-9.eE+]+)")


def check_text(frame: gpd.GeoDataFrame, report: ImportReport, limits: dict[str, int]) -> None:
    """Free text that cannot be stored as it is (longer than its column, control characters or line breaks:
    geo.domain.text) is an error naming the feature and the field — never cut, never cleaned."""
    for role, limit in limits.items():
        if role not in frame.columns:
            continue
        for code, value, geom in zip(frame["code"], frame[role], frame.geometry):
            problem = text_problem(value, limit)
            if problem is not None:
                report.problem("bad_text", msg(f"text_{problem}", field=msg(f"role_{role}"), code=code,
                                               n=len(value), limit=limit), feature=code, **_lonlat(geom))


def holds_nul(path: Path, chunk: int = 1 << 20) -> bool:
    """True when a GeoJSON file writes a NUL character (``\\u0000``) anywhere: GDAL ends text there, so a
    name holding one would be read cut (and silently so). Read in chunks: bounded memory for any size."""
    needle, tail = b"\\u0000", b""
    with path.open("rb") as f:
        while block := f.read(chunk):
            if needle in tail + block:
                return True
            tail = block[-(len(needle) - 1):]
    return False


def _point(geom: BaseGeometry | None) -> tuple[float | None, float | None]:
    if geom is None or geom.is_empty:
        return None, None
    p = geom.representative_point()
    return round(p.x, 7), round(p.y, 7)


def clean_geometries(frame: gpd.GeoDataFrame, report: ImportReport) -> gpd.GeoDataFrame:
    """Drop empty and non-polygon features (with reasons), repair invalid polygons keeping polygon type,
    and make every geometry a MultiPolygon (what the database stores)."""
    geoms = frame.geometry.to_numpy()
    keep = np.ones(len(frame), dtype=bool)
    for i, (geom, code) in enumerate(zip(geoms, frame["code"])):
        label = msg("feature_label", n=i + 1, code=code)
        if geom is None or geom.is_empty:
            report.problem("empty_geometry", msg("empty_geometry", feature=label), severity="warning",
                           feature=str(code))
            keep[i] = False
        elif geom.geom_type not in ("Polygon", "MultiPolygon"):
            report.problem("not_polygon", msg("not_polygon", feature=label, type=geom.geom_type),
                           severity="warning", feature=str(code), **_lonlat(geom))
            keep[i] = False
        elif not geom.is_valid:
            keep[i] = _repair(geoms, i, label, str(code), report)
    out = frame[keep].copy()
    fixed = [g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in geoms[keep]]
    return out.set_geometry(gpd.GeoSeries(fixed, index=out.index, crs=frame.crs))


def _lonlat(geom) -> dict:
    lon, lat = _point(geom)
    return {"lon": lon, "lat": lat}


def _repair(geoms: np.ndarray, i: int, label, code: str, report: ImportReport) -> bool:
    """Repair in place with make_valid(method="structure") (keeps polygons); False if nothing is left."""
    reason = shapely.is_valid_reason(geoms[i])
    match = _REASON_POINT.search(reason)
    lon, lat = (float(match[1]), float(match[2])) if match else _point(geoms[i])
    repaired = shapely.make_valid(geoms[i], method="structure", keep_collapsed=False)
    polygons = [p for p in getattr(repaired, "geoms", [repaired]) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons or repaired.is_empty:
        report.problem("empty_geometry", msg("empty_after_repair", feature=label, reason=reason),
                       severity="warning", lon=lon, lat=lat, feature=code)
        return False
    geoms[i] = shapely.union_all(polygons)
    report.problem("invalid_geometry", msg("invalid_geometry", feature=label, reason=reason),
                   severity="warning", lon=lon, lat=lat, feature=code)
    return True


def check_codes(frame: gpd.GeoDataFrame, kind: str, report: ImportReport) -> gpd.GeoDataFrame:
    """Malformed codes are errors; pieces sharing a code are dissolved into one feature when their other
    attributes agree (one grid drawn in parts), otherwise the code is a duplicate (an error)."""
    limit = CODE_LENGTH[kind]
    for code, geom in zip(frame["code"], frame.geometry):
        if not code or not CODE_PATTERN.match(code) or len(code) > limit:
            report.problem("malformed_code", msg("malformed_code", code=repr(code), limit=limit), feature=code,
                           **_lonlat(geom))
    attributes = [c for c in frame.columns if c not in ("code", frame.geometry.name)]
    counts = frame["code"].value_counts()
    for code in counts[counts > 1].index:
        pieces = frame[frame["code"] == code]
        same = len(pieces[attributes].drop_duplicates()) == 1 if attributes else True
        if same and not _overlapping(pieces.geometry.to_numpy()):
            continue
        report.problem("duplicate_code", msg("duplicate_code", code=repr(code), n=len(pieces)),
                       feature=code, **_lonlat(pieces.geometry.iloc[1]))
    return _dissolve_pieces(frame, counts, report)


def _overlapping(geoms: np.ndarray) -> bool:
    area = sum(g.area for g in geoms)
    return shapely.union_all(geoms).area < area * (1 - 1e-9)


def _dissolve_pieces(frame: gpd.GeoDataFrame, counts, report: ImportReport) -> gpd.GeoDataFrame:
    repeated = counts[counts > 1]
    if repeated.empty:
        return frame
    for code, n in repeated.items():
        report.problem("dissolved", msg("dissolved", code=repr(code), n=n), severity="info", feature=code)
    merged = frame.dissolve(by="code", sort=False, aggfunc="first").reset_index()
    geoms = [g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in merged.geometry]
    return merged.set_geometry(gpd.GeoSeries(geoms, index=merged.index, crs=frame.crs))[frame.columns]


def check_topology(frame: gpd.GeoDataFrame, report: ImportReport, tolerance_m2: float = AREA_TOLERANCE_M2) -> None:
    """Overlaps, gaps and slivers between grids larger than ``tolerance_m2``, each with its location."""
    metric = frame.to_crs(metric_crs())
    geoms, codes = metric.geometry.to_numpy(), frame["code"].to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    shared = shapely.intersection(geoms[left], geoms[right])
    areas = shapely.area(shared)
    for i, j, piece, area in zip(left, right, shared, areas):
        if area > tolerance_m2:
            kind = "sliver" if _thin(piece) else "overlap"
            report.problem(kind, msg(f"{kind}_between", a=codes[i], b=codes[j], area=area),
                           severity="warning", feature=f"{codes[i]}|{codes[j]}", **_storage_point(piece))
    _gaps(geoms, codes, report, tolerance_m2)


def _gaps(geoms: np.ndarray, codes: np.ndarray, report: ImportReport, tolerance_m2: float) -> None:
    union = shapely.union_all(geoms, grid_size=0.001)
    tree = shapely.STRtree(geoms)
    for polygon in getattr(union, "geoms", [union]):
        for ring in getattr(polygon, "interiors", []):
            hole = shapely.Polygon(ring)
            if hole.area <= tolerance_m2:
                continue
            around = sorted(codes[tree.query(hole, predicate="intersects")])[:4]
            kind = "sliver" if _thin(hole) else "gap"
            report.problem(kind, msg(f"{kind}_gap", area=hole.area, codes=", ".join(around)),
                           severity="warning", feature="|".join(around), **_storage_point(hole))


def _thin(geom) -> bool:
    return 4 * np.pi * geom.area / max(geom.length, 1e-9) ** 2 < SLIVER_THINNESS


def _storage_point(metric_geom) -> dict:
    point = gpd.GeoSeries([metric_geom.representative_point()], crs=metric_crs()).to_crs(STORAGE_CRS).iloc[0]
    return {"lon": round(point.x, 7), "lat": round(point.y, 7)}


def check_district(frame: gpd.GeoDataFrame, district: BaseGeometry | None, report: ImportReport,
                   tolerance_m2: float = AREA_TOLERANCE_M2) -> None:
    """Features wholly outside the district (an error) or partly outside it (a warning); ``district`` is the
    union of the streets, or of the current layout's grids, in WGS84 (None: nothing to compare with)."""
    if district is None or district.is_empty:
        return
    metric = frame.to_crs(metric_crs())
    area = gpd.GeoSeries([district], crs=STORAGE_CRS).to_crs(metric_crs()).iloc[0].buffer(1.0)
    shapely.prepare(area)
    outside = shapely.difference(metric.geometry.to_numpy(), area)
    for code, geom, part, whole in zip(frame["code"], frame.geometry, outside, metric.geometry):
        if not shapely.intersects(area, whole):
            report.problem("outside_district", msg("outside_district", code=code), feature=code,
                           **_lonlat(geom))
        elif part.area > max(tolerance_m2, 0.01 * whole.area):
            report.problem("outside_district", msg("partly_outside_district", code=code, area=part.area),
                           severity="warning", feature=code, **_storage_point(part))
