"""No CDN URL may reach the page: folium HTML and the streamlit-folium payload use dashboard/static."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import branca.colormap
import folium
import pytest
from folium.plugins import FastMarkerCluster, HeatMap, MarkerCluster

from dashboard import offline
from dashboard.basemap import make_map
from geo.config import TileConfig, tile_config

BASE = "/app/static"
GRID = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "G-001",
            "properties": {"grid_id": "G-001", "cases": 12},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[116.398, 39.911], [116.410, 39.911], [116.410, 39.919], [116.398, 39.911]]],
            },
        }
    ],
}
POINTS = [(39.90 + i * 1e-3, 116.40 + i * 1e-3) for i in range(50)]


class _AssetRefs(HTMLParser):
    """script src, link href, img src and url(...) in inline <style> of an HTML document."""

    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.refs.append(a["src"])
        elif tag == "link" and a.get("href"):
            self.refs.append(a["href"])
        elif tag == "img" and a.get("src"):
            self.refs.append(a["src"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.refs += re.findall(r"""url\(\s*['"]?([^'")]+)""", data)
            self.refs += re.findall(r"""@import\s+['"]([^'"]+)""", data)


def asset_refs(html: str) -> list[str]:
    parser = _AssetRefs()
    parser.feed(html)
    return parser.refs


def remote(refs) -> list[str]:
    return [r for r in refs if offline.is_remote(r)]


def assert_local_and_present(refs) -> None:
    assert refs, "no assets found at all - the scanner is broken"
    assert not remote(refs), f"CDN URLs in the page: {remote(refs)}"
    for ref in refs:
        if ref.startswith("data:"):
            continue
        assert ref.startswith(BASE + "/"), ref
        assert (offline.STATIC_DIR / ref[len(BASE) + 1 :]).is_file(), f"{ref} is not vendored"


def full_map() -> folium.Map:
    """A map with every folium feature / plugin the dashboard uses."""
    m = make_map((39.915, 116.404), 14, None)
    folium.GeoJson(
        GRID,
        name="grids",
        tooltip=folium.GeoJsonTooltip(fields=["grid_id"]),
        popup=folium.GeoJsonPopup(fields=["cases"]),
    ).add_to(m)
    folium.Choropleth(
        geo_data=GRID, data={"G-001": 12}, key_on="feature.id", legend_name="cases per grid"
    ).add_to(m)
    branca.colormap.LinearColormap(["#ffffcc", "#bd0026"], vmin=0, vmax=10, caption="heat").add_to(m)
    cluster = MarkerCluster(name="cases").add_to(m)
    for i, p in enumerate(POINTS):
        icon = folium.Icon(icon="info-sign") if i % 2 else folium.Icon(icon="flag", prefix="fa", angle=45)
        folium.Marker(p, icon=icon, popup=f"case {i}").add_to(cluster)
    FastMarkerCluster(POINTS, name="fast").add_to(m)
    HeatMap(POINTS, name="heat").add_to(m)
    folium.Marker(POINTS[0], popup=folium.Popup("office"), tooltip="office").add_to(m)
    folium.CircleMarker(POINTS[1], radius=4).add_to(m)
    folium.LayerControl().add_to(m)
    return m


@pytest.fixture(autouse=True)
def local_assets():
    offline.use_local_assets(BASE)
    yield
    offline.use_local_assets(BASE)


def test_rendered_html_has_no_cdn_url():
    html = full_map().get_root().render()
    refs = asset_refs(html)
    assert_local_and_present(refs)
    # Everything the map needs is really there.
    for needed in (
        "leaflet.js",
        "leaflet.markercluster.js",
        "leaflet_heat.min.js",
        "d3.min.js",
        "all.min.css",
        "bootstrap-glyphicons.min.css",
        "leaflet.awesome-markers.min.js",
        "leaflet-icon-path.js",
    ):
        assert any(r.endswith(needed) for r in refs), needed


def test_streamlit_folium_payload_has_no_cdn_url(monkeypatch):
    import streamlit_folium

    sent = {}
    monkeypatch.setitem(offline._component_target, "func", lambda *a, **kw: sent.update(kw) or {})
    streamlit_folium.st_folium(full_map(), key="unit", returned_objects=[])

    assert_local_and_present(sent["js_links"] + sent["css_links"])
    assert not any("d3.v4" in u for u in sent["js_links"])
    assert not remote(asset_refs(sent["header"])), sent["header"]
    assert not remote(asset_refs(sent["html"]))


def test_detector_fails_when_cdn_urls_come_back():
    offline.restore_cdn_assets()
    try:
        refs = asset_refs(full_map().get_root().render())
        assert any("cdn.jsdelivr.net" in r for r in remote(refs))
        with pytest.raises(AssertionError, match="CDN URLs"):
            assert_local_and_present(refs)
    finally:
        offline.use_local_assets(BASE)


def test_use_local_assets_is_idempotent():
    before = list(folium.Map.default_js)
    offline.use_local_assets(BASE)
    offline.use_local_assets()
    offline.use_local_assets(BASE)
    assert folium.Map.default_js == before
    assert [n for n, _ in folium.Map.default_js].count(offline.ICON_PATH_FIX[0]) == 1
    # Another base URL (e.g. server.baseUrlPath = "gridgov") re-targets every link.
    offline.use_local_assets("/gridgov/app/static")
    assert all(
        u.startswith("/gridgov/app/static/") for _, u in folium.Map.default_js + folium.Map.default_css
    )


def test_default_base_url_is_absolute():
    assert offline.default_base_url().startswith("/")
    assert offline.default_base_url().endswith("/app/static")


def test_vendored_css_references_resolve():
    css_files = sorted(offline.STATIC_DIR.rglob("*.css"))
    assert css_files
    for css in css_files:
        for ref in re.findall(r"""url\(\s*['"]?([^'")]+)""", css.read_text(encoding="utf-8")):
            if ref.startswith(("data:", "#")):
                continue
            assert not offline.is_remote(ref), f"{css.name}: {ref}"
            target = (css.parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.is_file(), f"{css.relative_to(offline.STATIC_DIR)} -> {ref} missing"


def test_every_mapped_cdn_url_is_vendored():
    for url, rel in offline.CDN_TO_LOCAL.items():
        assert (offline.STATIC_DIR / rel).is_file(), f"{url} -> {rel}"
    assert (offline.STATIC_DIR / offline.ICON_PATH_FIX[1]).is_file()


def test_no_tiles_map_has_max_zoom_for_marker_cluster():
    assert tile_config({}) is None
    assert tile_config({"GRIDGOV_TILE_URL": "none"}) is None
    m = make_map((39.9, 116.4), 12, None)
    html = m.get_root().render()
    assert '"maxZoom": 19' in html
    assert "L.tileLayer" not in html


def test_tile_config():
    cfg = tile_config(
        {
            "GRIDGOV_TILE_URL": "http://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}",
            "GRIDGOV_TILE_MAX_ZOOM": "17",
            "GRIDGOV_TILE_SUBDOMAINS": "01234567",
        }
    )
    assert cfg == TileConfig(
        url="http://t{s}.tianditu.gov.cn/vec_w/wmts?x={x}&y={y}&l={z}",
        attribution="tianditu.gov.cn",
        max_zoom=17,
        subdomains="01234567",
    )
    html = make_map((39.9, 116.4), 12, cfg).get_root().render()
    assert "L.tileLayer" in html and '"maxNativeZoom": 17' in html
    with pytest.raises(ValueError):
        tile_config(
            {"GRIDGOV_TILE_URL": "http://x/{z}/{x}/{y}.png", "GRIDGOV_TILE_MAX_ZOOM": "high"}
        )
