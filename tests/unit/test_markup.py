"""dashboard.markup.escape: hostile text stays text in HTML and in markdown, and reads as it was typed.

Markdown is checked with a CommonMark parser (markdown-it-py, the reference implementation's Python port, with
GFM tables and strikethrough as Streamlit has them); HTML with the standard library's parser.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from dashboard.markup import escape, escape_properties
from tests.security.hostile import HOSTILE, probe

ROOT = Path(__file__).resolve().parents[2]
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
#: Markdown and HTML that data could try to smuggle in, beside tests/security/hostile.py's strings.
ATTACKS = [
    *HOSTILE.values(), probe("x"), "![i](http://evil.example/t.png)", "[x](javascript:alert(1))", "<http://evil/>",
    "**bold** _it_ ~~gone~~ `code`", "$x^2$", "# heading", "- item", "1. first", "12) twelfth", "    code block",
    "a\n\n<img src=x onerror=alert(1)>", "| a | b |\n|---|---|\n| 1 | 2 |", "&lt;b&gt; &amp;", "${alert(1)}`",
    "\\[not escaped\\]", ":red[colour] :material/home:", "</td></tr></table><script>alert(1)</script>",
]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def _parse(markup: str) -> _Tags:
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    return parser


@pytest.mark.parametrize("attack", ATTACKS)
def test_escaped_text_in_an_html_attribute_or_element_is_one_text_node_read_as_typed(attack):
    page = _parse(f'<div title="{escape(attack)}"><span>{escape(attack)}</span></div>')
    assert page.tags == [("div", [("title", attack)]), ("span", [])]
    assert "".join(page.text) == attack


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("template", ["{}", "**{}** · 网格", "- {}", "<table><tr><td>{}</td></tr></table>"])
def test_escaped_text_in_markdown_makes_no_element_of_its_own(attack, template):
    """Whatever the value, the rendered markdown holds exactly the template's own elements, and the value's
    text as typed (line breaks read as spaces, as HTML shows them)."""
    alone = MARKDOWN.render(template.format("x"))
    rendered = MARKDOWN.render(template.format(escape(attack)))
    assert [t for t, _ in _parse(rendered).tags] == [t for t, _ in _parse(alone).tags]
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    typed = attack.replace("\x00", "\ufffd")  # as every HTML and markdown parser reads a NUL
    assert re.sub(r"\s+", " ", typed).strip() in re.sub(r"\s+", " ", shown)


def test_times_dates_codes_and_chinese_addresses_pass_unchanged():
    for text in ("09:00", "2026-03-02T01:00:00+00:00", "G-001.b", "北环路177号3#楼", "1,234 / 56%", "a@b.cn"):
        assert escape(text) == text
    assert escape(None) == ""


def test_geojson_properties_are_escaped_except_the_ones_kept_for_styling():
    geojson = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None,
                          "properties": {"id": 7, "name": "<b>x</b>", "fill": "#a63603", "sel": True}}]})
    [feature] = escape_properties(geojson, keep=("fill",))["features"]
    assert feature["properties"] == {"id": 7, "name": "&#60;b&#62;x&#60;/b&#62;", "fill": "#a63603", "sel": True}
    assert json.loads(geojson)["features"][0]["properties"]["name"] == "<b>x</b>"  # a copy: the input stays


def test_the_dashboard_escapes_with_dashboard_markup_only():
    """One spelling: no module escapes by hand or with the standard library's html.escape, so a change to the
    rules (docs/security.md) is made in one place."""
    offenders = []
    for path in sorted((ROOT / "dashboard").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if path.name != "markup.py" and (re.search(r"^\s*(import html|from html import)", text, re.M)
                                         or '"&lt;"' in text or "'&lt;'" in text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
