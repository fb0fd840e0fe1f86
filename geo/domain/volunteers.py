"""Community forces (热心人): the vocabularies of the volunteer registry and the needs list (需求清单), and the
pure rules around them — which time slots a task's window touches, which skills a kind of case calls for.

Haibowan's 2,815 热心人 — party members, retired cadres, property staff — patrol for flying-wire charging,
mediate disputes and run errands for the elderly; a street "first matches the resource people who live close
and whose skills fit" (issue 17, seeds 000/003). Codes are stored as plain English strings; the dashboard and
the phone page translate them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Skill(StrEnum):
    """What a volunteer can do (a registry row holds several)."""

    MEDIATION = "mediation"  # 矛盾调解: family and neighbour disputes
    ELECTRICAL = "electrical"  # 电工维修: flying wires, lights
    PLUMBING = "plumbing"  # 水暖维修
    ELDERLY_CARE = "elderly_care"  # 助老服务: visits, errands for people living alone
    LEGAL = "legal"  # 法律咨询: wage arrears, tenancy
    PATROL = "patrol"  # 治安巡逻: corridors, fire lanes, flying-wire charging
    MEDICAL = "medical"  # 医疗保健: retired doctors and nurses, free clinics
    ERRANDS = "errands"  # 跑腿代办: shopping, paperwork on someone's behalf
    CLEANING = "cleaning"  # 环境清洁: clutter, litter
    PUBLICITY = "publicity"  # 政策宣传: notices, door-to-door information


class Availability(StrEnum):
    """When a volunteer can help, in the district's local time. Weekday day 08–18, evening 18–22."""

    WEEKDAY_DAY = "weekday_day"
    WEEKDAY_EVENING = "weekday_evening"
    WEEKEND = "weekend"
    ANYTIME = "anytime"


class TaskKind(StrEnum):
    CASE = "case"  # from a community-tier case (社区自办)
    PATROL = "patrol"  # 巡查: e.g. flying-wire charging at night
    CAMPAIGN = "campaign"  # 活动: a clean-up day, a free clinic
    ERRAND = "errand"  # 帮办: for one resident (点单)


class TaskStatus(StrEnum):
    OPEN = "open"  # published: volunteers may be assigned or sign up
    DONE = "done"  # every volunteer on it has recorded completion
    CANCELLED = "cancelled"


class AssignmentStatus(StrEnum):
    ACTIVE = "active"  # assigned or signed up, not yet done
    DONE = "done"


class AssignedBy(StrEnum):
    COMMUNITY = "community"  # the community (or the center) assigned the volunteer
    SIGN_UP = "sign_up"  # the volunteer took the task on the phone page


class LedgerKind(StrEnum):
    """Points ledger entries (append-only): credits for tasks, debits for redemptions at local shops."""

    TASK = "task"
    REDEEM = "redeem"


#: Weekday day and evening hours (local) — what the availability codes mean.
DAY_START, EVENING_START, EVENING_END = 8, 18, 22
MAX_HEADCOUNT = 50
MAX_SKILLS = 5

#: Skills a kind of case calls for, by category code then by category class (first match wins); the page
#: pre-fills the task's skills with them and the community may change them.
CATEGORY_SKILLS: dict[str, tuple[Skill, ...]] = {
    "WYGL01": (Skill.MEDIATION,), "WYGL02": (Skill.CLEANING,), "WYGL03": (Skill.PATROL, Skill.ELECTRICAL),
    "MSFW03": (Skill.LEGAL,), "MSFW04": (Skill.ELDERLY_CARE,), "MSFW05": (Skill.PUBLICITY,),
    "SZSS03": (Skill.ELECTRICAL,), "SZSS04": (Skill.PLUMBING,), "SZSS06": (Skill.ELECTRICAL,),
    "HJWS05": (Skill.MEDIATION,), "HJWS03": (Skill.MEDIATION,),
    "HJWS": (Skill.CLEANING,), "SRZX": (Skill.PATROL,), "AQYH": (Skill.PATROL,), "WYGL": (Skill.MEDIATION,),
    "MSFW": (Skill.ERRANDS,), "SZSS": (Skill.PATROL,),
}
KIND_SKILLS: dict[TaskKind, tuple[Skill, ...]] = {
    TaskKind.PATROL: (Skill.PATROL,), TaskKind.CAMPAIGN: (Skill.PUBLICITY,), TaskKind.ERRAND: (Skill.ERRANDS,),
    TaskKind.CASE: (),
}


class VolunteerInputError(ValueError):
    """A volunteer, task or ledger entry that cannot be accepted; the message names the value and what would
    be accepted."""


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")


def normalise_phone(raw: str) -> str:
    """A phone number as stored: digits only (spaces, hyphens and a +86 prefix dropped); a mainland mobile
    (11 digits, 1[3-9]…) or a landline with its area code (0473-1234567)."""
    digits = re.sub(r"[\s\-()（）]", "", str(raw or ""))
    digits = digits.removeprefix("+86").removeprefix("0086")
    if not (_MOBILE.match(digits) or _LANDLINE.match(digits)):
        raise VolunteerInputError(f"phone {str(raw)[:30]!r} is not a mobile number (11 digits, e.g. 13812345678) "
                                  "or a landline with its area code (e.g. 0473-1234567)")
    return digits


def skills_for_category(category_code: str | None, class_code: str | None = None) -> tuple[Skill, ...]:
    """The skills a case of this category (or, failing that, class) usually needs; () when nothing fits."""
    return CATEGORY_SKILLS.get(category_code or "") or CATEGORY_SKILLS.get(class_code or "") or ()


def parse_codes(raw: str | Iterable[str], vocabulary: type[StrEnum], what: str) -> tuple[str, ...]:
    """Codes from a ";"/","/"、"-separated text or an iterable, each checked against ``vocabulary``; order kept,
    duplicates dropped. The Chinese names of ``NAMES_ZH`` are accepted too (spreadsheets are typed in
    Chinese)."""
    if isinstance(raw, str):
        for separator in (",", "，", "、", " ", "/"):
            raw = raw.replace(separator, ";")
        items = [part.strip() for part in raw.split(";")]
    else:
        items = [str(part).strip() for part in raw]
    known = {str(v): str(v) for v in vocabulary} | {zh: code for code, zh in NAMES_ZH.items()
                                                    if code in {str(v) for v in vocabulary}}
    found = []
    for item in filter(None, items):
        code = known.get(item) or known.get(item.lower())
        if code is None:
            raise VolunteerInputError(f"unknown {what} {item!r}; known: {', '.join(str(v) for v in vocabulary)}")
        if code not in found:
            found.append(code)
    return tuple(found)


def joined(codes: Iterable[str]) -> str:
    """How code lists are stored: ";"-separated."""
    return ";".join(codes)


def split(stored: str | None) -> frozenset[str]:
    return frozenset(c for c in (stored or "").split(";") if c)


def task_slots(starts_at: datetime, ends_at: datetime, tz: str) -> frozenset[str]:
    """The availability slots a task window touches (local time), walked hour by hour: a Saturday-morning
    clean-up is "weekend", a Tuesday 19:00 patrol "weekday_evening", a night-long patrol both evening and
    (next morning) day. A window only at night (22–08 on weekdays) touches no slot: only "anytime" fits."""
    zone = ZoneInfo(tz)
    at, end, slots = starts_at.astimezone(zone), ends_at.astimezone(zone), set()
    at = at.replace(minute=0, second=0, microsecond=0)
    for _ in range(24 * 14):  # a window longer than two weeks touches every slot anyway
        if at >= end:
            break
        slots.add(_slot(at))
        at += timedelta(hours=1)
    else:
        slots |= {Availability.WEEKDAY_DAY, Availability.WEEKDAY_EVENING, Availability.WEEKEND}
    return frozenset(str(s) for s in slots if s is not None)


def _slot(local: datetime) -> Availability | None:
    if local.weekday() >= 5:
        return Availability.WEEKEND if DAY_START <= local.hour < EVENING_END else None
    if DAY_START <= local.hour < EVENING_START:
        return Availability.WEEKDAY_DAY
    if EVENING_START <= local.hour < EVENING_END:
        return Availability.WEEKDAY_EVENING
    return None


def available_for(availability: frozenset[str], slots: frozenset[str]) -> bool:
    """A volunteer fits a window when they are available "anytime" or in one of the slots it touches."""
    return Availability.ANYTIME in availability or bool(availability & slots)


#: Chinese names of every code above, for spreadsheets (import) and the phone page.
NAMES_ZH: dict[str, str] = {
    "mediation": "矛盾调解", "electrical": "电工维修", "plumbing": "水暖维修", "elderly_care": "助老服务",
    "legal": "法律咨询", "patrol": "治安巡逻", "medical": "医疗保健", "errands": "跑腿代办",
    "cleaning": "环境清洁", "publicity": "政策宣传",
    "weekday_day": "工作日白天", "weekday_evening": "工作日晚间", "weekend": "周末", "anytime": "随时",
}
