"""The one way data enters the HTML and markdown the dashboard builds: ``escape`` (docs/security.md).

Text from layers, imports, the API, accounts and the address bar reaches pages through several doors: folium
tooltips and popups (Leaflet sets them as innerHTML, streamlit-folium parses a clicked tooltip as HTML again,
folium's own Tooltip puts text in a JavaScript template literal), ``st.markdown(…, unsafe_allow_html=True)``
blocks, plain ``st.markdown`` / ``st.caption`` / ``st.info`` … and widget labels (markdown: images and links),
and our own HTML routes. One function serves them all by turning into numeric character references:

- ``& < > " '`` — so HTML never reads a tag, an attribute or an entity (and no markdown autolink or raw HTML);
- ``[ ] ` * _ ~ \\ $`` — so markdown never reads a link, an image, code, emphasis, an escape or math, and a
  template literal no interpolation or escape;
- line breaks and tabs — so a value cannot end the HTML block it sits in, nor start a markdown block;
- at the very start, indentation and a list or heading marker (``-``, ``+``, ``#``, ``1.``, ``1)``).

CommonMark (which Streamlit follows) never takes a character reference as syntax, and HTML shows it as the
character. Everything else — letters, digits, CJK text, emoji, ``- : , . / @ = + #`` inside the text —
passes unchanged, so times, dates, codes and numbers read as they are.

Not for ``st.dataframe`` cells, selectbox options or chart labels: those show text as it is (escaping there
would show ``&#60;``).
"""

from __future__ import annotations

import json
import re

#: Meaningful to HTML, to markdown or to a JS template literal, anywhere in a value.
_SPECIAL = {ord(c): f"&#{ord(c)};" for c in "&<>\"'`[]*_~\\$\r\n\t\f\v"}
#: Meaningful only where a line starts: indentation (code block), list and heading markers.
_LINE_START = re.compile(r"[ ]*(?:[-+#]|\d{1,9}[.)])?")


def escape(value: object) -> str:
    """``value`` as inert text for HTML (element text or a quoted attribute) and for Streamlit markdown;
    None is empty."""
    text = "" if value is None else str(value)
    lead = _LINE_START.match(text).end()
    return "".join(f"&#{ord(c)};" for c in text[:lead]) + text[lead:].translate(_SPECIAL)


def escape_properties(geojson: str | dict, keep: tuple[str, ...] = ()) -> dict:
    """A copy of a GeoJSON FeatureCollection whose text properties are escaped, for maps whose tooltips or
    popups show them (folium's GeoJsonTooltip and our own ``bindTooltip`` scripts render properties as HTML).
    Every text property is escaped but those named in ``keep`` — values the map styles by (a fill colour) and
    never shows; numbers and booleans stay as they are, so styles and click handlers still read them."""
    if isinstance(geojson, str):
        collection = json.loads(geojson)
    else:  # each feature's properties are replaced, never changed in place: copies of the features will do
        collection = dict(geojson)  # (a deep copy took 0.3–0.5 s of a city hotspot map)
        if "features" in collection:
            collection["features"] = [dict(f) for f in collection["features"]]
    for feature in collection.get("features", []):
        properties = feature.get("properties") or {}
        feature["properties"] = {k: escape(v) if isinstance(v, str) and k not in keep else v
                                 for k, v in properties.items()}
    return collection
