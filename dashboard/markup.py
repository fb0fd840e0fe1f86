"""The one way data enters the HTML and markdown the dashboard builds: ``escape`` (docs/security.md).

Text from layers, imports, the API, accounts and the address bar reaches pages through several doors: folium
tooltips and popups (Leaflet sets them as innerHTML, and streamlit-folium parses a clicked tooltip as HTML
again), ``st.markdown(…, unsafe_allow_html=True)`` blocks, plain ``st.markdown`` / ``st.caption`` /
``st.info`` … (markdown: images and links), widget labels (markdown too), and our own HTML routes. One
function serves them all: every ASCII punctuation character and line break becomes a numeric character
reference. HTML then shows the character and never reads a tag, an attribute or an entity; markdown
(CommonMark, which Streamlit follows) never takes a character reference as syntax — no link, image, emphasis,
heading, table, math or directive — and with no line break a value cannot end the HTML block it sits in.
Nothing else is needed: letters, digits, CJK text and emoji pass unchanged.

Not for ``st.dataframe`` cells, selectbox options or chart labels: those show text as it is (escaping there
would show ``&#60;``).
"""

from __future__ import annotations

import copy
import json
import string

#: Characters that mean something to HTML, to markdown or to a JS template literal ($, {, `), and line breaks.
_SPECIAL = {ord(c): f"&#{ord(c)};" for c in string.punctuation + "\r\n\t\f\v"}


def escape(value: object) -> str:
    """``value`` as inert text for HTML (element text or a quoted attribute) and for Streamlit markdown;
    None is empty."""
    return "" if value is None else str(value).translate(_SPECIAL)


def escape_properties(geojson: str | dict, keep: tuple[str, ...] = ()) -> dict:
    """A copy of a GeoJSON FeatureCollection whose text properties are escaped, for maps whose tooltips or
    popups show them (folium's GeoJsonTooltip and our own ``bindTooltip`` scripts render properties as HTML).
    Every text property is escaped but those named in ``keep`` — values the map styles by (a fill colour) and
    never shows; numbers and booleans stay as they are, so styles and click handlers still read them."""
    collection = json.loads(geojson) if isinstance(geojson, str) else copy.deepcopy(geojson)
    for feature in collection.get("features", []):
        properties = feature.get("properties") or {}
        feature["properties"] = {k: escape(v) if isinstance(v, str) and k not in keep else v
                                 for k, v in properties.items()}
    return collection
