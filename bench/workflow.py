"""Benchmark the escalation sweep and the metrics on the sample district plus 100,000 open whistled cases.

    python bench/workflow.py [--backend sqlite|postgis|both] [--postgis-url URL]

Prints one line per figure: `<what> backend=<name> s=<seconds>` (medians of 3 where repeated)."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.db.database import Database  # noqa: E402
from geo.domain.actors import SYSTEM  # noqa: E402
from geo.db.models import Case, CaseDispatch, Department  # noqa: E402
from geo.db.schema import upgrade  # noqa: E402
from geo.read.metrics import metrics  # noqa: E402
from geo.usecases.sweep import sweep  # noqa: E402
from samples.load import SAMPLE_END, load_sample  # noqa: E402

NOW = datetime(2026, 11, 1, tzinfo=UTC)
OPEN_CASES = 100_000


def _database(backend: str, postgis_url: str) -> Database:
    if backend == "sqlite":
        return Database(f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    admin = create_engine(postgis_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS gridgov_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE gridgov_bench"))
    admin.dispose()
    return Database(postgis_url.rsplit("/", 1)[0] + "/gridgov_bench")


def _add_open_cases(db: Database, n: int) -> None:
    """n whistled, not reported-in cases spread over the last 20 hours, each with one dispatch."""
    rng = np.random.default_rng(1)
    with db.transaction() as s:
        departments = s.scalars(select(Department.id)).all()
        first = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) + 1
        whistled = [NOW - timedelta(minutes=float(m)) for m in rng.uniform(0, 20 * 60, n)]
        s.execute(insert(Case.__table__), [
            {"id": first + i, "number": f"BENCH{i:07d}", "source": "hotline_12345", "status": "whistled",
             "reported_at": w - timedelta(minutes=30), "whistled_at": w, "lon": 106.82, "lat": 39.67, "version": 1,
             "description": "", "reporter_name": "", "reporter_phone": "", "address": "", "reject_reason": "",
             "rework_count": 0, "snapped": False, "near_boundary": False}
            for i, w in enumerate(whistled)])
        s.execute(insert(CaseDispatch.__table__), [
            {"case_id": first + i, "department_id": int(departments[i % len(departments)]), "role": "lead",
             "whistled_at": w} for i, w in enumerate(whistled)])


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(backend: str, postgis_url: str) -> None:
    db = _database(backend, postgis_url)
    upgrade(db)
    load_sample(db, SAMPLE_END)
    for dimension in ("grid", "department"):  # at sample scale: one year, 48,022 cases
        with db.session() as s:
            year = dict(now=NOW, start=NOW - timedelta(days=365), end=NOW)
            times = [_timed(lambda: metrics(s, dimension, **year, actor=SYSTEM)) for _ in range(3)]
        print(f"metrics_{dimension} backend={backend} cases=48022 s={statistics.median(times):.3f}")
    _add_open_cases(db, OPEN_CASES)
    with db.transaction() as s:
        first = _timed(lambda: sweep(s, NOW))
    print(f"sweep_first backend={backend} open_cases={OPEN_CASES} s={first:.3f}")
    times = []
    for minute in range(1, 4):
        with db.transaction() as s:
            times.append(_timed(lambda: sweep(s, NOW + timedelta(minutes=minute))))
    print(f"sweep_steady backend={backend} open_cases={OPEN_CASES} s={statistics.median(times):.3f}")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgis", "both"], default="both")
    parser.add_argument("--postgis-url", default=os.environ.get(
        "GRIDGOV_TEST_POSTGIS_URL", "postgresql+psycopg://gridgov:gridgov@127.0.0.1/gridgov_test"))
    args = parser.parse_args()
    for backend in (["sqlite", "postgis"] if args.backend == "both" else [args.backend]):
        run(backend, args.postgis_url)


if __name__ == "__main__":
    main()
