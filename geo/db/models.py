"""The spatial data model: the area hierarchy, versioned grid layouts, buildings, departments, categories,
cases with their dispatches and their append-only event log; accounts, browser sessions, kiosk tokens,
residents' rating links and the access audit log. The only module of GridGov that defines tables.

The hierarchy (docs/domain.md): city 市 → district 区/县 → street 街道 → community 社区 → grid 网格 → building
楼栋. One database holds one city: a district-wide deployment is a city of one district.
Grid layouts are versioned (a district re-cut 620 grids into 539): a re-cut adds a new GridLayout and new
Grid rows; the old ones stay, and CaseGridAssignment keeps which grid a case was in under each layout.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import shapely
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from geo.db.types import Geometry, UTCDateTime
from geo.domain.h3_keys import location_key_of


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
    columns match the geometry", used by every writer of districts, streets, communities, grids and
    buildings."""
    geoms = np.asarray(geoms, dtype=object)
    bounds = shapely.bounds(geoms)
    return [{"geom": g, "minx": float(b[0]), "miny": float(b[1]), "maxx": float(b[2]), "maxy": float(b[3])}
            for g, b in zip(geoms, bounds)]


class District(_Bbox, Base):
    """A district (区/县) of the city. District-wide roles may be bound to one (``User.district_id``)."""

    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    geom = mapped_column(Geometry("MULTIPOLYGON"), nullable=False)


class Street(_Bbox, Base):
    __tablename__ = "streets"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
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


#: The partial index of the cases whose deadline clock runs (geo.db.rules.RUNNING; tests/unit/test_running_index
#: holds the two equal): "overdue" is read live on every figure, through it, without visiting a city's table.
RUNNING_CASES = "status IN ('accepted', 'answered', 'reopened', 'reported', 'reported_in', 'rework', 'whistled')"


#: The partial index of the lead dispatches whose answer is still due (geo.db.rules.answer_due).
ANSWER_DUE = "role = 'lead' AND answered_at IS NULL"


#: The covering index the hotspots page counts from (geo.read.hotspot_sql): a grid's or a district's cases of a
#: window are one range of it, and PostgreSQL reads cell, category and status from the index alone instead
#: of visiting a city's 3 GB of case rows (a district's year: 1.8 s through ix_cases_grid_id and the rows).
HOTSPOT_KEYS, HOTSPOT_READS = ("grid_id", "reported_at"), ["h3_key", "category_id", "status"]
#: What the durations' percentiles read of a window's cases (geo.read.metrics), and of their dispatches, held by
#: the report-time and case indexes: a city month's 800,000 cases and their dispatches read from the indexes
#: alone, not from rows spread over the whole table.
WINDOW_READS, DISPATCH_READS = ["id", "closed_at", "grid_id", "status"], ["department_id", "whistled_at",
                                                                          "reported_in_at"]


class Case(Base):
    """A citizen case. ``version`` is the optimistic lock: a stale write raises StaleDataError."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="ck_cases_lonlat"),
        Index("ix_cases_lon_lat", "lon", "lat"),
        Index("ix_cases_status_reported", "status", "reported_at"),
        Index("ix_cases_unassigned", "reported_at", postgresql_where=text("grid_id IS NULL"),
              sqlite_where=text("grid_id IS NULL")),
        Index("ix_cases_running", "deadline", postgresql_include=["id", "reported_at", "grid_id", "category_id"],
              postgresql_where=text(RUNNING_CASES), sqlite_where=text(RUNNING_CASES)),
        Index("ix_cases_hotspot", *HOTSPOT_KEYS, postgresql_include=HOTSPOT_READS),
        Index("ix_cases_reported_at", "reported_at", postgresql_include=WINDOW_READS),
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
    # The location's H3 cells at the resolutions hotspots study, as one number (geo.domain.h3_keys; None
    # without a location). Kept by ``_keep_h3_key`` on ORM writes; bulk inserts use h3_keys.location_keys.
    h3_key: Mapped[int | None] = mapped_column(BigInteger)
    address: Mapped[str] = mapped_column(String(200), default="")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    snapped: Mapped[bool] = mapped_column(Boolean, default=False)
    near_boundary: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    tier: Mapped[str | None] = mapped_column(String(20))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
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
    # A duplicate merged into another case (status "merged"): it counts there, not on its own.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category | None] = relationship()
    grid: Mapped[Grid | None] = relationship()
    dispatches: Mapped[list[CaseDispatch]] = relationship(back_populates="case", order_by="CaseDispatch.id")


@event.listens_for(Case, "before_insert")
@event.listens_for(Case, "before_update")
def _keep_h3_key(mapper, connection, case: Case) -> None:
    """A case written through the ORM carries the H3 key of its location (geo.domain.h3_keys)."""
    case.h3_key = location_key_of(case.lon, case.lat)


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
    __table_args__ = (
        UniqueConstraint("case_id", "department_id"),
        # what the pages read live (cards as of now): the dispatches still waiting for a report-in
        Index("ix_case_dispatches_pending", "whistled_at", postgresql_where=text("reported_in_at IS NULL"),
              sqlite_where=text("reported_in_at IS NULL")),
        # the lead dispatches still owing their answer (geo.db.rules.answer_due): the live "no answer" notices
        Index("ix_case_dispatches_unanswered", "case_id", postgresql_include=["department_id", "whistled_at",
                                                                              "reported_in_at"],
              postgresql_where=text(ANSWER_DUE), sqlite_where=text(ANSWER_DUE)),
        Index("ix_case_dispatches_case_id", "case_id", postgresql_include=DISPATCH_READS),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
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
    """Outbox of escalation reminders: one row per (dispatch, whistle, level), written exactly once by the sweep
    and kept until a notifier delivers it (a failed delivery is retried, never lost).

    Keyed by the whistle (the dispatch's ``whistled_at`` when the reminder fell due), not by the dispatch
    alone: a case sent back for rework and whistled again reuses its dispatches, and the new whistle earns its
    own reminders. A sender claims rows (``claimed_by`` until ``claimed_until``) with one conditional UPDATE
    before delivering them, so two sweeps running at once never send a reminder twice."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("dispatch_id", "whistled_at", "level", name="uq_notifications_whistle_level"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("case_dispatches.id"))
    whistled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    level: Mapped[int] = mapped_column(Integer)  # 1 whistle, 2 yellow, 3 red, 4 discipline
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Counter(Base):
    """Named counters incremented atomically in the writer's transaction (case numbers per prefix and day):
    numbers from a counter never clash, however many writers run at once."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


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


# Intake: who reported a case (several people after a merge), its photos, the categories' extra questions
# (Open311 service attributes) and the API clients that send cases in.


class ApiClient(Base):
    """A system that sends cases through the API (hotline, mini-program, video platform): one key each, stored
    only as a sha256 hash (shown once when created), bound to one case source."""

    __tablename__ = "api_clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(12))  # the key's first characters, to tell keys apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseReporter(Base):
    """One person's report of a case: the first reporter, a duplicate's reporter after a merge (the row keeps
    the case it was filed as), or someone who chose to follow an existing case. All are told when the case
    closes (``notified_at``). Through the API, (client, client_ref) is the idempotency key."""

    __tablename__ = "case_reporters"
    __table_args__ = (UniqueConstraint("client_id", "client_ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # report | follow
    client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"), index=True)
    client_ref: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    device_id: Mapped[str] = mapped_column(String(100), default="")
    account_id: Mapped[str] = mapped_column(String(100), default="")
    attributes: Mapped[str] = mapped_column(Text, default="{}")  # JSON: service attribute code -> value(s)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class CaseMedia(Base):
    """A photo of a case (re-encoded, EXIF stripped; the bytes live in the media store under ``key``) or a
    link to media the client hosts (``url``). "before": evidence at report; "after": a department's answer."""

    __tablename__ = "case_media"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # before | after
    key: Mapped[str | None] = mapped_column(String(100), unique=True)
    thumb_key: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500), default="")
    content_type: Mapped[str] = mapped_column(String(50), default="")
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # EXIF time, read before stripping
    exif_lon: Mapped[float | None] = mapped_column(Float)  # EXIF GPS (WGS84), read before stripping
    exif_lat: Mapped[float | None] = mapped_column(Float)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by: Mapped[str] = mapped_column(String(100), default="")


class CategoryAttribute(Base):
    """An extra question of a category (Open311 service definition attribute), e.g. the manhole cover's
    state. ``choices`` holds JSON ``[[key, name], …]`` for the list datatypes."""

    __tablename__ = "category_attributes"
    __table_args__ = (UniqueConstraint("category_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    code: Mapped[str] = mapped_column(String(50))
    variable: Mapped[bool] = mapped_column(Boolean, default=True)
    datatype: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    datatype_description: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer)  # Open311 "order": 1 is shown first
    description: Mapped[str] = mapped_column(Text, default="")
    choices: Mapped[str] = mapped_column(Text, default="[]")


# Accounts, kiosk tokens and the access audit log.


class User(Base):
    """A local account. The password is stored only as an argon2 hash (geo.usecases.accounts)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")  # empty: SSO-only account
    role: Mapped[str] = mapped_column(String(20))
    # district-wide roles (admin, supervisor, analyst): bound to one district, or None for the whole city
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
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


class UserSession(Base):
    """A browser signed in to a local account (geo.usecases.sessions). The browser holds a random token in an
    HttpOnly cookie; only its sha256 is stored. Until the browser has traded its one-time ticket for that
    cookie, the row has a ticket hash and no token hash. A session ends by sign-out, idle timeout, expiry, or
    when the account is disabled or its role changes; ended rows are kept for the record."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(String(20), default="")


class RatingLink(Base):
    """A resident's rating link for one closing of a case (geo.usecases.rating_links): valid from the closing
    until ``expires_at``, used at most once. The URL's signature is an HMAC with the server secret, so the
    link can be shown again without storing it, and a database copy cannot forge one."""

    __tablename__ = "rating_links"
    __table_args__ = (UniqueConstraint("case_id", "closed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[str | None] = mapped_column(String(30))


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


# Tallies: the figures of docs/metrics.md that do not change with the clock, pre-counted per key so that a
# city's pages never rescan its cases (geo.db.tallies defines the counts, geo.usecases.tallies keeps them).

#: Per case reported in the key's day or month: the case counters of geo.read.metrics.
CASE_COUNTERS = ("received", "open", "closed", "due", "answered_on_time", "closed_on_time", "rated", "satisfied",
                 "reworked", "finished_once")
#: Per dispatch of those cases: whistled, reported in, on time, and the card a reported-in dispatch ended on.
DISPATCH_COUNTERS = ("whistled", "reported_in", "reported_in_on_time", "yellow_in", "red_in", "discipline_in")


class _Counters:
    """One integer column per counter (CASE_COUNTERS + DISPATCH_COUNTERS), copied into each tally table."""


for _name in CASE_COUNTERS + DISPATCH_COUNTERS:
    setattr(_Counters, _name, mapped_column(Integer, nullable=False, default=0))


class TallyDay(_Counters, Base):
    """Per local day of report and street (0: a case in no street); ``closed_day``: cases closed that day."""

    __tablename__ = "tally_days"
    day = mapped_column(Date, primary_key=True)
    street_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    closed_day: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class TallyMonth(_Counters, Base):
    """Per local month of report (its first day) and grid (0: a case in no grid)."""

    __tablename__ = "tally_months"
    month = mapped_column(Date, primary_key=True)
    grid_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class TallyDepartment(_Counters, Base):
    """Per local day of report, department and district (0: none), over the department's dispatches."""

    __tablename__ = "tally_departments"
    day = mapped_column(Date, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class TallyCategory(Base):
    """Per local day of report, district and category (0: none): cases received."""

    __tablename__ = "tally_categories"
    day = mapped_column(Date, primary_key=True)
    district_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class TallyState(Base):
    """One row: the latest time any tallied case or dispatch carries. A reading as of an earlier ``now`` (a
    replay) cannot use the tallies and counts from the cases themselves."""

    __tablename__ = "tally_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    through: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Community forces (热心人): the volunteer registry, the needs list (tasks and who takes them) and the points
# ledger. The rules are geo.domain.volunteers, volunteer_match and volunteer_points.


class Volunteer(Base):
    """A resident who helps (热心人), registered by their community. Name and phone are personal data: masked
    wherever shown, revealed only with an audit entry (geo.usecases.personal_data.reveal_volunteer). The home
    position places them for matching; imported with a grid only, it is a point inside that grid
    (``placed_by`` "grid"). ``user_id`` links the account they sign in to the phone page with."""

    __tablename__ = "volunteers"
    __table_args__ = (CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90",
                                      name="ck_volunteers_lonlat"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(30), unique=True)
    skills: Mapped[str] = mapped_column(String(200), default="")  # ";"-separated geo.domain.volunteers.Skill
    availability: Mapped[str] = mapped_column(String(100), default="")  # ";"-separated Availability
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    grid_code: Mapped[str] = mapped_column(String(64), default="")  # the grid of the home (a code survives re-cuts)
    placed_by: Mapped[str] = mapped_column(String(10), default="home")  # home | grid
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class VolunteerTask(Base):
    """A need a community (or the center) publishes (需求清单): from a community-tier case or on its own (a
    patrol, a campaign, an errand), with a place, the skills needed, a time window and a headcount.
    ``version`` moves with every assignment, so two sign-ups for the last place run one after the other."""

    __tablename__ = "volunteer_tasks"
    __table_args__ = (CheckConstraint("headcount >= 1", name="ck_volunteer_tasks_headcount"),
                      CheckConstraint("ends_at > starts_at", name="ck_volunteer_tasks_window"))
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(200), default="")
    skills: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    headcount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class VolunteerAssignment(Base):
    """One volunteer on one task: assigned by the community or signed up on the phone page; done with an
    optional note and photo (the bytes in the media store under ``photo_key``)."""

    __tablename__ = "volunteer_assignments"
    __table_args__ = (UniqueConstraint("task_id", "volunteer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("volunteer_tasks.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    assigned_by: Mapped[str] = mapped_column(String(20))  # community | sign_up
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), index=True)  # active | done
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    photo_key: Mapped[str | None] = mapped_column(String(100))
    thumb_key: Mapped[str | None] = mapped_column(String(100))


class VolunteerPoints(Base):
    """Append-only points ledger (the migration's triggers refuse UPDATE and DELETE, like the case log): a
    credit per completed assignment (at most one: ``assignment_id`` is unique) and the community's redemption
    entries. The balance is the sum; who wrote each entry is kept with it."""

    __tablename__ = "volunteer_points"
    __table_args__ = (CheckConstraint("(kind = 'task' AND points > 0) OR (kind = 'redeem' AND points < 0)",
                                      name="ck_volunteer_points_sign"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # task | redeem
    points: Mapped[int] = mapped_column(Integer)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_tasks.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer_assignments.id"), unique=True)
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
