"""Who is acting: a person with one role and, for bound roles, the department or area they are bound to."""

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        object.__setattr__(self, "grid_codes", frozenset(self.grid_codes))
