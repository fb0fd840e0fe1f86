"""The phone page's catalogue covers every sentence it can show: each reason word the API gives a refusal (and
the page's own), in Chinese and in English."""

import re
from pathlib import Path

from api import page_strings
from api.app import REASON_BY_STATUS

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (ROOT / "api" / "static" / "app.js").read_text(encoding="utf-8")


def _reasons() -> set[str]:
    given = {m for p in (ROOT / "api").glob("*.py") for m in re.findall(r'reason="(\w+)"', p.read_text("utf-8"))}
    table = re.search(r"_REASONS = \((.*?)\n\n", (ROOT / "api" / "reports.py").read_text("utf-8"), re.S).group(1)
    mapped = set(re.findall(r'"(\w+)"\)', table))
    by_status = set(re.findall(r'\d{3}: "(\w+)"', SCRIPT))
    page_own = set(re.findall(r'new Refused\("(\w+)"\)', SCRIPT))
    return given | mapped | by_status | page_own | set(REASON_BY_STATUS.values())


def test_every_reason_word_has_a_sentence_in_both_languages():
    reasons = _reasons()
    assert {"outside", "photo", "cross_site", "signed_out", "channel_closed", "network", "too_large"} <= reasons
    zh, en = page_strings.strings("zh"), page_strings.strings("en")
    assert sorted(r for r in reasons if f"err_{r}" not in zh) == []
    assert all(re.search(r"[\u4e00-\u9fff]", zh[f"err_{r}"]) and en[f"err_{r}"].isascii() for r in reasons)


def test_every_key_the_script_uses_is_in_the_catalogue():
    used = set(re.findall(r"\bS\.(\w+)", SCRIPT)) | set(re.findall(r'data-s="(\w+)"', (ROOT / "api" / "static" /
                                                                                        "report.html").read_text()))
    assert sorted(used - set(page_strings.strings("zh"))) == []


def test_the_script_never_shows_the_apis_english_descriptions_nor_an_exceptions_text():
    assert "e.description" not in SCRIPT and ".message" not in SCRIPT
