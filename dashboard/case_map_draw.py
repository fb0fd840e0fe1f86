"""Drawing the case map: a base map that never changes (tiles; a district's grid boundaries) and one feature
group per rerun with what the view shows (geo.read.map_shapes: the grids in view, or a city's streets or
districts, each filled by its count of matching cases; buildings; case markers; count bubbles), so that
panning swaps the layer without rebuilding the map and the browser never receives more than the view.

Clicks are identified by the clicked layer's tooltip, which streamlit-folium returns as text: a case's
tooltip starts with ``CASE_MARK`` and its number, a grid's with ``GRID_MARK`` and its code, a count cell's
with ``CELL_MARK``, a street's or district's with ``AREA_MARK``. Tooltips are HTML (Leaflet, then
streamlit-folium, parse them): every text in them goes through dashboard.markup (escaped properties, escaped
``t``), and the text streamlit-folium returns is the tooltip as read, unescaped.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import folium
import pandas as pd
from folium.utilities import JsCode

from dashboard.basemap import make_map
from dashboard.grid_map import class_breaks, colour_for
from dashboard.markup import escape, escape_properties
from geo.config import tile_config
from geo.domain.vocabulary import OPEN_STATUSES
from geo.read.case_map import MapLayer
from geo.read.map_shapes import Shapes

CASE_MARK, GRID_MARK, CELL_MARK, AREA_MARK = "●", "▦", "◎", "▣"

#: Marker fill per status: new work blue, in the departments' hands orange/purple, done green, parked grey.
STATUS_COLOURS = {
    "reported": "#1f77b4", "reopened": "#1f77b4", "accepted": "#17becf", "whistled": "#ff7f0e",
    "reported_in": "#f0a202", "answered": "#9467bd", "rework": "#8c2d04", "deferred": "#7f7f7f",
    "closed": "#2ca02c", "rated": "#1b7a1b", "rejected": "#c7c7c7", "merged": "#c7c7c7",
}
#: Marker ring per worst escalation card, on open cases (on finished ones the lateness is history: the card
#: filter still finds them).
CARD_COLOURS = {"none": "#ffffff", "yellow": "#f5c400", "red": "#e31a1c", "discipline": "#3f007d"}
DARK, LIGHT = "#1f2933", "#ffffff"
SELECTED_COLOUR = "#00c8ff"
START_ZOOM = 12.5

_CSS = """<style>
.gg-bubble { background: rgba(29,79,145,.82); border: 2px solid #fff; border-radius: 50%; color: #fff;
  font: 600 12px/1 sans-serif; display: flex; align-items: center; justify-content: center;
  box-shadow: 0 1px 4px rgba(0,0,0,.35); }
.gg-bubble.gg-hot { background: rgba(214,39,40,.85); }
.gg-bubble.gg-cell { background: rgba(90,90,90,.78); }
.leaflet-tooltip { font: 13px/1.35 sans-serif; }
</style>"""

# Grid polygons of a district's base map: light lines, a faint fill so a click anywhere inside selects the grid.
_GRID_EACH = JsCode(f"""function(f, l) {{
  l.bindTooltip('{GRID_MARK} ' + f.properties.code + ' ' + f.properties.name, {{sticky: true}});
  l.on('mouseover', function() {{ l.setStyle({{weight: 2.5, color: '#1d4f91'}}); }});
  l.on('mouseout', function() {{ l.setStyle({{weight: 0.8, color: '#5b6b7f'}}); }});
}}""")

# Area polygons: light lines, the count's colour (or a faint fill, so a click anywhere inside selects the
# area), hover highlight; the tooltip names the area.
_AREA_EACH = JsCode("""function(f, l) {
  var p = f.properties, w = p.f ? 0.6 : 0.8;
  l.setStyle({color: '#5b6b7f', weight: w, fillColor: p.f || '#1d4f91', fillOpacity: p.f ? 0.78 : 0.03});
  l.bindTooltip(p.t, {sticky: true});
  l.on('mouseover', function() { l.setStyle({weight: 2.5, color: '#1d4f91'}); });
  l.on('mouseout', function() { l.setStyle({weight: w, color: '#5b6b7f'}); });
}""")


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 = none, 21 = black on white)."""
    def luminance(colour: str) -> float:
        rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def edge_for(colour: str) -> str:
    """Dark or white, whichever stands out more against ``colour``."""
    return DARK if contrast(colour, DARK) >= contrast(colour, LIGHT) else LIGHT


#: The line each card's ring is drawn between: a yellow ring sits between dark lines, so it shows on an
#: amber or orange marker as well as on the plain background.
CARD_EDGES = {card: edge_for(colour) for card, colour in CARD_COLOURS.items()}


def marker_bands(status: str, card: str) -> list[str]:
    """A case marker's colours from the outside in: without a card a white edge and the status fill; with one
    an outer edge, the card's ring, an inner edge, the status fill (what _CASE_EACH and _RING_EACH draw)."""
    if card == "none":
        return [LIGHT, STATUS_COLOURS[status]]
    return [CARD_EDGES[card], CARD_COLOURS[card], CARD_EDGES[card], STATUS_COLOURS[status]]


_CASE_EACH = JsCode(f"""function(f, l) {{
  var S = {json.dumps(STATUS_COLOURS)}, E = {json.dumps(CARD_EDGES)}, p = f.properties;
  l.setStyle({{fill: true, fillColor: S[p.s] || '#444', color: p.k === 'none' ? '{LIGHT}' : E[p.k],
              weight: 1.5, fillOpacity: 0.95, radius: 6}});
  l.bindTooltip(p.t);
}}""")

# The card's ring: a disc under the marker, the card's colour with an outer edge (drawn first, not clickable).
_RING_EACH = JsCode(f"""function(f, l) {{
  var K = {json.dumps(CARD_COLOURS)}, E = {json.dumps(CARD_EDGES)}, k = f.properties.k;
  l.setStyle({{fill: true, fillColor: K[k], fillOpacity: 1, color: E[k], weight: 1.5, radius: 10}});
}}""")

_BUBBLE_EACH = JsCode("""function(f, l) {
  var p = f.properties;
  l.setIcon(L.divIcon({html: '<span>' + p.n + '</span>', className: 'gg-bubble ' + p.c,
                       iconSize: [p.d, p.d]}));
  l.bindTooltip(p.t);
}""")


def base_map(bounds: tuple[float, float, float, float], zoom: float = START_ZOOM,
             grids_geojson: str | None = None) -> folium.Map:
    """The map that stays the same across reruns: tiles (if configured), centred on ``bounds``, and — for a
    district, whose layout is small — its grid boundaries, clickable even while a new layer is being swapped
    in. A city's grids come with the per-rerun layer, only those in view. Half zoom steps, so that the whole
    district fills the map at the start."""
    center = ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2)
    m = make_map(center=center, zoom=zoom, tiles=tile_config(), zoom_snap=0.5, zoom_delta=0.5)
    m.get_root().header.add_child(folium.Element(_CSS), name="gridgov_case_map_css")
    if grids_geojson is not None:
        folium.GeoJson(escape_properties(grids_geojson), name="grids", on_each_feature=_GRID_EACH,
                       style={"color": "#5b6b7f", "weight": 0.8, "fillColor": "#1d4f91", "fillOpacity": 0.03}
                       ).add_to(m)
    return m


def case_layer(layer: MapLayer, labels: dict[str, str], shapes: Shapes, buildings_geojson: str | None = None,
               selected: tuple[float, float] | None = None, outlines: bool = True) -> folium.FeatureGroup:
    """The per-rerun layer: the view's area shapes (grids, or a city's streets or districts) filled by their
    count when counts are shown, buildings (zoomed in), then the cases or the count bubbles of cases outside
    every grid; then a ring around the selected case. ``labels`` translates status codes ("status_closed")
    and count words ("cases"). ``outlines=False``: the base map has the grids; only those with counts are drawn."""
    group = folium.FeatureGroup(name="cases")
    _areas(layer, shapes, labels, outlines).add_to(group)
    if buildings_geojson:
        folium.GeoJson(buildings_geojson, name="buildings", interactive=False,
                       style={"color": "#8a8f98", "weight": 0.6, "fillColor": "#c9ced6", "fillOpacity": 0.45}
                       ).add_to(group)
    if layer.kind == "cases":
        for part in _cases(layer.rows, labels):
            part.add_to(group)
    else:
        key = "grid_id" if layer.kind == "grids" else "area_id"
        outside = layer.rows[layer.rows[key].isna()]
        if len(outside):
            _bubbles(outside, labels).add_to(group)
    if selected is not None:
        folium.CircleMarker(location=[selected[1], selected[0]], radius=13, color=SELECTED_COLOUR, weight=4,
                            fill=False, interactive=False).add_to(group)
    return group


def _cases(rows: pd.DataFrame, labels: dict[str, str]) -> list[folium.GeoJson]:
    """The card rings (open cases with a card), then the markers on top."""
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
         "properties": {"s": status, "k": card if status in OPEN_STATUSES else "none",
                        "t": escape(f"{CASE_MARK} {number} {category or ''} · "
                                    f"{labels.get('status_' + status, status)}")}}
        for number, lon, lat, status, card, category in rows[
            ["number", "lon", "lat", "status", "card", "category"]].itertuples(index=False)]
    # Drawn oldest first so the newest cases lie on top.
    collection = {"type": "FeatureCollection", "features": features[::-1]}
    carded = [{"type": "Feature", "geometry": f["geometry"], "properties": {"k": f["properties"]["k"]}}
              for f in collection["features"] if f["properties"]["k"] != "none"]
    rings = folium.GeoJson({"type": "FeatureCollection", "features": carded}, name="case_rings",
                           on_each_feature=_RING_EACH, interactive=False,
                           marker=folium.CircleMarker(radius=10, className="gg-ring"))
    markers = folium.GeoJson(collection, name="case_markers", on_each_feature=_CASE_EACH,
                             marker=folium.CircleMarker(radius=6, className="gg-case"))
    return [rings, markers] if carded else [markers]


def _areas(layer: MapLayer, shapes: Shapes, labels: dict[str, str], outlines: bool = True) -> folium.GeoJson:
    """The view's shapes; with counts (not with individual cases), those with matching cases filled by a
    quantile class of their count (grid_map's palette) and the count in the tooltip."""
    key = {"grids": "grid_id", "areas": "area_id"}.get(layer.kind)
    counted = layer.rows[layer.rows[key].notna()] if key else layer.rows.iloc[0:0]
    counts = {int(a): (int(n), int(o)) for a, n, o in counted[[key, "n", "open"]].itertuples(index=False)} if key else {}
    breaks = class_breaks([n for n, _ in counts.values()])
    mark = GRID_MARK if shapes.level == "grid" else AREA_MARK
    fills, tips = {}, {}
    for area_id, code, name in shapes.frame[["id", "code", "name"]].itertuples(index=False):
        label = f"{mark} {code} {name}" if shapes.level == "grid" else f"{mark} {name}"
        n, open_ = counts.get(int(area_id), (0, 0))
        fills[area_id] = colour_for(n, breaks) if n else ""
        tips[area_id] = label + (f" · {n:,} {labels['cases']} · {labels['open']} {open_:,}" if n else "") + (
            "" if shapes.level == "grid" else f" · {labels['zoom_in']}")
    properties = pd.DataFrame({"f": fills, "t": tips})
    if not outlines:
        shapes = replace(shapes, frame=shapes.frame[shapes.frame["id"].map(lambda a: bool(fills[a]))])
    return folium.GeoJson(escape_properties(shapes.geojson(properties), keep=("f",)), name=f"{shapes.level}_shapes",
                          on_each_feature=_AREA_EACH)


def _bubbles(rows: pd.DataFrame, labels: dict[str, str]) -> folium.GeoJson:
    biggest = max(int(rows["n"].max()), 1)
    hot = rows["n"].quantile(0.9)
    features = []
    for row in rows.itertuples(index=False):
        code = getattr(row, "code", "") or ""
        if code:
            text = f"{GRID_MARK} {code} {row.name} · {row.n:,} {labels['cases']} · {labels['open']} {row.open:,}"
            css = "gg-hot" if row.n >= hot and row.n > 1 else ""
        else:
            text, css = f"{CELL_MARK} {row.n:,} {labels['cases']} · {labels['zoom_in']}", "gg-cell"
        diameter = round(22 + 22 * math.sqrt(row.n / biggest))
        features.append({"type": "Feature",
                         "geometry": {"type": "Point", "coordinates": [round(row.lon, 6), round(row.lat, 6)]},
                         "properties": {"n": _short(int(row.n)), "c": css, "d": diameter, "t": escape(text)}})
    return folium.GeoJson({"type": "FeatureCollection", "features": features}, name="case_counts",
                          on_each_feature=_BUBBLE_EACH, marker=folium.Marker(icon=folium.DivIcon(html="")))


def _short(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 10_000 else str(n)


def parse_click(tooltip: str | None) -> tuple[str, str] | None:
    """("case", number), ("grid", code) or ("cell", "") from a clicked layer's tooltip text; None otherwise."""
    if not tooltip:
        return None
    parts = tooltip.split()
    if len(parts) >= 2 and parts[0] == CASE_MARK:
        return "case", parts[1]
    if len(parts) >= 2 and parts[0] == GRID_MARK:
        return "grid", parts[1]
    if parts and parts[0] in (CELL_MARK, AREA_MARK):
        return "cell", ""
    return None


def legend_html(labels: dict[str, str]) -> str:
    """A one-line legend of the marker colours (statuses) and rings (cards)."""
    seen, items = set(), []
    for status, colour in STATUS_COLOURS.items():
        if colour in seen:
            continue
        seen.add(colour)
        items.append(f'<span style="display:inline-block;width:11px;height:11px;border-radius:50%;'
                     f'background:{colour};margin:0 4px 0 12px;vertical-align:-1px"></span>'
                     f'{labels["status_" + status]}')
    for card in ("yellow", "red", "discipline"):
        items.append(f'<span style="display:inline-block;width:9px;height:9px;border-radius:50%;'
                     f'border:3px solid {CARD_COLOURS[card]};box-shadow:0 0 0 1.5px {CARD_EDGES[card]},'
                     f'inset 0 0 0 1.5px {CARD_EDGES[card]};margin:0 4px 0 12px;vertical-align:-2px"></span>'
                     f'{labels["card_" + card]}')
    return f'<div style="font-size:13px;color:#44505c;line-height:1.9">{"".join(items)}</div>'
