"""A new case entering the system: coordinates to WGS84, placed in a grid and a building, logged."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from sqlalchemy.orm import Session

from geo.config import LOCAL_TZ
from geo.db.models import Case, CaseEvent, CaseGridAssignment, Category
from geo.domain.actors import Actor
from geo.domain.datums import to_wgs84
from geo.domain.event_notes import Note
from geo.domain.vocabulary import Source, Status
from geo.domain.workflow import InvalidInput
from geo.usecases.bulk_intake import place_cases


@dataclass(frozen=True)
class NewCase:
    source: str
    lon: float
    lat: float
    datum: str = "wgs84"  # phone mini-programs send gcj02, Baidu maps bd09
    category_id: int | None = None
    description: str = ""
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reported_at: datetime | None = None
    number: str | None = None


def case_number(at: datetime) -> str:
    """GG + local date and time + 4 random digits: readable on the phone, unique in practice (the column is
    unique, so a clash fails loudly rather than merging two cases)."""
    return f"GG{at.astimezone(ZoneInfo(LOCAL_TZ)):%Y%m%d%H%M%S}{secrets.randbelow(10_000):04d}"


def report_case(session: Session, new: NewCase, actor: Actor) -> Case:
    """Create the case: grid by the active layout (snapped/near-boundary flags kept; outside every grid it
    goes to the unassigned queue with grid None), building by footprint; flushes, does not commit."""
    try:
        source = Source(new.source)
    except ValueError:
        raise InvalidInput(f"unknown source {new.source!r}; sources: {', '.join(Source)}") from None
    if new.category_id is not None and session.get(Category, new.category_id) is None:
        raise InvalidInput(f"no category with id {new.category_id}")
    lon, lat = (float(v[0]) for v in to_wgs84(np.array([new.lon]), np.array([new.lat]), new.datum))
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise InvalidInput(f"case coordinates ({new.lon}, {new.lat}) are not numbers")
    placed = place_cases(session, np.array([lon]), np.array([lat]), np.array([-1])).iloc[0]  # the bulk rules
    at = new.reported_at or datetime.now(UTC)
    grid_id, building = int(placed.grid_id), int(placed.building_id)
    case = Case(number=new.number or case_number(at), source=str(source), category_id=new.category_id,
                description=new.description, address=new.address, reporter_name=new.reporter_name,
                reporter_phone=new.reporter_phone, lon=lon, lat=lat, location=shapely.Point(lon, lat),
                grid_id=grid_id if grid_id >= 0 else None, building_id=building if building >= 0 else None,
                snapped=bool(placed.snapped), near_boundary=bool(placed.near_boundary),
                status=Status.REPORTED, reported_at=at)
    session.add(case)
    session.flush()
    session.add(CaseGridAssignment(case_id=case.id, layout_id=int(placed.layout_id), grid_id=case.grid_id,
                                   snapped=case.snapped, near_boundary=case.near_boundary))
    placed = _placement_note(case, new.datum)
    session.add(CaseEvent(case_id=case.id, at=at, actor=actor.name, role=str(actor.role), action="report",
                          from_status=None, to_status=Status.REPORTED, note_key=placed.key,
                          note_params=placed.dumps()))
    session.flush()
    return case


def _placement_note(case: Case, datum: str) -> Note:
    return Note("reported", {"datum": str(datum), "unassigned": case.grid_id is None, "snapped": bool(case.snapped),
                             "near_boundary": bool(case.near_boundary)})
