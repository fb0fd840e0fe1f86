"""Likely duplicates of a report among the open cases (the rule is geo.domain.duplicates): shown to the
reporter before or after submitting, and to the supervisor in the case panel, who may merge."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.db.models import Case, Category
from geo.domain.duplicates import (
    DuplicatePolicy,
    degree_box,
    duplicate_scores,
    metres_between,
    text_similarity,
)
from geo.domain.personal_data import mask_contacts_in_text
from geo.domain.vocabulary import OPEN_STATUSES

COLUMNS = ["id", "number", "category", "status", "reported_at", "distance_m", "similarity", "score",
           "description"]


def likely_duplicates(session: Session, lon: float, lat: float, category_id: int | None, description: str,
                      at: datetime, policy: DuplicatePolicy = DuplicatePolicy(), exclude_case_id: int | None = None,
                      limit: int = 5) -> pd.DataFrame:
    """Open cases of the same or a related category (same class) near ``(lon, lat)`` (WGS84) around time
    ``at``, scored; those at or above the policy's ``min_score``, best first (descriptions masked)."""
    category = session.get(Category, category_id) if category_id is not None else None
    rule = policy.rule(category.code if category else None)
    west, south, east, north = degree_box(lon, lat, rule.radius_m)
    window = timedelta(hours=rule.hours)
    query = (select(Case.id, Case.number, Category.name, Case.status, Case.reported_at, Case.lon, Case.lat,
                    Case.category_id, Case.description)
             .outerjoin(Category, Category.id == Case.category_id)
             .where(Case.status.in_([str(s) for s in OPEN_STATUSES]), Case.lon.between(west, east),
                    Case.lat.between(south, north), Case.reported_at.between(at - window, at + window)))
    if category is not None:
        related = select(Category.id).where(Category.class_code == category.class_code)
        query = query.where(Case.category_id.in_(related))
    if exclude_case_id is not None:
        query = query.where(Case.id != exclude_case_id)
    rows = pd.DataFrame(session.execute(query.limit(500)).all(),
                        columns=["id", "number", "category", "status", "reported_at", "lon", "lat",
                                 "category_id", "description"])
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    return _scored(rows, lon, lat, category_id, description, at, rule, policy.min_score).head(limit)


def _scored(rows: pd.DataFrame, lon, lat, category_id, description, at, rule, min_score) -> pd.DataFrame:
    reported = pd.to_datetime(rows["reported_at"], utc=True)
    age_h = ((pd.Timestamp(at) - reported).dt.total_seconds() / 3600).to_numpy()
    distance = metres_between(lon, lat, rows["lon"].to_numpy(float), rows["lat"].to_numpy(float))
    similarity = np.array([text_similarity(description, d) for d in rows["description"]])
    same = (rows["category_id"] == category_id).to_numpy() if category_id is not None else np.zeros(len(rows))
    scored = rows.assign(distance_m=distance.round(1), similarity=similarity.round(3),
                         score=duplicate_scores(distance, age_h, similarity, same, rule).round(3),
                         description=rows["description"].map(mask_contacts_in_text))
    scored = scored[scored["score"] >= min_score]
    return scored.sort_values(["score", "reported_at"], ascending=[False, False])[COLUMNS].reset_index(drop=True)


def duplicates_of_case(session: Session, case_id: int, policy: DuplicatePolicy = DuplicatePolicy()) -> pd.DataFrame:
    """Likely duplicates of an existing case (for the supervisor's panel); empty for a case without a
    position or one no longer open."""
    case = session.get(Case, case_id)
    if case is None or case.lon is None or case.status not in OPEN_STATUSES:
        return pd.DataFrame(columns=COLUMNS)
    return likely_duplicates(session, case.lon, case.lat, case.category_id, case.description, case.reported_at,
                             policy, exclude_case_id=case.id)
