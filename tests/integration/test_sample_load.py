"""The sample district loads the same on both backends."""

import pytest
from sqlalchemy import func, select

from geo.db.models import Case, Grid
from samples.load import table_counts


def _summary(db):
    with db.session() as s:
        per_grid = dict(s.execute(select(Grid.code, func.count(Case.id)).outerjoin(Case, Case.grid_id == Grid.id)
                                  .group_by(Grid.code)).all())
        return table_counts(s), per_grid


def test_the_sample_has_the_published_scale(sample_db):
    counts, per_grid = _summary(sample_db)
    assert (counts["streets"], counts["communities"], counts["grids"]) == (7, 42, 435)
    assert counts["buildings"] == 6027 and counts["cases"] == 48022
    assert sum(per_grid.values()) == 48022  # every sample case is placed in a grid


def test_sqlite_and_postgis_hold_identical_counts_and_per_grid_cases(sample_databases):
    sqlite, postgis = _summary(sample_databases.get("sqlite")), _summary(sample_databases.get("postgis"))
    assert sqlite[0] == postgis[0]
    assert sqlite[1] == postgis[1]


def test_sample_grids_match_the_generators_grid_codes(sample_db):
    import pandas as pd

    from samples.load import SAMPLE_DIR

    expected = pd.read_csv(SAMPLE_DIR / "cases.csv.gz", dtype=str, usecols=["grid_code"])["grid_code"]
    _, per_grid = _summary(sample_db)
    assert per_grid == {code: int(n) for code, n in expected.value_counts().items()} | {
        c: 0 for c in set(per_grid) - set(expected)}


@pytest.mark.parametrize("table", ["cases", "case_events"])
def test_stage_timestamps_are_in_order(sample_db, table):
    from geo.db.models import CaseEvent

    with sample_db.session() as s:
        if table == "cases":
            bad = s.scalar(select(func.count()).select_from(Case).where(
                (Case.accepted_at < Case.reported_at) | (Case.whistled_at < Case.accepted_at)
                | (Case.closed_at < Case.reported_at) | (Case.rated_at < Case.closed_at)))
        else:
            bad = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.at.is_(None)))
    assert bad == 0


def _one_community_sample(folder):
    """The sample cut down to one community (its street, grids, buildings, cases and their dispatches), in the
    sample's own file layout, so load-sample's own code path loads it in a second."""
    import geopandas as gpd
    import pandas as pd

    from samples.load import SAMPLE_DIR

    folder.mkdir()
    for name in ("departments.csv", "categories.csv", "category_attributes.json"):
        (folder / name).write_bytes((SAMPLE_DIR / name).read_bytes())
    layer = {n: gpd.read_file(SAMPLE_DIR / "district.gpkg", layer=n, engine="pyogrio")
             for n in ("streets", "communities", "grids", "buildings")}
    community = layer["communities"].iloc[:1]
    grids = layer["grids"][layer["grids"]["community_code"].isin(community["code"])]
    kept = {"streets": layer["streets"][layer["streets"]["code"].isin(community["street_code"])],
            "communities": community, "grids": grids,
            "buildings": layer["buildings"][layer["buildings"]["grid_code"].isin(grids["code"])]}
    for name, frame in kept.items():
        frame.to_file(folder / "district.gpkg", layer=name, engine="pyogrio")
    cases = pd.read_csv(SAMPLE_DIR / "cases.csv.gz", dtype=str, keep_default_na=False)
    cases = cases[cases["grid_code"].isin(grids["code"])]
    cases.to_csv(folder / "cases.csv.gz", index=False)
    dispatches = pd.read_csv(SAMPLE_DIR / "dispatches.csv.gz", dtype=str, keep_default_na=False)
    dispatches[dispatches["case_number"].isin(cases["number"])].to_csv(folder / "dispatches.csv.gz", index=False)
    return folder, grids


def test_after_load_sample_new_cases_and_layer_imports_get_fresh_ids(db, tmp_path):
    """PostGIS: the loader once inserted explicit ids and left the sequences at 1, so the next case or
    import failed with a duplicate key on id."""
    import pyogrio
    import shapely

    from geo.domain.actors import Actor
    from geo.domain.vocabulary import Role
    from geo.usecases.intake import NewCase, report_case
    from loaders.layer_import import LayerSpec, run_layer_import
    from samples.load import SAMPLE_END, load_sample

    folder, grids = _one_community_sample(tmp_path / "sample")
    counts = load_sample(db, SAMPLE_END, folder)
    assert counts["cases"] > 100 and counts["grids"] == len(grids)
    inside = shapely.point_on_surface(grids.geometry.iloc[0])
    with db.transaction() as s:
        case = report_case(s, NewCase("hotline_12345", inside.x, inside.y), Actor("热线", Role.SUPERVISOR))
    assert case.id > counts["cases"] and case.grid_id is not None
    streets = grids.iloc[:1][["geometry"]].assign(code="S99", name="新街道")
    pyogrio.write_dataframe(streets, tmp_path / "streets.geojson")
    report = run_layer_import(tmp_path / "streets.geojson", LayerSpec(kind="streets"), db, apply=True,
                              actor=Actor("分析员", Role.ANALYST))
    assert report.status == "applied", [p.message for p in report.errors]


def test_territory_dispatches_go_to_the_office_of_the_cases_own_street(sample_db):
    from geo.db.models import CaseDispatch, Community, Department

    with sample_db.session() as s:
        rows = s.execute(select(Department.street_id, Community.street_id)
                         .join(CaseDispatch, CaseDispatch.department_id == Department.id)
                         .join(Case, Case.id == CaseDispatch.case_id).join(Grid, Grid.id == Case.grid_id)
                         .join(Community, Community.id == Grid.community_id)
                         .where(Department.street_id.is_not(None))).all()
        placeholders = s.scalar(select(func.count()).select_from(Department).where(Department.code == "STREET"))
    assert len(rows) > 2000 and placeholders == 0
    assert all(office == own for office, own in rows)


def test_every_deferred_sample_case_knows_when_and_from_where_it_was_deferred(sample_db):
    from geo.db.models import CaseEvent

    with sample_db.session() as s:
        deferred = s.execute(select(Case.deferred_from, func.count(), func.count(Case.deferred_at))
                             .where(Case.status == "deferred").group_by(Case.deferred_from)).all()
        defer_events = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "defer"))
    assert {whence: (n, timed) for whence, n, timed in deferred} == {
        "accepted": (392, 392), "reported_in": (668, 668)}  # never deferred after the answer
    assert defer_events == 1060


def test_a_deferred_sample_case_resumes_and_its_deadline_moves_on(sample_sqlite_copy):
    from datetime import UTC, datetime

    from geo.db.database import Database
    from geo.domain.actors import Actor
    from geo.domain.vocabulary import Role
    from geo.usecases.case_actions import act_on_case

    db = Database(sample_sqlite_copy)
    with db.session() as s:
        case = s.scalars(select(Case).where(Case.status == "deferred", Case.deferred_from == "reported_in")
                         .order_by(Case.id)).first()
        case_id, version, deadline = case.id, case.version, case.deadline
    acted = act_on_case(db, case_id, "resume", Actor("王主任", Role.SUPERVISOR), version,
                        now=datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    with db.session() as s:
        assert acted.status == "reported_in" and s.get(Case, case_id).deadline > deadline
    db.dispose()
