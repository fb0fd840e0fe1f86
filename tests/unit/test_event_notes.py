"""Event notes as keys with parameters: old English sentences read back, every key and action translated."""

import pytest

from dashboard.i18n import STRINGS
from geo.domain.event_notes import NOTE_KEYS, SYSTEM_ACTIONS, Note, from_legacy, stored
from geo.domain.vocabulary import Role
from geo.domain.workflow import TRANSITIONS


@pytest.mark.parametrize("text, key, params", [
    ("tier=lead_department", "triaged", {"tier": "lead_department"}),
    ("lead=城市管理局", "whistled", {"lead": "城市管理局", "co": []}),
    ("lead=市政中心; co=城市管理局; co=公安分局", "whistled", {"lead": "市政中心", "co": ["城市管理局", "公安分局"]}),
    ("imported from export.csv; grid id 12 by coordinates", "imported",
     {"source": "export.csv", "by": "coordinates", "unassigned": False, "snapped": False, "near_boundary": False}),
    ("imported from 12345 导出.xlsx; unassigned queue", "imported",
     {"source": "12345 导出.xlsx", "unassigned": True, "snapped": False, "near_boundary": False}),
    ("datum=gcj02; grid id 3 (snapped, near boundary)", "reported",
     {"datum": "gcj02", "unassigned": False, "snapped": True, "near_boundary": True}),
    ("— → 井盖缺失破损; route: lead=市政中心; co=城市管理局", "recategorised",
     {"old": "—", "new": "井盖缺失破损", "lead": "市政中心", "co": ["城市管理局"]}),
    ("噪声扰民 → 油烟扰民; route: manual queue", "recategorised",
     {"old": "噪声扰民", "new": "油烟扰民", "lead": None, "co": []}),
    ("bundle 7: 楼道堆物集中整治; escalated to 区住建局", "bundled", {"bundle_id": 7, "title": "楼道堆物集中整治"}),
    ("basically_satisfied", "rated", {"rating": "basically_satisfied"}),
    ("duplicate of HB20261101000003", "merged", {"into": "HB20261101000003"}),
    ("HB20261101000009 merged in", "merged_in", {"duplicate": "HB20261101000009"}),
    ("another reporter (hotline_12345)", "followed", {"source": "hotline_12345"}),
    ("after photo 1280×960", "photo", {"kind": "after", "width": 1280, "height": 960}),
])
def test_old_english_notes_are_read_back_as_keys(text, key, params):
    assert from_legacy(text) == Note(key, params)
    assert stored(None, None, text) == (Note(key, params), "")


def test_an_old_intake_note_keeps_the_words_that_followed_it():
    assert stored(None, None, "datum=address; grid id 4; 楼下垃圾三天没人收") == (
        Note("reported", {"datum": "address", "unassigned": False, "snapped": False, "near_boundary": False}),
        "楼下垃圾三天没人收")


def test_a_persons_words_stay_as_typed():
    assert from_legacy("已联系物业，明早处理") is None
    assert stored(None, None, "lead paint on the wall") == (None, "lead paint on the wall")
    assert stored("whistled", '{"lead": "城管局", "co": []}', "请尽快") == (Note("whistled", {"lead": "城管局", "co": []}),
                                                                       "请尽快")


def test_a_note_refuses_keys_and_parameters_it_does_not_know():
    with pytest.raises(ValueError, match="unknown note key"):
        Note("gossip")
    with pytest.raises(ValueError, match="takes tier; not colour"):
        Note("triaged", {"colour": "red"})


def test_every_action_note_key_and_role_has_a_sentence_in_both_languages():
    wanted = ([f"case_map_action_{a}" for a in (*TRANSITIONS, *SYSTEM_ACTIONS)] + [f"note_{k}" for k in NOTE_KEYS]
              + [f"role_{r}" for r in Role])
    missing = [k for k in wanted if set(STRINGS.get(k, {})) != {"zh", "en"}]
    assert missing == []


def test_each_role_has_one_name():
    assert not [k for k in STRINGS if k.startswith("case_map_role_")]
