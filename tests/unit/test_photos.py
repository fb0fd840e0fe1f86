"""Photo intake: EXIF read then stripped, upright, downscaled, thumbnailed; everything else refused."""

import io

import pytest
from PIL import Image

from geo.domain.photos import PhotoLimits, PhotoRefused, process_photo
from tests.photo_files import jpeg


def test_gps_and_time_are_read_and_no_metadata_survives():
    photo = process_photo(jpeg(gps=(106.8123, 39.6712), taken="2026:03:02 09:15:00"))
    assert (round(photo.lon, 4), round(photo.lat, 4)) == (106.8123, 39.6712)
    assert photo.taken_at.isoformat() == "2026-03-02T09:15:00+08:00"
    assert b"Exif" not in photo.jpeg and b"PhoneMaker" not in photo.jpeg
    assert Image.open(io.BytesIO(photo.jpeg)).getexif() == {}


def test_a_large_photo_is_downscaled_and_a_thumbnail_made():
    photo = process_photo(jpeg(4000, 3000), PhotoLimits(max_side=1000, thumb_side=200))
    assert (photo.width, photo.height) == (1000, 750)
    assert Image.open(io.BytesIO(photo.thumbnail)).size == (200, 150)


def test_a_photo_without_exif_has_no_position_or_time():
    photo = process_photo(jpeg())
    assert (photo.lon, photo.lat, photo.taken_at) == (None, None, None)


def test_a_png_is_accepted_and_re_encoded_as_jpeg():
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (1, 2, 3, 100)).save(out, "PNG")
    assert process_photo(out.getvalue()).jpeg[:2] == b"\xff\xd8"


@pytest.mark.parametrize("data,message", [
    (b"", "empty"), (b"GIF89a" + b"\0" * 50, "not a photo we accept"), (b"%PDF-1.4", "not a photo we accept"),
    (jpeg()[:200], "damaged"), (jpeg() + b"\0" * 2_000_000, "at most 1 MB")])
def test_refusals_say_why(data, message):
    with pytest.raises(PhotoRefused, match=message):
        process_photo(data, PhotoLimits(max_bytes=1024 * 1024))


def test_too_many_pixels_is_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (9000, 9000)).save(out, "PNG")
    with pytest.raises(PhotoRefused, match="megapixels"):
        process_photo(out.getvalue(), PhotoLimits(max_pixels=50_000_000))
