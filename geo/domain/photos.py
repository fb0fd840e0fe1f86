"""Photos sent with a report: checked, read and re-encoded before anything is stored.

Why re-encode: a phone photo carries EXIF — the exact GPS of the reporter's home, the phone's serial, the
time — and may be a crafted file. Pillow decodes it (refusing decompression bombs and anything that is not
JPEG, PNG or WebP, whatever the client claims), we read the EXIF GPS and time first (the GPS can place a
report that came without a position; the time tells an old photo), then write a fresh JPEG from the pixels
only, turned upright, with no metadata at all, plus a small thumbnail for panels and the wall screen.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_GPS_IFD, _EXIF_IFD = 0x8825, 0x8769
_DATETIME_ORIGINAL, _DATETIME = 0x9003, 0x0132


class PhotoRefused(ValueError):
    """The upload is not a photo we keep: too large, not an image, an unsupported type, too many pixels."""


@dataclass(frozen=True)
class PhotoLimits:
    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 50_000_000  # 50 MP: larger is a decompression bomb, not a phone photo
    max_side: int = 2048  # longest side kept: enough to read a sign, small enough for slow links
    thumb_side: int = 320
    quality: int = 85


@dataclass(frozen=True)
class Photo:
    jpeg: bytes
    thumbnail: bytes
    width: int
    height: int
    source_format: str
    taken_at: datetime | None  # EXIF time, read as the district's local time when it has no offset
    lon: float | None  # EXIF GPS, WGS84 (as phones write it)
    lat: float | None


def process_photo(data: bytes, limits: PhotoLimits = PhotoLimits(), local_tz: str = "Asia/Shanghai") -> Photo:
    """The re-encoded photo, or PhotoRefused with the reason (size, type, pixels) and what is accepted."""
    if len(data) > limits.max_bytes:
        raise PhotoRefused(f"photo is {len(data) / 1048576:.1f} MB; at most {limits.max_bytes / 1048576:.0f} MB "
                           "is accepted")
    if not data:
        raise PhotoRefused("the photo file is empty")
    image = _open(data, limits)
    lon, lat = _gps(image)
    taken_at = _taken_at(image, local_tz)
    upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail((limits.max_side, limits.max_side))
    thumb = upright.copy()
    thumb.thumbnail((limits.thumb_side, limits.thumb_side))
    return Photo(_jpeg(upright, limits.quality), _jpeg(thumb, 80), upright.width, upright.height, image.format,
                 taken_at, lon, lat)


def _open(data: bytes, limits: PhotoLimits) -> Image.Image:
    accepted = ", ".join(ACCEPTED_FORMATS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
            if image.width * image.height > limits.max_pixels:
                raise PhotoRefused(f"photo has {image.width}×{image.height} pixels; at most "
                                   f"{limits.max_pixels / 1e6:.0f} megapixels are accepted")
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused(f"not a photo we accept (accepted types: {accepted})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, PhotoRefused):
            raise
        raise PhotoRefused(f"the photo file is damaged or truncated ({accepted} accepted)") from None
    return image


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)  # no exif=…: nothing but pixels is written
    return out.getvalue()


def _gps(image: Image.Image) -> tuple[float | None, float | None]:
    try:
        gps = image.getexif().get_ifd(_GPS_IFD)
        lat = _degrees(gps[2], gps.get(1, "N"), "S")
        lon = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None, None
    return lon, lat


def _degrees(dms, ref, negative: str) -> float:
    d, m, s = (float(v) for v in dms)
    value = d + m / 60 + s / 3600
    return -value if str(ref).strip().upper().startswith(negative) else value


def _taken_at(image: Image.Image, local_tz: str) -> datetime | None:
    exif = image.getexif()
    raw = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    try:
        value = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (TypeError, ValueError):
        return None
    return value.replace(tzinfo=ZoneInfo(local_tz))
