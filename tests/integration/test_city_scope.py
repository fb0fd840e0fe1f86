"""A city of two districts, on every backend: district X holds street A (grid G1, three cases), district Y
holds street B (grid G2, one case). Each street has its office; CGJ is a line department serving both.

District-wide accounts bound to a district see and count that district only; unbound ones see the city.
"""

from datetime import timedelta

import pytest
import shapely
from sqlalchemy import select

from geo.db.models import Case, CaseDispatch, Community, Department, District, Street, User
from geo.db.schema import upgrade
from geo.domain.actors import SYSTEM, Actor
from geo.domain.permissions import NotAllowed
from geo.domain.vocabulary import Role, Source, Status
from geo.read.analysis_filters import Window, area_choices
from geo.read.case_map import CaseFilters, filter_counts
from geo.read.load_service import department_load, grid_load
from geo.read.metrics import metrics
from geo.read.screen import ScreenSettings, screen_data
from geo.read.supervision import monthly_report
from geo.usecases.accounts import AccountError, Binding, actor_for, add_user
from tests.integration.factories import STEP, T0, X0, Y0, add_layout, square

NOW = T0 + timedelta(days=10)
WINDOW = Window(T0 - timedelta(days=1), NOW)
ADMIN = Actor("市管理员", Role.ADMIN)


def _area(model, code, cells, **kw):
    area = model(code=code, name=f"{code}名", **kw)
    area.set_geometry(shapely.MultiPolygon([square(*c) for c in cells]))
    return area


def _case(s, number, grid, i):
    lon, lat = X0 + (i + 0.5) * STEP, Y0 + 0.5 * STEP
    case = Case(number=number, source=Source.HOTLINE, status=Status.WHISTLED, lon=lon, lat=lat,
                location=shapely.Point(lon, lat), grid_id=grid.id, reported_at=T0, deadline=T0 + timedelta(hours=4))
    s.add(case)
    s.flush()
    return case


@pytest.fixture
def city(db):
    with db.transaction() as s:
        x, y = _area(District, "X", [(0, 0)]), _area(District, "Y", [(1, 0)])
        s.add_all([x, y])
        s.flush()
        a, b = _area(Street, "A", [(0, 0)], district_id=x.id), _area(Street, "B", [(1, 0)], district_id=y.id)
        s.add_all([a, b])
        s.flush()
        a1, b1 = _area(Community, "A1", [(0, 0)], street_id=a.id), _area(Community, "B1", [(1, 0)], street_id=b.id)
        s.add_all([a1, b1])
        s.flush()
        _, grids = add_layout(s, {"G1": square(0, 0), "G2": square(1, 0)})
        grids["G1"].community_id, grids["G2"].community_id = a1.id, b1.id
        cgj = Department(code="CGJ", name="城管局")
        offices = [Department(code=f"STREET_{st.code}", name=f"{st.code}办事处", street_id=st.id) for st in (a, b)]
        s.add_all([cgj, *offices])
        s.flush()
        for k in range(3):
            case = _case(s, f"X{k}", grids["G1"], 0)
            s.add(CaseDispatch(case_id=case.id, department_id=cgj.id, role="lead", whistled_at=T0,
                               reported_in_at=T0 + timedelta(minutes=20)))
        case = _case(s, "Y0", grids["G2"], 1)
        s.add(CaseDispatch(case_id=case.id, department_id=offices[1].id, role="lead", whistled_at=T0))
        ids = {"X": x.id, "Y": y.id, "A": a.id, "B": b.id, "CGJ": cgj.id, "office_A": offices[0].id,
               "office_B": offices[1].id}
    return db, ids


def _numbers(db, actor):
    with db.session() as s:
        return filter_counts(s, CaseFilters(actor=actor), NOW).total


def test_an_unbound_supervisor_sees_the_whole_city_and_a_bound_one_only_their_district(city):
    db, ids = city
    assert _numbers(db, Actor("市中心", Role.SUPERVISOR)) == 4
    assert _numbers(db, Actor("X区中心", Role.SUPERVISOR, district_id=ids["X"])) == 3
    assert _numbers(db, Actor("Y区分析", Role.ANALYST, district_id=ids["Y"])) == 1


def test_the_case_map_filters_by_district(city):
    db, ids = city
    with db.session() as s:
        assert filter_counts(s, CaseFilters(district_ids=(ids["Y"],), actor=SYSTEM), NOW).total == 1


def test_metrics_have_one_row_per_district_and_narrow_to_one(city):
    db, ids = city
    with db.session() as s:
        per_district = metrics(s, "city_district", NOW, WINDOW.start, WINDOW.end, actor=SYSTEM)
        only_x = metrics(s, "district", NOW, WINDOW.start, WINDOW.end, actor=SYSTEM, district_id=ids["X"])
    assert dict(zip(per_district["label"], per_district["received"])) == {"X名": 3, "Y名": 1}
    assert only_x["received"].tolist() == [3]


def test_grid_load_drills_city_then_district_then_street(city):
    db, ids = city
    with db.session() as s:
        top = grid_load(s, NOW, WINDOW, actor=ADMIN)
        in_y = grid_load(s, NOW, WINDOW, actor=ADMIN, district_id=ids["Y"])
        in_a = grid_load(s, NOW, WINDOW, street_id=ids["A"], actor=ADMIN, district_id=ids["X"])
    assert top.level == "city_district"
    assert dict(zip(top.areas["name"], top.areas["received"])) == {"X名": 3, "Y名": 1}
    assert (in_y.level, in_y.areas["name"].tolist(), in_y.grids["code"].tolist()) == ("street", ["B名"], ["G2"])
    assert (in_a.level, in_a.areas["name"].tolist()) == ("community", ["A1名"])


def test_a_bound_analyst_gets_their_district_and_may_not_ask_for_another(city):
    db, ids = city
    bound = Actor("X区分析", Role.ANALYST, district_id=ids["X"])
    with db.session() as s:
        load = grid_load(s, NOW, WINDOW, actor=bound)
        assert (load.level, load.grids["code"].tolist()) == ("street", ["G1"])
        with pytest.raises(NotAllowed):
            grid_load(s, NOW, WINDOW, actor=bound, district_id=ids["Y"])


def test_department_load_of_a_district_lists_its_offices_and_the_line_departments_only(city):
    db, ids = city
    with db.session() as s:
        in_x = department_load(s, NOW, WINDOW, actor=ADMIN, district_id=ids["X"])
        city_wide = department_load(s, NOW, WINDOW, actor=ADMIN)
    assert sorted(in_x["department_id"]) == sorted([ids["CGJ"], ids["office_A"]])
    assert in_x.set_index("department_id").loc[ids["CGJ"], "whistled"] == 3
    assert sorted(city_wide["department_id"]) == sorted([ids["CGJ"], ids["office_A"], ids["office_B"]])


def test_the_monthly_report_and_the_big_screen_narrow_to_a_district(city):
    db, ids = city
    with db.session() as s:
        report = monthly_report(s, 2026, 3, NOW, actor=ADMIN, district_id=ids["Y"])
        screen = screen_data(s, NOW, ScreenSettings(district_id=ids["X"]), actor=Actor("kiosk:x", Role.SCREEN))
    assert int(report.district["received"]) == 1
    assert set(screen.latest_cases["number"]) == {"X0", "X1", "X2"}


def test_area_choices_carry_the_district(city):
    db, ids = city
    with db.session() as s:
        places = area_choices(s, _layout(s))
    assert dict(zip(places["grid_code"], places["district_name"])) == {"G1": "X名", "G2": "Y名"}


def _layout(s):
    from geo.read.layouts import active_layout

    return active_layout(s).id


def test_a_supervisor_may_be_bound_to_a_district_but_a_street_worker_may_not(city):
    db, ids = city
    with db.transaction() as s:
        add_user(s, "xsup", "long-enough-pw", "supervisor", ADMIN, NOW, binding=Binding(district="X"))
        actor = actor_for(s.scalar(select(User).where(User.username == "xsup")))
        with pytest.raises(AccountError, match="district"):
            add_user(s, "st", "long-enough-pw", "street", ADMIN, NOW, binding=Binding(street="A", district="X"))
        with pytest.raises(AccountError, match="no district"):
            add_user(s, "zsup", "long-enough-pw", "supervisor", ADMIN, NOW, binding=Binding(district="Z"))
    assert actor.district_id == ids["X"]


@pytest.fixture
def old_database(backend_name, tmp_path):
    """A database migrated to 0004 (before districts), with two streets."""
    from tests.conftest import _fresh_postgres_database, _postgis_url

    from geo.db.database import Database

    url = f"sqlite:///{tmp_path / 'old.db'}" if backend_name == "sqlite" else _fresh_postgres_database(
        _postgis_url(), "old")
    database = Database(url)
    upgrade(database, "0004")
    with database.engine.begin() as connection:
        for code, cells in (("S01", [(0, 0)]), ("S02", [(1, 0), (1, 1)])):
            geom = shapely.MultiPolygon([square(*c) for c in cells])
            connection.execute(Street.__table__.insert().values(code=code, name=code, geom=geom,
                                                                minx=0, miny=0, maxx=0, maxy=0))
    yield database
    database.dispose()


def test_upgrading_an_existing_district_makes_its_streets_one_district(old_database):
    upgrade(old_database)
    with old_database.session() as s:
        districts = s.execute(select(District.id, District.code, District.name, District.geom)).all()
        street_districts = set(s.scalars(select(Street.district_id)))
    assert [(code, name) for _, code, name, _ in districts] == [("D01", "本区")]
    assert street_districts == {districts[0][0]}
    assert districts[0][3].equals(shapely.union_all([square(0, 0), square(1, 0), square(1, 1)]))


def test_the_cli_binds_a_supervisor_to_a_district_by_code(city, monkeypatch, capsys):
    from cli import main

    db, ids = city
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("GRIDGOV_NEW_PASSWORD", "a long enough password")
    assert main(["user", "add", "ysup", "--role", "supervisor", "--district", "Y"]) == 0
    assert main(["user", "add", "wsup", "--role", "supervisor", "--district", "W"]) == 1
    assert "no district with code 'W'" in capsys.readouterr().err
    with db.session() as s:
        assert s.scalar(select(User.district_id).where(User.username == "ysup")) == ids["Y"]


def test_an_imported_street_joins_the_district_it_lies_in(city):
    import geopandas as gpd

    from geo.usecases.layers import publish_layer

    db, ids = city
    frame = gpd.GeoDataFrame({"code": ["C"], "name": ["新街道"]}, geometry=[square(1, 0).buffer(-STEP / 4)],
                             crs="EPSG:4326")
    publish_layer(db, "streets", frame, "test", ADMIN)
    with db.session() as s:
        assert s.scalar(select(Street.district_id).where(Street.code == "C")) == ids["Y"]
