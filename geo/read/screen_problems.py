"""The wall screen's common problems: clusters of open same-category cases not yet bundled (geo.read.bundles)
and the existing bundles with their open cases.

A city's 90 days hold some 300,000 open cases; reading and clustering them takes two to three seconds, more
than a whole refresh may. Their clusters move over hours, not between two refreshes, so above
``PROBLEM_CASES`` candidates the clusters found are reused for ``PROBLEMS_REUSE`` of screen time (per
database and district, in this process). After that a refresh still shows them, once, while they are found
again in the background (one search at a time per database and district), so no refresh waits for the
clustering — only the first in a process, or one after the screen stood still for ``2 × PROBLEMS_REUSE``.
The bundles are read on every refresh. A district's few thousand candidates are clustered on every refresh,
as before.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from geo.db import rules
from geo.db.models import Bundle, Case, Category
from geo.db.scope import area_condition
from geo.read.bundles import communities_of_grids, most_common_by, problem_clusters

#: Candidate cases above which the clusters are reused (a district's year holds a few thousand open ones).
PROBLEM_CASES = 50_000
#: How long, in screen time (``now``), clusters found over that many candidates are reused.
PROBLEMS_REUSE = timedelta(minutes=10)

_found: dict[tuple[str, int | None], tuple[datetime, pd.DataFrame]] = {}
_searching: dict[tuple[str, int | None], Future] = {}
_lock = threading.Lock()
_searcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screen-problems")
log = logging.getLogger("gridgov.screen")


def common_problems(session: Session, now: datetime, limit: int = 5, district_id: int | None = None) -> pd.DataFrame:
    """The biggest common problems: clusters of open same-category cases (geo.read.bundles) not yet bundled, and
    existing bundles with their open cases — kind, category, the community holding most of the cases (place)
    and how many communities (places), case and grid counts (bundle titles are free text: not shown). The
    place tells apart two clusters of one category."""
    candidates = _clusters(session, now, district_id).assign(kind="candidate")
    rows = session.execute(
        select(Bundle.id, Category.name, Case.id, Case.grid_id)
        .select_from(Bundle)
        .join(Category, Category.id == Bundle.category_id)
        .join(Case, and_(Case.bundle_id == Bundle.id, rules.is_open(), Case.reported_at <= now,
                         area_condition(district_id)))
    ).all()
    cases = pd.DataFrame(rows, columns=["bundle", "category", "id", "grid_id"])
    cases["community"] = communities_of_grids(session, cases["grid_id"])
    bundles = cases.groupby("bundle").agg(
        category=("category", "first"), cases=("id", "size"), grids=("grid_id", "nunique"),
        places=("community", "nunique")).assign(kind="bundle")
    bundles["place"] = most_common_by(cases["bundle"], cases["community"]).reindex(bundles.index)
    columns = ["kind", "category", "place", "places", "cases", "grids"]
    frames = [f[columns] for f in (candidates, bundles) if len(f)]
    if not frames:
        return pd.DataFrame(columns=columns)
    table = pd.concat(frames, ignore_index=True).astype({"cases": int, "grids": int, "places": int})
    table["place"] = table["place"].astype(object).where(table["place"].notna(), None)
    return table.sort_values(["cases", "grids"], ascending=False, kind="stable").head(limit).reset_index(drop=True)


def _clusters(session: Session, now: datetime, district_id: int | None) -> pd.DataFrame:
    """geo.read.bundles.problem_clusters as of ``now``, or the ones found over a city's candidates less than
    PROBLEMS_REUSE of screen time before it — or less than twice that, while they are found again behind."""
    engine = session.get_bind()
    key = (engine.url.render_as_string(hide_password=True), district_id)
    with _lock:
        kept = _found.get(key)
    if kept is not None and kept[0] <= now < kept[0] + 2 * PROBLEMS_REUSE:
        if now >= kept[0] + PROBLEMS_REUSE:
            _search_later(engine, key, now, district_id)
        return kept[1]
    return _search(session, key, now, district_id)


def searches_done(timeout: float | None = None) -> None:
    """Wait for the background searches under way (a benchmark's or a test's pause between two refreshes)."""
    with _lock:
        under_way = list(_searching.values())
    for search in under_way:
        search.result(timeout=timeout)


def _search(session: Session, key: tuple[str, int | None], now: datetime, district_id: int | None) -> pd.DataFrame:
    """Cluster the candidates as of ``now``; keep what was found when they were a city's."""
    found, candidates = problem_clusters(session, now, district_id=district_id)
    with _lock:
        if candidates > PROBLEM_CASES:
            _found[key] = (now, found)
        else:
            _found.pop(key, None)
    return found


def _search_later(engine, key: tuple[str, int | None], now: datetime, district_id: int | None) -> None:
    """``_search`` in the background, on its own session, unless one for ``key`` is under way."""
    def run() -> None:
        try:
            with Session(engine) as session:
                _search(session, key, now, district_id)
        except Exception:  # the screen keeps what it has; the next refresh tries again
            log.exception("finding the wall screen's common problems again failed")
        finally:
            with _lock:
                _searching.pop(key, None)

    with _lock:
        if key not in _searching:
            _searching[key] = _searcher.submit(run)
