"""Where the case map opens (AppTest, sample copy): on a ?case= link, zoomed to that case; for a grid
member, on their own grids."""

from sqlalchemy import select

from geo.db.database import Database
from geo.db.models import Case, Grid
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from tests.e2e.test_case_map_page import open_page

BUILDINGS_ZOOM = 16


def _view(maps) -> tuple:
    last = maps[-1]
    return last["center"], last["zoom"]


def test_a_case_link_zooms_the_map_to_the_case(maps, sample_url):
    db = Database(sample_url)
    with db.session() as s:
        number, lon, lat = s.execute(select(Case.number, Case.lon, Case.lat).order_by(Case.id)).first()
    db.dispose()
    at = open_page(maps, sample_url)
    at.query_params["case"] = number
    at.run()
    assert not at.exception, at.exception
    assert _view(maps) == ((lat, lon), BUILDINGS_ZOOM)


def test_a_grid_members_map_opens_on_their_grid(maps, sample_url):
    db = Database(sample_url)
    with db.session() as s:
        grid = s.scalars(select(Grid).order_by(Grid.code)).first()
        code, box = grid.code, (grid.minx, grid.miny, grid.maxx, grid.maxy)
    db.dispose()
    open_page(maps, sample_url, Actor("网格员", Role.GRID_MEMBER, grid_codes=frozenset({code})))
    (lat, lon), zoom = _view(maps)
    assert box[0] < lon < box[2] and box[1] < lat < box[3] and zoom == BUILDINGS_ZOOM
    open_page(maps, sample_url)  # a supervisor's map shows the whole district
    assert _view(maps) == (None, None)
