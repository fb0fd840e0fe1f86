"""Case map: bytes sent to the browser and server time, on the sample district and on 1,000,000 cases.

    .venv/bin/python bench/case_map.py [--sqlite URL] [--postgis URL] [--skip-1m]

- sample (SQLite; loaded into a temporary file unless --sqlite is given), filters wide open, district view:
  ``case_map payload_bytes=… render_s=…`` — the st_folium component's arguments as JSON (what the browser
  receives on each rerun: map HTML/JS + the case layer) and the server time of the page's map path
  (queries + folium + streamlit-folium), median of 3 warm runs; a zoomed-in view too;
- ``case_panel render_s=…`` — the panel's server-side data for a click (story, route, actions), median of 5;
- 1 M cases in PostGIS (database ``gridgov_bench_map`` on the test server, built once with INSERT … SELECT
  generate_series copying the sample's cases with jitter): ``case_map_1m payload_bytes=… query_s=…``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime

from sqlalchemy import create_engine, func, make_url, select, text

from dashboard.case_map_draw import base_map, case_layer
from dashboard.offline import _component_target, use_local_assets
from geo.db.database import Database
from geo.db.models import Case
from geo.db.schema import upgrade
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.read.case_map import CaseFilters, MapView, map_layer
from geo.read.case_map_lookup import buildings_in_view, panel_actions, suggested_route
from geo.read.case_story import case_story
from geo.read.layouts import active_layout, layout_bounds, layout_geojson

LABELS = {"cases": "件", "open": "在办", "zoom_in": "放大查看", **{f"status_{s}": s for s in (
    "reported", "accepted", "whistled", "reported_in", "answered", "closed", "rated", "rejected", "rework",
    "deferred", "reopened")}}
TARGET = 1_000_000


def _sample_sqlite() -> str:
    from samples.load import SAMPLE_END, load_sample

    url = f"sqlite:///{tempfile.mkdtemp(prefix='bench_case_map_')}/sample.db"
    db = Database(url)
    upgrade(db)
    load_sample(db, SAMPLE_END)
    db.dispose()
    return url


def page_payload(db: Database, view: MapView | None = None) -> tuple[int, float]:
    """(bytes of the st_folium component arguments, seconds) for one pass of the page's map path."""
    import streamlit_folium

    captured: dict = {}
    _component_target["func"] = lambda *a, **k: captured.update(k)
    start = time.perf_counter()
    now = datetime.now(UTC)
    with db.session() as s:
        layout = active_layout(s)
        bounds = layout_bounds(s, layout.id)
        grids = layout_geojson(s, layout.id)  # cached by the page (st.cache_data); included here anyway
        view = view or MapView(*bounds, zoom=12.5)
        layer = map_layer(s, CaseFilters(actor=Actor("bench", Role.SUPERVISOR)), view, now, layout.id)
        buildings = buildings_in_view(s, view) if view.zoom >= 16 else None
    streamlit_folium.st_folium(base_map(grids, bounds), key="case_map_map", returned_objects=[],
                               feature_group_to_add=case_layer(layer, LABELS, grids, buildings))
    elapsed = time.perf_counter() - start
    sent = {k: v for k, v in captured.items() if not callable(v)}
    return len(json.dumps(sent, ensure_ascii=False).encode()), elapsed


def _median_run(fn, runs: int = 3):
    results = [fn() for _ in range(runs + 1)][1:]  # first run warms caches
    return results[0][0], statistics.median(r[1] for r in results)


def panel_seconds(db: Database) -> float:
    actor = Actor("bench", Role.SUPERVISOR)
    with db.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.status == "whistled").limit(1)) or 1
    times = []
    for _ in range(6):
        start = time.perf_counter()
        with db.session() as s:
            story = case_story(s, case_id, datetime.now(UTC), actor)
            suggested_route(s, case_id)
            panel_actions(story.case["status"], story.dispatches, actor)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def million_database(base_url: str) -> Database:
    """``gridgov_bench_map`` with the sample plus copies of its cases (jittered ≤ ~50 m) up to 1 M rows."""
    url = make_url(base_url).set(database="gridgov_bench_map").render_as_string(hide_password=False)
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = 'gridgov_bench_map'"))
        if not exists:
            conn.execute(text('CREATE DATABASE "gridgov_bench_map"'))
    admin.dispose()
    db = Database(url)
    upgrade(db)
    with db.session() as s:
        count = s.scalar(select(func.count()).select_from(Case))
    if count == 0:
        from samples.load import SAMPLE_END, load_sample

        load_sample(db, SAMPLE_END)
        count = 48_022
    if count < TARGET:
        _copy_cases(db, TARGET - count)
    return db


def _copy_cases(db: Database, extra: int) -> None:
    columns = ("category_id, description, source, reporter_name, reporter_phone, address, grid_id, building_id, "
               "snapped, near_boundary, status, tier, reported_at, accepted_at, whistled_at, reported_in_at, "
               "answered_at, closed_at, rated_at, rejected_at, deadline, rating, rework_count, reject_reason, version")
    with db.transaction() as s:
        n = s.scalar(text("SELECT max(id) FROM cases"))
        for table in ("cases", "case_dispatches"):  # the sample loads explicit ids: move the sequences past them
            s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        s.execute(text(f"""
            INSERT INTO cases (number, lon, lat, location, {columns})
            SELECT 'BENCH' || g, c.lon + dx, c.lat + dy, ST_SetSRID(ST_MakePoint(c.lon + dx, c.lat + dy), 4326),
                   {', '.join('c.' + x.strip() for x in columns.split(','))}
            FROM (SELECT g, 1 + (g % :n) AS src, (random() - 0.5) * 0.001 AS dx, (random() - 0.5) * 0.0008 AS dy
                  FROM generate_series(1, :extra) g) r
            JOIN cases c ON c.id = r.src"""), {"n": n, "extra": extra})
        s.execute(text("""
            INSERT INTO case_dispatches (case_id, department_id, role, whistled_at, reported_in_at, answered_at)
            SELECT c.id, d.department_id, d.role, d.whistled_at, d.reported_in_at, d.answered_at
            FROM cases c JOIN case_dispatches d ON d.case_id = 1 + ((substr(c.number, 6)::bigint) % :n)
            WHERE c.number LIKE 'BENCH%'"""), {"n": n})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE cases"))
        conn.execute(text("VACUUM ANALYZE case_dispatches"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite", help="URL of a loaded sample (default: load one into a temp file)")
    parser.add_argument("--postgis", default=os.environ.get("GRIDGOV_TEST_POSTGIS_URL"))
    parser.add_argument("--skip-1m", action="store_true")
    args = parser.parse_args()
    use_local_assets("/app/static")
    db = Database(args.sqlite or _sample_sqlite())
    payload, seconds = _median_run(lambda: page_payload(db))
    print(f"case_map payload_bytes={payload} render_s={seconds:.3f}")
    with db.session() as s:
        b = layout_bounds(s, active_layout(s).id)
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    zoomed = MapView(cx - 0.0085, cy - 0.004, cx + 0.0085, cy + 0.004, zoom=16)
    payload, seconds = _median_run(lambda: page_payload(db, zoomed))
    print(f"case_map_zoom16 payload_bytes={payload} render_s={seconds:.3f}")
    print(f"case_panel render_s={panel_seconds(db):.3f}")
    if args.skip_1m or not args.postgis:
        return
    big = million_database(args.postgis)
    with big.session() as s:
        cases = s.scalar(select(func.count()).select_from(Case))
    payload, seconds = _median_run(lambda: page_payload(big))
    print(f"case_map_1m cases={cases} payload_bytes={payload} query_s={seconds:.3f}")
    payload, seconds = _median_run(lambda: page_payload(big, zoomed))
    print(f"case_map_1m_zoom16 payload_bytes={payload} query_s={seconds:.3f}")


if __name__ == "__main__":
    main()
