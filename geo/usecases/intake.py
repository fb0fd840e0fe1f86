"""A new case entering the system: coordinates to WGS84 (or a building matched by address), placed in a grid
and a building, its reporter recorded, logged."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import shapely
from sqlalchemy.orm import Session

from geo.db.models import Building, Case, CaseEvent, CaseGridAssignment, CaseReporter, Category
from geo.domain.actors import Actor
from geo.domain.datums import to_wgs84
from geo.domain.event_notes import Note
from geo.domain.vocabulary import Source, Status
from geo.domain.workflow import InvalidInput
from geo.usecases import tallies
from geo.usecases.bulk_intake import place_cases
from geo.usecases.numbering import case_numbers


class OutsideDistrict(InvalidInput):
    """The point lies in no grid, not even within the snap tolerance: a report from elsewhere."""


@dataclass(frozen=True)
class Reporter:
    """Who reported, and through which API client (``client_ref``: their id for the report, our idempotency
    key). Contact fields are personal data: masked wherever shown."""

    name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    client_id: int | None = None
    client_ref: str | None = None
    attributes: dict = field(default_factory=dict)  # service attribute code -> value or list of values


@dataclass(frozen=True)
class NewCase:
    source: str
    lon: float | None = None  # None with building_id: placed inside the building matched by address
    lat: float | None = None
    datum: str = "wgs84"  # phone mini-programs send gcj02, Baidu maps bd09
    category_id: int | None = None
    description: str = ""
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    reported_at: datetime | None = None
    number: str | None = None
    building_id: int | None = None
    require_grid: bool = False  # True (the API): outside every grid is refused, nothing is stored
    reporter: Reporter | None = None  # contact beyond name and phone, and the API client
    note: str = ""  # appended to the 'report' event (e.g. the answers to the category's questions)


def report_case(session: Session, new: NewCase, actor: Actor) -> Case:
    """Create the case: grid by the active layout (snapped/near-boundary flags kept; outside every grid it
    goes to the unassigned queue with grid None, or is refused with OutsideDistrict when ``require_grid``),
    building by footprint; its reporter row; flushes, does not commit."""
    source = _checked(session, new)
    placed = _place(session, new)
    at = new.reported_at or datetime.now(UTC)
    grid_id, building = int(placed.grid_id), int(placed.building_id)
    lon, lat = float(placed.lon), float(placed.lat)
    number = new.number or case_numbers(session, 1, at)[0]  # last before the insert: the counter's row is held
    case = Case(number=number, source=str(source), category_id=new.category_id,
                description=new.description, address=new.address, reporter_name=new.reporter_name,
                reporter_phone=new.reporter_phone, lon=lon, lat=lat, location=shapely.Point(lon, lat),
                grid_id=grid_id if grid_id >= 0 else None, building_id=building if building >= 0 else None,
                snapped=bool(placed.snapped), near_boundary=bool(placed.near_boundary),
                status=Status.REPORTED, reported_at=at)
    session.add(case)
    session.flush()
    session.add(CaseGridAssignment(case_id=case.id, layout_id=int(placed.layout_id), grid_id=case.grid_id,
                                   snapped=case.snapped, near_boundary=case.near_boundary))
    session.add(_reporter_row(case, new, at))
    placed = _placement_note(case, new.datum if new.building_id is None or new.lon is not None else "address")
    session.add(CaseEvent(case_id=case.id, at=at, actor=actor.name, role=str(actor.role), action="report",
                          from_status=None, to_status=Status.REPORTED, note=new.note or "", note_key=placed.key,
                          note_params=placed.dumps()))
    session.flush()
    tallies.recount_cases(session, [case.id])
    return case


def _checked(session: Session, new: NewCase) -> Source:
    try:
        source = Source(new.source)
    except ValueError:
        raise InvalidInput(f"unknown source {new.source!r}; sources: {', '.join(Source)}") from None
    if new.category_id is not None and session.get(Category, new.category_id) is None:
        raise InvalidInput(f"no category with id {new.category_id}")
    if new.building_id is not None and session.get(Building, new.building_id) is None:
        raise InvalidInput(f"no building with id {new.building_id}")
    if new.lon is None and new.lat is None and new.building_id is None:
        raise InvalidInput("a case needs a position: coordinates or a building matched by address")
    return source


def _place(session: Session, new: NewCase):
    """The bulk placement rule (geo.usecases.bulk_intake.place_cases) for one case."""
    if new.lon is not None or new.lat is not None:
        lon, lat = (float(v[0]) for v in to_wgs84(np.array([new.lon], float), np.array([new.lat], float), new.datum))
        if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidInput(f"case coordinates ({new.lon}, {new.lat}) are not a position on Earth")
        placed = place_cases(session, np.array([lon]), np.array([lat]), np.array([-1])).iloc[0]
    else:
        placed = place_cases(session, np.array([np.nan]), np.array([np.nan]), np.array([new.building_id])).iloc[0]
    if new.require_grid and int(placed.grid_id) < 0:
        raise OutsideDistrict(f"({placed.lon:.6f}, {placed.lat:.6f}) is outside the district: no grid within "
                              "the snap tolerance")
    return placed


def _reporter_row(case: Case, new: NewCase, at: datetime) -> CaseReporter:
    r = new.reporter or Reporter()
    return CaseReporter(case_id=case.id, kind="report", client_id=r.client_id, client_ref=r.client_ref,
                        source=case.source, name=new.reporter_name, phone=new.reporter_phone, email=r.email,
                        device_id=r.device_id, account_id=r.account_id,
                        attributes=json.dumps(r.attributes, ensure_ascii=False), reported_at=at)


def _placement_note(case: Case, datum: str) -> Note:
    """How the case was placed: its coordinates' datum ("address": at a building matched by address), and where
    it landed."""
    return Note("reported", {"datum": str(datum), "unassigned": case.grid_id is None, "snapped": bool(case.snapped),
                             "near_boundary": bool(case.near_boundary)})
