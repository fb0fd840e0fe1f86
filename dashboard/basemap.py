"""Base map: a configurable tile layer (intranet tile server, Tianditu, OSM) or none at all.

Environment:
    GRIDGOV_TILE_URL          URL template, e.g. ``http://tiles.intranet/{z}/{x}/{y}.png``;
                              unset, empty or ``none`` -> no tiles (plain background).
    GRIDGOV_TILE_ATTRIBUTION  attribution text/HTML (default: the tile server's host name).
    GRIDGOV_TILE_MAX_ZOOM     highest zoom level the tile server has (default 18).
    GRIDGOV_TILE_SUBDOMAINS   values for ``{s}`` in the template, e.g. ``01234567`` for
                              Tianditu's ``t{s}.tianditu.gov.cn`` (default ``abc``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import folium

# Buildings need street level; beyond the tile server's own maximum the tiles are upscaled.
MAP_MAX_ZOOM = 19
DEFAULT_TILE_MAX_ZOOM = 18
# Light, neutral background used when no tiles are configured (and visible between tiles).
BACKGROUND_COLOR = "#eef1f4"


@dataclass(frozen=True)
class TileConfig:
    url: str
    attribution: str
    max_zoom: int = DEFAULT_TILE_MAX_ZOOM
    subdomains: str = "abc"


def tile_config_from_env(env: Mapping[str, str] | None = None) -> TileConfig | None:
    """Tile settings from ``GRIDGOV_TILE_*``; None means "draw no tiles"."""
    env = os.environ if env is None else env
    url = (env.get("GRIDGOV_TILE_URL") or "").strip()
    if not url or url.lower() == "none":
        return None
    raw_zoom = (env.get("GRIDGOV_TILE_MAX_ZOOM") or "").strip()
    try:
        max_zoom = int(raw_zoom) if raw_zoom else DEFAULT_TILE_MAX_ZOOM
    except ValueError:
        raise ValueError(f"GRIDGOV_TILE_MAX_ZOOM must be an integer, got {raw_zoom!r}") from None
    # Default attribution: the host name without the {s} label ("t{s}.tianditu.gov.cn" -> "tianditu.gov.cn").
    host = re.sub(r"[^.]*\{s\}[^.]*\.", "", urlsplit(url).netloc)
    attribution = (env.get("GRIDGOV_TILE_ATTRIBUTION") or "").strip() or host or "tiles"
    subdomains = (env.get("GRIDGOV_TILE_SUBDOMAINS") or "").strip() or "abc"
    return TileConfig(url=url, attribution=attribution, max_zoom=max_zoom, subdomains=subdomains)


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
