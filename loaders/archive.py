"""Unpacking an uploaded layer safely: size limits, zip bombs, zip slip, Chinese member names.

Why each rule:
- Uploads come from analysts' desktops; a mistaken 5 GB upload or a crafted archive must be refused with a
  plain message before it fills the disk (``geo.config.max_upload_bytes``, ``MAX_UNPACKED_BYTES``, ``MAX_RATIO``).
- Declared sizes in a zip can lie, so extraction counts the bytes it actually writes and stops at the limit.
- A member named ``../../evil.shp`` or ``/etc/x`` would escape the upload folder (zip slip): the whole
  archive is refused, nothing is extracted.
- Zips made on Chinese Windows store names in GBK (CP936) without the UTF-8 flag; Python then decodes them as
  CP437 (mojibake). Such names are re-decoded: UTF-8 if they are valid UTF-8, else GB18030 (a superset of GBK).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path, PurePosixPath

from geo.config import MB, max_upload_bytes
from loaders.import_messages import MessageError, Msg, msg

#: Largest total size after unpacking: a district's layers are tens of MB; 1 GB is far beyond honest data.
MAX_UNPACKED_BYTES = 1024 * MB
#: Largest compression ratio of a member (and of the whole archive). Shapefiles compress 3–10×; bombs 1000×.
MAX_RATIO = 100
#: Ratios are only judged above this size: tiny files of zeros compress extremely well and harm nothing.
RATIO_MIN_BYTES = 1 * MB
MAX_MEMBERS = 2000
_UTF8_FLAG = 0x800
_CHUNK = 1024 * 1024
LAYER_SUFFIXES = (".shp", ".geojson", ".json", ".gpkg")


class ArchiveRefused(MessageError):
    """The upload is refused; ``kind`` is the problem key (oversize, zip_bomb, zip_slip, bad_archive)."""

    def __init__(self, kind: str, message: Msg):
        super().__init__(message)
        self.kind = kind


def check_upload_size(size: int, limit: int | None = None) -> None:
    """Refuse an upload larger than ``limit`` bytes (default ``geo.config.max_upload_bytes()``)."""
    limit = max_upload_bytes() if limit is None else limit
    if size > limit:
        raise ArchiveRefused("oversize", msg("zip_oversize", mb=round(size / MB, 1), limit=round(limit / MB)))


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name: UTF-8 when flagged, else re-decoded from the raw bytes (UTF-8, else GB18030)."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    raw = info.filename.encode("cp437")  # zipfile decoded the raw bytes as CP437: undo it exactly
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def safe_relative_path(name: str) -> PurePosixPath:
    """The member's path inside the upload folder; refuses absolute paths, drive letters and ``..``."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise ArchiveRefused("zip_slip", msg("zip_slip", member=repr(name)))
    return path


def _check_members(infos: list[zipfile.ZipInfo], max_unpacked: int, max_ratio: float) -> None:
    """Refuse bombs by declared sizes and ratios before writing anything."""
    if len(infos) > MAX_MEMBERS:
        raise ArchiveRefused("zip_bomb", msg("zip_members", n=len(infos), limit=MAX_MEMBERS))
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > max_unpacked:
        raise ArchiveRefused("zip_bomb", msg("zip_unpacked", mb=round(total / MB), limit=round(max_unpacked / MB)))
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > max_ratio:
            raise ArchiveRefused("zip_bomb", msg("zip_member_ratio", member=repr(member_name(info)),
                                                 ratio=round(ratio), mb=round(info.file_size / MB),
                                                 limit=round(max_ratio)))
    if total > RATIO_MIN_BYTES and total / packed > max_ratio:
        raise ArchiveRefused("zip_bomb", msg("zip_ratio", ratio=round(total / packed), limit=round(max_ratio)))


def safe_extract(zip_path: Path, dest: Path, *, max_unpacked: int = MAX_UNPACKED_BYTES,
                 max_ratio: float = MAX_RATIO) -> list[Path]:
    """Extract every file of ``zip_path`` under ``dest``; returns the written paths. All-or-nothing:
    on refusal ``dest`` is left empty."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveRefused("bad_archive", msg("zip_unreadable", error=str(exc))) from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        targets = [safe_relative_path(member_name(i)) for i in infos]
        _check_members(infos, max_unpacked, max_ratio)
        written: list[Path] = []
        budget = max_unpacked
        try:
            for info, relative in zip(infos, targets):
                target = dest.joinpath(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                budget -= _copy_limited(archive, info, target, budget)
                written.append(target)
        except ArchiveRefused:
            _empty(dest)
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:  # corrupt data, bad CRC
            _empty(dest)
            raise ArchiveRefused("bad_archive", msg("zip_damaged", error=str(exc))) from None
    return written


def _copy_limited(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Copy one member, counting real bytes (declared sizes can lie); returns bytes written."""
    written = 0
    with archive.open(info) as source, open(target, "wb") as sink:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if written > budget:
                raise ArchiveRefused("zip_bomb", msg("zip_sizes_false"))
            sink.write(chunk)
    return written


def _empty(folder: Path) -> None:
    for child in folder.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()


def find_layers(folder: Path) -> list[Path]:
    """Layer files under ``folder`` (any depth), macOS resource forks skipped, sorted by path."""
    found = [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in LAYER_SUFFIXES
             and "__MACOSX" not in p.parts and not p.name.startswith("._")]
    return sorted(found)


def unpack_upload(path: Path, workdir: Path) -> list[Path]:
    """The layer files in an upload: the file itself, or what a zip holds (extracted safely into ``workdir``)."""
    check_upload_size(path.stat().st_size)
    if path.suffix.lower() in LAYER_SUFFIXES:
        return [path]
    if path.suffix.lower() != ".zip":
        raise ArchiveRefused("bad_format", msg("upload_bad_format", file=path.name))
    safe_extract(path, workdir)
    return find_layers(workdir)


def save_upload(name: str, data: bytes, folder: Path) -> Path:
    """Store an uploaded file (size checked first) under ``folder`` with its base name only: an uploaded
    name cannot point elsewhere either."""
    check_upload_size(len(data))
    safe = Path(name.replace("\\", "/")).name or "upload"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe
    target.write_bytes(data)
    return target
