"""Safe unpacking of uploads: size limits, zip bombs, zip slip, Chinese member names."""

import zipfile

import pytest

from loaders import archive
from loaders.archive import ArchiveRefused, check_upload_size, safe_extract, unpack_upload
from tests.layer_files import gbk_named_zip, grid_frame, square, write_shapefile, zip_shapefile


@pytest.fixture
def shapefile(tmp_path):
    return write_shapefile(grid_frame({"G1": square(0, 0), "G2": square(1, 0)}), tmp_path / "src", name="grid")


def test_an_oversized_upload_is_refused_with_its_size_and_the_limit():
    with pytest.raises(ArchiveRefused) as refused:
        check_upload_size(250 * archive.MB, limit=200 * archive.MB)
    assert refused.value.kind == "oversize"
    assert str(refused.value) == ("The upload is 250.0 MB; the limit is 200 MB. Split the layer or remove unneeded "
                                  "files (e.g. .sbn, .xml) and upload again.")


def test_a_zip_bomb_is_refused_before_anything_is_written(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("grid.shp", b"\0" * (20 * archive.MB))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ArchiveRefused) as refused:
        safe_extract(bomb, out)
    assert refused.value.kind == "zip_bomb"
    assert str(refused.value).startswith("The zip member 'grid.shp' expands ")
    assert str(refused.value).endswith("× (20 MB); at most 100× is accepted (zip bomb?).")
    assert list(out.iterdir()) == []


def test_a_zip_larger_than_the_unpacked_limit_is_refused(tmp_path, shapefile):
    path = zip_shapefile(shapefile, tmp_path / "grid.zip")
    with pytest.raises(ArchiveRefused, match=r"^The zip would unpack to 0 MB; the limit is 0 MB \(zip bomb\?\)\.$"):
        safe_extract(path, tmp_path, max_unpacked=100)


def test_a_member_escaping_the_upload_folder_is_refused_and_nothing_is_extracted(tmp_path, shapefile):
    path = tmp_path / "slip.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.write(shapefile, "grid.shp")
        z.writestr("../../evil.shp", b"x")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ArchiveRefused) as refused:
        safe_extract(path, out)
    assert refused.value.kind == "zip_slip"
    assert str(refused.value) == ("The zip member '../../evil.shp' points outside the upload folder (zip slip); "
                                  "the archive was refused and nothing was extracted.")
    assert list(out.iterdir()) == []
    assert not (tmp_path.parent / "evil.shp").exists()


@pytest.mark.parametrize("name", ["/etc/evil.shp", "C:/evil.shp", "a\\..\\..\\evil.shp"])
def test_absolute_drive_and_backslash_paths_are_zip_slip_too(tmp_path, name):
    path = tmp_path / "slip.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(name, b"x")
    with pytest.raises(ArchiveRefused, match="zip slip"):
        safe_extract(path, tmp_path)


def test_gbk_member_names_without_the_utf8_flag_are_decoded_as_gbk(tmp_path, shapefile):
    files = sorted(shapefile.parent.iterdir())
    path = gbk_named_zip(files, tmp_path / "gbk.zip", {f.name: f"海勃湾区网格/网格{f.suffix}" for f in files})
    assert all(i.flag_bits & 0x800 == 0 for i in zipfile.ZipFile(path).infolist())
    found = unpack_upload(path, tmp_path / "out")
    assert [p.relative_to(tmp_path / "out").as_posix() for p in found] == ["海勃湾区网格/网格.shp"]


@pytest.mark.parametrize("inside", ["", "海勃湾区网格", "a/b"])
def test_a_shapefile_is_found_with_or_without_a_folder_inside_the_zip(tmp_path, shapefile, inside):
    path = zip_shapefile(shapefile, tmp_path / "grid.zip", inside=inside)
    found = unpack_upload(path, tmp_path / "out")
    assert [p.name for p in found] == ["grid.shp"]


def test_mac_resource_forks_are_not_layers(tmp_path, shapefile):
    path = zip_shapefile(shapefile, tmp_path / "grid.zip")
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("__MACOSX/._grid.shp", b"junk")
    assert [p.name for p in unpack_upload(path, tmp_path / "out")] == ["grid.shp"]


def test_a_file_that_is_not_a_zip_is_refused_plainly(tmp_path):
    path = tmp_path / "grid.zip"
    path.write_bytes(b"not a zip")
    with pytest.raises(ArchiveRefused, match=r"^The file is not a readable zip archive"):
        unpack_upload(path, tmp_path / "out")


def test_an_unknown_file_type_is_refused(tmp_path):
    path = tmp_path / "grid.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(ArchiveRefused, match=r"^grid.xlsx is not a layer upload"):
        unpack_upload(path, tmp_path / "out")
