"""Who counts as a case's reporter (the only case a resident may rate)."""

import pytest

from geo.domain.actors import SYSTEM, Actor
from geo.domain.permissions import DISTRICT_WIDE, is_reporter
from geo.domain.vocabulary import Role


@pytest.mark.parametrize(("mine", "theirs", "match"), [
    ("13800000000", "13800000000", True),
    ("+86 138-0000-0000", "13800000000", True),
    ("008613800000000", "138 0000 0000", True),
    ("13800000001", "13800000000", False),
    ("", "", False),  # no verified phone matches nothing, not even a case without one
    ("13800000000", "", False),
])
def test_a_resident_is_the_reporter_only_by_the_same_verified_phone(mine, theirs, match):
    assert is_reporter(Actor("居民", Role.RESIDENT, phone=mine), 7, theirs) is match


def test_only_residents_are_matched_as_reporters():
    assert not is_reporter(Actor("王主任", Role.SUPERVISOR, phone="13800000000"), 7, "13800000000")


def test_a_resident_holding_a_link_to_one_case_is_its_reporter_and_no_other_cases():
    holder = Actor("", Role.RESIDENT, link_case_id=7)
    assert is_reporter(holder, 7, "") and not is_reporter(holder, 8, "")


def test_the_system_actor_is_district_wide():
    assert SYSTEM.role in DISTRICT_WIDE
