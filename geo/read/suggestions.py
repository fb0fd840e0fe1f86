"""Category and department suggestions from a report's text, from the model ``gridgov train-classifier``
trained on the district's closed cases (geo.domain.text_classifier). Without a model, no suggestion: the
reporter or the center picks the category."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import joblib
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.config import model_path
from geo.db.models import Case, Category, Department
from geo.domain.text_classifier import top_k
from geo.domain.vocabulary import DONE_STATUSES
from geo.read.routing import route_for

_MODELS: dict[tuple[str, float], object] = {}


@dataclass(frozen=True)
class CategorySuggestion:
    category_id: int
    code: str
    name: str
    department: str  # who the category routes to (geo.read.routing)
    confidence: float


def training_cases(session: Session) -> pd.DataFrame:
    """Closed (and rated) cases with a category and a description: id, reported_at, description,
    category_id — what the model learns from."""
    rows = session.execute(
        select(Case.id, Case.reported_at, Case.description, Case.category_id)
        .where(Case.status.in_([str(s) for s in DONE_STATUSES]), Case.category_id.is_not(None),
               Case.description != "")
        .order_by(Case.reported_at, Case.id)).all()
    return pd.DataFrame(rows, columns=["id", "reported_at", "description", "category_id"])


def load_model(path: Path | None = None):
    """The trained model (cached until the file changes), or None when none has been trained.

    The file is written only by ``gridgov train-classifier`` into the data directory; like the database, it
    must not be writable by anyone else (loading a model file runs its code)."""
    path = Path(path or model_path())
    try:
        stamp = path.stat().st_mtime
    except FileNotFoundError:
        return None
    key = (str(path), stamp)
    if key not in _MODELS:
        _MODELS.clear()
        _MODELS[key] = joblib.load(path)
    return _MODELS[key]


def suggest_categories(session: Session, text: str, model, k: int = 3) -> list[CategorySuggestion]:
    """The ``k`` likeliest categories for ``text`` with confidence and routed department (empty without a
    model — ``load_model()`` — or without text)."""
    if model is None or not (text or "").strip():
        return []
    ranked = top_k(model, [text], k)[0]
    categories = {c.id: c for c in session.scalars(select(Category).where(
        Category.id.in_([s.category_id for s in ranked])))}
    names = dict(session.execute(select(Department.id, Department.name)).all())
    out = []
    for s in ranked:
        category = categories.get(s.category_id)
        if category is None:  # the model knows a category deleted since: skip it
            continue
        route = route_for(session, category, None)  # before placing: the territory is not known yet
        out.append(CategorySuggestion(category.id, category.code, category.name,
                                      names.get(route.lead_department_id, "") if route else "", s.confidence))
    return out
