"""Which text GridGov stores (issue 11): a value from outside — a layer file, a hotline export, an API client,
a note typed on a page — is stored exactly as it came, or refused with the reason. Never cut to fit its
column (a cut address points at another building, a cut name is another name; PostgreSQL would refuse it
anyway while SQLite would keep it whole — the two backends must agree), and never cleaned of characters.

Refused: control characters (a NUL cannot be stored in PostgreSQL at all; the others are invisible and
break exports and logs), lone surrogates (not UTF-8), and line breaks in one-line fields. Everything else —
markup, formula-looking text, SQL-looking text, right-to-left marks, emoji and other 4-byte characters — is
text like any other: pages escape it (dashboard.markup), exports neutralise formulas (loaders.exports).

The API (api/inputs.py) and the imports (loaders) apply the same two patterns.
"""

from __future__ import annotations

import re

_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_BREAKS = "\t\n\r"
_SURROGATES = "\ud800-\udfff"
#: Multi-line text (descriptions, notes): tab, line feed and carriage return allowed.
CONTROL = re.compile(f"[{_CONTROLS}{_SURROGATES}]")
#: One-line text (names, addresses, codes, phones): no line breaks or tabs either.
CONTROL_ONE_LINE = re.compile(f"[{_CONTROLS}{_BREAKS}{_SURROGATES}]")
#: The same for pandas' vectorised matching of decoded text, which cannot hold a lone surrogate (and whose
#: Arrow strings refuse one even in a pattern).
DECODED_CONTROL, DECODED_CONTROL_ONE_LINE = f"[{_CONTROLS}]", f"[{_CONTROLS}{_BREAKS}]"


def visible(value: str) -> str:
    """``value`` with its control characters written as escapes (``\\x00``): what someone typed, for a log
    line that every backend can store (a refused sign-in name, say)."""
    return CONTROL_ONE_LINE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), value)


def text_problem(value: str, limit: int | None, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be stored: "control" (see above), "too_long" (more than ``limit`` characters;
    None: no limit) — or None when it can, exactly as it is."""
    if (CONTROL if multiline else CONTROL_ONE_LINE).search(value):
        return "control"
    if limit is not None and len(value) > limit:
        return "too_long"
    return None
