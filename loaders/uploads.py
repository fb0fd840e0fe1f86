"""Uploaded files on the server, and their end: an upload is kept only while an analyst works on it.

Why: a hotline export holds residents' names, phones and addresses. It was saved under data/uploads/ and kept
forever — refused uploads too. Now the pages remove an upload as soon as it is spent (applied, or refused for
what the file is, which no option on the page can change), and ``gridgov sweep`` removes whatever an
abandoned session left behind once it is older than ``geo.config.upload_retention_hours``.

Only files under the uploads folder are ever removed: a path from anywhere else is left alone.
"""

from __future__ import annotations

import shutil
import time
from datetime import timedelta
from pathlib import Path

from geo.config import data_dir
from loaders.import_report import ImportReport

#: Problem kinds that refuse the file itself (archive refusals, unreadable or over the limits): spent.
SPENT_KINDS = frozenset({"oversize", "zip_bomb", "zip_slip", "bad_archive", "bad_format", "unreadable"})


def uploads_root() -> Path:
    """Where the pages keep uploads, one folder per page session (``<data dir>/uploads``)."""
    return data_dir() / "uploads"


def upload_spent(report: ImportReport) -> bool:
    """True once nothing more can be done with the upload: applied, or refused for what the file is."""
    return report.status == "applied" or (report.status == "unusable"
                                          and any(p.kind in SPENT_KINDS for p in report.errors))


def discard_upload(path: str | Path) -> bool:
    """Remove an uploaded file (and its session folder once empty); True if it was removed. A path outside
    the uploads folder is left alone (False)."""
    root, target = uploads_root().resolve(), Path(path).resolve()
    if root not in target.parents:
        return False
    target.unlink(missing_ok=True)
    folder = target.parent
    if folder != root and folder.parent == root and not any(folder.iterdir()):
        folder.rmdir()
    return True


def purge_uploads(older_than: timedelta, now: float | None = None) -> int:
    """Remove every upload (file or unpacked folder) last changed more than ``older_than`` ago; returns how
    many entries of the session folders were removed. Empty session folders go too."""
    root = uploads_root()
    if not root.is_dir():
        return 0
    cutoff, removed = (time.time() if now is None else now) - older_than.total_seconds(), 0
    for folder in [p for p in root.iterdir() if p.is_dir()]:
        for entry in list(folder.iterdir()):
            if _last_change(entry) < cutoff:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
                removed += 1
        if not any(folder.iterdir()):
            folder.rmdir()
    for stray in [p for p in root.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]:
        stray.unlink()
        removed += 1
    return removed


def _last_change(entry: Path) -> float:
    """A folder counts as changed when anything inside it was."""
    if entry.is_file():
        return entry.stat().st_mtime
    return max([entry.stat().st_mtime, *(p.stat().st_mtime for p in entry.rglob("*"))])
