"""Refresh the big screen N times and report memory before and after: a wall screen runs for days.

    python bench/big_screen.py [--refreshes 1000] [--database-url URL]

Each refresh is one AppTest run of dashboard/views/big_screen.py on the same session (session state kept,
as in the browser): all queries, the panels' HTML, the base map and its live layer rendered by folium and
handed to streamlit-folium. Without --database-url the sample district is loaded into a temporary SQLite file.
Prints `big_screen refreshes=… rss_before_mb=… rss_after_mb=… rss_peak_mb=… s_per_refresh=…`; rss_before is
taken after 20 warm-up refreshes (imports, caches), so the difference is what refreshing keeps.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAGE = Path(__file__).resolve().parent.parent / "dashboard" / "views" / "big_screen.py"
WARM_UP = 20


def rss_mb() -> float:
    """Resident set size now, from /proc (ru_maxrss would only give the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sample_url() -> str:
    from geo.db.database import Database
    from geo.db.schema import upgrade
    from samples.load import SAMPLE_END, load_sample

    url = f"sqlite:///{tempfile.mkdtemp()}/screen.db"
    db = Database(url)
    upgrade(db)
    load_sample(db, SAMPLE_END)
    db.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refreshes", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url or _sample_url()
    from streamlit.testing.v1 import AppTest

    from dashboard.auth import ACTOR_KEY
    from geo.domain.actors import Actor
    from geo.domain.vocabulary import Role

    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.session_state[ACTOR_KEY] = Actor("kiosk:bench", Role.SCREEN)  # the wall runs on a kiosk token
    for _ in range(WARM_UP):
        at.run()
    assert not at.exception, at.exception
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    for i in range(args.refreshes):
        at.run()
        if i % 100 == 99:
            print(f"  {i + 1} refreshes rss_mb={rss_mb():.1f}", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - start
    assert not at.exception, at.exception
    gc.collect()
    print(
        f"big_screen refreshes={args.refreshes} rss_before_mb={before:.1f} rss_after_mb={rss_mb():.1f} "
        f"rss_peak_mb={peak_mb():.1f} s_per_refresh={elapsed / args.refreshes:.3f}"
    )


if __name__ == "__main__":
    main()
