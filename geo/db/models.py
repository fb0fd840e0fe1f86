"""The spatial data model: the area hierarchy, versioned grid layouts, buildings, departments, categories,
cases with their dispatches and their append-only event log; accounts, kiosk tokens and the access audit
log. The only module of GridGov that defines tables.

The hierarchy (docs/domain.md): district → street 街道 → community 社区 → grid 网格 → building 楼栋.
Grid layouts are versioned (a district re-cut 620 grids into 539): a re-cut adds a new GridLayout and new
Grid rows; the old ones stay, and CaseGridAssignment keeps which grid a case was in under each layout.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import shapely
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from geo.db.types import Geometry, UTCDateTime


class Base(DeclarativeBase):
    pass


class _Bbox:
    """Bounding-box columns: cheap window queries on either backend without a spatial extension."""

    minx: Mapped[float] = mapped_column(Float)
    miny: Mapped[float] = mapped_column(Float)
    maxx: Mapped[float] = mapped_column(Float)
    maxy: Mapped[float] = mapped_column(Float)

    def set_geometry(self, geom) -> None:
        for column, value in bbox_rows([geom])[0].items():
            setattr(self, column, value)


def bbox_rows(geoms) -> list[dict]:
    """``{"geom", "minx", "miny", "maxx", "maxy"}`` per geometry: the one spelling of the rule "the bbox
    columns match the geometry", used by every writer of streets, communities, grids and buildings."""
    geoms = np.asarray(geoms, dtype=object)
    bounds = shapely.bounds(geoms)
    return [{"geom": g, "minx": float(b[0]), "miny": float(b[1]), "maxx": float(b[2]), "maxy": float(b[3])}
            for g, b in zip(geoms, bounds)]


class Street(_Bbox, Base):
    __tablename__ = "streets"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    geom = mapped_column(Geometry("MULTIPOLYGON"), nullable=False)


class Community(_Bbox, Base):
    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), index=True)
    geom = mapped_column(Geometry("MULTIPOLYGON"), nullable=False)
    street: Mapped[Street] = relationship()


class GridLayout(Base):
    """One version of the district's grid cut. Exactly one layout is active at a time."""

    __tablename__ = "grid_layouts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    note: Mapped[str] = mapped_column(Text, default="")


class Grid(_Bbox, Base):
    __tablename__ = "grids"
    __table_args__ = (UniqueConstraint("layout_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    layout_id: Mapped[int] = mapped_column(ForeignKey("grid_layouts.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    member_name: Mapped[str] = mapped_column(String(50), default="")
    member_phone: Mapped[str] = mapped_column(String(30), default="")
    geom = mapped_column(Geometry("MULTIPOLYGON"), nullable=False)
    community: Mapped[Community | None] = relationship()


class Building(_Bbox, Base):
    __tablename__ = "buildings"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str] = mapped_column(String(200), default="", index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    households: Mapped[int] = mapped_column(Integer, default=0)
    geom = mapped_column(Geometry("MULTIPOLYGON"), nullable=False)


class Department(Base):
    """A department a case is whistled to. A street office (街道办事处) is the department of one street:
    territory-first categories go to the office of the case's own street (geo.read.routing)."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str] = mapped_column(String(50), default="")
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"), index=True)


class Category(Base):
    """A kind of case, with its route (lead + co-departments) and its time limit."""

    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    class_code: Mapped[str] = mapped_column(String(32), index=True)
    class_name: Mapped[str] = mapped_column(String(100))
    lead_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    co_department_codes: Mapped[str] = mapped_column(String(200), default="")  # ";"-separated codes
    time_limit: Mapped[float] = mapped_column(Float)
    time_unit: Mapped[str] = mapped_column(String(20))  # working_hours | working_days
    routing_rule: Mapped[str] = mapped_column(String(20))  # owner | territory
    lead_department: Mapped[Department | None] = relationship()


class Case(Base):
    """A citizen case. ``version`` is the optimistic lock: a stale write raises StaleDataError."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="ck_cases_lonlat"),
        Index("ix_cases_lon_lat", "lon", "lat"),
        Index("ix_cases_status_reported", "status", "reported_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    source_ref: Mapped[str | None] = mapped_column(String(100), unique=True)  # id in the source system
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20))
    reporter_name: Mapped[str] = mapped_column(String(50), default="")
    reporter_phone: Mapped[str] = mapped_column(String(30), default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    location = mapped_column(Geometry("POINT"), nullable=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    snapped: Mapped[bool] = mapped_column(Boolean, default=False)
    near_boundary: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    tier: Mapped[str | None] = mapped_column(String(20))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    whistled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[str | None] = mapped_column(String(30))
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    deferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # while deferred: when the clock paused
    deferred_from: Mapped[str | None] = mapped_column(String(20))  # while deferred: the status to resume to
    bundle_id: Mapped[int | None] = mapped_column(ForeignKey("bundles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category | None] = relationship()
    grid: Mapped[Grid | None] = relationship()
    dispatches: Mapped[list[CaseDispatch]] = relationship(back_populates="case", order_by="CaseDispatch.id")


class CaseGridAssignment(Base):
    """Which grid a case was in under each grid layout: the history that survives a re-cut."""

    __tablename__ = "case_grid_assignments"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    layout_id: Mapped[int] = mapped_column(ForeignKey("grid_layouts.id"), primary_key=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    snapped: Mapped[bool] = mapped_column(Boolean, default=False)
    near_boundary: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseDispatch(Base):
    """One whistle of a case to one department (the lead or a co-department), with its own report-in/answer."""

    __tablename__ = "case_dispatches"
    __table_args__ = (UniqueConstraint("case_id", "department_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))  # lead | co
    whistled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reported_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    case: Mapped[Case] = relationship(back_populates="dispatches")
    department: Mapped[Department] = relationship()


class CaseEvent(Base):
    """Append-only log of every change to a case: never updated, never deleted."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")  # a person's words (reason, note), shown as typed
    # GridGov's own account of the event as a key and JSON parameters (geo.domain.event_notes), translated at
    # display; None on events written before keys (their English sentences are read back by from_legacy)
    note_key: Mapped[str | None] = mapped_column(String(40))
    note_params: Mapped[str | None] = mapped_column(Text)


class Notification(Base):
    """Outbox of escalation reminders: one row per (dispatch, level), written exactly once by the sweep and
    kept until a notifier delivers it (a failed delivery is retried, never lost)."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("dispatch_id", "level"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("case_dispatches.id"))
    level: Mapped[int] = mapped_column(Integer)  # 1 whistle, 2 yellow, 3 red, 4 discipline
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class SweepRun(Base):
    """When the escalation sweep last ran: later sweeps only look at dispatches that can still change."""

    __tablename__ = "sweep_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    inserted: Mapped[int] = mapped_column(Integer, default=0)


class Bundle(Base):
    """Frequent common problems (e.g. flying-wire charging) bundled across grids and escalated as one."""

    __tablename__ = "bundles"
    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    escalated_to: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # closed with all its cases
    closed_by: Mapped[str] = mapped_column(String(100), default="")


# Accounts, kiosk tokens and the access audit log.


class User(Base):
    """A local account. The password is stored only as an argon2 hash (geo.usecases.accounts)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")  # empty: SSO-only account
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    grid_codes: Mapped[str] = mapped_column(Text, default="")  # ";"-separated grid codes (grid members)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class KioskToken(Base):
    """A long-lived read-only token for the big screen (stored hashed; shown once when created)."""

    __tablename__ = "kiosk_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    """Append-only: sign-ins, failures and lockouts, account and role changes, personal-data reveals, imports."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
