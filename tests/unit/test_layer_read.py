"""Reading uploaded layers: encodings (.cpg, language byte, detection, questions) and broken shapefiles."""

import pytest

from loaders.layer_read import LayerUnreadable, read_layer
from tests.layer_files import grid_frame, square, write_shapefile

CELLS = {"G1": square(0, 0), "G2": square(1, 0), "G3": square(2, 0), "G4": square(3, 0)}


def latin1_frame():
    """West African names whose Latin-1 bytes also happen to be valid GBK ("Côte" → "C魌e")."""
    names = ["Côte d'Ivoire", "Sénégal", "Cameroun", "Bénin"]
    return grid_frame(CELLS)[["geometry"]].assign(code=["CI", "SN", "CM", "BJ"], name=names)


def test_gbk_text_without_cpg_or_language_byte_is_detected_and_read_correctly(tmp_path):
    shp = write_shapefile(grid_frame(CELLS), tmp_path, encoding="GBK")
    layer = read_layer(shp)
    assert layer.encoding.value == "GBK"
    assert layer.encoding.certain
    assert layer.encoding.evidence == ("no .cpg, no language byte; 12 non-ASCII values are valid GBK (Chinese "
                                       "text) and not UTF-8")
    assert layer.question is None
    assert list(layer.frame.columns[:2]) == ["网格编码", "网格名称"]
    assert layer.frame["网格名称"].tolist() == ["第G1网格", "第G2网格", "第G3网格", "第G4网格"]


def test_utf8_text_without_cpg_is_detected_as_utf8(tmp_path):
    frame = grid_frame(CELLS).rename(columns={"网格编码": "编码", "网格名称": "名称", "联系电话": "电话"})
    shp = write_shapefile(frame, tmp_path, encoding="UTF-8")  # DBF names hold 10 bytes: 3 UTF-8 characters
    layer = read_layer(shp)
    assert layer.encoding.value == "UTF-8"
    assert layer.frame["网格员"].tolist() == ["张三"] * 4


def test_a_cpg_file_is_used_and_named_as_the_evidence(tmp_path):
    shp = write_shapefile(grid_frame(CELLS), tmp_path, encoding="GBK", cpg="936")
    layer = read_layer(shp)
    assert (layer.encoding.value, layer.encoding.evidence) == ("GBK", "网格.cpg says '936'")


def test_a_latin1_cpg_whose_decoding_reads_correctly_is_trusted(tmp_path):
    shp = write_shapefile(latin1_frame(), tmp_path, name="countries", crs=None, encoding="ISO-8859-1",
                          cpg="ISO-8859-1")
    layer = read_layer(shp)
    assert (layer.encoding.value, layer.encoding.evidence, layer.encoding.certain) == (
        "ISO-8859-1", "countries.cpg says 'ISO-8859-1'", True)
    assert layer.question is None and layer.warnings == []
    assert layer.frame["name"].tolist() == ["Côte d'Ivoire", "Sénégal", "Cameroun", "Bénin"]


def test_latin1_text_without_cpg_is_asked_not_taken_for_gbk(tmp_path):
    shp = write_shapefile(latin1_frame(), tmp_path, name="countries", crs=None, encoding="ISO-8859-1")
    layer = read_layer(shp)
    assert layer.question is not None and layer.question.default == "CP1252"
    assert layer.question.samples["CP1252"][0] == "Côte d'Ivoire"


def test_a_single_byte_cpg_on_everyday_chinese_gbk_text_is_still_caught(tmp_path):
    shp = write_shapefile(grid_frame(CELLS), tmp_path, encoding="GBK", cpg="ISO-8859-1")
    layer = read_layer(shp)
    assert layer.question is not None and layer.question.default == "GBK"


def test_the_dbf_language_byte_is_used_when_there_is_no_cpg(tmp_path):
    shp = write_shapefile(grid_frame(CELLS), tmp_path, encoding="GBK", ldid=0x4D)
    layer = read_layer(shp)
    assert (layer.encoding.value, layer.encoding.evidence) == ("GBK", "DBF language byte 0x4D (GBK)")


def test_a_cpg_contradicted_by_the_bytes_asks_instead_of_producing_mojibake(tmp_path):
    shp = write_shapefile(grid_frame(CELLS), tmp_path, encoding="GBK", cpg="UTF-8")
    layer = read_layer(shp)
    assert layer.question is not None and layer.question.key == "encoding"
    assert layer.question.default == "GBK"
    assert layer.question.samples["GBK"][:2] == ["网格编码", "网格名称"]
    assert "�" in layer.question.samples["UTF-8"][0]
    kind, message = layer.warnings[0][0], layer.warnings[0][1].text
    assert kind == "mojibake_risk"
    assert message.startswith("Text would be garbled (mojibake) as UTF-8 (网格.cpg says 'UTF-8'): e.g. ")
    assert message.endswith("; as GBK it reads 网格编码 | 网格名称 | 网格员")
    assert not layer.encoding.certain


def test_too_little_text_to_tell_the_encoding_apart_asks_with_decoded_samples(tmp_path):
    frame = grid_frame({"G1": square(0, 0)}, 网格名称=["甲"], 网格员=["a"])[["网格名称", "网格员", "geometry"]]
    frame = frame.rename(columns={"网格名称": "name", "网格员": "member"})
    shp = write_shapefile(frame, tmp_path, name="grid", encoding="GBK")
    layer = read_layer(shp)
    assert layer.question is not None
    assert layer.question.text.startswith("The DBF does not declare its encoding and 1 non-ASCII values do not "
                                          "settle it.")
    assert layer.question.samples["GBK"] == ["甲"]


def test_an_explicit_single_byte_encoding_on_chinese_text_is_flagged_as_mojibake_risk(tmp_path):
    shp = write_shapefile(grid_frame(CELLS), tmp_path, encoding="GBK")
    layer = read_layer(shp, encoding="CP1252")
    assert layer.encoding.value == "CP1252"
    assert layer.warnings and layer.warnings[0][0] == "mojibake_risk"


@pytest.mark.parametrize("suffix, role", [(".shx", "index"), (".dbf", "attributes")])
def test_a_shapefile_missing_a_sidecar_is_unreadable_with_the_file_named(tmp_path, suffix, role):
    shp = write_shapefile(grid_frame(CELLS), tmp_path)
    (tmp_path / f"网格{suffix}").unlink()
    with pytest.raises(LayerUnreadable) as unreadable:
        read_layer(shp)
    assert str(unreadable.value) == (f"The shapefile 网格.shp has no 网格{suffix} ({role}) beside it; upload .shp, "
                                     ".shx and .dbf together (and .prj, .cpg if you have them).")


def test_a_truncated_shp_is_unreadable_with_both_sizes(tmp_path):
    shp = write_shapefile(grid_frame(CELLS), tmp_path)
    full = shp.read_bytes()
    shp.write_bytes(full[:300])
    with pytest.raises(LayerUnreadable) as unreadable:
        read_layer(shp)
    assert str(unreadable.value) == (f"网格.shp is truncated: its header says {len(full):,} bytes, the file has 300. "
                                     "Export the layer again.")


def test_a_shp_that_is_not_a_shapefile_is_unreadable(tmp_path):
    shp = write_shapefile(grid_frame(CELLS), tmp_path)
    shp.write_bytes(b"hello")
    with pytest.raises(LayerUnreadable, match=r"^网格.shp is not a shapefile \(its header is missing or damaged\)\.$"):
        read_layer(shp)


def test_a_geojson_is_read_as_utf8_by_specification(tmp_path):
    path = tmp_path / "grids.geojson"
    grid_frame(CELLS).to_file(path, driver="GeoJSON")
    layer = read_layer(path)
    assert layer.encoding.value == "UTF-8"
    assert layer.frame["网格员"].iloc[0] == "张三"
