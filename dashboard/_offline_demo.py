"""Offline map fixture: ``streamlit run dashboard/_offline_demo.py`` (from the repo root).

Proves that the map works with no internet and no tiles: every asset comes from
dashboard/static. Used by tests/e2e/test_offline_assets.py; the real app replaces it.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

# `streamlit run dashboard/x.py` puts dashboard/ (not the repo root) on sys.path; this is a
# no-op once the project is installed (`pip install -e .`).
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import folium
import streamlit as st
from folium.plugins import HeatMap, MarkerCluster
from streamlit_folium import st_folium

from dashboard.basemap import make_map
from dashboard.offline import use_local_assets
from geo.config import tile_config

CENTER = (39.9150, 116.4040)
MARKER = (39.9150, 116.4040)  # the single clickable marker, inside the grid polygon

use_local_assets()
st.set_page_config(page_title="GridGov offline map check", layout="wide")
st.title("Offline map check")

m = make_map(CENTER, 15, tile_config())

grid = {
    "type": "Feature",
    "properties": {"grid_id": "G-001", "name": "Demo grid"},
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [[116.398, 39.911], [116.410, 39.911], [116.410, 39.919], [116.398, 39.919], [116.398, 39.911]]
        ],
    },
}
folium.GeoJson(
    grid,
    name="grid",
    style_function=lambda _: {"color": "#1d4f91", "weight": 2, "fillColor": "#1d4f91", "fillOpacity": 0.12},
    tooltip=folium.GeoJsonTooltip(fields=["grid_id", "name"]),
).add_to(m)

rng = random.Random(42)
cluster = MarkerCluster(name="cases").add_to(m)
# East of the grid, so clusters never cover the office marker. Case 0 stands apart and is
# always drawn unclustered, with Leaflet's default icon (exercises leaflet-1.9.3/images/).
cases = [(39.915, 116.431)] + [
    (39.905 + rng.random() * 0.02, 116.414 + rng.random() * 0.012) for _ in range(199)
]
for i, latlon in enumerate(cases):
    folium.Marker(latlon, tooltip=f"case {i}").add_to(cluster)

HeatMap(
    [(39.905 + rng.random() * 0.02, 116.384 + rng.random() * 0.012, rng.random()) for _ in range(300)],
    name="heat",
    radius=18,
).add_to(m)

folium.Marker(
    MARKER,
    popup=folium.Popup("Grid office G-001", max_width=200),
    tooltip="grid office",
    icon=folium.Icon(color="blue", icon="building", prefix="fa"),
).add_to(m)

out = st_folium(m, key="demo", height=560, use_container_width=True, returned_objects=["last_object_clicked"])

clicked = (out or {}).get("last_object_clicked")
if clicked:
    st.write(f"Clicked object at {clicked['lat']:.5f}, {clicked['lng']:.5f}")
else:
    st.write("Click the blue marker.")
