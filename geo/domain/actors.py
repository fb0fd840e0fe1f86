"""Who is acting: a person with one role and, for bound roles, the department or area they are bound to.

``SYSTEM`` is the actor of jobs nobody runs by hand (``gridgov assign``, imports of the sample): district-wide,
named so the case log and the audit log say who it was."""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.domain.vocabulary import Role


@dataclass(frozen=True)
class Actor:
    name: str
    role: Role
    department_id: int | None = None  # department staff
    street_id: int | None = None  # street staff
    community_id: int | None = None  # community staff
    # Grid members are bound to grid *codes*: a code survives a re-cut of the layout, a grid id does not.
    grid_codes: frozenset[str] = field(default_factory=frozenset)
    # District-wide roles (admin, supervisor, analyst) of a city: bound to one district, None = the whole city.
    district_id: int | None = None
    # Residents: the phone number their channel verified (mini-program sign-in, hotline call-back), or the one
    # case a link handed to its reporter is bound to (a rating link). It is how a resident is recognised as
    # the reporter of a case (geo.domain.permissions.is_reporter).
    phone: str = ""
    link_case_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        object.__setattr__(self, "grid_codes", frozenset(self.grid_codes))


#: The command line's own jobs: district-wide (an admin's scope), never a person.
SYSTEM = Actor("gridgov (system)", Role.ADMIN)
