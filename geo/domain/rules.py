"""The rules behind every figure, queue and card, in Python: which case is open, overdue, closed, due, answered
or closed on time, rated satisfied or reworked; the worst card of a case; whether a dispatch reported in on
time; and each rate over its counts.

Twin: geo.db.rules spells each rule as SQL under the same name, and
tests/integration/test_rules.py runs both on the same cases and dispatches and asserts they agree — change
both or neither. The cards themselves are geo.domain.escalation's; docs/metrics.md says all of it in words.

The deadline (``Case.deadline``) is the *handling* deadline (GB/T 30428's 处置时限, and what the sample's
generator sets): the category's time limit from the report, or the one agreed at triage, for the lead
department's answer — or, for a case the community solves itself, for its closure. Both on-time rates are
measured against it: the center's verification after the answer is not the department's lateness.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import pandas as pd

from geo.domain.escalation import DEFAULT_POLICY, EscalationPolicy, card_for
from geo.domain.vocabulary import DONE_STATUSES, OPEN_STATUSES, Card, DispatchRole, Rating, Status, Tier
from geo.domain.workflow import TRANSITIONS

#: Cards from mild to severe: the order "worst" follows.
CARD_ORDER = (Card.NONE, Card.YELLOW, Card.RED, Card.DISCIPLINE)
#: The cards a dispatch can be shown with (not "none").
CARDS = CARD_ORDER[1:]
SATISFIED = frozenset({Rating.SATISFIED, Rating.BASIC})
#: Each rate as (numerator, denominator), both counts of geo.read.metrics (docs/metrics.md).
RATES: dict[str, tuple[str, str]] = {
    "closure_rate": ("closed", "due"),
    "on_time_answer_rate": ("answered_on_time", "due"),
    "on_time_closure_rate": ("closed_on_time", "due"),
    "report_in_on_time_rate": ("reported_in_on_time", "report_in_decided"),
    "satisfaction_rate": ("satisfied", "rated"),
    "rework_rate": ("reworked", "finished_once"),
}


def is_open(status: str) -> bool:
    """Still in the loop (deferred and reopened cases too). SQL twin: geo.db.rules.is_open."""
    return status in OPEN_STATUSES


def is_closed(status: str) -> bool:
    """Closed by the center, rated or not (办结). SQL twin: geo.db.rules.is_closed."""
    return status in DONE_STATUSES


def is_due(status: str) -> bool:
    """Counts towards the closure rates (应办): every case but the rejected and those deferred now (a deferral
    pauses the clock; 缓办 are left out of 应结案数). SQL twin: geo.db.rules.is_due."""
    return status not in (Status.REJECTED, Status.DEFERRED)


def is_overdue(status: str, deadline: datetime | None, now: datetime) -> bool:
    """Open, not deferred, and past its deadline as of ``now``. SQL twin: geo.db.rules.is_overdue."""
    return is_open(status) and status != Status.DEFERRED and deadline is not None and deadline < now


def handled_at(tier: str | None, answered_at: datetime | None, closed_at: datetime | None) -> datetime | None:
    """When the handling the deadline is set for was done: the lead department's answer, or the closure of a
    case the community solves itself. SQL twin: geo.db.rules.handled_at."""
    return closed_at if tier == Tier.COMMUNITY else answered_at


def answered_on_time(status: str, tier: str | None, answered_at: datetime | None, closed_at: datetime | None,
                     deadline: datetime | None) -> bool:
    """A due case handled by its deadline (按期处置). SQL twin: geo.db.rules.answered_on_time."""
    done = handled_at(tier, answered_at, closed_at)
    return is_due(status) and done is not None and deadline is not None and done <= deadline


def closed_on_time(status: str, tier: str | None, answered_at: datetime | None, closed_at: datetime | None,
                   deadline: datetime | None) -> bool:
    """A closed case whose handling met its deadline (按期办结). SQL twin: geo.db.rules.closed_on_time."""
    return is_closed(status) and answered_on_time(status, tier, answered_at, closed_at, deadline)


def is_rated(rating: str | None) -> bool:
    """SQL twin: geo.db.rules.is_rated."""
    return rating is not None


def is_satisfied(rating: str | None) -> bool:
    """Satisfied or basically satisfied. SQL twin: geo.db.rules.is_satisfied."""
    return rating in SATISFIED


def was_reworked(rework_count: int) -> bool:
    """Sent back for rework at least once. SQL twin: geo.db.rules.was_reworked."""
    return rework_count > 0


def finished_once(status: str) -> bool:
    """Closed, or back in rework after finishing: what the rework rate is measured against.
    SQL twin: geo.db.rules.finished_once."""
    return status in DONE_STATUSES or status == Status.REWORK


def awaits(action: str, status: str) -> bool:
    """The case stands where ``action`` can be taken (a source status of its transition, geo.domain.workflow):
    what a work queue of that action holds. SQL twin: geo.db.rules.awaits."""
    return status in TRANSITIONS[action].sources


def ready_to_whistle(status: str, tier: str | None) -> bool:
    """Can go to the departments: triaged (or back for rework) and not for the community to solve itself.
    SQL twin: geo.db.rules.ready_to_whistle."""
    return awaits("whistle", status) and tier != Tier.COMMUNITY


def ready_to_close(status: str, tier: str | None) -> bool:
    """Can be closed: answered by the departments, or triaged for the community to solve itself (it closes
    without a whistle). SQL twin: geo.db.rules.ready_to_close."""
    return awaits("close", status) and (status != Status.ACCEPTED or tier == Tier.COMMUNITY)


def answer_due(role: str, answered_at: datetime | None) -> bool:
    """A dispatch owes the answer: the lead department's, not answered yet (co-departments never answer).
    SQL twin: geo.db.rules.answer_due."""
    return role == DispatchRole.LEAD and answered_at is None


def waiting_for_report_in(whistled_at: datetime, reported_in_at: datetime | None, now: datetime) -> bool:
    """A dispatch whistled by ``now`` and not reported in as of ``now``. SQL twin:
    geo.db.rules.waiting_for_report_in."""
    return whistled_at <= now and (reported_in_at is None or reported_in_at > now)


def worst_card(cards: Iterable[str]) -> Card:
    """The most severe of a case's dispatch cards (NONE without dispatches). SQL twin:
    geo.db.rules.worst_card, the card of the dispatch waiting longest (cards grow with elapsed time)."""
    return max((Card(c) for c in cards), key=CARD_ORDER.index, default=Card.NONE)


def reported_in_on_time(whistled_at: datetime, reported_in_at: datetime | None, now: datetime,
                        policy: EscalationPolicy = DEFAULT_POLICY) -> bool:
    """Reported in before the yellow threshold (按时应哨). SQL twin: geo.db.rules.reported_in_on_time."""
    return reported_in_at is not None and card_for(whistled_at, reported_in_at, now, policy) == Card.NONE


def report_in_decided(whistled_at: datetime, reported_in_at: datetime | None, now: datetime,
                      policy: EscalationPolicy = DEFAULT_POLICY) -> bool:
    """Whether on time or late is known: reported in, or already past the yellow threshold. A dispatch still in
    its first hour counts for neither. SQL twin: geo.db.rules.report_in_decided."""
    return reported_in_at is not None or card_for(whistled_at, reported_in_at, now, policy) != Card.NONE


def rate(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, None when the denominator is 0 (no rate, rather than 0 % or 100 %)."""
    return numerator / denominator if denominator else None


def rate_of(name: str, counts: Mapping[str, float]) -> float | None:
    """Rate ``name`` of RATES from a mapping holding its two counts."""
    numerator, denominator = RATES[name]
    return rate(counts[numerator], counts[denominator])


def with_rates(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every rate of RATES whose two counts it holds (NaN where the denominator is 0)."""
    for name, (numerator, denominator) in RATES.items():
        if numerator in table and denominator in table:
            table[name] = (table[numerator] / table[denominator].where(table[denominator] > 0)).astype(float)
    return table


def is_counted(status: str) -> bool:
    """Merged duplicates count once: a case merged into another counts there, not on its own. SQL twin:
    geo.db.rules.is_counted."""
    return status != Status.MERGED
