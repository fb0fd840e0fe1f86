"""The layer upload page through AppTest: preview of the sample's survey shapefile, a question answered
with a widget, apply and restore. (AppTest cannot drive the file uploader: the saved upload's path is put in
session state, exactly where the uploader's callback puts it.)"""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.db.database import Database
from geo.db.schema import upgrade
from tests.e2e.signin import ANALYST, signed_in
from tests.layer_files import grid_frame, square, write_shapefile, zip_shapefile

REPO = Path(__file__).resolve().parents[2]
PAGE = str(REPO / "dashboard" / "views" / "upload_layers.py")
SURVEY = str(REPO / "sample_data" / "grids_survey_office.zip")


@pytest.fixture
def page_on(monkeypatch, tmp_path):
    def run(url: str, upload: str | None) -> AppTest:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("GRIDGOV_DATA_DIR", str(tmp_path))
        from dashboard.data import database

        database.clear()
        at = signed_in(AppTest.from_file(PAGE, default_timeout=120), ANALYST)
        if upload:
            at.session_state["upload_layers_file"] = upload
        at.run()
        assert not at.exception, at.exception
        return at

    return run


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_survey_shapefile_previews_as_zero_changes_against_the_sample_layout(page_on, sample_databases):
    at = page_on(sample_databases.get("sqlite").url, SURVEY)
    assert at.success[0].value == "检查通过，可以发布。"
    assert metrics(at) == {"要素": "435", "新增": "0", "删除": "0", "变化": "0", "未变": "435", "将换网格的事件": "0"}
    detected = at.dataframe[0].value
    assert detected.iloc[0, 0] == "属性编码: GBK" and detected.iloc[1, 0] == "坐标系: EPSG:4545"
    assert at.caption[0].value == "未发现问题。"
    assert [b.label for b in at.button] == ["按所选重新检查", "确认发布"]


def test_a_layer_without_prj_asks_for_the_crs_and_the_answer_rechecks_it(page_on, sample_databases, tmp_path):
    shp = write_shapefile(grid_frame({"S01C01G01": square(0, 0)}), tmp_path / "src", prj=False)
    at = page_on(sample_databases.get("sqlite").url, str(zip_shapefile(shp, tmp_path / "noprj.zip")))
    assert at.warning[0].value == "需要您确认以下问题。"
    crs = at.selectbox(key="upload_layers_opt_crs")
    assert crs.options[1].startswith("EPSG:4545 CGCS2000 / 3-degree Gauss-Kruger CM 108E → 106.80")
    crs.set_value("EPSG:4545")
    at.button[0].click().run()
    assert not at.warning or at.warning[0].value != "需要您确认以下问题。"
    assert metrics(at)["要素"] == "1"


def test_applying_then_restoring_a_layout_from_the_page(page_on, tmp_path):
    url = f"sqlite:///{tmp_path / 'small.db'}"
    db = Database(url)
    upgrade(db)
    shp = write_shapefile(grid_frame({"G1": square(0, 0), "G2": square(1, 0)}), tmp_path / "v1")
    at = page_on(url, str(zip_shapefile(shp, tmp_path / "v1.zip")))
    assert metrics(at)["新增"] == "2"
    at.button(key="upload_layers_apply_button").click().run()
    assert at.success[-1].value.startswith("已发布为新的网格版本 v1.zip")
    assert not [b for b in at.button if b.key == "upload_layers_apply_button"]  # published once, not offered again
    shp = write_shapefile(grid_frame({"G1": square(0, 0, 2)}), tmp_path / "v2")
    at.session_state["upload_layers_file"] = str(zip_shapefile(shp, tmp_path / "v2.zip"))
    at.run()
    assert (metrics(at)["删除"], metrics(at)["变化"]) == ("1", "1")
    changes = next(d.value for d in at.dataframe if "变化" in d.value.columns)
    assert list(changes.columns) == ["编码", "变化", "形状移动（米）", "属性变化"]
    assert changes[["编码", "变化"]].values.tolist() == [["G2", "删除"], ["G1", "变化"]]  # the deleted grid is listed
    at.button(key="upload_layers_apply_button").click().run()
    at.button(key="upload_layers_restore_button").click().run()
    assert at.success[-1].value.startswith("已恢复版本 v1.zip")


def test_a_zip_slip_upload_is_refused_on_the_page_and_nothing_changes(page_on, sample_databases, tmp_path):
    import zipfile

    shp = write_shapefile(grid_frame({"S01C01G01": square(0, 0)}), tmp_path / "src")
    path = tmp_path / "slip.zip"
    with zipfile.ZipFile(path, "w") as z:
        for part in shp.parent.iterdir():
            z.write(part, part.name)
        z.writestr("../../evil.shp", b"x")
    url = sample_databases.get("sqlite").url
    at = page_on(url, str(path))
    text = "\n".join(e.value for e in at.error) + "\n".join(m.value for m in at.markdown)
    assert "zip slip" in text
    assert not (tmp_path.parent / "evil.shp").exists()
    assert not [b for b in at.button if "应用" in b.label and not b.disabled]


def test_a_gcj02_layer_without_prj_asks_its_datum_in_chinese_with_a_preview_per_choice(page_on, tmp_path):
    from geo.domain.datums import wgs84_to_gcj02
    from loaders.layer_import import LayerSpec, MappingMemory, run_layer_import
    from tests.e2e.signin import ANALYST as SIGNED_IN
    from tests.layer_files import shifted

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    db = Database(url)
    upgrade(db)
    frame = shifted(grid_frame({"G1": square(0, 0), "G2": square(1, 0)}), wgs84_to_gcj02)
    path = str(zip_shapefile(write_shapefile(frame, tmp_path / "web", crs="EPSG:4326", prj=False),
                             tmp_path / "web.zip"))
    cli = run_layer_import(path, LayerSpec("grids"), db, False, SIGNED_IN, memory=MappingMemory(tmp_path / "m.json"))
    at = page_on(url, path)
    assert at.warning[0].value == "需要您确认以下问题。"
    assert [q.key for q in cli.questions] == ["datum"]
    assert any(m.value.startswith("**坐标基准** — 该图层的经纬度没有 .prj，坐标基准不明。") for m in at.markdown)
    datum = at.selectbox(key="upload_layers_opt_datum")
    assert datum.options[1:] == ["WGS 84 / CGCS2000（GPS、测绘成果、天地图）", "GCJ-02（高德、腾讯、DataV）",
                                 "BD-09（百度）"]
    assert [s.value for s in at.subheader][1] == "预览：按每种坐标基准绘出的图层位置"
    datum.set_value("gcj02")
    at.button[0].click().run()
    assert at.success[0].value == "检查通过，可以发布。"
    assert metrics(at)["新增"] == "2"
    assert at.dataframe[0].value.iloc[2, 0] == "经纬度坐标基准: GCJ-02（高德、腾讯、DataV）"
    assert at.dataframe[0].value.iloc[2, 1] == "由分析人员选择（GCJ-02）"
