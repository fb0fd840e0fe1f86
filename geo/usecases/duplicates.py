"""Merging a duplicate into the case it duplicates, and following an existing case instead of reporting it
again: one case, several reporters, all told when it closes (geo.usecases.reporter_notices).

A merged case gets status "merged" and ``merged_into_id``; it is no row of any metric any more
(geo.db.rules.is_counted) and no action applies to it. Only a case not yet whistled can be merged away: once
departments work on a case, its dispatches and cards are history that must not vanish into another case.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from geo.db.database import Database
from geo.db.models import Case, CaseEvent, CaseReporter
from geo.domain.actors import Actor
from geo.domain.event_notes import Note
from geo.domain.permissions import require
from geo.domain.vocabulary import OPEN_STATUSES, Status
from geo.domain.workflow import CaseChanged, InvalidInput
from geo.usecases import tallies
from geo.usecases.case_actions import lock_case
from geo.usecases.intake import Reporter


def merge(db: Database, duplicate_id: int, into_id: int, actor: Actor, expected_version: int,
          now: datetime) -> str:
    """``merge_case`` in a transaction of its own (what the case panel calls); returns the kept case's number."""
    with db.transaction() as session:
        return merge_case(session, duplicate_id, into_id, actor, expected_version, now).number


def merge_case(session: Session, duplicate_id: int, into_id: int, actor: Actor, expected_version: int,
               now: datetime) -> Case:
    """Merge case ``duplicate_id`` into ``into_id``; flushes, does not commit. Cases merged into the duplicate
    earlier move along, so a chain never forms."""
    require(actor, "merge_cases")
    duplicate, into = session.get(Case, duplicate_id), session.get(Case, into_id)
    if duplicate is None or into is None:
        raise InvalidInput(f"no case with id {duplicate_id if duplicate is None else into_id}")
    duplicate = lock_case(session, duplicate, expected_version)  # two supervisors merging: one wins
    _check_mergeable(duplicate, into, expected_version)
    from_status = duplicate.status
    try:
        with tallies.kept(session, [duplicate.id]):  # the duplicate leaves every tally (geo.db.rules.is_counted)
            duplicate.status, duplicate.merged_into_id = Status.MERGED, into.id
            session.execute(update(Case).where(Case.merged_into_id == duplicate.id).values(merged_into_id=into.id)
                            .execution_options(synchronize_session=False))
            _log_merge(session, duplicate, into, from_status, actor, now)
            session.flush()
    except StaleDataError:
        session.rollback()
        raise CaseChanged(duplicate.number, expected_version, None) from None
    return into


def _log_merge(session: Session, duplicate: Case, into: Case, from_status: str, actor: Actor,
               now: datetime) -> None:
    merged, merged_in = Note("merged", {"into": into.number}), Note("merged_in", {"duplicate": duplicate.number})
    session.add(CaseEvent(case_id=duplicate.id, at=now, actor=actor.name, role=str(actor.role), action="merge",
                          from_status=from_status, to_status=Status.MERGED, note_key=merged.key,
                          note_params=merged.dumps()))
    session.add(CaseEvent(case_id=into.id, at=now, actor=actor.name, role=str(actor.role), action="merged_in",
                          from_status=into.status, to_status=into.status, note_key=merged_in.key,
                          note_params=merged_in.dumps()))


def _check_mergeable(duplicate: Case, into: Case, expected_version: int) -> None:
    if duplicate.id == into.id:
        raise InvalidInput(f"case {duplicate.number} cannot be merged into itself")
    if duplicate.version != expected_version:
        raise CaseChanged(duplicate.number, expected_version, duplicate.version)
    if duplicate.status not in OPEN_STATUSES or duplicate.dispatches:
        raise InvalidInput(f"case {duplicate.number} is '{duplicate.status}'"
                           + (" and whistled" if duplicate.dispatches else "")
                           + ": only an open case not yet whistled can be merged into another")
    if into.status not in OPEN_STATUSES:
        raise InvalidInput(f"case {into.number} is '{into.status}': merge only into an open case")


class UnknownCase(InvalidInput):
    pass


def follow_case(session: Session, number: str, source: str, reporter: Reporter, actor: Actor,
                now: datetime) -> Case:
    """The reporter follows the open case numbered ``number`` instead of reporting it again (told when it
    closes); a merged case is followed through the case it was merged into. Idempotent per (client,
    client_ref)."""
    case = session.scalar(select(Case).where(Case.number == number))
    if case is None:
        raise UnknownCase(f"service_request_id {number!r} was not found")
    if case.merged_into_id is not None:
        case = session.get(Case, case.merged_into_id)
    if case.status not in OPEN_STATUSES:
        raise InvalidInput(f"case {case.number} is '{case.status}': only an open case can be followed")
    if reporter.client_ref and session.scalar(select(CaseReporter.id).where(
            CaseReporter.client_id == reporter.client_id, CaseReporter.client_ref == reporter.client_ref)):
        return case
    session.add(CaseReporter(case_id=case.id, kind="follow", client_id=reporter.client_id,
                             client_ref=reporter.client_ref, source=source, name=reporter.name,
                             phone=reporter.phone, email=reporter.email, device_id=reporter.device_id,
                             account_id=reporter.account_id, reported_at=now))
    followed = Note("followed", {"source": source})
    session.add(CaseEvent(case_id=case.id, at=now, actor=actor.name, role=str(actor.role), action="follow",
                          from_status=case.status, to_status=case.status, note_key=followed.key,
                          note_params=followed.dumps()))
    session.flush()
    return case
