"""Photos made in memory for the intake tests: a JPEG with the EXIF a phone writes (maker, GPS, time)."""

from __future__ import annotations

import io

from PIL import Image


def jpeg(width: int = 640, height: int = 480, gps: tuple[float, float] | None = None,
         taken: str | None = None) -> bytes:
    """A JPEG photo, with EXIF GPS (lon, lat) and DateTimeOriginal when given."""
    image = Image.new("RGB", (width, height), (120, 160, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make: must not survive re-encoding
    if gps is not None:
        lon, lat = gps
        exif.get_ifd(0x8825).update({1: "N", 2: _dms(lat), 3: "E", 4: _dms(lon)})
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    d = int(value)
    m = int((value - d) * 60)
    return (float(d), float(m), round((value - d - m / 60) * 3600, 4))
