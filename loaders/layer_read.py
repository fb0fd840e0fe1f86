"""Reading an uploaded layer file (shapefile, GeoJSON, GeoPackage) without garbling its text.

Why the encoding work: a shapefile's DBF does not say how its text is encoded unless a .cpg file or the DBF
language byte does. GDAL then assumes Latin-1 and Chinese names turn into mojibake ("Íø¸ñ±àÂë") with no
error at all. So: .cpg, then the language byte, then our own detection on the raw DBF bytes (UTF-8 vs
GBK/GB18030) — and whenever the bytes do not settle it, a question with decoded samples per candidate.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio
from pyproj import CRS

from loaders.import_messages import MessageError, Msg, msg
from loaders.import_report import Detection, Question
from loaders.limits import layer_problem

#: .cpg spellings → Python codec names GDAL (iconv) also knows.
_CPG_NAMES = {"utf-8": "UTF-8", "utf8": "UTF-8", "65001": "UTF-8", "936": "GBK", "cp936": "GBK", "gbk": "GBK",
              "gb2312": "GBK", "gb18030": "GB18030", "54936": "GB18030", "950": "BIG5", "big5": "BIG5",
              "1252": "CP1252", "ansi 1252": "CP1252", "cp1252": "CP1252", "windows-1252": "CP1252",
              "88591": "ISO-8859-1", "iso-8859-1": "ISO-8859-1", "iso8859-1": "ISO-8859-1", "iso88591": "ISO-8859-1",
              "latin1": "ISO-8859-1", "latin-1": "ISO-8859-1"}
#: DBF language driver ids (byte 29) → codec; 0 means "not set".
_LDID = {0x4D: "GBK", 0x7A: "GBK", 0x4F: "BIG5", 0x4E: "CP949", 0x13: "CP932", 0x57: "CP1252", 0x03: "CP1252",
         0x01: "CP437", 0x02: "CP850"}
CANDIDATES = ("UTF-8", "GBK", "GB18030", "BIG5", "CP1252")
#: Below this many non-ASCII values a clean decode could be chance: ask instead of deciding.
MIN_EVIDENCE = 3
SAMPLE_SIZE = 6
MAX_SAMPLED_RECORDS = 2000


class LayerUnreadable(MessageError):
    """The file cannot be read as a layer; the message says what is missing or broken."""


@dataclass
class LayerData:
    """A layer read in its native CRS with text decoded, and what was detected on which evidence."""

    frame: gpd.GeoDataFrame
    declared_crs: CRS | None
    encoding: Detection
    question: Question | None = None
    warnings: list[tuple[str, Msg]] = field(default_factory=list)


def read_layer(path: Path, encoding: str | None = None, layer: str | None = None) -> LayerData:
    """Read ``path`` (.shp, .geojson/.json, .gpkg); ``encoding`` overrides detection (the analyst's answer)."""
    if too_large := layer_problem(path):  # before GDAL sees it: loaders.limits
        raise LayerUnreadable(too_large)
    if path.suffix.lower() == ".shp":
        _check_shapefile(path)
        detection, question, warnings = shapefile_encoding(path, encoding)
        frame = _read(path, detection.value, None)
        return LayerData(frame, _declared_crs(path, frame), detection, question, warnings)
    detection = Detection.of("UTF-8", msg("enc_by_spec", format=path.suffix.lower().lstrip(".")))
    if encoding and encoding.upper() not in ("UTF-8", "UTF8"):
        detection = Detection.of(encoding, msg("enc_analyst"))
    frame = _read(path, detection.value if path.suffix.lower() != ".gpkg" else None, layer)
    return LayerData(frame, frame.crs, detection)


def _read(path: Path, encoding: str | None, layer: str | None) -> gpd.GeoDataFrame:
    try:
        return pyogrio.read_dataframe(path, encoding=encoding, layer=layer)
    except Exception as exc:  # noqa: BLE001 - GDAL's errors come in many classes; all mean "unreadable"
        raise LayerUnreadable(msg("layer_gdal_unreadable", file=path.name, error=str(exc))) from None


def _declared_crs(path: Path, frame: gpd.GeoDataFrame) -> CRS | None:
    """The .prj's CRS (parsed by pyproj from the WKT text, ESRI flavour included), or None without a .prj."""
    prj = _sidecar(path, ".prj")
    if prj is None:
        return None
    text = prj.read_bytes().decode("latin-1").strip()
    try:
        return CRS.from_wkt(text)
    except Exception:  # noqa: BLE001
        if frame.crs is not None:
            return frame.crs
        raise LayerUnreadable(msg("layer_prj_unknown", file=prj.name, text=repr(text[:80]))) from None


def _sidecar(path: Path, suffix: str) -> Path | None:
    """The file beside ``path`` with ``suffix``, any letter case (.DBF from old Windows tools)."""
    for candidate in path.parent.iterdir():
        if candidate.stem == path.stem and candidate.suffix.lower() == suffix:
            return candidate
    return None


def _check_shapefile(path: Path) -> None:
    """A shapefile needs .shp, .shx and .dbf; a .shp shorter than its header says is truncated."""
    for suffix in (".shx", ".dbf"):
        if _sidecar(path, suffix) is None:
            raise LayerUnreadable(msg(f"layer_no{suffix.replace('.', '_')}", shp=path.name,
                                      missing=path.stem + suffix))
    data = path.read_bytes()[:100]
    if len(data) < 100 or struct.unpack(">i", data[:4])[0] != 9994:
        raise LayerUnreadable(msg("layer_not_shapefile", file=path.name))
    declared = struct.unpack(">i", data[24:28])[0] * 2
    actual = path.stat().st_size
    if actual < declared:
        raise LayerUnreadable(msg("layer_truncated", file=path.name, declared=declared, actual=actual))


def dbf_text(dbf: Path) -> tuple[int, list[bytes]]:
    """(language byte, non-ASCII raw byte strings of field names and character values) from a DBF."""
    data = dbf.read_bytes()
    if len(data) < 32:
        raise LayerUnreadable(msg("layer_dbf_short", file=dbf.name))
    records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields, offset = [], 1
    for start in range(32, header_len - 1, 32):
        if data[start] == 0x0D:
            break
        name, kind, length = data[start:start + 11].split(b"\0")[0], chr(data[start + 11]), data[start + 16]
        fields.append((name, kind, offset, length))
        offset += length
    raw = [name for name, *_ in fields]
    for r in range(min(records, MAX_SAMPLED_RECORDS)):
        row = data[header_len + r * record_len: header_len + (r + 1) * record_len]
        raw += [row[o:o + n].rstrip(b" \0") for _, kind, o, n in fields if kind == "C"]
    return data[29], [b for b in raw if any(ch > 0x7F for ch in b)]


def shapefile_encoding(shp: Path, chosen: str | None = None) -> tuple[Detection, Question | None, list]:
    """The DBF's encoding with its evidence; a question with samples when the bytes do not settle it."""
    ldid, raw = dbf_text(_sidecar(shp, ".dbf"))
    cpg = _sidecar(shp, ".cpg")
    if chosen:
        return _declared(chosen, msg("enc_analyst"), raw, explicit=True)
    if cpg is not None:
        text = cpg.read_bytes().decode("latin-1").strip()
        name = _CPG_NAMES.get(text.lower(), text)
        return _declared(name, msg("enc_cpg", file=cpg.name, text=repr(text)), raw)
    if ldid in _LDID:
        return _declared(_LDID[ldid], msg("enc_ldid", byte=f"0x{ldid:02X}", codec=_LDID[ldid]), raw)
    return _detect(raw)


def _decodes(raw: list[bytes], encoding: str) -> bool:
    try:
        for value in raw:
            value.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _cjk_share(raw: list[bytes], encoding: str) -> float:
    """Share of non-ASCII characters that are CJK ideographs or CJK/full-width punctuation."""
    text = "".join(v.decode(encoding, errors="replace") for v in raw)
    wide = [c for c in text if ord(c) > 0x7F]
    cjk = [c for c in wide if "\u4e00" <= c <= "\u9fff" or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef"]
    return len(cjk) / len(wide) if wide else 1.0


def _everyday_chinese(char: str) -> bool:
    """One of GB2312's 3,755 level-1 characters (lead byte 0xB0–0xD7): the ones names and addresses use."""
    try:
        return 0xB0 <= char.encode("gb2312")[0] <= 0xD7
    except UnicodeEncodeError:
        return False


def reads_as_chinese(raw: list[bytes], encoding: str) -> bool:
    """Strong evidence that ``encoding`` is right because the text reads as Chinese.

    Why two rules: valid multi-byte UTF-8 that is mostly CJK almost never happens by chance. Almost any
    Latin-1 byte pair is valid GBK, though ("Côte" → "C魌e"), so GBK needs more: at least MIN_EVIDENCE
    characters, ≥ 80 % of them everyday (level-1) characters — not a single rare one.
    """
    if not raw or not _decodes(raw, encoding):
        return False
    if encoding.upper() in ("UTF-8", "UTF8"):
        return _cjk_share(raw, encoding) > 0.9
    wide = [c for c in "".join(v.decode(encoding) for v in raw) if ord(c) > 0x7F]
    common = sum(map(_everyday_chinese, wide))
    return common >= MIN_EVIDENCE and common >= 0.8 * len(wide)


def _everyday_share(raw: list[bytes], encoding: str) -> float:
    """Share of the non-ASCII characters decoded with ``encoding`` that are everyday Chinese."""
    wide = [c for c in "".join(v.decode(encoding, errors="replace") for v in raw) if ord(c) > 0x7F]
    return sum(map(_everyday_chinese, wide)) / len(wide) if wide else 0.0


def samples(raw: list[bytes], encoding: str) -> list[str]:
    """A few distinct values decoded with ``encoding`` (undecodable bytes shown as �)."""
    seen: list[str] = []
    for value in raw:
        text = value.decode(encoding, errors="replace")
        if text not in seen:
            seen.append(text)
        if len(seen) >= SAMPLE_SIZE:
            break
    return seen


def _question(text: Msg, raw: list[bytes], default: str, declared: str | None = None) -> Question:
    """Choices: every candidate that decodes the bytes, the default first, plus the declared one (garbled)."""
    options = [e for e in CANDIDATES if _decodes(raw, e)]
    options = [default] + [e for e in options if e != default]
    if declared and declared not in options:
        options.append(declared)
    return Question.of("encoding", text, [(e, f"{e}: {' | '.join(samples(raw, e)[:3])}") for e in options],
                       samples={e: samples(raw, e) for e in options}, default=default)


def _declared(name: str, evidence: Msg, raw: list[bytes], explicit: bool = False):
    """Use a declared encoding, unless the bytes contradict it (then ask: reading it would garble text)."""
    if _decodes(raw, name) and not _looks_garbled(raw, name):
        return Detection.of(name, evidence), None, []
    better = next((e for e in ("UTF-8", "GBK", "GB18030") if e != name and reads_as_chinese(raw, e)), None)
    shown = " | ".join(samples(raw, name)[:3])
    message = (msg("mojibake_risk_better", encoding=name, evidence=evidence, samples=shown, better=better,
                   better_samples=" | ".join(samples(raw, better)[:3])) if better
               else msg("mojibake_risk", encoding=name, evidence=evidence, samples=shown))
    if explicit and _decodes(raw, name):
        return Detection.of(name, evidence), None, [("mojibake_risk", message)]
    question = _question(msg("enc_question_garbled", problem=message), raw, better or name, declared=name)
    return Detection.of(better or name, msg("enc_contradicted", evidence=evidence), certain=False), question, [
        ("mojibake_risk", message)]


def _looks_garbled(raw: list[bytes], encoding: str) -> bool:
    """Single-byte decoding of what is really GBK/UTF-8 Chinese (Latin-1 letters where ideographs belong).

    A declared single-byte code page is trusted unless the bytes read as Chinese on strong evidence
    (``reads_as_chinese``): a Latin-1 "Côte d'Ivoire" stays Latin-1."""
    if encoding.upper() not in ("CP1252", "ISO-8859-1", "LATIN-1", "LATIN1", "CP437", "CP850"):
        return False
    return any(reads_as_chinese(raw, e) for e in ("UTF-8", "GBK"))


def _detect(raw: list[bytes]) -> tuple[Detection, Question | None, list]:
    """No .cpg and no language byte: decide UTF-8 vs GBK/GB18030 from the bytes, or ask."""
    if not raw:
        return Detection.of("UTF-8", msg("enc_ascii")), None, []
    utf8, gbk, n = _decodes(raw, "UTF-8"), _decodes(raw, "GBK"), len(raw)
    if utf8 and (not gbk or _cjk_share(raw, "UTF-8") > 0.9) and n >= MIN_EVIDENCE:
        return Detection.of("UTF-8", msg("enc_utf8" if gbk else "enc_utf8_not_gbk", n=n)), None, []
    if gbk and not utf8 and reads_as_chinese(raw, "GBK") and n >= MIN_EVIDENCE:
        return Detection.of("GBK", msg("enc_gbk", n=n)), None, []
    guess = ("UTF-8" if utf8 else "GBK" if gbk and _everyday_share(raw, "GBK") >= 0.8
             else "CP1252" if _decodes(raw, "CP1252") else "GB18030")
    question = _question(msg("enc_question_undeclared", n=n), raw, guess)
    return Detection.of(guess, msg("enc_uncertain", n=n), certain=False), question, []
