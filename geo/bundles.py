"""Bundling frequent common problems (flying-wire charging, corridor clutter …): clusters of same-category
cases close in space and time, across grid boundaries, which a supervisor escalates as one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.actors import Actor
from geo.crs import METRIC_CRS, STORAGE_CRS
from geo.models import Bundle, Case, CaseEvent, Category
from geo.vocabulary import OPEN_STATUSES
from geo.workflow import InvalidInput

_TO_METRIC = Transformer.from_crs(STORAGE_CRS, METRIC_CRS, always_xy=True)


@dataclass(frozen=True)
class ClusterRule:
    min_cases: int = 5  # at least N cases …
    radius_m: float = 300.0  # … each within R metres …
    days: float = 14.0  # … and T days of another case of the cluster (single linkage)


def clusters(points: pd.DataFrame, rule: ClusterRule) -> pd.Series:
    """Cluster label per row of ``points`` (columns category_id, lon, lat, reported_at), -1 for none.

    Two cases link when they share a category and lie within radius_m and days of each other; clusters are the
    connected groups with at least min_cases cases."""
    labels = np.full(len(points), -1, dtype=np.int64)
    x, y = _TO_METRIC.transform(points["lon"].to_numpy(float), points["lat"].to_numpy(float))
    reported = pd.to_datetime(points["reported_at"], utc=True)
    days = ((reported - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(days=1)).to_numpy(float)
    # Time scaled so that `days` counts as `radius_m`: a candidate pair is near in space and time at once.
    coords = np.column_stack([x, y, days * rule.radius_m / rule.days])
    category = points["category_id"].to_numpy()
    pairs = cKDTree(coords).query_pairs(rule.radius_m * np.sqrt(2), output_type="ndarray")
    keep = ((category[pairs[:, 0]] == category[pairs[:, 1]])
            & (np.hypot(x[pairs[:, 0]] - x[pairs[:, 1]], y[pairs[:, 0]] - y[pairs[:, 1]]) <= rule.radius_m)
            & (np.abs(days[pairs[:, 0]] - days[pairs[:, 1]]) <= rule.days))
    pairs = pairs[keep]
    n = len(points)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    sizes = np.bincount(component, minlength=n)
    big = sizes[component] >= rule.min_cases
    _, labels[big] = np.unique(component[big], return_inverse=True)
    return pd.Series(labels, index=points.index)


def bundle_candidates(session: Session, now: datetime, rule: ClusterRule = ClusterRule(),
                      lookback: timedelta = timedelta(days=90)) -> pd.DataFrame:
    """Open, unbundled cases reported in the lookback window, with a ``cluster`` label (clusters only)."""
    rows = session.execute(
        select(Case.id, Case.number, Case.category_id, Category.name.label("category"), Case.grid_id, Case.lon,
               Case.lat, Case.reported_at)
        .join(Category, Category.id == Case.category_id)
        .where(Case.status.in_([str(s) for s in OPEN_STATUSES]), Case.bundle_id.is_(None),
               Case.reported_at >= now - lookback, Case.lon.is_not(None))
    ).all()
    frame = pd.DataFrame(rows, columns=["id", "number", "category_id", "category", "grid_id", "lon", "lat",
                                        "reported_at"])
    if frame.empty:
        return frame.assign(cluster=pd.Series(dtype=np.int64))
    frame["cluster"] = clusters(frame, rule)
    return frame[frame["cluster"] >= 0].sort_values(["cluster", "reported_at"]).reset_index(drop=True)


def create_bundle(session: Session, case_ids: list[int], title: str, actor: Actor, now: datetime,
                  escalated_to: str = "") -> Bundle:
    """Bundle open cases of one category and log it on each case; refuses mixed categories or closed cases."""
    cases = session.scalars(select(Case).where(Case.id.in_(case_ids))).all()
    if len(cases) != len(set(case_ids)) or len(cases) < 2:
        raise InvalidInput(f"a bundle needs at least two existing cases; found {len(cases)} of {len(set(case_ids))}")
    categories = {c.category_id for c in cases}
    if len(categories) != 1 or None in categories:
        raise InvalidInput(f"a bundle holds cases of one category; these have {len(categories)}")
    closed = [c.number for c in cases if c.status not in OPEN_STATUSES or c.bundle_id is not None]
    if closed:
        raise InvalidInput(f"cases already closed or bundled: {', '.join(closed[:5])}")
    bundle = Bundle(category_id=categories.pop(), title=title, created_at=now, created_by=actor.name,
                    escalated_to=escalated_to)
    session.add(bundle)
    session.flush()
    for case in cases:
        case.bundle_id = bundle.id  # an ORM change: the version column moves, so open panels see the change
    session.add_all(CaseEvent(case_id=c.id, at=now, actor=actor.name, role=str(actor.role), action="bundle",
                              from_status=c.status, to_status=c.status,
                              note=f"bundle {bundle.id}: {title}" + (f"; escalated to {escalated_to}" if escalated_to else ""))
                    for c in cases)
    session.flush()
    return bundle
