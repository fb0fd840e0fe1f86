"""Grid choropleths on the base map."""

from __future__ import annotations

import json

import folium
import numpy as np

from dashboard.basemap import make_map, tile_config_from_env

#: Sequential palette (light → dark red) for load; grey for grids with nothing.
PALETTE = ["#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"]
EMPTY = "#f0f0f0"


def class_breaks(values: list[int], classes: int = len(PALETTE)) -> list[float]:
    """Upper bounds of quantile classes over the non-zero values (a few grids with huge loads do not wash out
    the rest, as an equal-interval scale would)."""
    positive = np.array([v for v in values if v > 0], dtype=float)
    if positive.size == 0:
        return [0.0]
    return sorted(set(np.quantile(positive, np.linspace(0, 1, classes + 1)[1:]).round(0).tolist()))


def colour_for(value: int, breaks: list[float]) -> str:
    if value <= 0:
        return EMPTY
    for i, upper in enumerate(breaks):
        if value <= upper:
            return PALETTE[min(i, len(PALETTE) - 1)]
    return PALETTE[-1]


def grid_choropleth(geojson: str, values: dict[int, int], value_label: str,
                    bounds: tuple[float, float, float, float] | None = None) -> folium.Map:
    """Grids coloured by ``values`` (grid id → count), with a tooltip of code, name and value."""
    collection = json.loads(geojson)
    for feature in collection["features"]:
        feature["properties"]["value"] = values.get(feature["properties"]["id"], 0)
    breaks = class_breaks(list(values.values()))
    m = make_map(center=_center(bounds), zoom=12, tiles=tile_config_from_env())
    folium.GeoJson(
        collection,
        name="grids",
        style_function=lambda f: {"fillColor": colour_for(f["properties"]["value"], breaks), "color": "#555",
                                  "weight": 0.6, "fillOpacity": 0.75},
        highlight_function=lambda f: {"weight": 2.5, "color": "#1f4e9c"},
        tooltip=folium.GeoJsonTooltip(fields=["code", "name", "value"], aliases=["", "", value_label]),
    ).add_to(m)
    if bounds:
        m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return m


def _center(bounds):
    if not bounds:
        return (39.67, 106.82)
    return ((bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2)
