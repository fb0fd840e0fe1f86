"""Bundle candidates: open, unbundled cases that cluster by category, space and time (geo.domain.clustering)."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.config import metric_crs
from geo.db import rules
from geo.db.models import Case, Category
from geo.domain.clustering import ClusterRule, clusters


def bundle_candidates(session: Session, now: datetime, rule: ClusterRule = ClusterRule(),
                      lookback: timedelta = timedelta(days=90)) -> pd.DataFrame:
    """Open, unbundled cases reported in the lookback window, with a ``cluster`` label (clusters only)."""
    rows = session.execute(
        select(Case.id, Case.number, Case.category_id, Category.name.label("category"), Case.grid_id, Case.lon,
               Case.lat, Case.reported_at)
        .join(Category, Category.id == Case.category_id)
        .where(rules.is_open(), Case.bundle_id.is_(None),
               Case.reported_at >= now - lookback, Case.lon.is_not(None))
    ).all()
    frame = pd.DataFrame(rows, columns=["id", "number", "category_id", "category", "grid_id", "lon", "lat",
                                        "reported_at"])
    if frame.empty:
        return frame.assign(cluster=pd.Series(dtype=np.int64))
    frame["cluster"] = clusters(frame, rule, metric_crs())
    return frame[frame["cluster"] >= 0].sort_values(["cluster", "reported_at"]).reset_index(drop=True)
