"""Benchmark the category suggestion (char n-grams + logistic regression) on the sample district's closed
cases, and the duplicate check at intake.

    python bench/suggest.py [DATABASE_URL]      (default: the sample loaded into a temporary SQLite file)

Prints: `suggest split=<how> train=<n> test=<n> top1=<x> top3=<x> fit_s=<s> predict_ms=<ms per text>` for
  - time: the newest 20 % of closed cases held back (as ``gridgov train-classifier`` measures it);
  - phrasing: every case of one in five distinct phrasings held back (texts the model has never seen worded
    that way: the sample's texts come from templates, so the time split over-states real accuracy);
and `duplicates cases=<n> median_ms=<ms>` for the likely-duplicate query of one new report."""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.db.database import Database  # noqa: E402
from geo.db.models import Case  # noqa: E402
from geo.db.schema import upgrade  # noqa: E402
from geo.domain.text_classifier import accuracy, top_k, train  # noqa: E402
from geo.read.duplicates import likely_duplicates  # noqa: E402
from geo.read.suggestions import training_cases  # noqa: E402
from geo.usecases.classifier import held_back_split  # noqa: E402
from samples.load import load_sample  # noqa: E402

_SUFFIX = re.compile(r"(，(请尽快处理|已持续多日|望相关部门处理|多次反映未解决))$|^视频巡查发现：")


def _database(url: str | None) -> Database:
    if url:
        return Database(url)
    db = Database(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    upgrade(db)
    load_sample(db)
    return db


def _report(split: str, fit, test) -> None:
    start = time.perf_counter()
    model = train(fit["description"].tolist(), fit["category_id"].tolist())
    fit_s = time.perf_counter() - start
    texts = test["description"].tolist()
    start = time.perf_counter()
    top1, top3 = accuracy(model, texts, test["category_id"].tolist())
    per_text_ms = (time.perf_counter() - start) / max(len(texts), 1) * 1000
    print(f"suggest split={split} train={len(fit)} test={len(test)} top1={top1:.3f} top3={top3:.3f} "
          f"fit_s={fit_s:.1f} predict_ms={per_text_ms:.3f}")
    start = time.perf_counter()
    top_k(model, texts[:1])
    print(f"suggest_one split={split} ms={(time.perf_counter() - start) * 1000:.1f}")


def main() -> None:
    db = _database(sys.argv[1] if len(sys.argv) > 1 else None)
    with db.session() as session:
        cases = training_cases(session)
        fit, test = held_back_split(cases)
        _report("time", fit, test)
        phrasing = cases["description"].str.replace(_SUFFIX, "", regex=True)
        distinct = np.array(sorted(phrasing.unique()))
        held = set(distinct[np.random.default_rng(0).random(len(distinct)) < 0.2])
        mask = phrasing.isin(held).to_numpy()
        _report("phrasing", cases[~mask], cases[mask])
        newest = cases.iloc[-1]
        row = session.get(Case, int(newest["id"]))
        times = []
        for _ in range(5):
            start = time.perf_counter()
            likely_duplicates(session, row.lon, row.lat, int(newest["category_id"]), newest["description"],
                              newest["reported_at"] + timedelta(minutes=5))
            times.append(time.perf_counter() - start)
        print(f"duplicates cases={len(cases)} median_ms={statistics.median(times) * 1000:.1f}")


if __name__ == "__main__":
    main()
