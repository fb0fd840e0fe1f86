"""Benchmark: server time of the data behind the analysis pages on the sample district (one year), warm.

Run: .venv/bin/python bench/hotspot_page.py [DATABASE_URL]
Without a URL the sample district is loaded into a temporary SQLite file first (≈ 20 s, not timed).
The window is the sample's last year of data, found from the data (the sample may be placed in any year).
Prints, each the median of 3 warm runs (units and weights cached per layout version, imports done); cpu_s is
this process's CPU time (see median_seconds_cpu):
  hotspot_page measure=M s=…   hotspot_view for measure M: counts + Gi* (9999 permutations, FDR) + emerging +
                               space-time (12 weekly Gi*) + ranked table, no detail layer; M = h3 (recommended,
                               the page's default), per_households, per_km2, counts
  hotspot_page_h3 s=…          measure counts with the H3 detail layer
  hotspot_page_kde s=…         measure h3 with the kernel-density layer
  gi_star measure=M N=… s=…    getis_ord alone over the measure's units (H3 cells; grids)
  grid_load s=…                grid_load for the district (grids + streets + grid members)
  department_load s=…          department_load + department_trend + notice_counts (what the page calls)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, timedelta
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.db.database import Database
from geo.db.models import Case
from geo.db.schema import upgrade
from geo.domain.actors import Actor
from geo.domain.hotspot_measures import MEASURES, RECOMMENDED, gi_values
from geo.domain.hotspots import getis_ord
from geo.domain.vocabulary import Role
from geo.read.analysis_filters import default_window, window_for_days
from geo.read.hotspot_service import PERMUTATIONS, HotspotQuery, hotspot_view, layout_key
from geo.read.hotspot_units import cell_units, grid_units
from geo.read.layouts import active_layout
from geo.read.load_service import department_load, department_trend, grid_load
from geo.read.supervision import notice_counts

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


def median_seconds_cpu(fn) -> tuple[float, float]:
    """(wall, CPU) medians: this process's CPU time hardly grows when other jobs load the machine, and with
    SQLite (in-process, one thread) it is what the wall time is on a quiet machine."""
    fn()  # warm
    wall, cpu = [], []
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def sample_database(url: str | None) -> Database:
    if url:
        return Database(url)
    from samples.load import SAMPLE_END, load_sample

    db = Database(f"sqlite:///{Path(tempfile.mkdtemp(prefix='gridgov-bench-')) / 'sample.db'}")
    upgrade(db)
    load_sample(db, SAMPLE_END)
    return db


def bench_hotspots(s, window) -> None:
    for measure in (RECOMMENDED, *(m for m in MEASURES if m != RECOMMENDED)):
        wall, cpu = median_seconds_cpu(lambda m=measure: hotspot_view(s, HotspotQuery(window, measure=m),
                                                                      actor=ANALYST))
        print(f"hotspot_page measure={measure} s={wall:.3f} cpu_s={cpu:.3f}", flush=True)
    for measure, detail in (("counts", "h3"), (RECOMMENDED, "kde")):
        query = HotspotQuery(window, measure=measure, detail=detail)
        print(f"hotspot_page_{detail} s={median_seconds(lambda q=query: hotspot_view(s, q, actor=ANALYST)):.3f}",
              flush=True)
    layout = active_layout(s)
    key = layout_key(s, layout)
    for measure, units in (("h3", cell_units(s, layout.id, key)), ("counts", grid_units(s, layout.id, key))):
        table = hotspot_view(s, HotspotQuery(window, measure=measure), actor=ANALYST).table
        counts = table.set_index("unit_id").loc[units.ids, "count"].to_numpy()
        values = gi_values(measure, counts, share=units.share).gi
        wall, cpu = median_seconds_cpu(lambda v=values, w=units.weights: getis_ord(v, w, permutations=PERMUTATIONS))
        print(f"gi_star measure={measure} N={len(units.ids)} permutations={PERMUTATIONS} s={wall:.3f} cpu_s={cpu:.3f}",
              flush=True)


def main() -> None:
    db = sample_database(sys.argv[1] if len(sys.argv) > 1 else None)
    with db.session() as s:
        last = s.scalar(select(func.max(Case.reported_at)))
        now = (last if last.tzinfo else last.replace(tzinfo=UTC)) + timedelta(days=1)  # the day after the last case
        window = window_for_days(*default_window(s, now))
        bench_hotspots(s, window)
        print(f"grid_load s={median_seconds(lambda: grid_load(s, now, window, actor=ANALYST)):.3f}", flush=True)
        seconds = median_seconds(lambda: department_page(s, now, window))
        print(f"department_load s={seconds:.3f}", flush=True)


def department_page(s, now, window):
    """What dashboard/views/department_load.py reads: the table, the trend, the notices' counts from the table."""
    table = department_load(s, now, window, actor=ANALYST)
    return table, department_trend(s, now, window, actor=ANALYST), notice_counts(s, now, window, actor=ANALYST,
                                                                                  figures=table)


if __name__ == "__main__":
    main()
