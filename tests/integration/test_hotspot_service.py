"""The hotspots page's data on a 7 × 7 lattice of unit squares with a case cluster in one corner, on every backend.

The lattice's squares are 0.001° (≈ 85 m × 111 m); the whole district is ≈ 0.46 km², so its H3 cells are of
resolution 10. Every period is counted back from the window's end, so the tests hold for data of any year.
"""

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
import shapely
from sqlalchemy import func, select

from geo.db.models import Building, Case, Category, Grid
from geo.domain.actors import Actor
from geo.domain.hotspot_measures import NO_HOUSEHOLDS
from geo.domain.hotspots import HOTSPOT_CLASSES
from geo.domain.vocabulary import Role, Source, Status
from geo.read.analysis_filters import Window, default_window, window_for_days
from geo.read.hotspot_service import HotspotQuery, case_points, grid_outlines, hotspot_view, units_geojson
from tests.integration.factories import STEP, T0, X0, Y0, add_departments_and_category, add_layout, square

ANALYST = Actor("分析员", Role.ANALYST)

SIDE = 7
CLUSTER = {(i, j) for i in range(3) for j in range(3)}  # south-west 3 × 3 block
WINDOW = Window(T0 - timedelta(days=1), T0 + timedelta(days=7))


def _cases(session, category, cells, per_cell, start=T0, prefix="C"):
    for i, j in cells:
        for k in range(per_cell(i, j)):
            lon, lat = X0 + (i + 0.3 + 0.05 * (k % 5)) * STEP, Y0 + (j + 0.3 + 0.05 * (k // 5 % 5)) * STEP
            session.add(Case(number=f"{prefix}{i}{j}-{k}", category=category, source=Source.HOTLINE,
                             status=Status.REPORTED, lon=lon, lat=lat, location=shapely.Point(lon, lat),
                             grid_id=cells[(i, j)].id, reported_at=start + timedelta(hours=k % 48)))


def _lattice(db, with_buildings: bool = False):
    with db.transaction() as s:
        _, grids = add_layout(s, {f"G{j}{i}": square(i, j) for i in range(SIDE) for j in range(SIDE)})
        _, category = add_departments_and_category(s)
        cells = {(i, j): grids[f"G{j}{i}"] for i in range(SIDE) for j in range(SIDE)}
        _cases(s, category, cells, lambda i, j: 24 if (i, j) in CLUSTER else 1 + (i + j) % 2)
        if with_buildings:  # 100 households in every grid but the two northernmost rows
            for (i, j), grid in cells.items():
                if j < SIDE - 2:
                    building = Building(code=f"B{i}{j}", address=f"路{i}{j}号", grid_id=grid.id, households=100)
                    building.set_geometry(square(i, j).buffer(-STEP / 4))
                    s.add(building)
        return db, category.id


@pytest.fixture
def lattice(db):
    """Cluster cells hold 24 cases each, every other cell 1 or 2; all of the class SZSS, in the first week."""
    return _lattice(db)


def view(db, **kwargs):
    kwargs.setdefault("measure", "counts")
    with db.session() as s:
        return hotspot_view(s, HotspotQuery(WINDOW, **kwargs), actor=ANALYST)


def test_grid_counts_add_up_to_the_cases_in_the_window(lattice):
    db, _ = lattice
    result = view(db)
    assert result.total == 9 * 24 + sum(1 + (i + j) % 2 for i in range(SIDE) for j in range(SIDE)
                                        if (i, j) not in CLUSTER)
    assert result.table["count"].sum() == result.total
    assert len(result.table) == SIDE * SIDE
    assert result.unit_kind == "grid" and result.resolution is None


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


def test_the_default_measure_counts_cases_on_h3_cells_of_the_resolution_the_district_size_calls_for(lattice):
    result = hotspot_view_default(lattice[0])
    assert result.query.measure == "h3" and result.unit_kind == "cell" and result.resolution == 10
    assert result.table["count"].sum() == result.total == view(lattice[0]).total
    assert set(result.units["unit_id"]) == set(result.table["unit_id"])
    district = shapely.union_all([square(i, j) for i in range(SIDE) for j in range(SIDE)])
    assert shapely.intersects(result.units.geometry.values, district).all()  # no cell beyond the edge
    assert shapely.union_all(result.units.geometry.values).covers(district)


def hotspot_view_default(db):
    with db.session() as s:
        return hotspot_view(s, HotspotQuery(WINDOW), actor=ANALYST)


def test_h3_cells_over_the_corner_cluster_are_hot_and_lie_in_its_grids(lattice):
    table = hotspot_view_default(lattice[0]).table
    hot = table[table["hotspot_class"].isin(["hot_95", "hot_99"])]
    assert len(hot) >= 3
    assert set(hot["code"]) <= {f"G{j}{i}" for i, j in CLUSTER} | {f"G{j}{i}" for i in range(4) for j in range(4)}
    busiest = table.loc[table["count"].idxmax()]
    assert busiest["hotspot_class"] in ("hot_95", "hot_99") and busiest["code"] in {f"G{j}{i}" for i, j in CLUSTER}


def test_cases_per_km2_divide_each_grid_count_by_its_area(lattice):
    table = view(lattice[0], measure="per_km2").table.set_index("code")
    area_km2 = (STEP * 85.7) * (STEP * 111.0)  # ≈ 85.7 m × 111 m at 39.67° N
    assert table.loc["G00", "value"] == pytest.approx(24 / area_km2, rel=0.02)
    assert table.loc["G00", "hotspot_class"].startswith("hot")


def test_grids_without_households_are_left_out_of_the_per_household_test(db):
    db, _ = _lattice(db, with_buildings=True)
    table = view(db, measure="per_households").table.set_index("code")
    untested = [f"G{j}{i}" for i in range(SIDE) for j in (SIDE - 2, SIDE - 1)]
    assert (table.loc[untested, "hotspot_class"] == NO_HOUSEHOLDS).all()
    assert table.loc[untested, ["z", "p", "value"]].isna().all().all()
    assert (table.loc[untested, "pattern"] == NO_HOUSEHOLDS).all()
    assert table.loc["G00", "value"] == pytest.approx(240.0)  # 24 cases per 100 households
    assert table.loc["G11", "hotspot_class"].startswith("hot")
    assert table["count"].sum() == view(db).total  # untested grids keep their cases in the count


def test_a_layout_without_households_has_no_unit_to_test_per_household(lattice):
    table = view(lattice[0], measure="per_households").table
    assert (table["hotspot_class"] == NO_HOUSEHOLDS).all()


def test_a_cluster_with_nothing_before_it_is_new_in_the_emerging_view(lattice):
    result = view(lattice[0])
    trend = result.table.set_index("code")["trend"]
    assert trend["G00"] == "new"
    assert result.recent_window.end == WINDOW.end
    assert result.recent_window.end - result.recent_window.start == timedelta(weeks=4)


def test_a_cluster_in_every_one_of_the_last_12_weeks_is_a_persistent_hot_spot(db):
    db, _ = _lattice(db)
    with db.transaction() as s:
        category = s.scalars(select(Category)).one()
        cells = {(i, j): s.scalars(select(Grid).where(Grid.code == f"G{j}{i}")).one()
                 for i in range(SIDE) for j in range(SIDE)}
        for week in range(1, 12):
            _cases(s, category, cells, lambda i, j: 8 if (i, j) in CLUSTER else (i * j + week) % 2,
                   start=T0 - timedelta(weeks=week), prefix=f"W{week}-")
    result = view(db)
    assert result.space_time_window.end == WINDOW.end
    assert result.space_time_window.end - result.space_time_window.start == timedelta(weeks=12)
    patterns = result.table.set_index("code")["pattern"]
    assert patterns["G11"] in {"persistent_hot", "intensifying_hot", "diminishing_hot"}
    assert patterns["G66"] == "no_pattern"
    assert len(result.weekly) == 12 and (result.weekly["hot"] >= 1).all()
    assert result.pattern_counts()[patterns["G11"]] >= 1


def test_h3_cells_hold_every_case_with_a_location(lattice):
    result = view(lattice[0], detail="h3")
    assert result.cells["count"].sum() == result.total
    assert result.density is None


def _add_case(db, category_id: int, grid_code: str, lon: float, lat: float, number: str) -> None:
    with db.transaction() as s:
        grid = s.scalars(select(Grid).where(Grid.code == grid_code)).one()
        s.add(Case(number=number, category=s.get(Category, category_id), source=Source.HOTLINE,
                   status=Status.REPORTED, lon=lon, lat=lat, location=shapely.Point(lon, lat), grid_id=grid.id,
                   reported_at=T0 + timedelta(hours=1)))


def test_each_h3_cell_counts_the_cases_h3_puts_in_it_even_a_few_centimetres_from_its_edge(lattice):
    """The database counts each case's stored H3 key (geo.domain.h3_keys) at the study's resolution, not
    rounded locations: two cases 12 cm either side of a cell edge land in their own cells."""
    import h3

    db, category_id = lattice
    centre_lon, centre_lat = X0 + 3.5 * STEP, Y0 + 3.5 * STEP
    cell = h3.latlng_to_cell(centre_lat, centre_lon, 10)
    clat, clon = h3.cell_to_latlng(cell)
    corners = np.array(h3.cell_to_boundary(cell))
    mid_lat, mid_lon = (corners[0] + corners[1]) / 2
    for k, f in enumerate((0.998, 1.002)):  # ≈ 12 cm inside and outside the edge (≈ 57 m from the centre)
        _add_case(db, category_id, "G33", clon + (mid_lon - clon) * f, clat + (mid_lat - clat) * f, f"E{k}")
    with db.session() as s:
        points = s.execute(select(Case.lon, Case.lat).where(Case.reported_at >= WINDOW.start,
                                                            Case.reported_at < WINDOW.end)).all()
    expected = pd.Series([h3.latlng_to_cell(y, x, 10) for x, y in points]).value_counts()
    result = view(db, measure="h3")
    got = result.table.set_index("unit_id")["count"]
    assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict()


def test_a_case_located_far_from_its_grid_still_counts_in_the_nearest_cell(lattice):
    db, category_id = lattice
    before = view(db, measure="h3")
    _add_case(db, category_id, "G66", X0 + 0.3, Y0 + 6.5 * STEP, "FAR")  # ≈ 25 km east of the district
    after = view(db, measure="h3")
    assert after.total == before.total + 1 == after.table["count"].sum()
    grown = after.table.set_index("unit_id")["count"] - before.table.set_index("unit_id")["count"]
    (cell,) = grown[grown == 1].index
    east = before.units.set_index("unit_id").geometry.bounds["maxx"]
    assert east[cell] == east.max()


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


@pytest.mark.parametrize("measure, features", [("counts", SIDE * SIDE), ("h3", None)])
def test_the_map_gets_the_units_of_the_measure_as_geojson(lattice, measure, features):
    import json

    with lattice[0].session() as s:
        collection = json.loads(units_geojson(s, measure))
    ids = [f["properties"]["id"] for f in collection["features"]]
    assert len(ids) == (features or len(hotspot_view_default(lattice[0]).table))
    assert set(collection["features"][0]["properties"]) == {"id", "code", "name"}


def test_the_grid_outlines_are_one_line_feature_holding_each_shared_edge_once(lattice):
    import json

    with lattice[0].session() as s:
        collection = json.loads(grid_outlines(s))
    (feature,) = collection["features"]
    assert feature["properties"] == {}
    lines = shapely.from_geojson(json.dumps(feature["geometry"]))
    # 7 × 7 squares: 8 lines of 7 edges each way (112 edges), not 49 × 4 = 196 perimeters' edges
    assert shapely.length(lines) == pytest.approx(2 * (SIDE + 1) * SIDE * STEP, rel=1e-3)
    edges = shapely.union_all([square(i, j).boundary for i in range(SIDE) for j in range(SIDE)])
    assert shapely.hausdorff_distance(edges, lines) < STEP / 100  # every edge drawn, where it is


def test_a_window_without_cases_gives_zero_counts_and_no_hot_spot(lattice):
    later = Window(T0 + timedelta(days=30), T0 + timedelta(days=31))
    with lattice[0].session() as s:
        result = hotspot_view(s, HotspotQuery(later, detail="h3"), actor=ANALYST)
    assert result.total == 0
    assert set(result.table["hotspot_class"]) == {"not_significant"}
    assert result.cells is not None and len(result.cells) == 0


def test_the_class_filter_the_category_filter_and_a_set_of_codes_select_the_same_cases(lattice):
    db, category_id = lattice
    assert view(db, class_code="SZSS").total == view(db, category_id=category_id).total == view(db).total
    assert view(db, category_codes=("JG",)).total == view(db).total


@pytest.mark.parametrize("kwargs, message", [
    ({"class_code": "SZSS", "category_id": 1}, "not more than one"),
    ({"class_code": "NOPE"}, "no category class 'NOPE'; classes: SZSS"),
    ({"category_id": 999}, "no category with id 999"),
    ({"category_codes": ("JG", "NOPE")}, "no category with code"),
    ({"detail": "heatmap"}, "detail must be one of h3, kde, none"),
    ({"measure": "per_person"}, "measure must be one of h3, per_households, per_km2, counts"),
])
def test_bad_filters_are_refused_with_what_is_accepted(lattice, kwargs, message):
    with pytest.raises(ValueError, match=message):
        view(lattice[0], **kwargs)


def test_a_window_must_end_after_it_starts():
    with pytest.raises(ValueError, match="must be before its end"):
        Window(T0, T0)


def sample_year(session) -> Window:
    """The sample's last year of data, found from the data (the sample may be placed in any year)."""
    last = session.scalar(select(func.max(Case.reported_at)))
    now = last + timedelta(days=1)
    return window_for_days(*default_window(session, now if now.tzinfo else now.replace(tzinfo=T0.tzinfo)))


def test_the_sample_district_year_counts_every_case_of_the_class(sample_db):
    with sample_db.session() as s:
        window = sample_year(s)
        class_code = s.scalars(select(Category.class_code).order_by(Category.class_code)).first()
        expected = s.scalar(select(func.count()).select_from(Case).join(Category).where(
            Category.class_code == class_code, Case.grid_id.is_not(None),
            Case.reported_at >= window.start, Case.reported_at < window.end))
        result = hotspot_view(s, HotspotQuery(window, class_code=class_code, measure="counts"), actor=ANALYST)
    assert result.total == expected > 0
    assert len(result.table) == 435

