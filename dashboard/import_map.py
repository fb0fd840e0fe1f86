"""The import preview map: the new layer over the current one, coloured by change, with problem points."""

from __future__ import annotations

import folium

from dashboard.basemap import make_map
from dashboard.markup import escape, escape_properties
from geo.config import tile_config

STATUS_COLOURS = {"added": "#2ca02c", "changed": "#ff7f0e", "unchanged": "#4c78a8"}
#: The layer drawn under each datum choice (the datum question): WGS 84, GCJ-02, BD-09.
DATUM_COLOURS = {"wgs84": "#4c78a8", "gcj02": "#d62728", "bd09": "#9467bd"}
SEVERITY_COLOURS = {"error": "#d62728", "warning": "#e6a800", "info": "#7f7f7f"}


def _bounds(collections: list[dict]) -> list[list[float]] | None:
    xs, ys = [], []

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            xs.append(coords[0])
            ys.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for collection in collections:
        for feature in collection.get("features", []):
            walk(feature["geometry"]["coordinates"])
    return [[min(ys), min(xs)], [max(ys), max(xs)]] if xs else None


def preview_map(layers: dict[str, str], problems: list, describe=lambda p: f"{p.kind}: {p.message}") -> folium.Map:
    """``layers`` from ImportReport.geojson (current, new, removed; while the datum is asked, the layer as
    read under each datum: ``datum:<name>``); ``problems`` with WGS84 locations, labelled by ``describe``."""
    # Tooltips show the layers' text (codes, names from the file) as HTML: escaped (dashboard.markup).
    current, new, removed = (escape_properties(layers.get(k) or '{"type":"FeatureCollection","features":[]}')
                             for k in ("current", "new", "removed"))
    readings = {k.removeprefix("datum:"): escape_properties(v) for k, v in layers.items()
                if k.startswith("datum:")}
    box = _bounds([new, current, *readings.values()])
    center = ((box[0][0] + box[1][0]) / 2, (box[0][1] + box[1][1]) / 2) if box else (39.67, 106.82)
    m = make_map(center=center, zoom=13, tiles=tile_config())
    folium.GeoJson(current, name="current", style_function=lambda f: {
        "color": "#555", "weight": 2.5, "fillOpacity": 0, "opacity": 0.6}).add_to(m)
    if new["features"]:  # empty while the datum is asked
        folium.GeoJson(new, name="new", style_function=lambda f: {
            "color": STATUS_COLOURS[f["properties"]["status"]], "weight": 1,
            "fillColor": STATUS_COLOURS[f["properties"]["status"]], "fillOpacity": 0.35},
            tooltip=folium.GeoJsonTooltip(fields=["code", "name", "status"], aliases=["", "", ""])).add_to(m)
    for datum, reading in readings.items():
        folium.GeoJson(reading, name=datum, style_function=lambda f, c=DATUM_COLOURS.get(datum, "#333"): {
            "color": c, "weight": 2.5, "fillColor": c, "fillOpacity": 0.08},
            tooltip=folium.GeoJsonTooltip(fields=["datum"], aliases=[""])).add_to(m)
    if removed["features"]:
        folium.GeoJson(removed, name="removed", style_function=lambda f: {
            "color": "#d62728", "weight": 2, "dashArray": "6 4", "fillOpacity": 0.1},
            tooltip=folium.GeoJsonTooltip(fields=["code"], aliases=[""])).add_to(m)
    for p in problems:
        if p.location is not None and p.location.lon is not None:
            folium.CircleMarker([p.location.lat, p.location.lon], radius=7, weight=2, fill=True, fill_opacity=0.9,
                                color=SEVERITY_COLOURS.get(p.severity, "#d62728"),
                                tooltip=escape(describe(p))).add_to(m)
    focus = (box if readings else _focus(new, removed, problems)) or box
    if focus:
        m.fit_bounds(focus, padding=(40, 40))
    return m


def _focus(new: dict, removed: dict, problems: list) -> list[list[float]] | None:
    """Zoom to what changed (and where problems are) when anything did; else to the whole layer."""
    changed = {"type": "FeatureCollection",
               "features": [f for f in new["features"] if f["properties"]["status"] != "unchanged"]}
    points = {"type": "FeatureCollection", "features": [
        {"geometry": {"coordinates": [p.location.lon, p.location.lat]}} for p in problems
        if p.location is not None and p.location.lon is not None]}
    return _bounds([changed, removed, points])
