"""The questions a case export can raise beyond its encoding: how its dates read, and what its words mean.

Why questions and not rejected rows: an export from another system (a US 311 system, another district's
platform) differs from ours as a whole — its date layout, its twelve category names, its channel and status
words. Rejecting every row for each of these, one warning per row, leaves the analyst with thousands of
lines and no way forward. Instead each difference is asked **once**: ``01/06/2018`` month-first or
day-first (only when no value tells), and each unknown word with its row count, to be mapped to one of ours
or to the fallback 待分类 (the case comes in and the center triages it — never silently dropped). The
answers go back in the spec (``time_format``, ``category_map``, ``status_map``, ``source_map``) — the CLI's
``--time-format``, ``--category``, ``--status-word``, ``--source-word``.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from geo.domain.vocabulary import Source, Status
from loaders.case_mapping import FALLBACK
from loaders.case_times import ORDERS, day_month_order, parse_times
from loaders.import_messages import msg
from loaders.import_report import Detection, ImportReport, Question

#: At most this many unknown words per role are asked at once (the most frequent first); a column with
#: more is probably mapped to the wrong role, which the grouped problems show.
MAX_WORDS_ASKED = 50
WORD_ROLES = ("category", "status", "source")


def time_order(report: ImportReport, columns: list[pd.Series], given: str | None) -> str | None:
    """How to read dates written before their year: the analyst's answer, else what the values show, else a
    question (the preview then reads them month-first; nothing is applied while a question is open)."""
    if given:
        evidence = msg("time_order_analyst" if given in ORDERS else "time_pattern_analyst", order=given,
                       pattern=given)
        report.extra["time_format"] = dataclasses.asdict(Detection.of(given, evidence))
        return given
    order, example = day_month_order(*columns)
    if example is None:
        return None
    if order:
        evidence = msg("time_order_detected", order=order, example=repr(example))
        report.extra["time_format"] = dataclasses.asdict(Detection.of(order, evidence))
        return order
    choices = [(o, f"{o}: {example} → {_read_as(example, o)}") for o in ORDERS]
    report.ask(Question.of("time_format", msg("question_time_order", example=repr(example)), choices,
                           default=ORDERS[0]))
    return ORDERS[0]


def _read_as(example: str, order: str) -> str:
    stamp = parse_times(pd.Series([example]), "UTC", order)[0].iloc[0]
    return "?" if pd.isna(stamp) else stamp.strftime("%Y-%m-%d")


def ask_words(report: ImportReport, unknown: dict[str, dict[str, int]], categories: list[tuple[str, str]],
              default_source: str) -> None:
    """One question per unknown word (most frequent first): map it to ours or to FALLBACK."""
    for role in WORD_ROLES:
        words = sorted(unknown.get(role, {}).items(), key=lambda item: (-item[1], item[0]))
        choices = _choices(role, categories) + [(FALLBACK, msg(f"fallback_{role}").text)]
        for word, rows in words[:MAX_WORDS_ASKED]:
            text = msg(f"question_word_{role}", word=repr(word), n=rows, default=default_source)
            report.ask(Question.of(f"{role}:{word}", text, choices, default=FALLBACK))


def _choices(role: str, categories: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if role == "category":
        return [(code, f"{code} {name}") for code, name in categories]
    return [(str(v), str(v)) for v in (Status if role == "status" else Source)]

