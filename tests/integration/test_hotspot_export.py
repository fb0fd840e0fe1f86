"""A hot/cold-spot result leaves the system as a GeoPackage (for QGIS) and as a sheet of the monthly report."""

import io
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import geopandas as gpd
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from geo.config import LOCAL_TZ
from geo.db.models import Case
from geo.domain.actors import Actor
from geo.domain.vocabulary import Role
from geo.read.hotspot_service import HotspotQuery, hotspot_view
from loaders.exports import SHEETS, hotspots_gpkg, monthly_report_file
from tests.integration.test_hotspot_service import SIDE, WINDOW, lattice  # noqa: F401 (fixture)

ANALYST = Actor("分析员", Role.ANALYST)


@pytest.mark.parametrize("measure", ["counts", "h3"])
def test_the_geopackage_holds_every_unit_with_its_class_in_english_and_chinese(lattice, measure,  # noqa: F811
                                                                                tmp_path):
    with lattice[0].session() as s:
        view = hotspot_view(s, HotspotQuery(WINDOW, measure=measure), actor=ANALYST)
    (tmp_path / "hotspots.gpkg").write_bytes(hotspots_gpkg(view))
    layer = gpd.read_file(tmp_path / "hotspots.gpkg", layer="hotspots")
    assert len(layer) == len(view.table) and layer.crs.to_epsg() == 4326
    assert layer["cases"].sum() == view.total
    first = layer.sort_values("z", ascending=False).iloc[0]
    assert first["hotspot_class"].startswith("hot") and first["class_label"].startswith("热点")
    assert set(layer["measure"]) == {measure}
    assert layer.geometry.is_valid.all()
    if measure == "counts":
        assert len(layer) == SIDE * SIDE and set(layer["unit"]) == set(view.table["code"])


def test_the_monthly_report_lists_the_months_hot_and_cold_spots(sample_db):
    with sample_db.session() as s:
        last = s.scalar(select(func.max(Case.reported_at)))
        last = (last if last.tzinfo else last.replace(tzinfo=UTC)).astimezone(ZoneInfo(LOCAL_TZ))
        book = load_workbook(io.BytesIO(monthly_report_file(s, last.year, last.month, last + timedelta(days=1),
                                                            ANALYST)))
    sheet = book[SHEETS[4]]
    assert sheet["A1"].value.startswith("冷热点（Getis-Ord Gi*，H3 六边形单元事件数")
    headers = [c.value for c in sheet[3]]
    assert headers[:3] == ["单元", "所在网格编码", "网格"]
    classes = [row[headers.index("冷热点")] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert classes and classes[0].startswith("热点")
    assert set(classes) <= {"热点 99%", "热点 95%", "热点 90%", "冷点 90%", "冷点 95%", "冷点 99%"}
