"""Reading a case export (CSV or Excel) into a table of strings, with the encoding and its evidence.

Why strings: hotline and mini-program exports mix formats in one column (times as text and as Excel serial
numbers, phone numbers as numbers); every value is parsed later by case_mapping, where a bad value becomes
a rejected row with its reason instead of a silently coerced one.

Encoding: a UTF-8 byte-order mark is trusted; otherwise strict UTF-8, then GBK, then GB18030 (the 12345
hotline systems export GBK). A decode that succeeds but yields few Chinese characters is *uncertain*: the
caller must ask the analyst, showing decoded samples per candidate — never silently produce mojibake.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.config import max_upload_bytes
from loaders.import_messages import MessageError, Msg, msg
from loaders.limits import case_file_problem

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (",", "\t", ";", "|")
#: Share of non-ASCII characters that must be Chinese for a GBK/GB18030 decode to count as certain.
CHINESE_SHARE = 0.9
SAMPLE_ROWS = 5
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\U00020000-\U0002ffff]")


class UnreadableFile(MessageError):
    """The file cannot be read as a case table; the message says why and what would work."""


@dataclass(frozen=True)
class EncodingGuess:
    encoding: str  # a Python codec name: utf-8, utf-8-sig, gbk, gb18030
    evidence: Msg
    certain: bool
    samples: dict[str, list[str]] = field(default_factory=dict)  # candidate → decoded sample lines


@dataclass(frozen=True)
class CaseTable:
    """The file's rows as strings ('' for empty), with what was detected about it."""

    frame: pd.DataFrame  # index: row number as a spreadsheet shows it (header = row 1)
    kind: str  # csv | xlsx
    encoding: EncodingGuess | None  # None for Excel (text is Unicode inside the workbook)
    delimiter: str | None
    blank_rows: int  # rows with every cell empty, dropped


def read_case_table(path: str | Path, encoding: str | None = None, sheet: str | int | None = None) -> CaseTable:
    """Read ``path`` (.csv/.txt/.tsv or .xlsx); ``encoding`` overrides detection. Raises UnreadableFile."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableFile(msg("file_missing", path=str(path)))
    size, limit = path.stat().st_size, max_upload_bytes()  # the limit shared with layer uploads
    if size > limit:
        raise UnreadableFile(msg("file_too_big", file=path.name, mb=size / 1e6, limit=limit / 1e6))
    if size == 0:
        raise UnreadableFile(msg("file_empty", file=path.name))
    if too_large := case_file_problem(path):  # before any parser sees it: loaders.limits
        raise UnreadableFile(too_large)
    raw = path.read_bytes()
    if raw[:4] == b"PK\x03\x04" or path.suffix.lower() in EXCEL_SUFFIXES:
        return _excel_table(path, raw, sheet)
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or path.suffix.lower() == ".xls":
        raise UnreadableFile(msg("file_xls", file=path.name))
    if b"\x00" in raw[:4096] and raw[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        raise UnreadableFile(msg("file_binary", file=path.name))
    guess = guess_encoding(raw) if encoding is None else _declared(raw, encoding)
    return _csv_table(raw.decode(guess.encoding, errors="replace"), guess)


def guess_encoding(raw: bytes) -> EncodingGuess:
    """The file's text encoding and the evidence; ``certain=False`` means the analyst must confirm."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return EncodingGuess("utf-8-sig", msg("csv_enc_bom", name="UTF-8"), True)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return EncodingGuess("utf-16", msg("csv_enc_bom", name="UTF-16"), True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = msg("csv_enc_not_utf8", byte=f"0x{raw[exc.start]:02x}", offset=exc.start)
    else:
        if text.isascii():
            return EncodingGuess("utf-8", msg("csv_enc_ascii"), True)
        return EncodingGuess("utf-8", msg("csv_enc_utf8", share=_chinese_share(text)), True)
    for candidate in ("gbk", "gb18030"):
        try:
            text = raw.decode(candidate)
        except UnicodeDecodeError:
            continue
        share = _chinese_share(text)
        evidence = msg("csv_enc_decodes", utf8=utf8_error, name=candidate.upper(), share=share)
        if share >= CHINESE_SHARE:
            return EncodingGuess(candidate, evidence, True)
        return EncodingGuess(candidate, evidence, False, _samples(raw))
    return EncodingGuess("gb18030", msg("csv_enc_none", utf8=utf8_error), False, _samples(raw))


def _declared(raw: bytes, encoding: str) -> EncodingGuess:
    """The analyst's encoding, checked: a strict decode must succeed, else say where it fails."""
    try:
        raw.decode(encoding)
    except LookupError:
        raise UnreadableFile(msg("csv_enc_unknown", name=repr(encoding))) from None
    except UnicodeDecodeError as exc:
        detected = guess_encoding(raw)
        raise UnreadableFile(msg("csv_enc_wrong", name=encoding, byte=f"0x{raw[exc.start]:02x}", offset=exc.start,
                                 detected=detected.encoding, evidence=detected.evidence)) from None
    return EncodingGuess(encoding, msg("enc_analyst"), True)


def _chinese_share(text: str) -> float:
    non_ascii = [c for c in text[:200_000] if not c.isascii()]
    if not non_ascii:
        return 1.0
    return sum(1 for c in non_ascii if _CHINESE.match(c)) / len(non_ascii)


def _samples(raw: bytes) -> dict[str, list[str]]:
    """The first lines decoded by each candidate, so a person can see which one reads as Chinese."""
    head = raw[:4000]
    return {c: head.decode(c, errors="replace").splitlines()[: SAMPLE_ROWS + 1] for c in ("utf-8", "gbk", "gb18030")}


def sniff_delimiter(text: str) -> str:
    """The candidate found the same, largest number of times on each of the first lines (ties: comma)."""
    lines = [line for line in text.splitlines()[:20] if line.strip()][:10]
    if not lines:
        return ","
    best, best_count = ",", 0
    for delimiter in DELIMITERS:
        count = min(line.count(delimiter) for line in lines)
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _csv_table(text: str, guess: EncodingGuess) -> CaseTable:
    delimiter = sniff_delimiter(text)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            skip_blank_lines=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError, ValueError) as exc:
        raise UnreadableFile(msg("csv_unparsable", delimiter=repr(delimiter), error=str(exc))) from None
    frame, blank = _tidy(frame)
    return CaseTable(frame, "csv", guess, delimiter, blank)


def _excel_table(path: Path, raw: bytes, sheet: str | int | None) -> CaseTable:
    try:
        frame = pd.read_excel(io.BytesIO(raw), sheet_name=0 if sheet is None else sheet, dtype=object,
                              engine="openpyxl")
    except ValueError as exc:
        raise UnreadableFile(msg("xlsx_sheet", sheet=repr(sheet), file=path.name, error=str(exc))) from None
    except Exception as exc:  # noqa: BLE001 — openpyxl raises many types for broken workbooks (zipfile, KeyError, XML)
        raise UnreadableFile(msg("xlsx_unreadable", file=path.name, error=type(exc).__name__, detail=str(exc))) from None
    frame = frame.apply(lambda column: column.map(_cell_text)) if len(frame.columns) else frame
    frame, blank = _tidy(frame)
    return CaseTable(frame, "xlsx", None, None, blank)


def _cell_text(value) -> str:
    """Excel cells as text: whole numbers without '.0' (ids, phones), times in ISO form, empty as ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def _tidy(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Stripped header names and cells; rows with every cell empty dropped (counted). The index keeps each
    row's number as a spreadsheet shows it (header = row 1), so the report can name rows."""
    if frame.columns.empty:
        raise UnreadableFile(msg("file_no_header"))
    frame = frame.copy()
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    frame = frame.apply(lambda column: column.astype(str).str.strip())
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="row")
    blank = (frame == "").all(axis=1)
    return frame[~blank], int(blank.sum())
