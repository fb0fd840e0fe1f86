"""The domain's fixed vocabularies: case statuses, sources, triage tiers, ratings, dispatch roles.

Stored in the database as these plain strings (English codes); the dashboard translates them.
"""

from enum import StrEnum


class Status(StrEnum):
    """Where a case stands in the closed loop (docs/domain.md: raise → whistle → report in → answer → close → grade)."""

    REPORTED = "reported"  # received by the center, not yet triaged
    ACCEPTED = "accepted"  # triaged: a valid case with a tier and a route
    WHISTLED = "whistled"  # dispatched to one or more departments
    REPORTED_IN = "reported_in"  # every department whistled has acknowledged
    ANSWERED = "answered"  # the lead department reported what it did
    CLOSED = "closed"  # the center verified and closed it
    RATED = "rated"  # the resident rated a closed case (satisfied or basically satisfied)
    REJECTED = "rejected"  # not a valid case (with a reason)
    REWORK = "rework"  # returned for rework: unsatisfied rating or failed verification
    DEFERRED = "deferred"  # deadline extended with a reason; the time-limit clock is paused
    REOPENED = "reopened"  # a closed or rejected case opened again: triaged afresh like a new report
    # A duplicate merged into another case (cases.merged_into_id): it counts there, not on its own, and no
    # action applies to it any more. Every metric leaves it out (geo.db.rules.is_counted).
    MERGED = "merged"


OPEN_STATUSES = frozenset(
    {Status.REPORTED, Status.ACCEPTED, Status.WHISTLED, Status.REPORTED_IN, Status.ANSWERED, Status.REWORK,
     Status.DEFERRED, Status.REOPENED}
)
DONE_STATUSES = frozenset({Status.CLOSED, Status.RATED})
#: What an imported row may say: "merged" is made by a merge (it needs the case it went into), never imported.
IMPORTABLE_STATUSES = tuple(s for s in Status if s != Status.MERGED)


class Source(StrEnum):
    GRID_MEMBER = "grid_member"  # grid member on patrol
    RESIDENT_APP = "resident_app"  # "snap and report" phone mini-program (GCJ-02 coordinates)
    HOTLINE = "hotline_12345"  # 12345 government hotline
    VIDEO_PATROL = "video_patrol"  # cameras flag events
    DEPUTY = "deputy"  # people's congress deputies


class Tier(StrEnum):
    """Triage tiers (check duty, difficulty, time)."""

    COMMUNITY = "community"  # simple: solved by the community itself
    LEAD_DEPARTMENT = "lead_department"  # one lead department (with co-departments)
    DISTRICT_LEADER = "district_leader"  # spans many departments: led by a deputy district head


class Rating(StrEnum):
    SATISFIED = "satisfied"
    BASIC = "basically_satisfied"
    UNSATISFIED = "unsatisfied"


class DispatchRole(StrEnum):
    LEAD = "lead"
    CO = "co"


class Card(StrEnum):
    """Escalation cards (亮牌), from the whistle to the department's report-in."""

    NONE = "none"
    YELLOW = "yellow"  # not reported in after 1 h: center head phones the department head
    RED = "red"  # after 4 h: the deputy district head is told
    DISCIPLINE = "discipline"  # after 15 h: pushed to the discipline-inspection supervision platform


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    DEPARTMENT = "department"
    STREET = "street"
    COMMUNITY = "community"
    GRID_MEMBER = "grid_member"
    ANALYST = "analyst"
    SCREEN = "screen"
    RESIDENT = "resident"
    VOLUNTEER = "volunteer"  # a 热心人 on the phone page: their community's tasks and their own points only
