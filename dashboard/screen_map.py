"""The big screen's map: a base map built once, and one live layer refreshed through streamlit-folium's
``feature_group_to_add`` so a refresh swaps the layer in place instead of reloading the map.

Why this shape:
- streamlit-folium remounts the map when the base map's script changes; the base map here depends only on
  the layout's bounds, so it stays mounted for as long as the layout does.
- streamlit-folium 0.27 pushes every added group onto ``window.feature_group`` and never empties it, so a
  screen refreshing for days would keep every old layer alive in the browser. The live layer's first child
  empties the list before the new group is pushed (``_ForgetOldGroups``).
- Fresh cases are DivIcons whose CSS animation pulses; the styles live in the map's own header because the
  map runs in an iframe that the page's stylesheet does not reach.
"""

from __future__ import annotations

import json

import folium
from branca.element import MacroElement
from jinja2 import Template

from dashboard.basemap import make_map
from dashboard.grid_map import class_breaks, colour_for
from geo.config import tile_config
from geo.read.screen import ScreenMap

#: Dark sequential palette for open load (few → many); grids with none stay near the background.
PALETTE = ["#16305a", "#1d4a80", "#2567a3", "#2f8bbf", "#f0a03c", "#e8572b"]
EMPTY = "#0d1a33"
#: Dot per open case: its card if it has one (larger, drawn on top), else its stage in the loop.
DOT_COLOURS = {
    "new": "#7dd3fc",
    "doing": "#6ee7b7",
    "deferred": "#5b6b8c",
    "yellow": "#fbbf24",
    "red": "#f87171",
    "discipline": "#c084fc",
}
DOT_RADIUS = {"new": 2.5, "doing": 2.5, "deferred": 2, "yellow": 6, "red": 7, "discipline": 8}
_STAGE = {"reported": "new", "accepted": "new", "reopened": "new", "deferred": "deferred"}  # else "doing"
_ORDER = {"deferred": 0, "doing": 1, "new": 2, "yellow": 3, "red": 4, "discipline": 5}

_MAP_CSS = """<style>
html, body { background: #070d1a !important; margin: 0; }
#map_div, .folium-map { height: 100vh !important; width: 100% !important; }
html body div.leaflet-container { background: #070d1a; outline: none; }
.leaflet-control-container { display: none; }
.leaflet-tile-pane { filter: brightness(0.55) invert(1) hue-rotate(200deg) saturate(0.4); }
.gg-fresh { position: relative; }
.gg-fresh > div {
  position: absolute; left: 0; top: 0; width: 2.6vh; height: 2.6vh; margin: -1.3vh 0 0 -1.3vh;
  border-radius: 50%; background: #e0f2fe; border: 0.35vh solid #38bdf8;
  animation: gg-pulse 1.6s ease-out infinite;
}
@keyframes gg-pulse {
  0% { box-shadow: 0 0 0 0 rgba(56, 189, 248, 0.9); }
  70% { box-shadow: 0 0 0 3.2vh rgba(56, 189, 248, 0); }
  100% { box-shadow: 0 0 0 0 rgba(56, 189, 248, 0); }
}
</style>"""


class _ForgetOldGroups(MacroElement):
    """Empties streamlit-folium's list of added groups (it removed them from the map just before)."""

    _template = Template("{% macro script(this, kwargs) %}window.feature_group = [];{% endmacro %}")


class _ScaleDots(MacroElement):
    """Scales its parent layer's dot radii with the map's height, so dots read the same on 1080 and 2160 lines
    (Leaflet radii are CSS pixels; the DivIcon pulses scale through their vh sizes)."""

    _template = Template("""{% macro script(this, kwargs) %}
    {{ this._parent.get_name() }}.eachLayer(function (l) {
        if (l.setRadius) { l.setRadius(l.options.radius * Math.max(1, window.innerHeight / 600)); }
    });
    {% endmacro %}""")


def base_map(bounds: tuple[float, float, float, float] | None) -> folium.Map:
    """Dark, control-free map fitted to the layout; no data on it (that is the live layer)."""
    centre = ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2) if bounds else (39.67, 106.82)
    m = make_map(
        centre,
        12,
        tile_config(),
        zoom_control=False,
        prefer_canvas=True,
        zoom_snap=0.1,
        attribution_control=False,
        dragging=False,
        scroll_wheel_zoom=False,
        double_click_zoom=False,
        box_zoom=False,
        keyboard=False,
        touch_zoom=False,
    )
    m.get_root().header.add_child(folium.Element(_MAP_CSS), name="gridgov_screen_css")
    if bounds:
        m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], padding=(8, 8))
    return m


def live_layer(data: ScreenMap) -> folium.FeatureGroup:
    """Grids (a city: its streets or districts) coloured by open cases, open cases by card (carded ones larger,
    drawn last), fresh ones pulsing."""
    group = folium.FeatureGroup(name="live")
    group.add_child(_ForgetOldGroups())
    if data.shapes is not None:
        collection = json.loads(data.shapes.geojson())
        breaks = class_breaks(list(data.open_by_grid.values()), len(PALETTE))
        for feature in collection["features"]:
            value = data.open_by_grid.get(feature["properties"]["id"], 0)
            feature["properties"] = {"fill": colour_for(value, breaks, PALETTE, EMPTY)}
        folium.GeoJson(
            collection,
            style_function=lambda f: {
                "fillColor": f["properties"]["fill"],
                "color": "#2a3f6b",
                "weight": 0.7,
                "fillOpacity": 0.85,
            },
        ).add_to(group)
    cases = data.cases
    kind = cases["card"].where(cases["card"] != "none", cases["status"].map(_STAGE).fillna("doing"))
    cases = cases.assign(kind=kind, order=kind.map(_ORDER)).sort_values("order", kind="stable")
    points = _points(cases)
    if points["features"]:
        folium.GeoJson(
            points,
            marker=folium.CircleMarker(radius=3, stroke=False, fill=True),
            style_function=lambda f: {
                "fillColor": DOT_COLOURS[f["properties"]["k"]],
                "fillOpacity": 0.9,
                "radius": DOT_RADIUS[f["properties"]["k"]],
            },
        ).add_child(_ScaleDots()).add_to(group)
    fresh = _points(cases[cases["fresh"]])
    if fresh["features"]:  # one layer: a folium.Marker each compiles its own templates (0.5 s for 500 of them)
        pulse = folium.DivIcon(html="<div></div>", class_name="gg-fresh", icon_size=(0, 0))
        folium.GeoJson(fresh, marker=folium.Marker(icon=pulse)).add_to(group)
    return group


def _points(cases) -> dict:
    """The cases as GeoJSON points carrying their dot kind (``k``)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                "properties": {"k": c.kind},
            }
            for c in cases.itertuples(index=False)
        ],
    }
