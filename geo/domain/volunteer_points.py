"""Service points (积分): what a completed task earns, and the rule that a redemption cannot overdraw.

Haibowan turns volunteer service into points exchangeable at local shops (积分兑换, "循爱海勃湾"). The rule
is the district's to set (``GRIDGOV_VOLUNTEER_POINTS``, read by geo.config): a base per completed task,
plus points per hour of the task's planned window (capped, so a task published for a week does not earn a
week), plus a bonus when the volunteer sends a photo of the result (the community sees what was done).
Points are whole numbers; the ledger keeps each credit with the rule's figures in its note.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from geo.domain.volunteers import VolunteerInputError


@dataclass(frozen=True)
class PointsRule:
    base: int = 10
    per_hour: int = 5
    max_hours: float = 4.0
    photo_bonus: int = 2

    def __post_init__(self) -> None:
        for name in ("base", "per_hour", "photo_bonus"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a whole number of points ≥ 0, got {value!r}")
        if not (isinstance(self.max_hours, int | float) and 0 <= self.max_hours <= 24):
            raise ValueError(f"max_hours must be a number of hours from 0 to 24, got {self.max_hours!r}")

    @classmethod
    def from_dict(cls, raw: dict) -> PointsRule:
        """``{"base": 10, "per_hour": 5, "max_hours": 4, "photo_bonus": 2}`` (any subset)."""
        if not isinstance(raw, dict):
            raise ValueError("the points rule must be a JSON object")
        unknown = sorted(set(raw) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"unknown points rule field(s) {', '.join(unknown)}; fields: "
                             f"{', '.join(cls.__dataclass_fields__)}")
        return cls(**raw)

    def points_for(self, starts_at: datetime, ends_at: datetime, with_photo: bool) -> int:
        """Points one volunteer earns for completing a task planned from ``starts_at`` to ``ends_at``. Hours
        are counted in started half hours (a 70-minute patrol counts 1.5 h); half points round up."""
        hours = max((ends_at - starts_at).total_seconds(), 0) / 3600
        counted = min(math.ceil(hours * 2) / 2, self.max_hours)
        return self.base + math.floor(self.per_hour * counted + 0.5) + (self.photo_bonus if with_photo else 0)


def check_redemption(points: int, balance: int) -> None:
    """A redemption takes a positive whole number of points, at most the balance (no overdraft)."""
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise VolunteerInputError(f"a redemption takes a positive whole number of points, got {points!r}")
    if points > balance:
        raise VolunteerInputError(f"cannot redeem {points} points: the balance is {balance}")
