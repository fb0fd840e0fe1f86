"""What the case map needs besides the case layer: the filters' choices, a clicked grid's load summary,
buildings in view, and which actions the case panel offers to the acting person."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.db import rules
from geo.db.database import backend
from geo.db.models import Building, Case, CaseDispatch, Category, Community, Department, District, Grid, Street
from geo.db.scope import case_condition
from geo.db.sql import count_if
from geo.domain.actors import Actor
from geo.domain.rules import answer_due
from geo.domain.vocabulary import Role
from geo.domain.workflow import actions_for
from geo.read.case_map import CaseFilters, MapLayer, MapView, map_layer
from geo.read.map_shapes import Shapes, level_for, shapes_in_view
from geo.read.overview import district_kpis
from geo.read.routing import Route, route_for_case

#: More buildings than this in view: not drawn (the user is not zoomed in enough to tell them apart).
MAX_BUILDINGS = 3000


@dataclass(frozen=True)
class FilterOptions:
    """The choices of the filter widgets, as small frames (id + label columns)."""

    districts: pd.DataFrame  # id, name
    streets: pd.DataFrame  # id, name, district_id
    communities: pd.DataFrame  # id, name, street_id
    grids: pd.DataFrame  # id, code, name, community_id (active layout)
    departments: pd.DataFrame  # id, name
    categories: pd.DataFrame  # id, name, class_code, class_name


def filter_options(session: Session, layout_id: int) -> FilterOptions:
    def frame(query) -> pd.DataFrame:
        result = session.execute(query)
        return pd.DataFrame(result.all(), columns=list(result.keys()))

    return FilterOptions(
        districts=frame(select(District.id, District.name).order_by(District.code)),
        streets=frame(select(Street.id, Street.name, Street.district_id).order_by(Street.code)),
        communities=frame(select(Community.id, Community.name, Community.street_id).order_by(Community.code)),
        grids=frame(select(Grid.id, Grid.code, Grid.name, Grid.community_id)
                    .where(Grid.layout_id == layout_id).order_by(Grid.code)),
        departments=frame(select(Department.id, Department.name).order_by(Department.code)),
        categories=frame(select(Category.id, Category.name, Category.class_code, Category.class_name)
                         .order_by(Category.class_code, Category.code)),
    )


def grid_summary(session: Session, grid_id: int, now: datetime, actor: Actor, start: datetime | None = None,
                 end: datetime | None = None) -> dict | None:
    """A grid's load for the panel: where it is, who runs it, its cases reported in [start, end) (received,
    open, overdue, closed, closure and satisfaction rates, cards) and the categories of its open cases —
    counting only the cases the actor may see (a department sees its own load in that grid).
    Figures and rates as docs/metrics.md defines them (geo.read.overview.district_kpis)."""
    place = session.execute(
        select(Grid.code, Grid.name, Grid.member_name, Community.name, Street.name, Grid.minx, Grid.miny,
               Grid.maxx, Grid.maxy, District.name, Street.id, District.id)
        .outerjoin(Community, Community.id == Grid.community_id)
        .outerjoin(Street, Street.id == Community.street_id)
        .outerjoin(District, District.id == Street.district_id).where(Grid.id == grid_id)).first()
    if place is None:
        return None
    window = [Case.grid_id == grid_id, case_condition(actor)]
    if start is not None:
        window.append(Case.reported_at >= start)
    if end is not None:
        window.append(Case.reported_at < end)
    summary = {"id": grid_id, "code": place[0], "name": place[1], "member": place[2], "community": place[3],
               "street": place[4], "district": place[9], "bounds": tuple(float(v) for v in place[5:9]),
               "street_id": place[10], "district_id": place[11]}
    summary.update(_case_figures(session, window, now, actor))
    summary.update(_card_figures(session, window, now))
    open_by_category = session.execute(
        select(func.coalesce(Category.name, "—"), func.count()).select_from(Case)
        .outerjoin(Category, Category.id == Case.category_id)
        .where(*window, rules.is_open())
        .group_by(Category.name).order_by(func.count().desc()).limit(5)).all()
    summary["open_by_category"] = [(name, int(n)) for name, n in open_by_category]
    return summary


def _case_figures(session: Session, window: list, now: datetime, actor: Actor) -> dict:
    kpis = district_kpis(session, now, where=window, actor=actor)
    return {"received": kpis.received, "open": kpis.open, "overdue": kpis.overdue, "closed": kpis.closed,
            "closure_rate": kpis.closure_rate, "satisfaction_rate": kpis.satisfaction_rate}


def _card_figures(session: Session, window: list, now: datetime) -> dict:
    elapsed = rules.elapsed_seconds(backend(session.get_bind().dialect.name), now)
    row = session.execute(
        select(*(count_if(rules.in_card(elapsed, card)) for card in rules.CARDS))
        .select_from(CaseDispatch).join(Case, Case.id == CaseDispatch.case_id).where(*window)).one()
    return {str(card): int(n) for card, n in zip(rules.CARDS, row)}


def buildings_in_view(session: Session, view: MapView, limit: int = MAX_BUILDINGS) -> str | None:
    """Building footprints meeting the view as a GeoJSON FeatureCollection (address only, coordinates at
    ~10 cm), or None when more than ``limit`` are in view."""
    rows = session.execute(
        select(Building.address, Building.geom).where(
            Building.maxx >= view.west, Building.minx <= view.east, Building.maxy >= view.south,
            Building.miny <= view.north).limit(limit + 1)).all()
    if len(rows) > limit:
        return None
    geoms = shapely.transform(np.array([g for _, g in rows], dtype=object), lambda xy: np.round(xy, 6))
    features = [{"type": "Feature", "properties": {"address": address}, "geometry": json.loads(text)}
                for (address, _), text in zip(rows, shapely.to_geojson(geoms))]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      separators=(",", ":"))


#: Buildings are drawn from this zoom on (≈ 2 m per pixel: footprints are told apart).
BUILDINGS_ZOOM = 16


@dataclass(frozen=True)
class ViewContent:
    """What the case map draws for one view: the case layer, the area shapes it is drawn on, buildings."""

    layer: MapLayer
    shapes: Shapes
    buildings: str | None


def view_content(session: Session, filters: CaseFilters, view: MapView, now: datetime,
                 layout_id: int) -> ViewContent:
    """The case layer (geo.read.case_map) at the level the view's shapes are drawn at (geo.read.map_shapes:
    its grids, or a city's streets or districts), those shapes, and the buildings when zoomed in."""
    level = level_for(session, layout_id, view)
    return ViewContent(map_layer(session, filters, view, now, layout_id, level=level),
                       shapes_in_view(session, layout_id, view, level),
                       buildings_in_view(session, view) if view.zoom >= BUILDINGS_ZOOM else None)


def panel_actions(status: str, dispatches: list[dict], actor: Actor) -> list[str]:
    """The actions the case panel offers: the state machine's actions for the role (geo.domain.workflow), less the
    department actions the actor's department cannot take on this case — not whistled to it, already
    reported in, or (answer) not the lead — so a department sees only the buttons that would work."""
    actions = actions_for(status, actor.role)
    if actor.role != Role.DEPARTMENT:
        return actions
    own = next((d for d in dispatches if d["department_id"] == actor.department_id), None)
    if own is None:
        return [a for a in actions if a not in ("report_in", "answer")]
    if own["reported_in_at"] is not None:
        actions = [a for a in actions if a != "report_in"]
    if not answer_due(own["role"], own["answered_at"]):
        actions = [a for a in actions if a != "answer"]
    return actions


def suggested_route(session: Session, case_id: int) -> Route | None:
    """The departments the case's category routes to (the whistle form's defaults), or None (manual)."""
    case = session.get(Case, case_id)
    return None if case is None else route_for_case(session, case)
