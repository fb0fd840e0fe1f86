"""Base map: a configurable tile layer (intranet tile server, Tianditu, OSM; ``geo.config.tile_config``)
or none at all."""

from __future__ import annotations

from collections.abc import Sequence

import folium

from geo.config import TileConfig

# Buildings need street level; beyond the tile server's own maximum the tiles are upscaled.
MAP_MAX_ZOOM = 19
# Light, neutral background used when no tiles are configured (and visible between tiles).
BACKGROUND_COLOR = "#eef1f4"


def make_map(center: Sequence[float], zoom: int, tiles: TileConfig | None, **map_kwargs) -> folium.Map:
    """A folium map at ``center`` (lat, lon) with the given tiles, or a plain background.

    The Leaflet map always gets ``maxZoom``; without it MarkerCluster / FastMarkerCluster fail
    with "Map has no maxZoom specified". Note: in folium 0.20 ``folium.Map(tiles=None,
    max_zoom=19)`` is NOT enough - ``max_zoom`` only reaches the built-in tile layer and is
    dropped when there is none - so it is written into the map options explicitly.
    """
    max_zoom = MAP_MAX_ZOOM if tiles is None else max(MAP_MAX_ZOOM, tiles.max_zoom)
    m = folium.Map(
        location=list(center),
        zoom_start=zoom,
        tiles=None,
        max_zoom=max_zoom,
        control_scale=True,
        **map_kwargs,
    )
    m.options["max_zoom"] = max_zoom  # rendered as L.map(..., {maxZoom: ...})
    if tiles is not None:
        folium.TileLayer(
            tiles=tiles.url,
            attr=tiles.attribution,
            name="basemap",
            max_zoom=max_zoom,
            max_native_zoom=tiles.max_zoom,
            subdomains=tiles.subdomains,
            control=False,
        ).add_to(m)
    # Higher specificity than leaflet.css's ".leaflet-container { background: #ddd }", so it
    # wins regardless of the order in which folium / streamlit-folium insert the stylesheets.
    m.get_root().header.add_child(
        folium.Element(f"<style>html body .leaflet-container {{ background: {BACKGROUND_COLOR}; }}</style>"),
        name="gridgov_map_background",
    )
    return m
