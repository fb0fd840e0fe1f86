"""Which datum an uploaded layer's lon/lat are in: WGS 84 (CGCS2000 alike), GCJ-02 or BD-09.

Why: outlines downloaded from Chinese web maps (DataV/AMap GeoJSON, shapefiles converted from them, usually
without a .prj) are in GCJ-02. Read as WGS 84 they sit 300–600 m off the buildings and cases, and every case
near an edge lands in the wrong grid — with no error anywhere. Coordinates alone cannot tell the datums
apart (all are plausible lon/lat in China), so:

1. with a reference (what the database holds for the same kind, else the district outline), each
   hypothesis is tested by how closely it lays the layer's edges on the reference's edges; one that fits
   closely and clearly better than the others is taken, and the report says so with the offset in metres;
2. otherwise a geographic layer whose datum is not declared (no .prj, or attributes that look like a web
   platform's export: adcode, center, centroid …) gets an explicit question, with the layer drawn under
   each choice for the page's preview.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from geo.config import metric_crs
from geo.domain.crs import STORAGE_CRS
from geo.domain.datums import to_wgs84
from loaders.import_messages import Msg, msg
from loaders.import_report import Detection, Question

#: The readings tested, in the order they are offered (WGS 84 first: what a GIS assumes).
HYPOTHESES = ("wgs84", "gcj02", "bd09")
#: Edges are sampled about every 10 m (in degrees) and at most this many points are measured.
SAMPLE_STEP_DEG = 0.0001
MAX_POINTS = 20_000
#: A reading fits when the median distance from the layer's edges to the reference's is at most FIT_M and
#: MARGIN times smaller than under any other reading. Survey re-exports agree to centimetres; generalised
#: web outlines to tens of metres; a wrong datum is off by hundreds.
FIT_M = 60.0
MARGIN = 4.0
#: Farther than this from any reference edge counts as this far (keeps the nearest-edge search bounded).
SEARCH_M = 5_000.0
NAMES = {"wgs84": "WGS 84", "gcj02": "GCJ-02", "bd09": "BD-09", "cgcs2000": "CGCS2000"}
#: Attribute names of DataV / AMap administrative-boundary exports (lower case).
WEB_FIELDS = frozenset({"adcode", "center", "centroid", "childrennum", "parent", "acroutes", "subfeatureindex"})


@dataclass(frozen=True)
class DatumFit:
    """Median edge distance (m) per reading, the reading that fits (None: none decisively) and how far that
    reading lies from the plain WGS 84 one (m)."""

    median_m: dict[str, float]
    datum: str | None
    offset_m: float


def looks_like_web_export(columns: list[str]) -> bool:
    """DataV/AMap-style attributes: an adcode, or two of center/centroid/parent/childrenNum/acroutes …"""
    names = {str(c).lower() for c in columns}
    return "adcode" in names or len(names & WEB_FIELDS) >= 2


def edge_points(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat points along the edges of ``geoms`` (lon/lat), about every 10 m, at most MAX_POINTS."""
    lines = shapely.segmentize(shapely.boundary(geoms[~shapely.is_empty(geoms)]), SAMPLE_STEP_DEG)
    xy = shapely.get_coordinates(lines)
    if len(xy) > MAX_POINTS:
        xy = xy[np.linspace(0, len(xy) - 1, MAX_POINTS).astype(int)]
    return xy[:, 0], xy[:, 1]


def fit(lon: np.ndarray, lat: np.ndarray, reference: np.ndarray) -> DatumFit:
    """Test each reading of the edge points ``lon``/``lat`` against the edges of ``reference`` (WGS 84)."""
    to_metric = Transformer.from_crs(STORAGE_CRS, metric_crs(), always_xy=True)
    edges = shapely.boundary(gpd.GeoSeries(reference, crs=STORAGE_CRS).to_crs(metric_crs()).to_numpy())
    tree = shapely.STRtree(edges[~shapely.is_empty(edges)])
    median = {d: _median_distance(tree, np.column_stack(to_metric.transform(*to_wgs84(lon, lat, d))))
              for d in HYPOTHESES}
    ranked = sorted(HYPOTHESES, key=median.get)
    best, second = ranked[0], ranked[1]
    decisive = median[best] <= FIT_M and (median[best] + 1.0) * MARGIN <= median[second] + 1.0
    return DatumFit({d: round(v, 1) for d, v in median.items()}, best if decisive else None,
                    _offset_m(lon, lat, best))


def _median_distance(tree: shapely.STRtree, xy: np.ndarray) -> float:
    if not len(xy) or not len(tree.geometries):
        return SEARCH_M
    points = shapely.points(xy)
    (found, _), distance = tree.query_nearest(points, max_distance=SEARCH_M, return_distance=True)
    nearest = np.full(len(points), SEARCH_M)
    np.minimum.at(nearest, found, distance)
    return float(np.median(nearest))


def previews(geoms: np.ndarray) -> dict[str, str]:
    """GeoJSON per reading (``datum:<name>``): the layer's outline (lon/lat as read) under each datum."""
    outline = shapely.simplify(shapely.union_all(geoms[~shapely.is_empty(geoms)]), 1e-5)
    out = {}
    for datum in HYPOTHESES:
        def shift(coords: np.ndarray, datum=datum) -> np.ndarray:
            return np.column_stack(to_wgs84(coords[:, 0], coords[:, 1], datum))

        moved = shapely.set_precision(shapely.transform(outline, shift), 1e-7)
        out[f"datum:{datum}"] = gpd.GeoDataFrame({"datum": [datum]}, geometry=[moved], crs=STORAGE_CRS).to_json(
            drop_id=True)
    return out


@dataclass
class Reference:
    """Something the layer should line up with: ``geoms`` in WGS 84; ``outline``: compare the layer's outline
    (the union of its features) with it rather than every feature edge (a district outline)."""

    label: Msg
    geoms: np.ndarray
    outline: bool = False


@dataclass
class DatumOutcome:
    """The datum to read the layer's lon/lat in (None until the analyst answers), why, what to ask or warn,
    and the preview of each reading (for the question)."""

    datum: str | None
    detection: Detection
    question: Question | None = None
    warnings: list[tuple[str, Msg]] = field(default_factory=list)
    previews: dict[str, str] = field(default_factory=dict)


def resolve_datum(geoms: np.ndarray, *, chosen: str | None, undeclared: bool, web: bool,
                  references: list[Reference], declared_as: str = "") -> DatumOutcome:
    """The datum of a geographic layer whose features are ``geoms`` (lon/lat as read); see the module doc."""
    if chosen:
        return DatumOutcome(chosen, Detection.of(chosen, msg("datum_analyst", datum=NAMES[chosen])))
    for reference in references:
        found = _fit_reference(geoms, reference)
        if found is not None:
            return found
    if not (undeclared or web):
        return DatumOutcome("wgs84", Detection.of("wgs84", msg("datum_declared", crs=declared_as)))
    return _ask(geoms, web)


def _fit_reference(geoms: np.ndarray, reference: Reference) -> DatumOutcome | None:
    if not len(reference.geoms):
        return None
    layer = np.array([shapely.union_all(geoms)]) if reference.outline else geoms
    result = fit(*edge_points(layer), reference.geoms)
    if result.datum is None:
        return None
    names = {d: NAMES[d] for d in HYPOTHESES}
    evidence = msg("datum_fit", reference=reference.label, datum=names[result.datum],
                   wgs84=result.median_m["wgs84"], gcj02=result.median_m["gcj02"], bd09=result.median_m["bd09"])
    warnings = [] if result.datum == "wgs84" else [("datum_detected", msg(
        "datum_detected", reference=reference.label, datum=names[result.datum], offset=result.offset_m))]
    return DatumOutcome(result.datum, Detection.of(result.datum, evidence), warnings=warnings)


def _ask(geoms: np.ndarray, web: bool) -> DatumOutcome:
    lon, lat = edge_points(geoms)
    offsets = {d: _offset_m(lon, lat, d) for d in ("gcj02", "bd09")}
    text = msg("datum_question_web" if web else "datum_question_no_prj", gcj02=offsets["gcj02"],
               bd09=offsets["bd09"])
    choices = [(d, NAMES[d]) for d in HYPOTHESES]
    question = Question.of("datum", text, choices, default="gcj02" if web else "wgs84")
    why = msg("datum_web_export" if web else "datum_undeclared")
    return DatumOutcome(None, Detection.of(None, why, certain=False), question=question, previews=previews(geoms))


def _offset_m(lon: np.ndarray, lat: np.ndarray, datum: str) -> float:
    """Median distance (m) between reading the points as WGS 84 and reading them in ``datum``."""
    to_metric = Transformer.from_crs(STORAGE_CRS, metric_crs(), always_xy=True)
    plain = np.column_stack(to_metric.transform(lon, lat))
    moved = np.column_stack(to_metric.transform(*to_wgs84(lon, lat, datum)))
    return round(float(np.median(np.hypot(*(moved - plain).T))), 0) if len(plain) else 0.0
