"""Benchmark of accuracy, not speed: each hotspot measure against the hotspots the sample generator planted.

Run: .venv/bin/python bench/hotspot_truth.py [DATABASE_URL]
Without a URL the sample district is loaded into a temporary SQLite file first (≈ 20 s).
Protocol (docs/hotspots.md): the sample's last year of data; for each kind of planted hotspot (market, old
compound, construction site; sample_data/planted_hotspots.csv) Gi* over the categories that kind attracts.
recall = planted centres in a unit hot at 95 % or more / planted centres; precision = hot area (95 %+) within
500 m of any planted centre / hot area; both pooled over the three kinds. all_cases_*: the same on one map of
every case. Prints one line per measure:
  truth measure=M recall=… precision=… all_cases_recall=… all_cases_precision=… hot_km2=…
"""

from __future__ import annotations

import sys
from datetime import UTC, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.hotspot_page import ANALYST, sample_database
from geo.db.models import Case
from geo.domain.hotspot_check import check_view
from geo.domain.hotspot_measures import MEASURES
from geo.read.analysis_filters import default_window, window_for_days
from geo.read.hotspot_service import HotspotQuery, hotspot_view

PLANTED = pd.read_csv(Path(__file__).resolve().parents[1] / "sample_data" / "planted_hotspots.csv")


def truth_line(s, window, measure: str) -> str:
    pooled = None
    for _, spots in PLANTED.groupby("kind"):
        query = HotspotQuery(window, measure=measure, category_codes=tuple(spots["categories"].iloc[0].split(";")))
        check = check_view(hotspot_view(s, query, actor=ANALYST), spots["lon"], spots["lat"],
                           all_lon=PLANTED["lon"], all_lat=PLANTED["lat"])
        pooled = check if pooled is None else pooled + check
    every = check_view(hotspot_view(s, HotspotQuery(window, measure=measure), actor=ANALYST), PLANTED["lon"],
                       PLANTED["lat"])
    return (f"truth measure={measure} recall={pooled.recall:.2f} precision={pooled.precision:.2f} "
            f"all_cases_recall={every.recall:.2f} all_cases_precision={every.precision:.2f} "
            f"hot_km2={pooled.hot_m2 / 1e6:.2f}")


def main() -> None:
    db = sample_database(sys.argv[1] if len(sys.argv) > 1 else None)
    with db.session() as s:
        last = s.scalar(select(func.max(Case.reported_at)))
        now = (last if last.tzinfo else last.replace(tzinfo=UTC)) + timedelta(days=1)
        window = window_for_days(*default_window(s, now))
        for measure in MEASURES:
            print(truth_line(s, window, measure), flush=True)


if __name__ == "__main__":
    main()
