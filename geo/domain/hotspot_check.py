"""How well a hot/cold map finds hotspots we know are there (the sample generator's planted centres).

- recall: the share of known centres that lie in a unit classed hot at 95 % or more;
- precision: the share of the hot area (95 % or more) that lies within ``radius_m`` of a known centre.

Both are measured in a metric CRS (``metric_crs``, default EPSG:4545). Results of several runs (e.g. one per kind of hotspot, each on the
categories that kind attracts) add up with ``+`` into one pooled recall and precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from geo.domain.crs import DEFAULT_METRIC_CRS, STORAGE_CRS

HOT_95 = ("hot_95", "hot_99")
RADIUS_M = 500.0


@dataclass(frozen=True)
class TruthCheck:
    """Counts behind recall and precision, so that checks can be pooled."""

    found: int
    centres: int
    hot_m2: float
    near_m2: float

    @property
    def recall(self) -> float:
        return self.found / self.centres if self.centres else float("nan")

    @property
    def precision(self) -> float:
        return self.near_m2 / self.hot_m2 if self.hot_m2 else float("nan")

    def __add__(self, other: TruthCheck) -> TruthCheck:
        return TruthCheck(self.found + other.found, self.centres + other.centres, self.hot_m2 + other.hot_m2,
                          self.near_m2 + other.near_m2)


def check_against_truth(units: gpd.GeoSeries, classes: Sequence[str], lon: Sequence[float],
                        lat: Sequence[float], radius_m: float = RADIUS_M,
                        all_lon: Sequence[float] | None = None,
                        all_lat: Sequence[float] | None = None,
                        metric_crs: str = DEFAULT_METRIC_CRS) -> TruthCheck:
    """Recall of the centres (``lon``, ``lat``) and precision of the hot area of ``units`` (polygons in
    WGS84, one class each). "Near" counts any of ``all_lon``/``all_lat`` (default: the same centres), so a
    run on market complaints is not blamed for a hot cell that sits on an old compound."""
    if len(units) != len(classes):
        raise ValueError(f"{len(units)} units but {len(classes)} classes: one class per unit expected")
    if radius_m <= 0:
        raise ValueError(f"radius_m must be positive, got {radius_m}")
    hot = np.isin(np.asarray(classes, dtype=object), HOT_95)
    metric = gpd.GeoSeries(units, crs=units.crs or STORAGE_CRS).to_crs(metric_crs).values[hot]
    area = shapely.union_all(metric) if hot.any() else shapely.Polygon()
    centres = _metric_points(lon, lat, metric_crs)
    near = shapely.union_all(shapely.buffer(_metric_points(all_lon if all_lon is not None else lon,
                                                           all_lat if all_lat is not None else lat, metric_crs),
                                            radius_m))
    found = int(shapely.covers(area, centres).sum()) if hot.any() else 0
    return TruthCheck(found, len(centres), float(area.area), float(shapely.intersection(area, near).area))


def _metric_points(lon: Sequence[float], lat: Sequence[float], metric_crs: str) -> np.ndarray:
    points = gpd.GeoSeries(gpd.points_from_xy(np.asarray(lon, float), np.asarray(lat, float)), crs=STORAGE_CRS)
    return points.to_crs(metric_crs).values


def check_view(view, lon: Sequence[float], lat: Sequence[float], radius_m: float = RADIUS_M,
               all_lon: Sequence[float] | None = None, all_lat: Sequence[float] | None = None) -> TruthCheck:
    """``check_against_truth`` on a ``geo.read.hotspot_service.HotspotView``: its units with their Gi* classes."""
    classes = view.table.set_index("unit_id").loc[view.units["unit_id"], "hotspot_class"].to_numpy()
    return check_against_truth(view.units.geometry, classes, lon, lat, radius_m, all_lon, all_lat)
