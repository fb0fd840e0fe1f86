"""Small, checkable fixtures for integration tests: unit-square grids near 106.8E 39.67N (0.001° ≈ 100 m)."""

from __future__ import annotations

from datetime import UTC, datetime

import shapely

from geo.db.models import Case, Category, Department, Grid
from geo.domain.vocabulary import Source, Status
from geo.usecases.layouts import activate_layout, create_layout

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
X0, Y0, STEP = 106.8, 39.67, 0.001


def square(i: int, j: int) -> shapely.Polygon:
    return shapely.box(X0 + i * STEP, Y0 + j * STEP, X0 + (i + 1) * STEP, Y0 + (j + 1) * STEP)


def add_layout(session, cells: dict[str, shapely.Geometry], name: str = "test layout", activate: bool = True):
    layout = create_layout(session, name)
    grids = {}
    for code, geom in cells.items():
        grid = Grid(layout_id=layout.id, code=code, name=f"网格{code}")
        grid.set_geometry(geom)
        session.add(grid)
        grids[code] = grid
    session.flush()
    if activate:
        activate_layout(session, layout.id)
    return layout, grids


def add_departments_and_category(session) -> tuple[dict[str, Department], Category]:
    departments = {code: Department(code=code, name=name) for code, name in
                   [("CGJ", "城市管理局"), ("SZ", "市政公用事业服务中心"), ("STREET", "街道办事处")]}
    session.add_all(departments.values())
    session.flush()
    category = Category(code="JG", name="井盖缺失破损", class_code="SZSS", class_name="市政设施",
                        lead_department_id=departments["SZ"].id, co_department_codes="CGJ", time_limit=2,
                        time_unit="working_hours", routing_rule="owner")
    session.add(category)
    session.flush()
    return departments, category


def add_case(session, category: Category | None, number: str = "C1", lon: float = X0 + 0.0005,
             lat: float = Y0 + 0.0005, reported_at: datetime = T0, reporter_phone: str = "") -> Case:
    case = Case(number=number, category=category, source=Source.HOTLINE, status=Status.REPORTED, lon=lon, lat=lat,
                location=shapely.Point(lon, lat), reported_at=reported_at, description="井盖缺失",
                reporter_phone=reporter_phone)
    session.add(case)
    session.flush()
    return case
