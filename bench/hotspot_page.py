"""Benchmark: server time of the data behind the analysis pages on the sample district (one year), warm.

Run: .venv/bin/python bench/hotspot_page.py [DATABASE_URL]
Without a URL the sample district is loaded into a temporary SQLite file first (≈ 20 s, not timed).
Prints, each the median of 3 warm runs (layout grids and weights cached, imports done):
  hotspot_page s=…      hotspot_view: counts + Gi* (9999 permutations, FDR) + emerging + ranked table, no detail
  hotspot_page_h3 s=…   the same with the H3 detail layer
  hotspot_page_kde s=…  the same with the kernel-density layer
  gi_star s=…           getis_ord alone over the 435 grids
  grid_load s=…         grid_load for the district (grids + streets + grid members)
  department_load s=…   department_load + department_trend + supervision_notices (what the page calls)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.db.database import Database
from geo.db.schema import upgrade
from geo.domain.actors import Actor
from geo.domain.hotspots import getis_ord, grid_weights
from geo.domain.vocabulary import Role
from geo.read.analysis_filters import default_window, window_for_days
from geo.read.hotspot_service import PERMUTATIONS, HotspotQuery, hotspot_view, layout_key
from geo.read.layouts import active_layout, grids_frame
from geo.read.load_service import department_load, department_trend, grid_load
from geo.read.supervision import supervision_notices

ANALYST = Actor("分析员", Role.ANALYST)

RUNS = 3


def median_seconds(fn) -> float:
    fn()  # warm
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def sample_database(url: str | None) -> Database:
    if url:
        return Database(url)
    from samples.load import SAMPLE_END, load_sample

    db = Database(f"sqlite:///{Path(tempfile.mkdtemp(prefix='gridgov-bench-')) / 'sample.db'}")
    upgrade(db)
    load_sample(db, SAMPLE_END)
    return db


def main() -> None:
    db = sample_database(sys.argv[1] if len(sys.argv) > 1 else None)
    now = datetime(2026, 11, 1, tzinfo=UTC)  # the day after the sample's last case
    with db.session() as s:
        window = window_for_days(*default_window(s, now))
        for detail, name in (("none", "hotspot_page"), ("h3", "hotspot_page_h3"), ("kde", "hotspot_page_kde")):
            seconds = median_seconds(lambda d=detail: hotspot_view(s, HotspotQuery(window, detail=d), actor=ANALYST))
            print(f"{name} s={seconds:.3f}", flush=True)
        layout = active_layout(s)
        grids = grids_frame(s, layout.id)
        weights = grid_weights(grids, layout_key(s, layout))
        counts = hotspot_view(s, HotspotQuery(window, detail="none"), actor=ANALYST).table.sort_values("code")["count"].to_numpy()
        seconds = median_seconds(lambda: getis_ord(counts, weights, permutations=PERMUTATIONS))
        print(f"gi_star N={len(grids)} permutations={PERMUTATIONS} s={seconds:.3f}", flush=True)
        print(f"grid_load s={median_seconds(lambda: grid_load(s, now, window, actor=ANALYST)):.3f}", flush=True)
        seconds = median_seconds(lambda: (department_load(s, now, window, actor=ANALYST), department_trend(s, now, window, actor=ANALYST),
                                          supervision_notices(s, now, window, actor=ANALYST)))
        print(f"department_load s={seconds:.3f}", flush=True)


if __name__ == "__main__":
    main()
