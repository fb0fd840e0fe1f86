"""The rules behind every figure, queue and card, as SQL expressions over ``cases`` and ``case_dispatches``.

Twins: each function here spells the rule of the same name in geo.domain.rules (case and dispatch rules) or
geo.domain.escalation (cards: ``card_of`` ↔ ``card_for``, ``reminder_thresholds`` ↔ ``reminder_levels``);
tests/integration/test_rules.py runs both forms on the same rows and asserts they agree. Read, queue and
use-case modules build their queries from these and never spell a status list, a deadline comparison or a
card threshold themselves. The thresholds come from geo.config.escalation_policy().
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.sql import ColumnElement

from geo.config import escalation_policy
from geo.db.models import Case, CaseDispatch
from geo.db.types import UTCDateTime
from geo.domain.escalation import card_thresholds_seconds
from geo.domain.rules import CARDS, SATISFIED
from geo.domain.vocabulary import DONE_STATUSES, OPEN_STATUSES, Card, DispatchRole, Status, Tier
from geo.domain.workflow import TRANSITIONS

OPEN = sorted(str(s) for s in OPEN_STATUSES)
DONE = sorted(str(s) for s in DONE_STATUSES)
#: Open cases whose deadline clock runs (a deferral pauses it): the statuses ``is_overdue`` reads, spelled
#: as one list so that the partial index ix_cases_running (models.RUNNING_CASES) serves it.
RUNNING = sorted(str(s) for s in OPEN_STATUSES if s != Status.DEFERRED)


def is_open() -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.is_open."""
    return Case.status.in_(OPEN)


def is_closed() -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.is_closed."""
    return Case.status.in_(DONE)


def is_due() -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.is_due."""
    return Case.status.not_in([Status.REJECTED, Status.DEFERRED])


def is_overdue(now: datetime) -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.is_overdue."""
    return and_(Case.status.in_(RUNNING), Case.deadline < now)


def handled_at() -> ColumnElement:
    """Python twin: geo.domain.rules.handled_at."""
    return case((Case.tier == Tier.COMMUNITY, Case.closed_at), else_=Case.answered_at)


def answered_on_time() -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.answered_on_time."""
    return and_(is_due(), handled_at() <= Case.deadline)


def closed_on_time() -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.closed_on_time."""
    return and_(is_closed(), answered_on_time())


def is_rated() -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.is_rated."""
    return Case.rating.is_not(None)


def is_satisfied() -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.is_satisfied."""
    return Case.rating.in_(sorted(str(r) for r in SATISFIED))


def was_reworked() -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.was_reworked."""
    return Case.rework_count > 0


def finished_once() -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.finished_once."""
    return Case.status.in_([*DONE, Status.REWORK])


def awaits(action: str) -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.awaits."""
    return Case.status.in_(sorted(str(s) for s in TRANSITIONS[action].sources))


def _not_community() -> ColumnElement[bool]:
    return or_(Case.tier.is_(None), Case.tier != Tier.COMMUNITY)


def ready_to_whistle() -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.ready_to_whistle."""
    return and_(awaits("whistle"), _not_community())


def ready_to_close() -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.ready_to_close."""
    return and_(awaits("close"), or_(Case.status != Status.ACCEPTED, Case.tier == Tier.COMMUNITY))


# --------------------------------------------------------------------------- dispatches and cards


def answer_due() -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.answer_due."""
    return and_(CaseDispatch.role == DispatchRole.LEAD, CaseDispatch.answered_at.is_(None))



def thresholds() -> dict[Card, int]:
    """Seconds from the whistle to each card (geo.config.escalation_policy)."""
    return dict(zip(CARDS, card_thresholds_seconds(escalation_policy())))


def elapsed_seconds(sql, now: datetime) -> ColumnElement:
    """Seconds from a dispatch's whistle to its report-in, or to ``now`` while not reported in as of ``now``
    — the quantity the cards are read from (geo.domain.escalation's rule), for backend module ``sql``."""
    at = literal(now, type_=UTCDateTime())
    until = func.coalesce(sql.least(CaseDispatch.reported_in_at, at), at)
    return sql.seconds_between(CaseDispatch.whistled_at, until)


def card_of(elapsed: ColumnElement) -> ColumnElement[str]:
    """The card for ``elapsed`` seconds. Python twin: geo.domain.escalation.card_for."""
    limits = thresholds()
    return case(*((elapsed >= limits[c], literal(str(c))) for c in reversed(CARDS)), else_=literal(str(Card.NONE)))


def in_card(elapsed: ColumnElement, card: str) -> ColumnElement[bool]:
    """True when ``elapsed`` gives exactly ``card`` (its band [threshold, next threshold)); same as
    ``card_of(elapsed) == card``, but an index-friendly range. Python twin: card_for(...) == card."""
    limits = thresholds()
    if card == Card.NONE:
        return elapsed < limits[Card.YELLOW]
    following = CARDS.index(Card(card)) + 1
    low = elapsed >= limits[Card(card)]
    return and_(low, elapsed < limits[CARDS[following]]) if following < len(CARDS) else low


def at_least(elapsed: ColumnElement, card: str) -> ColumnElement[bool]:
    """True when ``elapsed`` reached ``card`` or a worse one (e.g. late = at_least(elapsed, YELLOW))."""
    return elapsed >= thresholds()[Card(card)]


def reported_in_on_time(elapsed: ColumnElement) -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.reported_in_on_time."""
    return and_(CaseDispatch.reported_in_at.is_not(None), elapsed < thresholds()[Card.YELLOW])


def report_in_decided(elapsed: ColumnElement) -> ColumnElement[bool]:
    """Python twin: geo.domain.rules.report_in_decided."""
    return or_(CaseDispatch.reported_in_at.is_not(None), at_least(elapsed, Card.YELLOW))


def waiting_for_report_in(now: datetime) -> ColumnElement[bool]:
    """A dispatch whistled by ``now`` and not reported in as of ``now`` (someone must chase it). Python twin:
    geo.domain.rules.waiting_for_report_in."""
    return and_(CaseDispatch.whistled_at <= now,
                or_(CaseDispatch.reported_in_at.is_(None), CaseDispatch.reported_in_at > now))


def worst_card(sql, now: datetime, *where) -> ColumnElement[str]:
    """Per case row: the worst card among its dispatches (those meeting ``where``), 'none' without any — the
    card of the one waiting longest. Python twin: geo.domain.rules.worst_card over the dispatches' cards."""
    longest = (select(func.max(elapsed_seconds(sql, now)))
               .where(CaseDispatch.case_id == Case.id, *where).scalar_subquery())
    return card_of(longest)


def reminder_thresholds():
    """Subquery (level, threshold seconds): reminder 1 at the whistle, 2 at yellow, 3 at red, 4 at
    discipline. Python twin: geo.domain.escalation.reminder_levels / due_reminders."""
    rows = [(1, 0), *((level, seconds) for level, seconds in zip((2, 3, 4), thresholds().values()))]
    return union_all(*[select(literal(level).label("level"), literal(seconds).label("threshold"))
                       for level, seconds in rows]).subquery("levels")


def is_counted() -> ColumnElement[bool]:
    """Merged duplicates count once: a case merged into another is no row of any figure (its reporters count
    in the case it was merged into). Every figure over cases applies it. Python twin:
    geo.domain.rules.is_counted."""
    return Case.status != Status.MERGED
