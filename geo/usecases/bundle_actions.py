"""A bundle through the loop as one: made from a candidate (``create_bundle``), whistled once to the departments
and closed with all its cases — each step one act per case through the workflow (``perform``), all the
bundle's acts in one transaction: every case moves, or none does.

Whistling a bundle accepts its new cases first (tier: lead department) and whistles every case that can be
whistled; cases already with the departments, deferred ones (their clock stopped by a decision of its own) and
those the community solves itself stay as they are and are named in the result.
Closing it needs every open case ready to close (answered, or for the community to solve itself).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.db.database import Database
from geo.db.models import Bundle, Case
from geo.domain.actors import Actor
from geo.domain.permissions import require
from geo.domain.rules import awaits, is_open, ready_to_close, ready_to_whistle
from geo.domain.vocabulary import Tier
from geo.domain.workflow import InvalidInput, WorkflowError
from geo.usecases.bundles import create_bundle
from geo.usecases.case_actions import perform


class BundleRefused(WorkflowError):
    """The bundle's step was refused for one of its cases (``number``); nothing was written."""

    def __init__(self, bundle_id: int, number: str, cause: WorkflowError):
        super().__init__(f"bundle {bundle_id}: case {number}: {cause}")
        self.bundle_id, self.number, self.cause = bundle_id, number, cause


class BundleNotReady(InvalidInput):
    """Closing a bundle while some of its open cases are not ready to close."""

    def __init__(self, bundle_id: int, numbers: list[str]):
        super().__init__(f"bundle {bundle_id}: cases not ready to close: {', '.join(numbers[:10])}")
        self.numbers = numbers


class NothingToWhistle(InvalidInput):
    def __init__(self, bundle_id: int):
        super().__init__(f"bundle {bundle_id}: no case of it can be whistled now")


@dataclass(frozen=True)
class BundleActed:
    bundle_id: int
    acted: tuple[str, ...]  # case numbers that moved
    left: tuple[str, ...]  # open case numbers left as they were (already with the departments, deferred …)


def make_bundle(db: Database, case_ids: list[int], title: str, actor: Actor, now: datetime) -> int:
    """Bundle the cases (geo.usecases.bundles.create_bundle) in a transaction of its own; the bundle's id."""
    if not title.strip():
        raise InvalidInput("a bundle needs a title")
    with db.transaction() as session:
        return create_bundle(session, case_ids, title.strip(), actor, now).id


def whistle_bundle(db: Database, bundle_id: int, seen: Mapping[int, int], actor: Actor, lead_department_id: int,
                   co_department_ids: tuple[int, ...] = (), note: str = "", now: datetime | None = None
                   ) -> BundleActed:
    """Whistle every case of the bundle that can be whistled to the same departments (new cases accepted
    first), each at the version the supervisor saw (``seen``: case id → version): all or nothing."""
    whistle = {"lead_department_id": lead_department_id, "co_department_ids": tuple(co_department_ids), "note": note}
    now = now or datetime.now(UTC)
    with db.transaction() as session:
        cases = _open_cases(session, bundle_id, actor)
        acted, left = [], []
        for case in cases:
            number = case.number
            if not (awaits("accept", case.status) or ready_to_whistle(case.status, case.tier)):
                left.append(number)
                continue
            version = _seen(seen, case)
            with _for(bundle_id, number):
                if awaits("accept", case.status):
                    version = perform(session, case.id, "accept", actor, version, now, tier=Tier.LEAD_DEPARTMENT,
                                      note=note).version
                perform(session, case.id, "whistle", actor, version, now, **whistle)
            acted.append(number)
        if not acted:
            raise NothingToWhistle(bundle_id)
    return BundleActed(bundle_id, tuple(acted), tuple(left))


def close_bundle(db: Database, bundle_id: int, seen: Mapping[int, int], actor: Actor, note: str = "",
                 now: datetime | None = None) -> BundleActed:
    """Close every open case of the bundle, then the bundle itself: all or nothing — refused while any open
    case is not ready to close."""
    now = now or datetime.now(UTC)
    with db.transaction() as session:
        cases = _open_cases(session, bundle_id, actor)
        waiting = [c.number for c in cases if not ready_to_close(c.status, c.tier)]
        if waiting:
            raise BundleNotReady(bundle_id, waiting)
        numbers = tuple(c.number for c in cases)
        for case, number in zip(cases, numbers):
            with _for(bundle_id, number):
                perform(session, case.id, "close", actor, _seen(seen, case), now, note=note)
        bundle = session.get(Bundle, bundle_id)
        bundle.closed_at, bundle.closed_by = now, actor.name
    return BundleActed(bundle_id, numbers, ())


def _open_cases(session: Session, bundle_id: int, actor: Actor) -> list[Case]:
    require(actor, "create_bundle")
    bundle = session.get(Bundle, bundle_id)
    if bundle is None:
        raise InvalidInput(f"no bundle with id {bundle_id}")
    if bundle.closed_at is not None:
        raise InvalidInput(f"bundle {bundle_id} is closed")
    cases = session.scalars(select(Case).where(Case.bundle_id == bundle_id).order_by(Case.reported_at, Case.id)).all()
    return [c for c in cases if is_open(c.status)]


def _seen(seen: Mapping[int, int], case: Case) -> int:
    """The version the supervisor saw; a case they did not see is refused as changed since."""
    return seen.get(case.id, -1)


@contextmanager
def _for(bundle_id: int, number: str) -> Iterator[None]:
    """Re-raise a case's refusal as the bundle's, naming the case."""
    try:
        yield
    except BundleRefused:
        raise
    except WorkflowError as exc:
        raise BundleRefused(bundle_id, number, exc) from exc
