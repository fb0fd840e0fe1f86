"""Suggesting a category from a report's text: character n-grams and a linear classifier, trained on the
district's own closed cases.

Why characters: Chinese reports have no spaces to split words on, and the words that decide a category
("井盖", "暖气", "油烟") are mostly two characters long, so 1–2-character n-grams (TF-IDF, sublinear) catch
them without a segmenter. Logistic regression gives calibrated-enough probabilities to rank the top three and
to say when the model is unsure: below the district's threshold a person decides, and the case is never
routed on a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline


@dataclass(frozen=True)
class Suggestion:
    category_id: int
    confidence: float


def train(texts: list[str], labels: list[int], seed: int = 0) -> Pipeline:
    """A fitted pipeline text → category id. Needs at least two categories."""
    if len(set(labels)) < 2:
        raise ValueError(f"training needs closed cases of at least two categories, got {len(set(labels))}")
    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_features=200_000),
        LogisticRegression(C=1.0, max_iter=1000, random_state=seed),
    )
    return model.fit(list(texts), list(labels))


def top_k(model: Pipeline, texts: list[str], k: int = 3) -> list[list[Suggestion]]:
    """The ``k`` likeliest categories per text with their probabilities, likeliest first."""
    if not texts:
        return []
    probabilities = model.predict_proba(list(texts))
    classes = model.classes_
    order = np.argsort(-probabilities, axis=1)[:, :k]
    return [[Suggestion(int(classes[j]), float(p[j])) for j in row] for p, row in zip(probabilities, order)]


def accuracy(model: Pipeline, texts: list[str], labels: list[int], k: int = 3) -> tuple[float, float]:
    """(top-1, top-k) accuracy on held-back cases."""
    ranked = top_k(model, texts, k)
    truth = np.asarray(labels)
    first = np.array([r[0].category_id for r in ranked]) == truth
    any_k = np.array([t in {s.category_id for s in r} for r, t in zip(ranked, truth)])
    return float(first.mean()), float(any_k.mean())


def confident(suggestions: list[Suggestion], threshold: float) -> Suggestion | None:
    """The top suggestion if the model is at least ``threshold`` sure of it, else None: a person decides."""
    return suggestions[0] if suggestions and suggestions[0].confidence >= threshold else None
