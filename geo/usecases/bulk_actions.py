"""One action on several cases picked from a work queue: ``act_on_case`` per case, each in its own transaction,
so one case that changed meanwhile or cannot take the action leaves the others done — and each outcome is
reported per case, in words the page can translate, never as a traceback."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from geo.db.database import Database
from geo.db.scope import OutOfScope
from geo.domain.actors import Actor
from geo.domain.workflow import CaseChanged, IllegalTransition, NotPermitted, WorkflowError
from geo.usecases.case_actions import act_on_case

#: Outcome kinds, from fine to refused for the reason named.
OUTCOMES = ("done", "conflict", "illegal", "not_permitted", "out_of_scope", "invalid")


@dataclass(frozen=True)
class Seen:
    """A case as the user saw it in the queue: the version the action must still find."""

    case_id: int
    number: str
    version: int


@dataclass(frozen=True)
class Outcome:
    number: str
    kind: str  # one of OUTCOMES
    status: str | None  # the status the case is in now when done, or the status that refused (illegal)
    detail: str  # GridGov's English account (the server log and the API show it)


def act_on_cases(db: Database, cases: Sequence[Seen], action: str, actor: Actor,
                 params: Mapping[str, object] | None = None, now: datetime | None = None) -> list[Outcome]:
    """``action`` with the same ``params`` on each case, one transaction per case; one Outcome per case, in
    the order given."""
    return [_one(db, seen, action, actor, params, now) for seen in cases]


def outcome_kind(exc: WorkflowError) -> str:
    """The OUTCOMES kind of a refusal (what the pages say about it in the user's language)."""
    for kind, cls in (("conflict", CaseChanged), ("illegal", IllegalTransition), ("not_permitted", NotPermitted),
                      ("out_of_scope", OutOfScope)):
        if isinstance(exc, cls):
            return kind
    return "invalid"


def _one(db: Database, seen: Seen, action: str, actor: Actor, params, now) -> Outcome:
    try:
        acted = act_on_case(db, seen.case_id, action, actor, seen.version, params, now)
    except WorkflowError as exc:
        return Outcome(seen.number, outcome_kind(exc), getattr(exc, "status", None), str(exc))
    return Outcome(seen.number, "done", acted.status, "")
