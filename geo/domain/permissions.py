"""Who may do what: every role's rights in one table. The workflow's transition rules, the scoping of case
queries and the pages' menus all read it; nothing else decides access."""

from __future__ import annotations

from geo.domain.vocabulary import Role

R = Role
CENTER = frozenset({R.SUPERVISOR, R.ADMIN})

#: Workflow action → roles allowed to take it (the case must also be in the actor's scope, geo.db.scope).
ACTION_ROLES: dict[str, frozenset[Role]] = {
    "accept": CENTER | {R.STREET, R.COMMUNITY},  # a street or community may take a simple case itself
    "reject": CENTER,
    "whistle": CENTER | {R.STREET},
    "report_in": frozenset({R.DEPARTMENT}),
    "answer": frozenset({R.DEPARTMENT}),
    "close": CENTER | {R.STREET, R.COMMUNITY},
    "rate": CENTER | {R.RESIDENT},  # the resident, or the center on the resident's behalf (hotline call-back)
    "return_for_rework": CENTER,
    "reopen": CENTER,
    "defer": CENTER,
    "resume": CENTER,
    "change_category": CENTER,
}

#: Capabilities beyond workflow actions.
CAPABILITIES: dict[str, frozenset[Role]] = {
    # read individual cases (within scope); the big screen sees aggregates only
    "view_cases": frozenset(Role) - {R.SCREEN, R.RESIDENT, R.VOLUNTEER},
    # see reporters' names and phones unmasked (each reveal is audited)
    "reveal_personal": CENTER | {R.DEPARTMENT, R.STREET, R.COMMUNITY, R.GRID_MEMBER},
    # district-wide aggregates: KPIs, hotspots, rankings of every department
    "view_district_metrics": CENTER | {R.ANALYST, R.SCREEN},
    "upload": frozenset({R.ADMIN, R.ANALYST}),
    "manage_users": frozenset({R.ADMIN}),
    "view_audit": frozenset({R.ADMIN}),
    "create_bundle": CENTER,
    # a work queue of single cases to act on or check (geo.read.queue): analysts and the wall have none
    "work_queue": CENTER | {R.DEPARTMENT, R.STREET, R.COMMUNITY, R.GRID_MEMBER},
    # merge a duplicate into the case it duplicates (one case, several reporters)
    "merge_cases": CENTER,
    # report a case on patrol from the phone page, signed in (source grid_member, the person as reporter)
    "report_on_patrol": frozenset({R.GRID_MEMBER, R.COMMUNITY, R.STREET}),
    # add an "after" photo: the department (or whoever solved it) shows the result
    "add_after_photo": CENTER | {R.DEPARTMENT, R.STREET, R.COMMUNITY, R.GRID_MEMBER},
    # community forces (热心人): see the registry, tasks and points within scope (geo.db.scope.community_condition)
    "view_volunteers": CENTER | {R.STREET, R.COMMUNITY, R.GRID_MEMBER},
    # register and import volunteers, publish tasks, assign, record redemptions
    "manage_volunteers": CENTER | {R.COMMUNITY},
    # the phone page: sign up for their community's tasks, record completion, read their own points
    "volunteer_tasks": frozenset({R.VOLUNTEER}),
}

#: Roles that see every case (no area or department restriction).
DISTRICT_WIDE = CENTER | {R.ANALYST}


def may(role: Role, capability: str) -> bool:
    """True if ``role`` has ``capability`` (a CAPABILITIES key or a workflow action)."""
    table = ACTION_ROLES if capability in ACTION_ROLES else CAPABILITIES
    if capability not in table:
        raise KeyError(f"unknown capability {capability!r}")
    return Role(role) in table[capability]


class NotAllowed(PermissionError):
    def __init__(self, name: str, role: Role, capability: str):
        super().__init__(f"{name} ({role}) may not {capability.replace('_', ' ')}")


def require(actor, capability: str) -> None:
    """Raise NotAllowed unless ``actor`` (a geo.domain.actors.Actor) has ``capability``."""
    if not may(actor.role, capability):
        raise NotAllowed(actor.name, actor.role, capability)


def is_reporter(actor, case_id: int, reporter_phone: str) -> bool:
    """A resident acts (rates) only on a case they reported: they hold a link bound to that case (a rating
    link, handed to the reporter at the closing), or their verified phone is the case's reporter phone,
    compared by digits (a leading +86 / 0086 aside). A resident with neither matches nothing: the center
    rates on the resident's behalf after a call-back instead."""
    if Role(actor.role) != R.RESIDENT:
        return False
    if actor.link_case_id is not None:
        return actor.link_case_id == case_id
    mine, theirs = _phone_digits(actor.phone), _phone_digits(reporter_phone)
    return bool(mine) and mine == theirs


def _phone_digits(phone: str) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    for code in ("0086", "86"):
        if digits.startswith(code) and len(digits) - len(code) == 11:
            return digits[len(code):]
    return digits
