"""Training the category model on the district's own closed cases and saving it under the data directory
(``gridgov train-classifier``). Retrain after a month of new cases or a change of the category list."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from geo.domain.text_classifier import accuracy, train
from geo.read.suggestions import training_cases


@dataclass(frozen=True)
class TrainingReport:
    cases: int
    categories: int
    held_back: int
    top1: float
    top3: float
    path: Path


def held_back_split(cases: pd.DataFrame, share: float = 0.2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test): the newest ``share`` of the cases held back — the model is judged on cases reported
    after everything it learnt from, as it will be used."""
    cut = int(len(cases) * (1 - share))
    return cases.iloc[:cut], cases.iloc[cut:]


def train_category_model(session: Session, path: Path, held_back: float = 0.2, seed: int = 0) -> TrainingReport:
    """Fit on the older cases, measure top-1/top-3 on the held-back newest ones, then refit on all of them
    and write the model atomically to ``path``."""
    cases = training_cases(session)
    if len(cases) < 50:
        raise ValueError(f"only {len(cases)} closed cases with a category and a description: at least 50 are "
                         "needed to train")
    fit, test = held_back_split(cases, held_back)
    top1, top3 = accuracy(train(fit["description"].tolist(), fit["category_id"].tolist(), seed),
                          test["description"].tolist(), test["category_id"].tolist())
    model = train(cases["description"].tolist(), cases["category_id"].tolist(), seed)
    _save(model, Path(path))
    return TrainingReport(len(cases), int(np.unique(cases["category_id"]).size), len(test), top1, top3, Path(path))


def _save(model, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".model-")
    os.close(fd)
    try:
        joblib.dump(model, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
