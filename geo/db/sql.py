"""SQL building blocks for the metrics: which column a dimension groups by, and percentiles computed with
window functions so that SQLite and PostgreSQL give identical figures (SQLite has no percentile_cont). The
rules the figures count by (open, overdue, cards …) are in geo.db.rules."""

from __future__ import annotations

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.sql import Select

from geo.db.models import Case, CaseDispatch, Community, Department, District, Grid, Street
from geo.db.rules import is_counted

#: "district" is one row for everything counted (the district, or the whole city); "city_district" is one row
#: per district of the city.
DIMENSIONS = ("district", "city_district", "street", "community", "grid", "grid_member", "department")
_JOINS = ("grid", "grid_member", "community", "street", "city_district")


def count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def area_key(dimension: str):
    """(key column, label column) for an area dimension, over Case ⟕ Grid ⟕ Community ⟕ Street."""
    return {
        "district": (literal(0), literal("district")),
        "city_district": (District.id, District.name),
        "street": (Street.id, Street.name),
        "community": (Community.id, Community.name),
        "grid": (Grid.id, Grid.code),
        "grid_member": (Grid.member_name, Grid.member_name),
    }[dimension]


def with_area(query: Select, dimension: str) -> Select:
    """Join what an area dimension needs (left joins: unassigned cases still count for the district)."""
    if dimension in _JOINS:
        query = query.outerjoin(Grid, Grid.id == Case.grid_id)
    if dimension in ("community", "street", "city_district"):
        query = query.outerjoin(Community, Community.id == Grid.community_id)
    if dimension in ("street", "city_district"):
        query = query.outerjoin(Street, Street.id == Community.street_id)
    if dimension == "city_district":
        query = query.outerjoin(District, District.id == Street.district_id)
    return query


def keyed_cases(dimension: str, columns: list) -> Select:
    """SELECT key, label, *columns FROM cases (joined as the dimension needs)."""
    if dimension == "department":
        return (select(CaseDispatch.department_id.label("key"), Department.name.label("label"), *columns)
                .select_from(Case).join(CaseDispatch, CaseDispatch.case_id == Case.id)
                .join(Department, Department.id == CaseDispatch.department_id).where(is_counted()))
    key, label = area_key(dimension)
    query = select(key.label("key"), label.label("label"), *columns).select_from(Case).where(is_counted())
    return with_area(query, dimension)


def keyed_dispatches(dimension: str, columns: list) -> Select:
    """SELECT key, label, *columns FROM case_dispatches ⋈ cases (joined as the dimension needs)."""
    if dimension == "department":
        return (select(CaseDispatch.department_id.label("key"), Department.name.label("label"), *columns)
                .select_from(CaseDispatch).join(Case, Case.id == CaseDispatch.case_id)
                .join(Department, Department.id == CaseDispatch.department_id).where(is_counted()))
    key, label = area_key(dimension)
    query = select(key.label("key"), label.label("label"), *columns).select_from(CaseDispatch)
    return with_area(query.join(Case, Case.id == CaseDispatch.case_id).where(is_counted()), dimension)


def percentiles(values: Select, fractions: dict[str, float], sql) -> Select:
    """Linear-interpolated percentiles (as PostgreSQL's percentile_cont) of ``values`` (columns key, v; NULL
    v ignored) per key; ``sql`` is the backend module. Rank rows with row_number(), then pick and blend the two rows around (n-1)·p."""
    source = values.subquery("vals")
    ranked = select(
        source.c.key, source.c.v,
        (func.row_number().over(partition_by=source.c.key, order_by=source.c.v) - 1).label("rn"),
        func.count().over(partition_by=source.c.key).label("n"),
    ).where(source.c.v.is_not(None)).subquery("ranked")
    # Keep only the rows around each wanted rank before aggregating (2 rows per key and fraction).
    positions = {name: sql.floor((ranked.c.n - 1) * p) for name, p in fractions.items()}
    wanted = or_(*[ranked.c.rn.in_([low, low + 1]) for low in positions.values()])
    near = select(ranked.c.key, ranked.c.v, ranked.c.rn, ranked.c.n).where(wanted).subquery("near")
    columns = []
    for name, p in fractions.items():
        h = (near.c.n - 1) * p
        low = sql.floor(h)
        lo = func.max(case((near.c.rn == low, near.c.v)))
        hi = func.max(case((near.c.rn == low + 1, near.c.v)))
        weight = func.max(h - low)
        columns.append((lo + func.coalesce(weight * (hi - lo), 0)).label(name))
    return select(near.c.key, *columns).group_by(near.c.key)
