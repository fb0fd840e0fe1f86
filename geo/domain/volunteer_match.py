"""Which volunteers to suggest for a task: near, skilled, available, and not always the same people.

Haibowan's streets "first match the resource people who live close and whose skills fit". A score in 0…1
blends four parts, each in 0…1:

- **distance** ``exp(-d / scale)``: 1 at the door, ≈ 0.37 at ``scale`` metres (800 m: a ten-minute walk),
  measured in the metric CRS (geo.config.metric_crs) between the volunteer's home and the task's place;
- **skill match**: the share of the task's needed skills the volunteer has (1 when the task names none);
- **availability**: 1 when the volunteer's slots meet the task's window (geo.domain.volunteers.task_slots);
- **fairness**: ``1 / (1 + load)``, load = the volunteer's unfinished tasks plus those done in the last
  30 days — so one eager neighbour does not get every task while others are never asked.

Ties go to the nearer volunteer, then the lower id, so the ranking is deterministic. Nothing is hidden: a
volunteer without the skill still appears, lower, and the community decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from pyproj import Transformer

from geo.domain.crs import STORAGE_CRS
from geo.domain.volunteers import available_for, split

#: Columns ``rank_candidates`` needs, besides anything else the caller keeps in the frame.
CANDIDATE_COLUMNS = ("volunteer_id", "lon", "lat", "skills", "availability", "load")


@dataclass(frozen=True)
class MatchWeights:
    distance: float = 0.45
    skill: float = 0.30
    availability: float = 0.15
    fairness: float = 0.10
    distance_scale_m: float = 800.0


@lru_cache(maxsize=8)
def metric_transformer(metric_crs: str) -> Transformer:
    """WGS84 lon/lat → ``metric_crs`` (x, y in metres), built once per CRS."""
    return Transformer.from_crs(STORAGE_CRS, metric_crs, always_xy=True)


def distances_m(lon: np.ndarray, lat: np.ndarray, to_lon: float, to_lat: float, metric_crs: str) -> np.ndarray:
    """Straight-line metres from each (lon, lat) to one point, in ``metric_crs``; NaN where unknown."""
    x, y = metric_transformer(metric_crs).transform(np.asarray(lon, float), np.asarray(lat, float))
    tx, ty = metric_transformer(metric_crs).transform(to_lon, to_lat)
    return np.hypot(np.asarray(x) - tx, np.asarray(y) - ty)


def rank_candidates(candidates: pd.DataFrame, distance_m: np.ndarray, needed: frozenset[str],
                    slots: frozenset[str], weights: MatchWeights = MatchWeights()) -> pd.DataFrame:
    """``candidates`` (CANDIDATE_COLUMNS; skills and availability as stored, ";"-separated) with
    distance_m, skill_match, matched (how many needed skills), available, score — best first. A volunteer
    with no known home gets no distance part (and sorts after the ones at the same score with one)."""
    frame = candidates.reset_index(drop=True).copy()
    frame["distance_m"] = np.asarray(distance_m, dtype=float)
    has = frame["skills"].map(split)
    frame["matched"] = has.map(lambda s: len(s & needed)).astype(int)
    frame["skill_match"] = frame["matched"] / len(needed) if needed else 1.0
    frame["available"] = frame["availability"].map(lambda a: available_for(split(a), slots))
    near = np.exp(-frame["distance_m"].to_numpy() / weights.distance_scale_m)
    frame["score"] = (weights.distance * np.nan_to_num(near, nan=0.0) + weights.skill * frame["skill_match"]
                      + weights.availability * frame["available"].astype(float)
                      + weights.fairness / (1.0 + frame["load"].astype(float)))
    frame["score"] = frame["score"].round(6)  # equal scores tie exactly, whatever the float noise
    return frame.sort_values(["score", "distance_m", "volunteer_id"], ascending=[False, True, True],
                             na_position="last").reset_index(drop=True)
