"""Which CRS an uploaded layer is in: from its .prj (ESRI or OGC WKT), checked against the coordinates.

Why so careful: a wrong CRS moves every grid by kilometres, and cases follow grids. Chinese survey data
comes in CGCS2000, Xi'an 1980 or Beijing 1954 Gauss–Krüger (3° or 6° zones), with eastings that may or
may not carry the zone number in front (36 412 345.6 = zone 36, easting 412 345.6). The .prj and the
coordinates often disagree on that prefix; the coordinates win, and the report says so.

Without a .prj nothing is guessed silently: candidates are proposed from the coordinate ranges (and, when a
district is loaded, from where each candidate puts the layer) and the analyst must choose one. Coordinates
that are longitude/latitude are the exception: they are read as lon/lat (``geographic_undeclared``), and
which datum they are in — WGS 84, or GCJ-02/BD-09 from a web map — is the real question, settled by
``loaders.layer_datum``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from geo.domain.crs import STORAGE_CRS
from geo.domain.datums import in_china, to_wgs84
from loaders.import_messages import MessageError, Msg, msg
from loaders.import_report import Detection, Question

#: First EPSG code of each family, by (datum, zone width, prefixed?) → (first code, first zone or CM).
#: 3° zones 25–45 (CM 75–135E), 6° zones 13–23 (CM 75–135E); checked against the EPSG registry.
_FAMILIES: dict[tuple[str, int, bool], int] = {
    ("CGCS2000", 3, True): 4513, ("CGCS2000", 3, False): 4534,
    ("CGCS2000", 6, True): 4491, ("CGCS2000", 6, False): 4502,
    ("Xian 1980", 3, True): 2349, ("Xian 1980", 3, False): 2370,
    ("Xian 1980", 6, True): 2327, ("Xian 1980", 6, False): 2338,
    ("Beijing 1954", 3, True): 2401, ("Beijing 1954", 3, False): 2422,
    ("Beijing 1954", 6, True): 21413, ("Beijing 1954", 6, False): 21453,
}
GEOGRAPHIC = {"CGCS2000": 4490, "WGS 84": 4326, "Beijing 1954": 4214, "Xian 1980": 4610}
DATUM_ORDER = ("CGCS2000", "Xian 1980", "Beijing 1954")  # most likely first: CGCS2000 is the national standard
#: A layer whose centre lands farther than this from the current district is "not where the district is".
DISTRICT_REACH_KM = 50.0


class CrsRefused(MessageError):
    """No CRS can be used (an unknown --crs, coordinates no supported CRS places in China)."""


@dataclass
class CrsOutcome:
    """The CRS to read the layer with (None until the analyst chooses), why, and what to ask or warn."""

    crs: CRS | None
    detection: Detection
    question: Question | None = None
    warnings: list[tuple[str, Msg]] = field(default_factory=list)  # (problem kind, message)
    #: Lon/lat read without a declared CRS: the datum (WGS 84, GCJ-02, BD-09) is not declared either.
    geographic_undeclared: bool = False


def gk_epsg(datum: str, width: int, cm: float, prefixed: bool) -> int | None:
    """EPSG code of a Gauss–Krüger CRS, or None if the central meridian is not one of the family's."""
    step = 3 if width == 3 else 6
    first_cm = 75
    index = (cm - first_cm) / step
    if index < 0 or index > (60 / step) or abs(index - round(index)) > 1e-9:
        return None
    return _FAMILIES[(datum, width, prefixed)] + round(index)


def zone_of_easting(x: float) -> tuple[int, int, float] | None:
    """(zone width, zone number, central meridian) for an easting carrying a zone prefix, e.g. 36 4xx xxx."""
    zone = int(x // 1_000_000)
    if 25 <= zone <= 45:
        return 3, zone, 3.0 * zone
    if 13 <= zone <= 23:
        return 6, zone, 6.0 * zone - 3
    return None


def datum_family(crs: CRS) -> str | None:
    """CGCS2000 / Xian 1980 / Beijing 1954 / WGS 84 from the datum or ellipsoid name (ESRI names differ)."""
    names = f"{crs.datum.name if crs.datum else ''} {crs.ellipsoid.name if crs.ellipsoid else ''}".lower()
    for key, family in (("2000", "CGCS2000"), ("xian", "Xian 1980"), ("xi'an", "Xian 1980"), ("iag 1975", "Xian 1980"),
                        ("beijing", "Beijing 1954"), ("krass", "Beijing 1954"), ("wgs", "WGS 84")):
        if key in names:
            return family
    return None


def crs_label(code: str) -> str:
    """'EPSG:4545 CGCS2000 / 3-degree Gauss-Kruger CM 108E' for a choice list."""
    try:
        return f"{code} {CRS.from_user_input(code).name}"
    except Exception:  # noqa: BLE001 - a label must never fail
        return code


def resolve_crs(declared: CRS | None, bounds: tuple[float, float, float, float], *, override: str | None = None,
                district: tuple[float, float, float, float] | None = None) -> CrsOutcome:
    """The CRS for a layer with these native ``bounds``; ``district`` = current district bbox (lon/lat)."""
    if override:
        try:
            chosen = CRS.from_user_input(override)
        except Exception as exc:  # noqa: BLE001 - pyproj raises its own CRSError family
            raise CrsRefused(msg("crs_bad_option", value=repr(override), error=str(exc))) from None
        return _checked(CrsOutcome(chosen, Detection.of(_code(chosen), msg("crs_analyst", value=override))),
                        bounds, district)
    if declared is None and _lon_lat(bounds):
        lonlat = CRS.from_user_input(STORAGE_CRS)
        return _checked(CrsOutcome(lonlat, Detection.of(STORAGE_CRS, msg("crs_lonlat_no_prj")),
                                   geographic_undeclared=True), bounds, district)
    if declared is None:
        return _ask(bounds, district, msg("crs_no_prj"))
    outcome = _prefix_fix(declared, bounds) or CrsOutcome(
        declared, Detection.of(_code(declared), msg("crs_from_prj", name=declared.name)))
    return _checked(outcome, bounds, district)


def _lon_lat(bounds) -> bool:
    return -180 <= bounds[0] and bounds[2] <= 180 and -90 <= bounds[1] and bounds[3] <= 90


def _code(crs: CRS) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.name


def _prefix_fix(declared: CRS, bounds) -> CrsOutcome | None:
    """When .prj and eastings disagree on the zone prefix, the CRS that matches the coordinates."""
    op, family = declared.coordinate_operation, datum_family(declared)
    if not declared.is_projected or op is None or family not in DATUM_ORDER:
        return None
    params = {p.name.lower(): p.value for p in op.params}
    false_easting, cm = params.get("false easting"), params.get("longitude of natural origin")
    if false_easting is None or cm is None:
        return None
    x = (bounds[0] + bounds[2]) / 2
    zone = zone_of_easting(x)
    if false_easting < 1_000_000 and zone and zone[2] == cm:
        epsg = gk_epsg(family, zone[0], cm, prefixed=True)
        why = msg("crs_prefix_missing", name=declared.name, x=x, zone=zone[1])
    elif false_easting > 1_000_000 and x < 1_000_000:
        width = 3 if zone_of_easting(false_easting) and zone_of_easting(false_easting)[0] == 3 else 6
        epsg = gk_epsg(family, width, cm, prefixed=False)
        why = msg("crs_prefix_extra", name=declared.name, x=x)
    else:
        return None
    if epsg is None:
        return None
    code = f"EPSG:{epsg}"
    return CrsOutcome(CRS.from_epsg(epsg), Detection.of(code, msg("crs_zone_fix", why=why, code=code)),
                      warnings=[("crs_zone_prefix", msg("crs_zone_fix_warning", why=why, code=code))])


def _checked(outcome: CrsOutcome, bounds, district) -> CrsOutcome:
    """Coordinates that land outside China (or far from the district) under the CRS: ask instead."""
    where = _landing(outcome.crs, bounds)
    trouble = _misfit(where, district)
    if trouble is None:
        return outcome
    message = msg("crs_mismatch", x0=bounds[0], y0=bounds[1], x1=bounds[2], y1=bounds[3],
                  code=outcome.detection.value, lon=where[0], lat=where[1], trouble=trouble)
    asked = _ask(bounds, district, message, exclude=outcome.detection.value)
    return replace(asked, warnings=[("crs_mismatch", message), *asked.warnings])


def _landing(crs: CRS, bounds) -> tuple[float, float]:
    """Lon/lat of the layer's bbox centre under ``crs`` (NaN if it cannot be transformed)."""
    try:
        to_lonlat = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True)
        lon, lat = to_lonlat.transform((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    except Exception:  # noqa: BLE001 - impossible coordinates under this CRS
        return math.nan, math.nan
    return float(lon), float(lat)


def _misfit(where: tuple[float, float], district) -> Msg | None:
    lon, lat = where
    if not (np.isfinite(lon) and np.isfinite(lat)) or not bool(in_china(lon, lat)):
        return msg("crs_outside_china")
    if district is not None:
        km = _km_from_box(lon, lat, district)
        if km > DISTRICT_REACH_KM:
            return msg("crs_far", km=km)
    return None


def _km_from_box(lon: float, lat: float, box) -> float:
    dx = max(box[0] - lon, 0, lon - box[2]) * 111.32 * math.cos(math.radians(lat))
    dy = max(box[1] - lat, 0, lat - box[3]) * 110.57
    return math.hypot(dx, dy)


def candidates(bounds, district=None) -> list[str]:
    """CRS codes that could explain these coordinate ranges, most likely first (placed near the district)."""
    x, y = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    if _lon_lat(bounds):
        codes = [f"EPSG:{GEOGRAPHIC[d]}" for d in ("CGCS2000", "WGS 84", "Xian 1980", "Beijing 1954")]
    elif (zone := zone_of_easting(x)) and 0 < y < 10_000_000:
        codes = [f"EPSG:{gk_epsg(d, zone[0], zone[2], True)}" for d in DATUM_ORDER]
    elif 0 < x < 1_000_000 and 0 < y < 10_000_000:
        cms, datums = [75 + 3 * i for i in range(21)], DATUM_ORDER[:1]  # no district: every CGCS2000 CM
        if district is not None:  # a district: the CMs near it, in every datum
            lon = (district[0] + district[2]) / 2
            cms, datums = sorted(cms, key=lambda cm: abs(cm - lon))[:2], DATUM_ORDER
        codes = [f"EPSG:{gk_epsg(d, 3, cm, False)}" for cm in cms for d in datums]
    else:
        return []
    return [c for c in codes if _misfit(_landing(CRS.from_user_input(c), bounds), district) is None]


def _ask(bounds, district, reason: Msg, exclude: str | None = None) -> CrsOutcome:
    codes = [c for c in candidates(bounds, district) if c != exclude]
    if not codes:
        raise CrsRefused(msg("crs_none_fits", reason=reason, x=bounds[0], y=bounds[1]))
    choices = [(c, _choice_label(c, bounds, district)) for c in codes]
    question = Question.of("crs", msg("crs_question", reason=reason), choices, default=codes[0])
    return CrsOutcome(None, Detection.of(None, reason, certain=False), question=question)


def _choice_label(code: str, bounds, district) -> str:
    lon, lat = _landing(CRS.from_user_input(code), bounds)
    label = f"{crs_label(code)} → {lon:.4f}, {lat:.4f}"
    if district is not None:
        label += f" · Δ {_km_from_box(lon, lat, district):,.1f} km"  # numbers and symbols read in any language
    return label


def to_storage(frame: gpd.GeoDataFrame, crs: CRS, datum: str = "wgs84") -> gpd.GeoDataFrame:
    """The frame in WGS84 lon/lat; ``datum`` gcj02/bd09 then shifts the lon/lat to WGS84 (Chinese web maps)."""
    out = frame.set_crs(crs, allow_override=True).to_crs(STORAGE_CRS)
    if datum in ("gcj02", "bd09"):
        def shift(coords: np.ndarray) -> np.ndarray:
            lon, lat = to_wgs84(coords[:, 0], coords[:, 1], datum)
            return np.column_stack([lon, lat])

        out = out.set_geometry(shapely.transform(out.geometry.to_numpy(), shift), crs=STORAGE_CRS)
    return out
