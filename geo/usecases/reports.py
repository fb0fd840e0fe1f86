"""A report arriving live (the API, the phone page): one use case from the client's fields to a placed,
logged case with its reporter, photo and likely duplicates.

Steps: the same report again (same client + client_ref) → the case made the first time, nothing new; the
service (category) and its questions checked; the photo checked and re-encoded (its EXIF GPS places a report
that came without a position); placed by geo.usecases.intake.report_case — refused outside the district;
a report without a category gets the model's suggestion only when the model is sure enough; the photo
stored; open cases it probably duplicates listed for the reporter. Any refusal raises before anything is
written (the photo goes to the store last, and the caller removes it if its commit fails).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.db.media_store import MediaStore
from geo.db.models import Case, CaseMedia, CaseReporter
from geo.domain.actors import Actor
from geo.domain.attributes import answers_note, check_answers
from geo.domain.duplicates import DuplicatePolicy
from geo.domain.photos import Photo, PhotoLimits, PhotoRefused, process_photo
from geo.domain.text_classifier import Suggestion, confident
from geo.domain.workflow import InvalidInput
from geo.read.duplicates import likely_duplicates
from geo.read.services import Service, service
from geo.read.suggestions import suggest_categories
from geo.usecases.intake import NewCase, Reporter, report_case
from geo.usecases.media import link_media, store_photo


class UnknownService(InvalidInput):
    """No category has this service code."""


class NoLocation(InvalidInput):
    """Neither coordinates, nor a known address, nor a GPS position in the photo."""


class PhotoNotAccepted(InvalidInput):
    """The photo is too large, not an image we take, or damaged."""


class AnswersRefused(InvalidInput):
    """An answer to the category's questions is missing or not one of its values."""


@dataclass(frozen=True)
class Intake:
    source: str
    reporter: Reporter
    service_code: str | None = None  # None: the phone page's "I don't know" — the model may suggest one
    description: str = ""
    lon: float | None = None
    lat: float | None = None
    datum: str = "wgs84"
    building_id: int | None = None  # an address (address_string / address_id) matched to a building
    address: str = ""
    answers: dict[str, list[str]] = field(default_factory=dict)
    photo: bytes | None = None
    media_url: str = ""


@dataclass(frozen=True)
class IntakeSettings:
    duplicates: DuplicatePolicy = DuplicatePolicy()
    min_confidence: float = 0.6
    photo_limits: PhotoLimits = PhotoLimits()
    # the trained category model, or None (geo.read.suggestions.load_model: re-read when retrained)
    model_loader: Callable[[], object] = lambda: None


@dataclass(frozen=True)
class Received:
    case: Case
    created: bool
    duplicates: pd.DataFrame
    media: tuple[CaseMedia, ...] = ()
    suggested: Suggestion | None = None  # the category the model chose, when the reporter gave none


def receive_report(session: Session, store: MediaStore, intake: Intake, actor: Actor, now: datetime,
                   settings: IntakeSettings = IntakeSettings()) -> Received:
    """The case for this report (new, or the one this client already sent with the same client_ref)."""
    known = _already_received(session, intake.reporter)
    if known is not None:
        return Received(known, False, pd.DataFrame())
    svc = _service(session, intake.service_code)
    clean, problems = check_answers(list(svc.attributes) if svc else [], intake.answers)
    if problems:
        raise AnswersRefused("; ".join(problems))
    photo = _photo(intake.photo, settings.photo_limits)
    lon, lat, datum = _position(intake, photo)
    category_id, suggested = (svc.category_id, None) if svc else _suggested(session, intake, settings)
    reporter = Reporter(**{**intake.reporter.__dict__, "attributes": clean})
    case = report_case(session, NewCase(
        source=intake.source, lon=lon, lat=lat, datum=datum, category_id=category_id,
        description=intake.description, address=intake.address, reporter_name=reporter.name,
        reporter_phone=reporter.phone, reported_at=now, building_id=intake.building_id, require_grid=True,
        reporter=reporter, note=_note(svc, clean, suggested)), actor)
    media = []
    if intake.media_url:
        media.append(link_media(session, case, intake.media_url, actor.name, now))
    if photo is not None:
        media.append(store_photo(session, store, case, photo, "before", actor.name, now))
    duplicates = likely_duplicates(session, case.lon, case.lat, case.category_id, case.description, now,
                                   settings.duplicates, exclude_case_id=case.id)
    return Received(case, True, duplicates, tuple(media), suggested)


def _already_received(session: Session, reporter: Reporter) -> Case | None:
    if reporter.client_id is None or not reporter.client_ref:
        return None
    case_id = session.scalar(select(CaseReporter.case_id).where(CaseReporter.client_id == reporter.client_id,
                                                                CaseReporter.client_ref == reporter.client_ref))
    return session.get(Case, case_id) if case_id is not None else None


def _service(session: Session, code: str | None) -> Service | None:
    if code is None:
        return None
    found = service(session, code)
    if found is None:
        raise UnknownService(f"service_code {code!r} was not found (GET services lists the codes)")
    return found


def _photo(data: bytes | None, limits: PhotoLimits) -> Photo | None:
    if data is None:
        return None
    try:
        return process_photo(data, limits)
    except PhotoRefused as exc:
        raise PhotoNotAccepted(f"media: {exc}") from None


def _position(intake: Intake, photo: Photo | None) -> tuple[float | None, float | None, str]:
    if (intake.lon is None) != (intake.lat is None):
        raise InvalidInput("lat and long must be sent together")
    if intake.lon is not None or intake.building_id is not None:
        return intake.lon, intake.lat, intake.datum
    if photo is not None and photo.lon is not None:
        return photo.lon, photo.lat, "wgs84"  # phones write EXIF GPS in WGS84
    raise NoLocation("a location is required: lat and long, address_string or address_id (or a photo with GPS)")


def _suggested(session: Session, intake: Intake, settings: IntakeSettings):
    """(category id or None, the suggestion used): only a confident suggestion sets the category; an
    uncertain case goes to the center's manual queue without one (never routed on a guess)."""
    ranked = suggest_categories(session, intake.description, settings.model_loader())
    sure = confident([Suggestion(s.category_id, s.confidence) for s in ranked], settings.min_confidence)
    return (sure.category_id, sure) if sure else (None, None)


def _note(svc: Service | None, clean: dict, suggested: Suggestion | None) -> str:
    parts = [answers_note(list(svc.attributes), clean)] if svc else []
    if suggested is not None:
        parts.append(f"category suggested from the text (confidence {suggested.confidence:.2f})")
    return "; ".join(p for p in parts if p)
