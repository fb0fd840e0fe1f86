"""The hot/cold maps of the sample district against the hotspots its generator planted (markets, old compounds,
construction sites; sample_data/planted_hotspots.csv), on every backend.

Protocol (docs/hotspots.md): for each kind of hotspot, Gi* over the sample's last year of the categories that
kind attracts; recall = share of the planted centres in a unit hot at 95 % or more, precision = share of that
hot area within 500 m of any planted centre, pooled over the three kinds.
"""

from datetime import UTC, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from geo.db.models import Case
from geo.domain.actors import Actor
from geo.domain.hotspot_check import check_view
from geo.domain.hotspot_measures import MEASURES, RECOMMENDED
from geo.domain.vocabulary import Role
from geo.read.analysis_filters import default_window, window_for_days
from geo.read.hotspot_service import HotspotQuery, hotspot_view
from tests.conftest import REPO

ANALYST = Actor("分析员", Role.ANALYST)
PLANTED = pd.read_csv(REPO / "sample_data" / "planted_hotspots.csv")


@pytest.fixture(scope="module")
def checks(sample_db):
    """Pooled TruthCheck per measure on this backend."""
    with sample_db.session() as s:
        last = s.scalar(select(func.max(Case.reported_at)))
        now = (last if last.tzinfo else last.replace(tzinfo=UTC)) + timedelta(days=1)
        window = window_for_days(*default_window(s, now))
        result = {}
        for measure in MEASURES:
            pooled = None
            for _, spots in PLANTED.groupby("kind"):
                codes = tuple(spots["categories"].iloc[0].split(";"))
                view = hotspot_view(s, HotspotQuery(window, measure=measure, category_codes=codes), actor=ANALYST)
                check = check_view(view, spots["lon"], spots["lat"], all_lon=PLANTED["lon"], all_lat=PLANTED["lat"])
                pooled = check if pooled is None else pooled + check
            result[measure] = pooled
    return result


def test_the_recommended_measure_finds_the_planted_hotspots(checks):
    check = checks[RECOMMENDED]
    print({m: (round(c.recall, 2), round(c.precision, 2)) for m, c in checks.items()})
    assert check.centres == 10
    assert check.recall >= 0.9
    assert check.precision >= 0.8


def test_counts_per_grid_find_fewer_of_them(checks):
    assert checks["counts"].recall < checks[RECOMMENDED].recall
