"""From a POSTed report (Open311 form fields, multipart ``media``) to geo's Intake, and its submission in one
transaction. Shared by POST /open311/v2/requests and POST /api/v1/reports."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from starlette.datastructures import FormData, UploadFile

from api import addresses, inputs
from api.inputs import ApiError
from geo.db.database import Database
from geo.db.media_store import MediaStore
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.domain.workflow import InvalidInput
from geo.read.api_clients import Client
from geo.read.layouts import NoActiveLayout
from geo.usecases.duplicates import UnknownCase, follow_case
from geo.usecases.intake import OutsideDistrict, Reporter
from geo.usecases.reports import (
    AnswersRefused,
    Intake,
    IntakeSettings,
    NoLocation,
    PhotoNotAccepted,
    Received,
    UnknownService,
    receive_report,
)

_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,50})\](\[\])?$")
#: geo's refusals of a report → the reason word the phone page translates (any other InvalidInput: bad_input).
_REASONS = ((OutsideDistrict, "outside"), (NoActiveLayout, "outside"), (NoLocation, "no_position"),
            (UnknownService, "unknown_service"), (PhotoNotAccepted, "photo"), (AnswersRefused, "answers"))


@dataclass(frozen=True)
class Submitted:
    received: Received
    number: str
    account_id: str


def field(form: FormData, name: str) -> str | None:
    """A text field of the form; 400 when a file was sent under a text field's name."""
    value = form.get(name)
    if value is not None and not isinstance(value, str):
        raise ApiError(400, f"{name} must be a text field, not a file")
    return value


def attribute_answers(form: FormData) -> dict[str, list[str]]:
    """attribute[code]=v and attribute[code][]=v1&attribute[code][]=v2 → {code: [values]}."""
    answers: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        found = _ATTRIBUTE.match(key)
        if found and isinstance(value, str):
            answers.setdefault(found.group(1), []).append(inputs.text(value, key, 500))
    return answers


def reporter(form: FormData, client: Client, client_ref: str | None) -> Reporter:
    first = inputs.text(field(form, "first_name"), "first_name", 24)
    last = inputs.text(field(form, "last_name"), "last_name", 24)
    return Reporter(name=(last + first) if _cjk(last + first) else f"{first} {last}".strip(),
                    phone=inputs.text(field(form, "phone"), "phone", 30),
                    email=inputs.text(field(form, "email"), "email", 254),
                    device_id=inputs.text(field(form, "device_id"), "device_id", 100),
                    account_id=inputs.text(field(form, "account_id"), "account_id", 100),
                    client_id=client.id, client_ref=client_ref)


def _cjk(name: str) -> bool:
    """Chinese names are written family name first, without a space."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in name)


async def read_media(form: FormData, max_bytes: int) -> bytes | None:
    """The ``media`` file part's bytes (read up to one byte past the limit, so an oversize photo is refused
    without holding all of it), None when absent; 400 when ``media`` is sent as a plain field."""
    media = form.get("media")
    if media is None or media == "":
        return None
    if not isinstance(media, UploadFile):
        raise ApiError(400, "media must be a file part of a multipart/form-data request (or use media_url)")
    return await media.read(max_bytes + 1)


def client_ref(form: FormData, headers) -> str | None:
    """The client's own id for this report: ``source_id`` (e.g. the hotline work-order number) or the
    ``Idempotency-Key`` header. Re-posting with the same one creates nothing new."""
    ref = inputs.text(field(form, "source_id"), "source_id", 100) or inputs.text(
        headers.get("idempotency-key"), "Idempotency-Key", 100)
    return ref or None


def intake(db: Database, form: FormData, client: Client, headers, photo: bytes | None,
           service_required: bool = True) -> Intake:
    """The report's fields checked and its address resolved."""
    code = inputs.text(field(form, "service_code"), "service_code", 32)
    if service_required and not code:
        raise ApiError(400, "service_code was not provided (GET services lists the codes)")
    lat = inputs.number(field(form, "lat"), "lat", -90, 90)
    lon = inputs.number(field(form, "long"), "long", -180, 180)
    address = inputs.text(field(form, "address_string"), "address_string", 200)
    address_id = inputs.text(field(form, "address_id"), "address_id", 64)
    building = None
    if lat is None and lon is None and (address or address_id):
        with db.session() as session:
            building = (addresses.building_for_id(session, address_id) if address_id
                        else addresses.building_for_address(session, address))
    return Intake(source=client.source, reporter=reporter(form, client, client_ref(form, headers)),
                  service_code=code or None,
                  description=inputs.text(field(form, "description"), "description", 4000, multiline=True),
                  lon=lon, lat=lat, datum=inputs.datum(field(form, "datum")), building_id=building,
                  address=address, answers=attribute_answers(form), photo=photo,
                  media_url=inputs.url(field(form, "media_url"), "media_url"))


class _TrackingStore:
    """The media store, remembering what was put so a failed transaction leaves no orphan files."""

    def __init__(self, store: MediaStore):
        self.store, self.keys = store, []

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.store.put(key, data, content_type)
        self.keys.append(key)

    def get(self, key: str) -> bytes:
        return self.store.get(key)

    def delete(self, key: str) -> None:
        self.store.delete(key)


def submit(db: Database, store: MediaStore, report: Intake, client: Client, settings: IntakeSettings,
           now, actor: Actor | None = None) -> Submitted:
    """receive_report in one transaction, by ``actor`` (default: the client, as a resident's channel); geo's
    refusals become 400/404; a concurrent duplicate of the same client_ref (the unique key fires) answers with
    the case the other request made."""
    actor = actor or Actor(f"api:{client.name}", Role.RESIDENT)
    tracking = _TrackingStore(store)
    try:
        with db.transaction() as session:
            received = receive_report(session, tracking, report, actor, now, settings)
            number = received.case.number
    except IntegrityError:
        for key in tracking.keys:
            store.delete(key)
        with db.session() as session:
            received = receive_report(session, store, report, actor, now, settings)
            if received.created:
                raise ApiError(400, "the request could not be stored; send it again") from None
            number = received.case.number
    except (UnknownService, NoLocation, OutsideDistrict, InvalidInput, NoActiveLayout) as exc:
        for key in tracking.keys:
            store.delete(key)
        reason = next((word for kind, word in _REASONS if isinstance(exc, kind)), "bad_input")
        if isinstance(exc, NoActiveLayout):
            raise ApiError(400, "outside the district: no grid layout is published yet", reason=reason) from None
        raise ApiError(404 if isinstance(exc, UnknownService) else 400, str(exc), reason=reason) from None
    except BaseException:
        for key in tracking.keys:
            store.delete(key)
        raise
    return Submitted(received, number, report.reporter.account_id)


def follow(db: Database, number: str, client: Client, reporter: Reporter, now, actor: Actor | None = None) -> str:
    """The reporter follows open case ``number`` instead of reporting it again (one transaction); the number
    they follow (a merged duplicate's: the case it went into). 404 for an unknown case, 400 for a closed one."""
    actor = actor or Actor(f"api:{client.name}", Role.RESIDENT)
    try:
        with db.transaction() as session:
            return follow_case(session, number, client.source, reporter, actor, now).number
    except InvalidInput as exc:
        unknown = isinstance(exc, UnknownCase)
        raise ApiError(404 if unknown else 400, str(exc), reason="unknown_case" if unknown else "bad_input") from None
