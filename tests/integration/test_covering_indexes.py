"""The city's heaviest reads ask only for what their covering indexes hold (geo.db.models HOTSPOT_READS,
WINDOW_READS, DISPATCH_READS): the hotspots' cell counts and the durations' percentiles. A column added to
one of those queries but not to its index would make PostgreSQL visit a city's 3 GB of case rows again
instead of reading the index alone (bench/city.py measures that it does); this test then fails."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from geo.db.models import DISPATCH_READS, District, HOTSPOT_KEYS, HOTSPOT_READS, WINDOW_READS
from geo.read.hotspot_service import HotspotQuery, hotspot_view
from geo.read.metrics import metrics
from tests.integration.factories import T0
from tests.integration.test_hotspot_service import ANALYST, WINDOW, lattice  # noqa: F401 (fixture)


def _statements(db, read) -> list[str]:
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        with db.session() as s:
            read(s)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    return seen


def _columns(statement: str, table: str) -> set[str]:
    return set(re.findall(rf"\b{table}\.(\w+)", statement))


@pytest.mark.parametrize("one_district", [False, True])
def test_the_hotspots_count_cells_with_what_their_index_holds(lattice, one_district):  # noqa: F811
    db, _ = lattice
    with db.session() as s:
        district = s.scalar(select(District.id)) if one_district else None
    seen = _statements(db, lambda s: hotspot_view(s, HotspotQuery(WINDOW, district_id=district), actor=ANALYST))
    (counting,) = [q for q in seen if "h3_key" in q and "GROUP BY" in q]
    assert _columns(counting, "cases") <= {*HOTSPOT_KEYS, *HOTSPOT_READS}


@pytest.mark.parametrize("dimension", ["district", "street", "department"])
def test_the_percentiles_read_what_the_window_and_dispatch_indexes_hold(lattice, dimension):  # noqa: F811
    db, _ = lattice
    now = T0 + timedelta(days=2)
    seen = _statements(db, lambda s: metrics(s, dimension, now, WINDOW.start, WINDOW.end, actor=ANALYST))
    ranking = [q for q in seen if "row_number" in q]
    assert len(ranking) == 2
    for statement in ranking:
        assert _columns(statement, "cases") <= {"reported_at", *WINDOW_READS}
        assert _columns(statement, "case_dispatches") <= {"case_id", *DISPATCH_READS}
