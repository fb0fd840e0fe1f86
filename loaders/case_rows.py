"""Turning a case table's strings into typed case rows, or into rejections with their reasons.

Each check looks only at rows still alive, so every row gets exactly one outcome, and the first problem
found is the one reported (in the order below). Rules, and why:

- source id (``Case.source_ref``): re-importing a file must add nothing, so the source's id is the key;
  a second row with the same id (in the file or already in the database) is skipped as a duplicate.
  A row without an id is keyed by a hash of its content (so the same file still imports once).
- reported time is required; a closing time before it is refused ("closed before opened").
- status: the exporting system's word (已办结, 处理中 …) → ours; empty → closed if a closing time is given,
  else reported. A closed/rated case needs its closing time — imported closed cases keep their timestamps.
- category: our code or name, or the analyst's mapping table; **an unknown name holds the row back** (it
  is almost always a vocabulary mismatch for the whole file): every unknown word is counted once
  (``Outcomes.unknown``) and asked once by the import, the answer being one of ours or the fallback
  待分类 (uncategorised). An empty category is allowed: the center triages the case as any new report.
  Unknown status and channel words are treated the same way.
- coordinates: numbers in the declared datum (converted to WGS84 at once); text, a lone longitude or an
  out-of-range value rejects the row; (0, 0) means "none" (a common export default).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from geo.config import LOCAL_TZ
from geo.domain.datums import to_wgs84
from geo.domain.text import DECODED_CONTROL, DECODED_CONTROL_ONE_LINE
from geo.domain.vocabulary import DONE_STATUSES, Source, Status
from loaders.case_mapping import (
    FALLBACK,
    SOURCE_WORDS,
    STATUS_WORDS,
    CategoryLookup,
    map_words,
    normalise_text,
)
from loaders.case_times import ACCEPTED_FORMATS, parse_times
from loaders.import_messages import EN, Msg

MAX_REF = 100  # Case.source_ref length


@dataclass
class Outcomes:
    """Per row (index = row number): 'ok' | 'duplicate' | 'rejected', with the problem kind and message (a
    message key per row in ``msg`` and its parameters, a dict per row, in ``params``)."""

    outcome: pd.Series
    kind: pd.Series
    msg: pd.Series
    params: pd.Series
    warnings: list[tuple[int | None, str, Msg]] = field(default_factory=list)  # (row, kind, message)
    unknown: dict[str, dict[str, int]] = field(default_factory=dict)  # role → {unknown word: rows held back}

    @classmethod
    def for_rows(cls, index: pd.Index) -> Outcomes:
        return cls(pd.Series("ok", index=index), pd.Series("", index=index), pd.Series("", index=index),
                   pd.Series(None, index=index, dtype=object))

    def message(self, row) -> Msg:
        """The row's problem as a message ('' key: none)."""
        return Msg(self.msg[row], self.params[row] or {})

    @property
    def alive(self) -> pd.Series:
        return self.outcome == "ok"

    def note_unknown(self, role: str, raw: pd.Series, unknown: pd.Series) -> None:
        """Remember every unknown word and its rows (not only the row's first reason), so the page can offer a
        mapping for each at once."""
        counts = raw[unknown & (self.outcome != "duplicate")].value_counts()
        if len(counts):
            self.unknown[role] = {str(k): int(v) for k, v in counts.items()}

    def mark(self, mask: pd.Series, outcome: str, kind: str, key: str, quote: tuple[str, ...] = (),
             **params) -> None:
        """Mark rows in ``mask`` that are still alive with message ``key``; each parameter is one value for
        every row or a Series of per-row values; those named in ``quote`` are shown quoted (repr), computed
        for the marked rows only."""
        if key not in EN:
            raise KeyError(f"no import message {key!r}")
        mask = mask.reindex(self.outcome.index, fill_value=False) & self.alive
        if not mask.any():
            return
        rows = mask.index[mask.to_numpy()]
        self.outcome[mask] = outcome
        self.kind[mask] = kind
        self.msg[mask] = key
        values = pd.DataFrame({k: v.reindex(rows) if isinstance(v, pd.Series) else [v] * len(rows)
                               for k, v in params.items()}, index=rows)
        for name in quote:
            values[name] = values[name].map(repr)
        self.params.loc[rows] = pd.Series(values.to_dict("records") if params else [{}] * len(rows), index=rows)


def column(frame: pd.DataFrame, mapping: dict[str, str], role: str) -> pd.Series:
    """The mapped column's strings, or '' for every row when the role has no column."""
    name = mapping.get(role)
    return frame[name] if name else pd.Series("", index=frame.index)


def source_refs(frame: pd.DataFrame, mapping: dict[str, str], prefix: str, out: Outcomes) -> pd.Series:
    """The key of each row: prefix + the source's id, else a hash of the row's content."""
    ids = column(frame, mapping, "source_ref")
    empty = ids == ""
    if empty.any():
        content = frame[empty].astype(str).agg("\x1f".join, axis=1)
        hashed = "sha1:" + content.map(lambda v: hashlib.sha1(v.encode()).hexdigest()[:32])
        ids = ids.mask(empty, hashed.reindex(ids.index))
        if "source_ref" not in mapping:
            out.warnings.append((None, "no_source_id", Msg("no_source_column")))
        else:
            out.warnings += [(int(row), "no_source_id", Msg("no_source_id")) for row in empty[empty].index]
    refs = prefix + ids
    out.mark(refs.str.len() > MAX_REF, "rejected", "bad_source_id", "bad_source_id", limit=MAX_REF,
             value=refs.str.slice(0, 40))
    return refs


def mark_duplicates(refs: pd.Series, existing: dict[str, str], out: Outcomes) -> None:
    """Second and later rows with one id → duplicate of the first; ids already in the database → duplicate."""
    first_row = pd.Series(refs.index, index=refs.index).groupby(refs.values).transform("min")
    repeat = first_row != refs.index
    out.mark(repeat, "duplicate", "duplicate_in_file", "duplicate_in_file", ref=refs, first=first_row)
    known = refs.isin(existing)
    out.mark(known, "duplicate", "already_imported", "already_imported", ref=refs,
             number=refs.map(lambda r: existing.get(r, "")))


def times(frame: pd.DataFrame, mapping: dict[str, str], tz: str, out: Outcomes,
          order: str | None = None) -> tuple[pd.Series, pd.Series]:
    """(reported_at, closed_at) in UTC; bad, missing and out-of-order times reject the row. ``order``: how
    dates written before their year read (month-first | day-first) or a strptime pattern."""
    reported_raw, closed_raw = column(frame, mapping, "reported_at"), column(frame, mapping, "closed_at")
    reported, bad_reported = parse_times(reported_raw, tz, order)
    closed, bad_closed = parse_times(closed_raw, tz, order)
    header = mapping.get("reported_at", "reported_at")
    out.mark(bad_reported, "rejected", "bad_time", "bad_time", ("value",), column=header, value=reported_raw,
             accepted=ACCEPTED_FORMATS)
    out.mark(reported_raw == "", "rejected", "missing_time", "missing_time", column=header)
    header = mapping.get("closed_at", "closed_at")
    out.mark(bad_closed, "rejected", "bad_time", "bad_time", ("value",), column=header, value=closed_raw,
             accepted=ACCEPTED_FORMATS)
    before = closed.notna() & reported.notna() & (closed < reported)
    out.mark(before, "rejected", "closed_before_opened", "closed_before_opened", closed=_local(closed),
             reported=_local(reported))
    return reported, closed


def _local(stamps: pd.Series) -> pd.Series:
    return stamps.dt.tz_convert(ZoneInfo(LOCAL_TZ)).dt.strftime("%Y-%m-%d %H:%M").fillna("")


def statuses(frame: pd.DataFrame, mapping: dict[str, str], closed: pd.Series, out: Outcomes,
             extra_words: dict[str, str] | None = None) -> pd.Series:
    """Our status per row; unknown words, closed without a closing time, or an open case with one reject."""
    raw = column(frame, mapping, "status")
    extra = {k: ("" if v == FALLBACK else v) for k, v in (extra_words or {}).items()}  # fallback: as if empty
    status = map_words(raw, {**STATUS_WORDS, **extra}, default="")
    status = status.mask(status == "", np.where(closed.notna(), str(Status.CLOSED), str(Status.REPORTED)))
    known = ", ".join(sorted({k for k in STATUS_WORDS if not k.isascii()})[:12])
    out.mark(status.isna(), "rejected", "unknown_status", "unknown_status", ("value",), value=raw, known=known,
             codes=", ".join(Status))
    out.note_unknown("status", raw, status.isna())
    done = status.isin([str(s) for s in DONE_STATUSES])
    out.mark(done & closed.isna(), "rejected", "closed_without_time", "closed_without_time", ("value",), value=raw)
    open_with_time = closed.notna() & ~done & (status != str(Status.REJECTED))
    out.mark(open_with_time, "rejected", "open_with_closing_time", "open_with_closing_time", ("value",),
             closed=_local(closed), value=raw)
    return status


def categories(frame: pd.DataFrame, mapping: dict[str, str], lookup: CategoryLookup, out: Outcomes) -> pd.Series:
    raw = column(frame, mapping, "category")
    ids = lookup.ids(raw)
    out.mark(ids == -2, "rejected", "unknown_category", "unknown_category", ("value",), value=raw,
             examples=", ".join(lookup.examples))
    out.note_unknown("category", raw, ids == -2)
    return ids.astype(object).where(ids >= 0, None)


def sources(frame: pd.DataFrame, mapping: dict[str, str], default: str, out: Outcomes,
            extra_words: dict[str, str] | None = None) -> pd.Series:
    raw = column(frame, mapping, "source")
    extra = {k: (default if v == FALLBACK else v) for k, v in (extra_words or {}).items()}
    source = map_words(raw, {**SOURCE_WORDS, **extra}, default=default)
    out.mark(source.isna(), "rejected", "unknown_source", "unknown_source", ("value",), value=raw,
             codes=", ".join(Source))
    out.note_unknown("source", raw, source.isna())
    return source


def coordinates(frame: pd.DataFrame, mapping: dict[str, str], datum: str,
                out: Outcomes) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat (NaN = none) converted from ``datum`` in one vectorised call."""
    raw_lon, raw_lat = column(frame, mapping, "lon"), column(frame, mapping, "lat")
    lon, lat = _numbers(raw_lon), _numbers(raw_lat)
    text = ((raw_lon != "") & lon.isna()) | ((raw_lat != "") & lat.isna())
    raw = {"quote": ("lon", "lat"), "lon": raw_lon, "lat": raw_lat}
    out.mark(text, "rejected", "bad_coordinates", "coordinates_not_numbers", **raw)
    lone = lon.isna() != lat.isna()
    out.mark(lone, "rejected", "bad_coordinates", "coordinates_lone", **raw)
    outside = (lon.abs() > 180) | (lat.abs() > 90)
    out.mark(outside, "rejected", "bad_coordinates", "coordinates_out_of_range", **raw)
    zero = (lon == 0) & (lat == 0)
    usable = out.alive & lon.notna() & lat.notna() & ~zero
    x, y = to_wgs84(lon.where(usable).to_numpy(float), lat.where(usable).to_numpy(float), datum)
    return x, y


def _numbers(values: pd.Series) -> pd.Series:
    text = values if values.map(str.isascii).all() else values.map(normalise_text)
    return pd.to_numeric(text.where(text != ""), errors="coerce")


def text(frame: pd.DataFrame, mapping: dict[str, str], role: str) -> pd.Series:
    """A free-text column as it is (``check_text`` has rejected the rows whose text cannot be stored so)."""
    return column(frame, mapping, role)


def check_text(frame: pd.DataFrame, mapping: dict[str, str], limits: dict[str, int | None], out: Outcomes,
               multiline: tuple[str, ...] = ("description",)) -> None:
    """Reject the rows whose free text cannot be stored exactly (geo.domain.text): control characters (line
    breaks too, but in ``multiline`` roles), more characters than the column holds — naming the file's
    column, so the analyst can fix the file; nothing is ever cut."""
    for role, limit in limits.items():
        if role not in mapping:
            continue
        values = column(frame, mapping, role)
        pattern = DECODED_CONTROL if role in multiline else DECODED_CONTROL_ONE_LINE
        out.mark(values.str.contains(pattern, regex=True), "rejected", "bad_text", "row_text_control",
                 column=mapping[role])
        if limit is not None:
            lengths = values.str.len()
            out.mark(lengths > limit, "rejected", "bad_text", "row_text_too_long", column=mapping[role],
                     n=lengths, limit=limit)
