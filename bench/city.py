"""Every page at city scale, against the city loaded in DATABASE_URL (PostGIS; `gridgov load-sample --city`).

    DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/city.py [--runs 3] [--skip-assign]

Prints one line per measurement, exactly as issue 16 asks:

    city page=<name> grids=<n> cases=<n> bytes=<bytes sent to the browser> server_s=<seconds>

for overview, case_map (city view), case_map (a district), case_map (zoom 16), case_click, grid_load,
department_load, monthly_report, big_screen_refresh, hotspots_city, hotspots_district; then the assignment line
`city assign M=1000000 N=<grids> …` from bench/assign.py's city scenario.

grids and cases are the city's (the scale measured at). server_s is the median of ``--runs`` warm runs (one
run first fills the caches a running server keeps: layout grids, Gi* weights, filter options) of what the
page's server does: its geo calls and the drawing of what it sends. bytes is what one rerun sends: the
st_folium component's arguments (map HTML/JS and the per-rerun layer, captured as in bench/case_map.py), the
tables as the Arrow IPC Streamlit ships, the panel's or the screen's text, the monthly report's .xlsx.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from dashboard.offline import _component_target, use_local_assets  # noqa: E402
from geo.db.database import Database  # noqa: E402
from geo.db.models import Case, District, Grid  # noqa: E402
from geo.domain.actors import Actor  # noqa: E402
from geo.domain.vocabulary import Role  # noqa: E402
from geo.config import LOCAL_TZ  # noqa: E402
from geo.read.analysis_filters import Window, default_window, window_for_days  # noqa: E402
from geo.read.layouts import active_layout, area_bounds  # noqa: E402
from geo.read.map_shapes import MapView, fitting_view  # noqa: E402
from geo.read.screen_problems import PROBLEMS_REUSE, searches_done  # noqa: E402

SUPERVISOR, ANALYST, SCREEN = (Actor("bench", Role.SUPERVISOR), Actor("bench", Role.ANALYST),
                               Actor("kiosk:bench", Role.SCREEN))
LABELS = {"cases": "件", "open": "在办", "zoom_in": "放大查看", **{f"status_{s}": s for s in (
    "reported", "accepted", "whistled", "reported_in", "answered", "closed", "rated", "rejected", "rework",
    "deferred", "reopened")}}


def folium_bytes(m, group=None) -> int:
    """Bytes of the st_folium component's arguments for map ``m`` with ``group`` as feature_group_to_add."""
    import streamlit_folium

    captured: dict = {}
    _component_target["func"] = lambda *a, **k: captured.update(k)
    streamlit_folium.st_folium(m, key="bench", returned_objects=[], feature_group_to_add=group)
    return len(json.dumps({k: v for k, v in captured.items() if not callable(v)}, ensure_ascii=False).encode())


def table_bytes(*frames: pd.DataFrame) -> int:
    """What Streamlit sends for these dataframes: Arrow IPC streams."""
    total = 0
    for frame in frames:
        table = pa.Table.from_pandas(frame.astype({c: str for c in frame.columns if frame[c].dtype == object}),
                                     preserve_index=False)
        sink = io.BytesIO()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        total += sink.tell()
    return total


# ------------------------------------------------------------------------------------------------ the pages


def overview(db: Database, now: datetime) -> int:
    from dashboard.analysis_draw import add_legend, area_layer, fitted_map, value_colours
    from geo.read.map_shapes import shapes_in_view
    from geo.read.overview import area_kpis, open_cases_by_area

    with db.session() as s:
        layout = active_layout(s)
        area_kpis(s, now, actor=SUPERVISOR)
        bounds = area_bounds(s, layout.id)
        shapes = shapes_in_view(s, layout.id, fitting_view(bounds))
        open_by_area = open_cases_by_area(s, layout.id, shapes.level, None, now, actor=SUPERVISOR)
    fill, legend = value_colours(open_by_area)
    m = fitted_map(bounds)
    add_legend(m, [("open", legend)])
    return folium_bytes(m, area_layer(shapes.geojson(), fill, {a: str(n) for a, n in open_by_area.items()}, "open"))


def case_map(db: Database, now: datetime, view: MapView | None = None) -> int:
    from dashboard.case_map_draw import base_map, case_layer
    from geo.read.case_map import CaseFilters, map_layer
    from geo.read.case_map_lookup import buildings_in_view
    from geo.read.map_shapes import level_for, shapes_in_view

    with db.session() as s:
        layout = active_layout(s)
        bounds = area_bounds(s, layout.id)
        view = view or fitting_view(bounds, 900, 760)
        level = level_for(s, layout.id, view)
        layer = map_layer(s, CaseFilters(actor=SUPERVISOR), view, now, layout.id, level=level)
        shapes = shapes_in_view(s, layout.id, view, level)
        buildings = buildings_in_view(s, view) if view.zoom >= 16 else None
    return folium_bytes(base_map(bounds, view.zoom), case_layer(layer, LABELS, shapes, buildings))


def case_click(db: Database, now: datetime, case_id: int) -> int:
    from geo.read.case_map_lookup import panel_actions, suggested_route
    from geo.read.case_story import case_story

    with db.session() as s:
        story = case_story(s, case_id, now, SUPERVISOR)
        route = suggested_route(s, case_id)
        actions = panel_actions(story.case["status"], story.dispatches, SUPERVISOR)
    return len(json.dumps([story.case, story.dispatches, story.events, str(route), actions], default=str,
                          ensure_ascii=False).encode())


def grid_load(db: Database, now: datetime, window: Window) -> int:
    from dashboard.analysis_draw import grid_map, value_colours
    from geo.read.load_service import grid_load as load
    from geo.read.map_shapes import MAX_GRIDS, shapes_in_view

    with db.session() as s:
        result = load(s, now, window, with_members=False, actor=ANALYST)
        # as dashboard/views/grid_load.py: a city's districts, else grids while few enough, else streets
        level = "district" if result.level == "city_district" else "grid" if len(result.grids) <= MAX_GRIDS else "street"
        bounds = area_bounds(s, result.layout_id)
        shapes = shapes_in_view(s, result.layout_id, fitting_view(bounds), level)
    values = result.areas.set_index("id")["open"] if level != "grid" else result.grids.set_index("grid_id")["open"]
    fill, _ = value_colours(values.to_dict())
    m = grid_map(shapes.geojson(), fill, {k: str(v) for k, v in values.items()}, "open", bounds)
    shown = result.grids if len(result.grids) <= GRID_TABLE_ROWS else result.grids.iloc[0:0]
    return folium_bytes(m) + table_bytes(result.areas, shown)


def department_load(db: Database, now: datetime, window: Window) -> int:
    """What dashboard/views/department_load.py reads on opening: the ranked table, the monthly trend and the
    notices' counts (the notices themselves are made when previewed or downloaded)."""
    from bench.hotspot_page import department_page

    with db.session() as s:
        return table_bytes(*department_page(s, now, window))


def monthly_report(db: Database, now: datetime) -> int:
    from loaders.exports import monthly_report_file

    previous = now.astimezone(ZoneInfo(LOCAL_TZ)).replace(day=1) - timedelta(days=1)  # the last whole month
    with db.session() as s:
        return len(monthly_report_file(s, previous.year, previous.month, now, ANALYST))


def big_screen(db: Database, now: datetime) -> int:
    from dashboard.i18n import t
    from dashboard.screen_draw import cases_feed_html, ranking_html, tiles_html
    from dashboard.screen_map import base_map, live_layer
    from geo.read.screen import ScreenSettings, screen_data, screen_map

    settings = ScreenSettings(feed_rows=7, whistle_rows=4, ranking_rows=7, category_rows=6, problem_rows=3)
    with db.session() as s:
        data = screen_data(s, now, settings, actor=SCREEN)
        live = screen_map(s, now, settings, actor=SCREEN)
    text = tiles_html(t, data.headline) + ranking_html(t, data.ranking) + cases_feed_html(
        t, data.latest_cases, now - timedelta(hours=2), now)
    return folium_bytes(base_map(live.bounds), live_layer(live)) + len(text.encode())


def hotspots(db: Database, now: datetime, window: Window, district_id: int | None) -> int:
    """What dashboard/views/hotspots.py does on opening: the default measure (H3 cells: their units drawn
    whole) — or, for a measure over a city's grids, the 2 × MAX_GRIDS grids with the largest |z|."""
    from dashboard.analysis_draw import GI_COLOURS, grid_map
    from geo.read.hotspot_service import HotspotQuery, grid_outlines, hotspot_view, layout_key, units_geojson
    from geo.read.hotspot_units import grid_units
    from geo.read.map_shapes import MAX_GRIDS, shapes_of

    with db.session() as s:
        query = HotspotQuery(window, detail="none", district_id=district_id)
        view = hotspot_view(s, query, actor=ANALYST)
        by_id = view.table.set_index("unit_id")
        if view.unit_kind == "cell" or len(by_id) <= 2 * MAX_GRIDS:
            geojson = units_geojson(s, query.measure, district_id)
        else:
            drawn = by_id["z"].abs().sort_values(ascending=False).index[:2 * MAX_GRIDS]
            geojson = shapes_of(s, "grid", drawn, fitting_view(view.bounds).zoom).geojson()
        study_grids = len(grid_units(s, view.layout_id, layout_key(s, active_layout(s)), district_id).ids)  # the
        # page counts its (cached) area choices; the study's grids, cached with the units, are as many
        outlines = grid_outlines(s, district_id) if view.unit_kind == "cell" and \
            study_grids <= 2 * MAX_GRIDS else None  # grid outlines over the cells, as the page draws them
    fill = {g: GI_COLOURS[c] for g, c in by_id["hotspot_class"].items()}
    m = grid_map(geojson, fill, {g: f"{z:.2f}" for g, z in by_id["z"].items()}, "z", view.bounds,
                 outlines=outlines)
    return folium_bytes(m) + table_bytes(view.table.head(HOTSPOT_TABLE_ROWS))


GRID_TABLE_ROWS = 5_000  # dashboard/views/grid_load.py lists the grids of a district or finer
HOTSPOT_TABLE_ROWS = 2_000  # dashboard/views/hotspots.py shows the ranked table's head


# ------------------------------------------------------------------------------------------------- running


def timed(fn, runs: int, between=None) -> tuple[int, float]:
    """(bytes of the last run, median seconds of ``runs`` runs after one warm-up run); ``between()`` runs
    untimed before each run."""
    fn()
    times, sent = [], 0
    for _ in range(runs):
        if between is not None:
            between()
        start = time.perf_counter()
        sent = fn()
        times.append(time.perf_counter() - start)
    return sent, statistics.median(times)


def city_assign_line(n_grids: int) -> None:
    """The assignment line: bench/assign.py's city scenario (the GridIndex work, branch gridindex)."""
    try:
        from bench.assign import city_scenario
    except ImportError:
        print("city assign: bench/assign.py has no city_scenario yet (it lands with the grid-index work)")
        return
    city_scenario(n_grids, runs=3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-assign", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        parser.error("DATABASE_URL must name the PostGIS database holding the city (gridgov load-sample --city)")
    use_local_assets("/app/static")
    db = Database(url)
    with db.session() as s:
        layout = active_layout(s)
        grids = s.scalar(select(func.count()).select_from(Grid).where(Grid.layout_id == layout.id))
        cases = s.scalar(select(func.count()).select_from(Case))
        now = s.scalar(select(func.max(Case.reported_at)))
        district = s.execute(select(District.id, District.minx, District.miny, District.maxx, District.maxy)
                             .order_by(District.code)).first()
        busy = s.execute(select(Case.id, Case.lon, Case.lat).where(Case.status == "whistled")
                         .order_by(Case.reported_at.desc()).limit(1)).first()
        window = window_for_days(*default_window(s, now))  # what the analysis pages open with
    # Each screen run is a refresh PROBLEMS_REUSE of screen time after the one before: every measured refresh
    # finds the city's clusters due and has them found again in the background, as a wall screen's does; the
    # search (≈ 3 s) ends before the next refresh, as it does between a wall screen's (every 30–60 s).
    screen_times = (now + k * PROBLEMS_REUSE for k in itertools.count())
    zoom16 = MapView(busy.lon - 0.0085, busy.lat - 0.004, busy.lon + 0.0085, busy.lat + 0.004, zoom=16)
    pages = [
        ("overview", lambda: overview(db, now)),
        ("case_map_city", lambda: case_map(db, now)),
        ("case_map_district", lambda: case_map(db, now, fitting_view(tuple(district[1:]), 900, 760))),
        ("case_map_zoom16", lambda: case_map(db, now, zoom16)),
        ("case_click", lambda: case_click(db, now, busy.id)),
        ("grid_load", lambda: grid_load(db, now, window)),
        ("department_load", lambda: department_load(db, now, window)),
        ("monthly_report", lambda: monthly_report(db, now)),
        ("big_screen_refresh", lambda: big_screen(db, next(screen_times))),
        ("hotspots_city", lambda: hotspots(db, now, window, None)),
        ("hotspots_district", lambda: hotspots(db, now, window, district.id)),
    ]
    for name, fn in pages:
        sent, seconds = timed(fn, args.runs, searches_done if name == "big_screen_refresh" else None)
        print(f"city page={name} grids={grids} cases={cases} bytes={sent} server_s={seconds:.3f}", flush=True)
    if not args.skip_assign:
        city_assign_line(grids)


if __name__ == "__main__":
    main()
