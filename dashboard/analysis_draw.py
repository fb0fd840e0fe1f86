"""Map drawing for the analysis pages: grids filled by class or value, H3 / kernel-density overlays and a legend
drawn as plain HTML inside the map (no branca colormap, nothing fetched from a CDN)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import folium
import numpy as np
from folium.raster_layers import ImageOverlay

from dashboard.basemap import make_map
from dashboard.grid_map import EMPTY, PALETTE, class_breaks, colour_for
from dashboard.markup import escape, escape_properties
from geo.config import tile_config

#: Units left out of a test (a grid without households under "per 1,000 households").
UNTESTED = "#bdbdbd"
#: Gi* classes, ArcGIS's diverging red–blue so that analysts read them as they are used to.
GI_COLOURS = {"hot_99": "#b2182b", "hot_95": "#ef8a62", "hot_90": "#fddbc7", "not_significant": "#f7f7f7",
              "cold_90": "#d1e5f0", "cold_95": "#67a9cf", "cold_99": "#2166ac", "no_households": UNTESTED}
TREND_COLOURS = {"new": "#7b3294", "intensifying": "#d7301f", "steady": "#f7f7f7", "diminishing": "#4393c3",
                 "no_households": UNTESTED}
#: Space-time patterns: reds for hot (darkest = persistent / intensifying), blues for cold, as ArcGIS does.
PATTERN_COLOURS = {
    "new_hot": "#e31a1c", "consecutive_hot": "#fd8d3c", "intensifying_hot": "#67000d", "persistent_hot": "#a50f15",
    "diminishing_hot": "#fc9272", "sporadic_hot": "#fed976", "oscillating_hot": "#c994c7",
    "historical_hot": "#fcbba1", "new_cold": "#1f78b4", "consecutive_cold": "#6baed6",
    "intensifying_cold": "#08306b", "persistent_cold": "#08519c", "diminishing_cold": "#9ecae1",
    "sporadic_cold": "#c6dbef", "oscillating_cold": "#9e9ac8", "historical_cold": "#deebf7",
    "no_pattern": "#f7f7f7", "no_households": UNTESTED,
}
#: Sequential purples for the H3 layer, distinct from the grids' reds and blues underneath.
HEX_PALETTE = ["#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1", "#54278f"]
_KDE_STOPS = np.array([[255, 255, 178], [254, 204, 92], [253, 141, 60], [240, 59, 32], [189, 0, 38]], float)


def value_colours(values: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Quantile colours per unit id (grey for zero, UNTESTED for NaN) and the legend rows for them."""
    tested = {k: round(v) for k, v in values.items() if v == v}
    breaks = class_breaks(list(tested.values()))
    colours = {k: colour_for(v, breaks) for k, v in tested.items()} | \
        {k: UNTESTED for k in values if k not in tested}
    lower, items = 1, [(EMPTY, "0")]
    for colour, upper in zip(PALETTE, breaks):
        items.append((colour, f"{lower:,}–{int(upper):,}" if upper > lower else f"{int(upper):,}"))
        lower = int(upper) + 1
    return colours, items


def grid_map(geojson: str, fill: dict, tips: dict, tip_label: str,
             bounds: Sequence[float], selected=None,
             focus: Sequence[float] | None = None, outlines: str | None = None) -> folium.Map:
    """Units (grids, H3 cells, or any area shapes: GeoJSON with properties id, code, name) filled with ``fill``
    (id → colour), a tooltip with code, name and ``tips``; the selected unit outlined; the view fitted to
    ``focus`` (a bbox) or else to ``bounds``. ``outlines``: lines drawn on top, thin, for orientation (GeoJSON:
    geo.read.hotspot_service.grid_outlines)."""
    m = fitted_map(bounds, focus)
    area_layer(geojson, fill, tips, tip_label, selected).add_to(m)
    if outlines is not None:  # on top, but not clickable: a click still picks the unit underneath
        folium.GeoJson(json.loads(outlines), name="grid outlines", interactive=False, control=False,
                       style_function=lambda f: {"fill": False, "color": "#444444", "weight": 0.7}).add_to(m)
    return m


def fitted_map(bounds: Sequence[float], focus: Sequence[float] | None = None) -> folium.Map:
    """An empty map (tiles only) fitted to ``focus`` or else ``bounds``: the base that stays the same while
    its data layer (``area_layer``, passed as streamlit-folium's feature_group_to_add) changes with the view."""
    minx, miny, maxx, maxy = bounds
    m = make_map(center=((miny + maxy) / 2, (minx + maxx) / 2), zoom=12, tiles=tile_config())
    x0, y0, x1, y1 = focus if focus is not None else bounds
    m.fit_bounds([[y0, x0], [y1, x1]], max_zoom=16)
    return m


def area_layer(geojson: str, fill: dict, tips: dict, tip_label: str, selected=None) -> folium.FeatureGroup:
    """The shapes of ``geojson`` filled and tipped by id (see grid_map), as one feature group; every text
    property escaped (dashboard.markup), since the tooltip shows code, name and tip as HTML."""
    collection = json.loads(geojson)
    for feature in collection["features"]:
        grid_id = feature["properties"]["id"]
        feature["properties"]["tip"] = tips.get(grid_id, "")
        feature["properties"]["fill"] = fill.get(grid_id, EMPTY)
        feature["properties"]["sel"] = grid_id == selected
    collection = escape_properties(collection, keep=("fill",))  # the tooltip shows code, name and tip as HTML
    group = folium.FeatureGroup(name="areas")
    folium.GeoJson(
        collection, name="grids",
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"], "fillOpacity": 0.8,
            "color": "#111111" if f["properties"]["sel"] else "#6b6b6b",
            "weight": 3.5 if f["properties"]["sel"] else 0.5},
        highlight_function=lambda f: {"weight": 2.5, "color": "#1f4e9c"},
        tooltip=folium.GeoJsonTooltip(fields=["code", "name", "tip"], aliases=["", "", tip_label]),
    ).add_to(group)
    return group


def add_hexagons(m: folium.Map, cells_geojson: str, counts: Sequence[int], name: str, tip_label: str) -> list:
    """H3 cells on top of the grids, coloured by quantiles of their counts; returns the legend rows."""
    breaks = class_breaks([int(c) for c in counts])
    collection = json.loads(cells_geojson)
    for feature in collection["features"]:
        feature["properties"]["fill"] = _hex_colour(int(feature["properties"]["count"]), breaks)
    folium.GeoJson(
        collection, name=name,
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "fillOpacity": 0.7, "weight": 0.3,
                                  "color": "#54278f"},
        tooltip=folium.GeoJsonTooltip(fields=["count"], aliases=[tip_label]),
    ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    lower, items = 1, []
    for colour, upper in zip(HEX_PALETTE, breaks):
        items.append((colour, f"{lower:,}–{int(upper):,}" if upper > lower else f"{int(upper):,}"))
        lower = int(upper) + 1
    return items


def _hex_colour(value: int, breaks: list[float]) -> str:
    for i, upper in enumerate(breaks):
        if value <= upper:
            return HEX_PALETTE[min(i, len(HEX_PALETTE) - 1)]
    return HEX_PALETTE[-1]


def add_density(m: folium.Map, image: np.ndarray, bounds: Sequence[float], name: str) -> list:
    """A kernel-density image (row 0 north) as a translucent overlay; returns the legend rows."""
    top = float(np.nanmax(image)) if image.size else 0.0
    scaled = np.clip(image / top, 0, 1) if top > 0 else np.zeros_like(image)
    position = scaled * (len(_KDE_STOPS) - 1)
    low = np.floor(position).astype(int).clip(0, len(_KDE_STOPS) - 2)
    frac = (position - low)[..., None]
    rgb = _KDE_STOPS[low] * (1 - frac) + _KDE_STOPS[low + 1] * frac
    alpha = (np.sqrt(scaled) * 220)[..., None]  # faint where sparse, so the grids stay readable
    rgba = np.concatenate([rgb, alpha], axis=-1).astype(np.uint8)
    west, south, east, north = bounds
    ImageOverlay(rgba, bounds=[[south, west], [north, east]], name=name, opacity=0.85,
                 mercator_project=True).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    stops = ["#{:02x}{:02x}{:02x}".format(*(int(v) for v in row)) for row in _KDE_STOPS]
    return [(stops[i], f"{top * i / (len(stops) - 1):,.0f}") for i in range(len(stops))]


def add_legend(m: folium.Map, sections: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> None:
    """A legend box in the map's lower right: one titled list of colour swatches per section."""
    parts = []
    for title, items in sections:
        rows = "".join(
            f'<div style="display:flex;align-items:center;gap:6px;margin:2px 0">'
            f'<span style="width:18px;height:12px;background:{colour};border:1px solid #999;display:inline-block">'
            f'</span><span>{escape(label)}</span></div>' for colour, label in items)
        parts.append(f'<div style="font-weight:600;margin:4px 0 2px">{escape(title)}</div>{rows}')
    box = ('<div class="gridgov-legend" style="position:absolute;right:12px;bottom:28px;z-index:1000;'
           'background:rgba(255,255,255,.93);padding:8px 12px;border-radius:6px;font:12px/1.35 sans-serif;'
           'box-shadow:0 1px 4px rgba(0,0,0,.3);max-height:70%;overflow:auto">' + "".join(parts) + "</div>")
    m.get_root().html.add_child(folium.Element(box))
