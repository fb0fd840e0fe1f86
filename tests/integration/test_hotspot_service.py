"""The hotspots page's data on a 7 × 7 lattice of unit squares with a case cluster in one corner, on every backend."""

from datetime import timedelta

import numpy as np
import pytest
import shapely
from sqlalchemy import func, select

from geo.db.models import Case, Category
from geo.domain.actors import Actor
from geo.domain.hotspots import HOTSPOT_CLASSES
from geo.domain.vocabulary import Role, Source, Status
from geo.read.analysis_filters import Window, default_window, window_for_days
from geo.read.hotspot_service import HotspotQuery, case_points, hotspot_view
from tests.integration.factories import STEP, T0, X0, Y0, add_departments_and_category, add_layout, square

ANALYST = Actor("分析员", Role.ANALYST)

SIDE = 7
CLUSTER = {(i, j) for i in range(3) for j in range(3)}  # south-west 3 × 3 block
WINDOW = Window(T0 - timedelta(days=1), T0 + timedelta(days=7))


def _cases(session, category, cells, per_cell):
    for n, (i, j) in enumerate(cells):
        for k in range(per_cell(i, j)):
            lon, lat = X0 + (i + 0.3 + 0.05 * (k % 5)) * STEP, Y0 + (j + 0.3 + 0.05 * (k // 5 % 5)) * STEP
            session.add(Case(number=f"C{i}{j}-{k}", category=category, source=Source.HOTLINE,
                             status=Status.REPORTED, lon=lon, lat=lat, location=shapely.Point(lon, lat),
                             grid_id=cells[(i, j)].id, reported_at=T0 + timedelta(hours=k % 48)))


@pytest.fixture
def lattice(db):
    """Cluster cells hold 24 cases each, every other cell 1 or 2; all of the class SZSS, in the first week."""
    with db.transaction() as s:
        _, grids = add_layout(s, {f"G{j}{i}": square(i, j) for i in range(SIDE) for j in range(SIDE)})
        _, category = add_departments_and_category(s)
        cells = {(i, j): grids[f"G{j}{i}"] for i in range(SIDE) for j in range(SIDE)}
        _cases(s, category, cells, lambda i, j: 24 if (i, j) in CLUSTER else 1 + (i + j) % 2)
        return db, category.id


def view(db, **kwargs):
    with db.session() as s:
        return hotspot_view(s, HotspotQuery(WINDOW, **kwargs), actor=ANALYST)


def test_grid_counts_add_up_to_the_cases_in_the_window(lattice):
    db, _ = lattice
    result = view(db)
    assert result.total == 9 * 24 + sum(1 + (i + j) % 2 for i in range(SIDE) for j in range(SIDE)
                                        if (i, j) not in CLUSTER)
    assert result.table["count"].sum() == result.total
    assert len(result.table) == SIDE * SIDE


def test_the_corner_cluster_is_a_hot_spot_and_the_table_puts_it_first(lattice):
    db, _ = lattice
    table = view(db).table
    top = table.head(9)
    assert set(top["code"]) == {f"G{j}{i}" for i, j in CLUSTER}
    assert top["hotspot_class"].str.startswith("hot").sum() >= 5
    assert not table.tail(30)["hotspot_class"].str.startswith("hot").any()


def test_class_counts_list_every_class_once(lattice):
    counts = view(lattice[0]).class_counts()
    assert list(counts) == list(HOTSPOT_CLASSES)
    assert sum(counts.values()) == SIDE * SIDE


def test_a_cluster_with_nothing_before_it_is_new_in_the_emerging_view(lattice):
    result = view(lattice[0])
    trend = result.emerging.set_index("code")["trend"]
    assert trend["G00"] == "new"
    assert result.recent_window.end == WINDOW.end
    assert result.recent_window.end - result.recent_window.start == timedelta(weeks=4)


def test_h3_cells_hold_every_case_with_a_location(lattice):
    result = view(lattice[0], detail="h3")
    assert result.cells["count"].sum() == result.total
    assert result.density is None


def test_kernel_density_covers_the_layout_bounds(lattice):
    result = view(lattice[0], detail="kde")
    assert result.cells is None
    assert result.density.ndim == 2 and result.density.max() > 0
    assert result.bounds == pytest.approx((X0, Y0, X0 + SIDE * STEP, Y0 + SIDE * STEP))


def test_case_points_come_back_one_per_case_within_a_bin_of_their_location(lattice):
    db, _ = lattice
    with db.session() as s:
        lon, lat = case_points(s, WINDOW, None)
        exact = s.execute(select(Case.lon, Case.lat)).all()
    assert lon.size == len(exact)
    assert np.sort(lon) == pytest.approx(np.sort([r[0] for r in exact]), abs=1e-4)


def test_a_window_without_cases_gives_zero_counts_and_no_hot_spot(lattice):
    later = Window(T0 + timedelta(days=30), T0 + timedelta(days=31))
    with lattice[0].session() as s:
        result = hotspot_view(s, HotspotQuery(later), actor=ANALYST)
    assert result.total == 0
    assert set(result.table["hotspot_class"]) == {"not_significant"}
    assert result.cells is not None and len(result.cells) == 0


def test_the_class_filter_and_the_category_filter_select_the_same_cases(lattice):
    db, category_id = lattice
    assert view(db, class_code="SZSS").total == view(db, category_id=category_id).total == view(db).total


@pytest.mark.parametrize("kwargs, message", [
    ({"class_code": "SZSS", "category_id": 1}, "not both"),
    ({"class_code": "NOPE"}, "no category class 'NOPE'; classes: SZSS"),
    ({"category_id": 999}, "no category with id 999"),
    ({"detail": "heatmap"}, "detail must be one of h3, kde, none"),
])
def test_bad_filters_are_refused_with_what_is_accepted(lattice, kwargs, message):
    with pytest.raises(ValueError, match=message):
        view(lattice[0], **kwargs)


def test_a_window_must_end_after_it_starts():
    with pytest.raises(ValueError, match="must be before its end"):
        Window(T0, T0)


def test_the_sample_district_year_counts_every_case_of_the_class(sample_db):
    with sample_db.session() as s:
        from datetime import UTC, datetime

        window = window_for_days(*default_window(s, datetime(2026, 11, 1, tzinfo=UTC)))
        class_code = s.scalars(select(Category.class_code).order_by(Category.class_code)).first()
        expected = s.scalar(select(func.count()).select_from(Case).join(Category).where(
            Category.class_code == class_code, Case.grid_id.is_not(None),
            Case.reported_at >= window.start, Case.reported_at < window.end))
        result = hotspot_view(s, HotspotQuery(window, class_code=class_code, detail="none"), actor=ANALYST)
    assert result.total == expected > 0
    assert len(result.table) == 435
