"""Bounds on the work an uploaded file may ask for, checked before anything parses it.

Why: parsers spend time and memory in proportion to what a file *says*, not to its size on disk. A 9.9 MB CSV
with a million columns took 644 s of CPU and 9 GB before pandas gave up; a GeoJSON polygon of a million
vertices took 42 s and 801 MB and came out "ok". So each reader first asks here whether the file is within
the limits below, by cheap scans of its bytes (streamed in chunks: bounded memory whatever the size), and
refuses with a message naming the limit when it is not — in seconds, for any file up to the upload limit.

The scans over-estimate, never under-estimate: a file that passes cannot make the parser exceed a limit.
- CSV: physical lines (a quoted field holding a line break only makes lines shorter), delimiters on the
  header line, lines × header columns for cells.
- .xlsx: the zip's declared sizes and ratio; per worksheet the rows and the cells per row (tags and the
  cells' column letters — openpyxl pads a row up to its last cell's column).
- GeoJSON: "Feature" markers and opening brackets (one per position, plus one per ring or part).
- Shapefile: the .shx index (records, and each record's byte length / 16 bytes per vertex).
- GeoPackage: its contents table and the geometry blobs' byte lengths (16 bytes per vertex at least).

Each ``*_problem`` function returns None when the file is within the limits, else the message (a catalogue
message, loaders.import_messages: limit_*); the reader raises its own error with it (loaders.case_read,
loaders.layer_read).
"""

from __future__ import annotations

import re
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from loaders.archive import MAX_RATIO, RATIO_MIN_BYTES, member_name
from loaders.import_messages import Msg, msg

MB = 1024 * 1024
#: Columns of a case table: hotline exports have tens; anything near this is not a case export.
MAX_COLUMNS = 500
#: One physical line of a CSV (a case's description runs to a few thousand characters).
MAX_LINE_BYTES = 256 * 1024
#: Rows of a case table, and rows × columns (each cell becomes a Python string: ~60 bytes).
MAX_ROWS = 1_000_000
MAX_CELLS = 5_000_000
#: Unpacked size of an .xlsx workbook (its XML), whatever the upload's own size.
MAX_WORKBOOK_BYTES = 512 * MB
#: Features of a layer, vertices of one feature, vertices of the layer. A district boundary has tens of
#: thousands of vertices; a city's 40,000 grids or 100,000 buildings a few million together.
MAX_FEATURES = 500_000
MAX_FEATURE_VERTICES = 100_000
MAX_VERTICES = 5_000_000
_CHUNK = 8 * MB


# --------------------------------------------------------------------------- case tables


def case_file_problem(path: Path) -> Msg | None:
    """A case table (.csv/.txt/.tsv, or an .xlsx workbook) beyond the limits, said in a sentence; else None
    (also for an old .xls workbook: the reader names it)."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:4] == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm"):
        return workbook_problem(path)
    if head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or path.suffix.lower() == ".xls":
        return None
    return text_table_problem(path)


def text_table_problem(path: Path) -> Msg | None:
    """Columns on the header line, the longest line, lines and cells of a delimited text file."""
    with open(path, "rb") as f:
        first = f.read(MAX_LINE_BYTES + 1)
        end = _line_end(first)
        if end is None:  # the header alone is longer than a line may be: count its columns for the message
            columns = max(_count_header_delimiters(first, f)) + 1
            return _too_many_columns(path, columns) if columns > MAX_COLUMNS else _line_too_long(path, 1)
    columns = max(first[:end].count(d) for d in (b",", b"\t", b";", b"|")) + 1
    if columns > MAX_COLUMNS:
        return _too_many_columns(path, columns)
    lines, longest, longest_at = _line_lengths(path)
    if longest > MAX_LINE_BYTES:
        return _line_too_long(path, longest_at)
    if lines > MAX_ROWS + 1:
        return msg("limit_rows", file=path.name, lines=lines, max=MAX_ROWS)
    if lines * columns > MAX_CELLS:
        return msg("limit_cells", file=path.name, rows=lines, columns=columns, max=MAX_CELLS)
    return None


def _line_end(data: bytes) -> int | None:
    """Where the first line of ``data`` ends (CR or LF); None if it runs past MAX_LINE_BYTES."""
    ends = [i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0]
    return min(ends) if ends else (len(data) if len(data) <= MAX_LINE_BYTES else None)


def _count_header_delimiters(first: bytes, f) -> list[int]:
    """Delimiters per candidate on a header line too long to hold: counted chunk by chunk to its end."""
    counts, chunk = [0, 0, 0, 0], first
    while chunk:
        ends = [i for i in (chunk.find(b"\n"), chunk.find(b"\r")) if i >= 0]
        part = chunk[:min(ends)] if ends else chunk
        counts = [n + part.count(d) for n, d in zip(counts, (b",", b"\t", b";", b"|"))]
        if ends:
            break
        chunk = f.read(_CHUNK)
    return counts


def _line_lengths(path: Path) -> tuple[int, int, int]:
    """(lines, bytes of the longest, its number), streaming the file. CR and LF both end a line for the
    length (as pandas reads them); lines are counted by LF, or by CR in a file without LF (CRLF is one)."""
    lf = cr = longest = start = offset = breaks = 0
    longest_at = 1
    for chunk in _chunks(path):
        data = np.frombuffer(chunk, dtype=np.uint8)
        is_lf, is_cr = data == 10, data == 13
        lf, cr = lf + int(is_lf.sum()), cr + int(is_cr.sum())
        ends = np.flatnonzero(is_lf | is_cr) + offset
        if ends.size:
            spans = np.diff(ends, prepend=start)
            at = int(np.argmax(spans))
            if spans[at] > longest:
                longest, longest_at = int(spans[at]), breaks + at + 1
            breaks += int(ends.size)
            start = int(ends[-1]) + 1
        offset += len(chunk)
    if offset - start > longest:
        longest, longest_at = offset - start, breaks + 1
    return (lf or cr) + (offset > start), longest, longest_at


def _too_many_columns(path: Path, columns: int) -> Msg:
    return msg("limit_columns", file=path.name, columns=columns, max=MAX_COLUMNS)


def _line_too_long(path: Path, line: int) -> Msg:
    return msg("limit_line", file=path.name, line=line, kb=MAX_LINE_BYTES // 1024)


# --------------------------------------------------------------------------- workbooks

_SHEET_TOKENS = re.compile(rb'<row\b|<c\b(?:[^>]*?\sr="([A-Z]{1,3})[0-9]+")?')


def workbook_problem(path: Path) -> Msg | None:
    """Declared sizes of an .xlsx, then rows and cells per row of each worksheet (streamed)."""
    try:
        with zipfile.ZipFile(path) as book:
            infos = book.infolist()
            unpacked, packed = sum(i.file_size for i in infos), sum(i.compress_size for i in infos) or 1
            if unpacked > MAX_WORKBOOK_BYTES or (unpacked > RATIO_MIN_BYTES and unpacked / packed > MAX_RATIO):
                return msg("limit_workbook", file=path.name, mb=round(unpacked / MB), ratio=round(unpacked / packed),
                           max_mb=MAX_WORKBOOK_BYTES // MB, max_ratio=MAX_RATIO)
            for info in infos:
                if member_name(info).startswith("xl/worksheets/") and member_name(info).endswith(".xml"):
                    problem = _sheet_problem(path, book, info)
                    if problem:
                        return problem
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return None  # not a readable zip: the workbook reader says so in its own words
    return None


def _sheet_problem(path: Path, book: zipfile.ZipFile, info: zipfile.ZipInfo) -> Msg | None:
    rows = cells = widest = 0
    with book.open(info) as stream:
        for text in _tag_chunks(stream):
            for match in _SHEET_TOKENS.finditer(text):
                if match.group(0) == b"<row":
                    rows, cells = rows + 1, 0
                    continue
                cells += 1
                letters = match.group(1)
                widest = max(widest, cells, _column_number(letters) if letters else 0)
            if widest > MAX_COLUMNS:
                return msg("limit_sheet_columns", file=path.name, columns=widest, max=MAX_COLUMNS)
            if rows > MAX_ROWS + 1:
                return msg("limit_sheet_rows", file=path.name, max=MAX_ROWS)
    return None


def _tag_chunks(stream) -> Iterator[bytes]:
    """The stream in chunks that end before a '<' (so no tag is cut in two); long text between tags (a huge
    inline string) is dropped rather than carried, so memory stays one chunk whatever the file holds."""
    carry = b""
    while chunk := stream.read(_CHUNK):
        text = carry + chunk
        cut = text.rfind(b"<")
        if cut < 0:
            carry = b""
            continue
        yield text[:cut]
        carry = text[cut:cut + 64 * 1024]
    if carry:
        yield carry


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


# --------------------------------------------------------------------------- layers


def layer_problem(path: Path) -> Msg | None:
    """Features, vertices per feature and vertices of a layer file (.geojson/.json, .shp, .gpkg), by a scan
    that does not parse it; None when within the limits (or when the format is not one scanned here)."""
    scan = {".geojson": _geojson_counts, ".json": _geojson_counts, ".shp": _shapefile_counts,
            ".gpkg": _geopackage_counts}.get(path.suffix.lower())
    if scan is None:
        return None
    features, widest, total = scan(path)
    if features > MAX_FEATURES:
        return msg("limit_features", file=path.name, features=features, max=MAX_FEATURES)
    if widest > MAX_FEATURE_VERTICES:
        return msg("limit_feature_vertices", file=path.name, vertices=widest, max=MAX_FEATURE_VERTICES)
    if total > MAX_VERTICES:
        return msg("limit_vertices", file=path.name, vertices=total, max=MAX_VERTICES)
    return None


_FEATURE = re.compile(rb'"Feature"')


def _geojson_counts(path: Path) -> tuple[int, int, int]:
    """(features, most brackets in one feature, brackets): every position opens one bracket. Streamed: per
    chunk, the brackets before its first "Feature" marker belong to the feature still open."""
    features = widest = total = current = 0
    for chunk in _chunks(path, overlap=len(b'"Feature"') - 1):
        data = np.frombuffer(chunk.data, dtype=np.uint8)[: chunk.size]
        brackets = np.flatnonzero(data == ord("["))
        markers = [m.start() for m in _FEATURE.finditer(chunk.data) if m.start() < chunk.size]
        split = np.searchsorted(brackets, markers)  # brackets before each marker
        pieces = np.diff(np.concatenate(([0], split, [brackets.size])))
        if markers:  # the open feature ends at the first marker; each marker opens the next
            widest = max(widest, current + int(pieces[0]), int(pieces[1:-1].max(initial=0)))
            current = int(pieces[-1])
        else:
            current += int(pieces[0])
        features, total = features + len(markers), total + int(brackets.size)
    return max(features, 1 if total else 0), max(widest, current), total


def _shapefile_counts(path: Path) -> tuple[int, int, int]:
    """From the .shx: records, and per record its content length (bytes) / 16 bytes per XY vertex."""
    shx = next((p for p in path.parent.iterdir() if p.stem == path.stem and p.suffix.lower() == ".shx"), None)
    if shx is None or shx.stat().st_size < 100:
        return 0, 0, 0  # the shapefile reader names the missing or broken index
    records = (shx.stat().st_size - 100) // 8
    if records > MAX_FEATURES:
        return records, 0, 0
    lengths = np.fromfile(shx, dtype=">i4", offset=100)[1::2].astype(np.int64) * 2
    return int(lengths.size), int(lengths.max(initial=0)) // 16, max(path.stat().st_size - 100, 0) // 16


def _geopackage_counts(path: Path) -> tuple[int, int, int]:
    """Per feature table: rows, and its geometry blobs' byte lengths / 16 bytes per XY vertex."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            tables = conn.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
            features = widest = total = 0
            for table, column in tables:
                table, column = (name.replace('"', '""') for name in (table, column))
                n, most, size = conn.execute(
                    f'SELECT count(*), max(length("{column}")), sum(length("{column}")) FROM "{table}"').fetchone()
                features, widest = features + n, max(widest, (most or 0) // 16)
                total += (size or 0) // 16
    except sqlite3.Error:
        return 0, 0, 0  # not a GeoPackage SQLite can read: GDAL's own message follows
    return features, widest, total


class _Chunk:
    __slots__ = ("data", "size")

    def __init__(self, data: bytes, size: int):
        self.data, self.size = data, size  # data: this chunk plus ``overlap`` bytes of the next one


def _chunks(path: Path, overlap: int = 0) -> Iterator:
    """The file in chunks of ``_CHUNK`` bytes; with ``overlap``, each carries that many bytes of the next
    (wrapped in _Chunk) so a pattern cut by a chunk's end is still found, once."""
    with open(path, "rb") as f:
        if not overlap:
            while chunk := f.read(_CHUNK):
                yield chunk
            return
        chunk = f.read(_CHUNK)
        while chunk:
            following = f.read(_CHUNK)
            yield _Chunk(chunk + following[:overlap], len(chunk))
            chunk = following
