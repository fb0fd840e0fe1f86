"""Import messages: every key has its Chinese with the same placeholders; nested messages render in both."""

import string

import pytest

from dashboard.strings.imports import ZH
from loaders.import_messages import EN, msg, render


def fields(template: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_import_message_has_chinese_with_the_same_placeholders():
    assert set(ZH) == set(EN)
    assert {k: fields(ZH[k]) for k in EN if fields(ZH[k]) != fields(EN[k])} == {}


def test_a_message_nested_in_another_renders_in_each_language():
    message = msg("crs_question", reason=msg("crs_no_prj"))
    assert message.params == {"reason": {"msg": "crs_no_prj", "params": {}}}
    assert message.text == "The layer has no .prj (no CRS is declared). Choose the CRS the coordinates are in."
    assert render(message.key, message.params, ZH.__getitem__) == "该图层没有 .prj（未声明坐标系）。请选择坐标所用的坐标系。"


def test_an_unknown_message_key_is_a_bug_caught_at_once():
    with pytest.raises(KeyError, match="no import message 'no_such_message'"):
        msg("no_such_message")
