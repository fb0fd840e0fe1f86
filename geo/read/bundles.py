"""Bundles (打包): open, unbundled cases that cluster by category, space and time (geo.domain.clustering) as
candidates, the bundles made of them with where their cases stand, and one bundle's cases."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo.config import metric_crs
from geo.db import rules
from geo.db.models import Bundle, Case, Category, Community, Department, Grid
from geo.db.scope import area_condition, case_condition
from geo.db.sql import count_if
from geo.domain.actors import Actor
from geo.domain.clustering import ClusterRule, clusters
from geo.domain.vocabulary import Status
from geo.read.routing import Route, route_for_case


def bundle_candidates(session: Session, now: datetime, rule: ClusterRule = ClusterRule(),
                      lookback: timedelta = timedelta(days=90), district_id: int | None = None) -> pd.DataFrame:
    """Open, unbundled cases reported in the lookback window (the city's, or one district's), with a
    ``cluster`` label (clusters only): id, number, category_id, category, grid_id, lon, lat, reported_at."""
    found, _ = _clustered(session, now, rule, lookback, district_id, Case.number)
    return found.sort_values(["cluster", "reported_at"]).reset_index(drop=True)[[
        "id", "number", "category_id", "category", "grid_id", "lon", "lat", "reported_at", "cluster"]]


def _clustered(session: Session, now: datetime, rule: ClusterRule, lookback: timedelta, district_id: int | None,
               *extra) -> tuple[pd.DataFrame, int]:
    """The candidates' id, category_id, category, grid_id, lon, lat, reported_at, ``extra`` columns and cluster
    label, clustered rows only, and how many candidates there were. A city holds some 300,000 such open cases: only what clustering needs is read
    (category names come from the small categories table, not a join per case)."""
    base = ["id", "category_id", "grid_id", "lon", "lat", "reported_at"]
    rows = session.execute(
        select(Case.id, Case.category_id, Case.grid_id, Case.lon, Case.lat, Case.reported_at, *extra)
        .where(rules.is_open(), Case.bundle_id.is_(None), Case.category_id.is_not(None),
               Case.reported_at >= now - lookback, Case.reported_at <= now, Case.lon.is_not(None),
               area_condition(district_id))
    ).all()
    names = base + [c.key for c in extra]  # built column-wise: row-wise takes three times as long
    frame = pd.DataFrame(dict(zip(names, zip(*rows))) if rows else {n: [] for n in names})
    categories = dict(session.execute(select(Category.id, Category.name)).all())
    frame["category"] = frame["category_id"].map(categories)
    frame = frame[frame["category"].notna()]  # as the join on categories did
    if frame.empty:
        return frame.assign(cluster=pd.Series(dtype=np.int64)), 0
    frame = frame.assign(cluster=clusters(frame, rule, metric_crs()))
    return frame[frame["cluster"] >= 0], len(frame)


def problem_clusters(session: Session, now: datetime, rule: ClusterRule = ClusterRule(),
                     district_id: int | None = None) -> tuple[pd.DataFrame, int]:
    """One row per candidate cluster, biggest first, without its cases (what the wall screen shows): cluster,
    category_id, category, cases, grids, place (the community holding most of its cases), places (how many
    communities), first and last report; and how many candidate cases were clustered."""
    found, candidates = _clustered(session, now, rule, timedelta(days=90), district_id)
    return _summary(session, found), candidates


_SUMMARY = ["cluster", "category_id", "category", "cases", "grids", "place", "places", "first", "last"]


def _summary(session: Session, found: pd.DataFrame) -> pd.DataFrame:
    """Per-cluster figures of ``found`` (clustered candidates), biggest first; vectorised, as a city has
    thousands of clusters."""
    if found.empty:
        return pd.DataFrame(columns=_SUMMARY)
    found = found.sort_values(["cluster", "reported_at"], kind="stable")
    found = found.assign(community=communities_of_grids(session, found["grid_id"]))
    groups = found.groupby("cluster").agg(
        category_id=("category_id", "first"), category=("category", "first"), cases=("id", "size"),
        grids=("grid_id", "nunique"), places=("community", "nunique"), first=("reported_at", "min"),
        last=("reported_at", "max"))
    groups["place"] = most_common_by(found["cluster"], found["community"]).reindex(groups.index)
    groups = groups.reset_index().sort_values(["cases", "grids", "cluster"], ascending=[False, False, True])
    return groups.reset_index(drop=True)[_SUMMARY]


def bundle_proposals(session: Session, now: datetime, rule: ClusterRule = ClusterRule(),
                     district_id: int | None = None) -> pd.DataFrame:
    """problem_clusters' rows with each cluster's case_ids and numbers (oldest first). Over the city's cases
    or one district's."""
    found = bundle_candidates(session, now, rule, district_id=district_id)
    lists = found.groupby("cluster").agg(case_ids=("id", list), numbers=("number", list))
    summary = _summary(session, found)
    return summary.join(lists, on="cluster") if len(summary) else summary.assign(case_ids=[], numbers=[])


def communities_of_grids(session: Session, grid_ids: pd.Series) -> pd.Series:
    """The community name of each grid id (None outside every grid or without a community)."""
    ids = sorted({int(g) for g in grid_ids.dropna()})
    names = dict(session.execute(select(Grid.id, Community.name).join(Community, Community.id == Grid.community_id)
                                 .where(Grid.id.in_(ids))).all()) if ids else {}
    mapped = grid_ids.map(names)
    return mapped.astype(object).where(mapped.notna(), None)


def most_common_by(keys: pd.Series, values: pd.Series) -> pd.Series:
    """Per key, its most frequent non-null value (ties: the one met first) — the place a group of cases is
    named after; keys with no value are absent."""
    pairs = pd.DataFrame({"key": keys.to_numpy(), "value": values.to_numpy(), "at": np.arange(len(keys))})
    counted = pairs.dropna(subset=["value"]).groupby(["key", "value"], sort=False).agg(n=("at", "size"),
                                                                                          at=("at", "min"))
    best = counted.reset_index().sort_values(["key", "n", "at"], ascending=[True, False, True], kind="stable")
    return best.drop_duplicates("key").set_index("key")["value"]


def bundle_list(session: Session, actor: Actor) -> pd.DataFrame:
    """Every bundle, newest first, with where its cases (in the actor's scope) stand: id, title, category,
    created_at, created_by, closed_at, cases, open, to_accept, to_whistle, deferred, to_close."""
    query = (select(Bundle.id, Bundle.title, Category.name, Bundle.created_at, Bundle.created_by, Bundle.closed_at,
                    func.count(Case.id), count_if(rules.is_open()), count_if(rules.awaits("accept")),
                    count_if(rules.ready_to_whistle()), count_if(Case.status == Status.DEFERRED),
                    count_if(rules.ready_to_close()))
             .join(Category, Category.id == Bundle.category_id)
             .join(Case, Case.bundle_id == Bundle.id).where(case_condition(actor))
             .group_by(Bundle.id, Bundle.title, Category.name, Bundle.created_at, Bundle.created_by, Bundle.closed_at)
             .order_by(Bundle.created_at.desc(), Bundle.id.desc()))
    return pd.DataFrame(session.execute(query).all(), columns=[
        "id", "title", "category", "created_at", "created_by", "closed_at", "cases", "open", "to_accept",
        "to_whistle", "deferred", "to_close"])


def bundle_cases(session: Session, bundle_id: int, actor: Actor) -> pd.DataFrame:
    """The cases of a bundle in the actor's scope, oldest first: id, number, version, status, grid, address,
    reported_at."""
    query = (select(Case.id, Case.number, Case.version, Case.status, Grid.code, Case.address, Case.reported_at)
             .outerjoin(Grid, Grid.id == Case.grid_id)
             .where(Case.bundle_id == bundle_id, case_condition(actor)).order_by(Case.reported_at, Case.id))
    return pd.DataFrame(session.execute(query).all(),
                        columns=["id", "number", "version", "status", "grid", "address", "reported_at"])


def whistle_choices(session: Session, bundle_id: int) -> tuple[pd.DataFrame, Route | None]:
    """The departments (id, name) and the route of the bundle's oldest open case: the bundle whistle's
    choices and defaults."""
    departments = pd.DataFrame(session.execute(select(Department.id, Department.name).order_by(Department.code)).all(),
                               columns=["id", "name"])
    first = session.scalars(select(Case).where(Case.bundle_id == bundle_id, rules.is_open())
                            .order_by(Case.reported_at, Case.id).limit(1)).first()
    return departments, None if first is None else route_for_case(session, first)
