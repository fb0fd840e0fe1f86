"""Loading community forces with their history at once (the sample district's volunteers, or a migration from
another platform's "热心人" module), in one transaction: volunteers, tasks, assignments and the points ledger.

Rows reference each other by key — community code, volunteer phone, task number, case number — never by id:
the database assigns ids from its own sequences and the keys are resolved by reading them back (as
geo.usecases.bulk_load does for a district). The ledger is inserted, never changed afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from geo.db.database import Database
from geo.db.models import Case, Community, Volunteer, VolunteerAssignment, VolunteerPoints, VolunteerTask
from geo.usecases.bulk_load import after_bulk_load

_CHUNK = 5000


class ForcesNotEmpty(RuntimeError):
    pass


@dataclass(frozen=True)
class ForcesData:
    """Times are aware UTC datetimes (NaT for none).

    - volunteers: community_code, name, phone, skills, availability, lon, lat, grid_code, placed_by, joined_at
    - tasks: number, community_code, case_number ("" for none), kind, title, description, lon, lat, address,
      skills, starts_at, ends_at, headcount, status, created_at, created_by, done_at
    - assignments: task_number, phone, assigned_by, assigned_at, actor, status, done_at, note
    - ledger: phone, at, kind, points, task_number ("" for none), assigned (bool: credit of that task's
      assignment of this volunteer), actor, role, note
    """

    volunteers: pd.DataFrame
    tasks: pd.DataFrame
    assignments: pd.DataFrame
    ledger: pd.DataFrame


def load_forces(db: Database, data: ForcesData, loaded_by: str) -> dict[str, int]:
    """Insert ``data`` into a database without volunteers; returns rows per table."""
    with db.transaction() as session:
        if session.scalar(select(func.count()).select_from(Volunteer)):
            raise ForcesNotEmpty("the database already holds volunteers; load community forces into an empty one")
        communities = dict(session.execute(select(Community.code, Community.id)).all())
        _insert(session, Volunteer, data.volunteers.assign(
            community_id=_ids(data.volunteers["community_code"], communities, "community"), active=True,
            created_by=loaded_by, note="", user_id=None).drop(columns="community_code"))
        volunteers = dict(session.execute(select(Volunteer.phone, Volunteer.id)).all())
        cases = dict(session.execute(select(Case.number, Case.id).where(
            Case.number.in_(sorted(set(data.tasks["case_number"]) - {""})))).all())
        _insert(session, VolunteerTask, data.tasks.assign(
            community_id=_ids(data.tasks["community_code"], communities, "community"),
            case_id=_ids(data.tasks["case_number"], cases, "case"), version=1)
                .drop(columns=["community_code", "case_number"]))
        tasks = dict(session.execute(select(VolunteerTask.number, VolunteerTask.id)).all())
        _insert(session, VolunteerAssignment, data.assignments.assign(
            task_id=_ids(data.assignments["task_number"], tasks, "task"),
            volunteer_id=_ids(data.assignments["phone"], volunteers, "volunteer"), photo_key=None, thumb_key=None)
                .drop(columns=["task_number", "phone"]))
        _insert(session, VolunteerPoints, _ledger_rows(session, data.ledger, volunteers, tasks))
        counts = {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                  for model in (Volunteer, VolunteerTask, VolunteerAssignment, VolunteerPoints)}
    after_bulk_load(db)
    return counts


def _ledger_rows(session: Session, ledger: pd.DataFrame, volunteers: dict[str, int],
                 tasks: dict[str, int]) -> pd.DataFrame:
    assignments = {(t, v): a for a, t, v in session.execute(
        select(VolunteerAssignment.id, VolunteerAssignment.task_id, VolunteerAssignment.volunteer_id))}
    volunteer_id = _ids(ledger["phone"], volunteers, "volunteer")
    task_id = _ids(ledger["task_number"], tasks, "task")
    return ledger.assign(
        volunteer_id=volunteer_id, task_id=task_id,
        assignment_id=[assignments[(t, v)] if credit else None
                       for t, v, credit in zip(task_id, volunteer_id, ledger["assigned"])],
    ).drop(columns=["phone", "task_number", "assigned"])


def _ids(keys: pd.Series, lookup: dict, what: str) -> list:
    """Ids for keys ("" → None); an unknown key refuses the load, naming it."""
    keys = keys.fillna("")
    unknown = sorted(set(keys[keys != ""]) - set(lookup))
    if unknown:
        raise ValueError(f"unknown {what} key(s): {unknown[:5]}")
    return [lookup[k] if k else None for k in keys]


def _insert(session: Session, model, frame: pd.DataFrame) -> None:
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(model.__table__), rows[start:start + _CHUNK])
