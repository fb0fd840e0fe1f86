"""Serve every folium / streamlit-folium asset from our own package instead of public CDNs.

Governance centres run on an intranet without internet access. folium 0.20 and its plugins
reference about a dozen files on public CDNs (jsDelivr, cdnjs, the jQuery and Bootstrap CDNs, d3js);
offline, the map silently stays blank. The files are vendored in ``dashboard/static/`` (see
``static/VENDORED.md``) and Streamlit serves them at ``/app/static/...`` when
``server.enableStaticServing`` is true.

Call :func:`use_local_assets` once at dashboard start, before building maps. It is idempotent.

Three places reference CDN URLs and all three are rewritten here:

1. ``default_js`` / ``default_css`` class attributes of folium's ``JSCSSMixin`` subclasses
   (Map, MarkerCluster, FastMarkerCluster, HeatMap, ...). folium renders them into the page
   header, and streamlit-folium sends them to its component as ``js_links`` / ``css_links``.
2. ``branca.colormap.ColorMap.render`` adds d3 3.5.5 from cdnjs to the figure header
   (choropleth legends).
3. ``streamlit_folium.st_folium`` hard-codes d3 v3 (cdnjs) and d3 v4 (d3js.org) for colormaps;
   we wrap its component function and rewrite the link lists just before they are sent.

Plus one fix of ours: ``static/gridgov/leaflet-icon-path.js`` (loaded right after leaflet.js)
sets ``L.Icon.Default.imagePath``. streamlit-folium inserts stylesheets without waiting for
them, so Leaflet's guess from leaflet.css misses "/images/" and default markers 404.

The URL form matters: the streamlit-folium component runs in an iframe served from
``/component/streamlit_folium.st_folium/index.html``, so a relative ``app/static/...`` would
resolve below ``/component/...`` and 404. We therefore use an absolute path,
``/app/static/...`` (prefixed with ``server.baseUrlPath`` when Streamlit runs under one).
"""

from __future__ import annotations

import functools
import logging
import threading
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Path of each CDN URL as written in folium 0.20 / branca 0.8 / streamlit-folium 0.27 (the host is left
# out: any remote URL with one of these paths is replaced) -> file below dashboard/static/.
# fmt: off
CDN_TO_LOCAL: dict[str, str] = {
    # folium.Map defaults
    "/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet-1.9.3/leaflet.js",
    "/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet-1.9.3/leaflet.css",
    "/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "/ajax/libs/jquery/3.7.1/jquery.min.js": "jquery-3.7.1/jquery.min.js",
    "/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js":
        "bootstrap-5.2.2/js/bootstrap.bundle.min.js",
    "/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css":
        "bootstrap-5.2.2/css/bootstrap.min.css",
    "/bootstrap/3.0.0/css/bootstrap-glyphicons.css":
        "glyphicons-3.4.1/css/bootstrap-glyphicons.min.css",
    "/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css":
        "fontawesome-free-6.2.0/css/all.min.css",
    "/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js":
        "awesome-markers-2.0.2/leaflet.awesome-markers.min.js",
    "/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css":
        "awesome-markers-2.0.2/leaflet.awesome-markers.css",
    "/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css":
        "awesome-markers-2.0.2/leaflet.awesome.rotate.min.css",
    # MarkerCluster / FastMarkerCluster
    "/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js":
        "markercluster-1.1.0/leaflet.markercluster.js",
    "/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css":
        "markercluster-1.1.0/MarkerCluster.css",
    "/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css":
        "markercluster-1.1.0/MarkerCluster.Default.css",
    # HeatMap (folium's patched Leaflet.heat)
    "/gh/python-visualization/folium@main/folium/templates/leaflet_heat.min.js":
        "leaflet-heat/leaflet_heat.min.js",
    # branca colormap legends (Choropleth, LinearColormap, StepColormap)
    "/ajax/libs/d3/3.5.5/d3.min.js": "d3-3.5.5/d3.min.js",
}
# fmt: on

# Our own helper, inserted after leaflet.js in Map.default_js (see the file for why).
ICON_PATH_FIX = ("gridgov_leaflet_icon_path", "gridgov/leaflet-icon-path.js")

# streamlit-folium adds d3 v4 *before* d3 v3 for every colormap; v3 loads last and wins, and
# branca's legend is written for v3, so the v4 file is dead weight. Dropped, not vendored.
_DROP_FROM_COMPONENT = frozenset({"/d3.v4.min.js"})

# Classes whose assets the dashboard relies on: an unmapped URL on one of these is a bug
# (typically a folium upgrade that bumped a version) and is reported loudly.
_REQUIRED_CLASSES = ("Map", "MarkerCluster", "FastMarkerCluster", "HeatMap")

_ORIGINALS: dict[tuple[type, str], list[tuple[str, str]]] = {}
_state: dict[str, Any] = {"base_url": None}
# The real streamlit-folium component function (tests may swap it to capture the payload).
_component_target: dict[str, Any] = {"func": None}
# Streamlit runs sessions in threads; two first runs must not wrap streamlit-folium twice.
_lock = threading.RLock()


def default_base_url() -> str:
    """Absolute URL path under which Streamlit serves ``dashboard/static``."""
    from streamlit import config

    prefix = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{prefix}/app/static" if prefix else "/app/static"


def local_url(cdn_url: str, base_url: str | None = None) -> str | None:
    """Local replacement of a known CDN URL, or None if we have not vendored it."""
    rel = CDN_TO_LOCAL.get(urlsplit(cdn_url).path) if is_remote(cdn_url) else None
    if rel is None:
        return None
    base = (base_url or _state["base_url"] or default_base_url()).rstrip("/")
    return f"{base}/{rel}"


def is_remote(url: str) -> bool:
    u = url.strip().lower()
    return u.startswith(("http://", "https://", "//"))


def _jscss_classes() -> list[type]:
    import folium.plugins  # noqa: F401  - registers every plugin subclass
    from folium.elements import JSCSSMixin

    seen: list[type] = []
    stack = [JSCSSMixin]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                stack.append(sub)
    return seen


def _rewrite(pairs: Iterable[tuple[str, str]], base_url: str) -> tuple[list[tuple[str, str]], list[str]]:
    out, missing = [], []
    for name, url in pairs:
        new = local_url(url, base_url)
        if new is None:
            missing.append(url)
            new = url
        out.append((name, new))
    return out, missing


def _patch_folium_classes(base_url: str) -> list[str]:
    problems = []
    for cls in _jscss_classes():
        for attr in ("default_js", "default_css"):
            if attr not in cls.__dict__:
                continue  # inherited: FastMarkerCluster uses MarkerCluster's lists
            key = (cls, attr)
            if key not in _ORIGINALS:
                _ORIGINALS[key] = list(cls.__dict__[attr])
            new, missing = _rewrite(_ORIGINALS[key], base_url)
            if attr == "default_js" and any(name == "leaflet" for name, _ in new):
                at = [name for name, _ in new].index("leaflet") + 1
                new.insert(at, (ICON_PATH_FIX[0], f"{base_url}/{ICON_PATH_FIX[1]}"))
            # A fresh list per class: folium's add_js_link() mutates these lists in place.
            setattr(cls, attr, new)
            if missing and cls.__name__ in _REQUIRED_CLASSES:
                problems += [f"{cls.__name__}.{attr}: {u}" for u in missing]
    return problems


def _patch_branca_colormap() -> None:
    from branca.colormap import ColorMap
    from branca.element import JavascriptLink

    if getattr(ColorMap.render, "_gridgov_offline", False):
        return
    original = ColorMap.render

    @functools.wraps(original)
    def render(self, **kwargs):
        original(self, **kwargs)
        header = self.get_root().header
        link = header._children.get("d3")
        if isinstance(link, JavascriptLink):
            new = local_url(link.url)
            if new is not None:
                header._children["d3"] = JavascriptLink(new)

    render._gridgov_offline = True  # type: ignore[attr-defined]
    render._gridgov_original = original  # type: ignore[attr-defined]
    ColorMap.render = render


def rewrite_links(urls: Iterable[str]) -> list[str]:
    """Map CDN URLs to local ones, drop known-dead ones, keep order, de-duplicate."""
    out: list[str] = []
    for url in urls:
        if is_remote(url) and urlsplit(url).path in _DROP_FROM_COMPONENT:
            continue
        new = local_url(url) or url
        if new not in out:
            out.append(new)
    return out


def _patch_streamlit_folium() -> None:
    try:
        import streamlit_folium
    except ImportError:  # pragma: no cover
        return
    current = streamlit_folium._component_func
    if getattr(current, "_gridgov_offline", False):
        return

    def component_func(*args, **kwargs):
        for key in ("js_links", "css_links"):
            if kwargs.get(key):
                kwargs[key] = rewrite_links(kwargs[key])
                remote = [u for u in kwargs[key] if is_remote(u)]
                if remote:
                    log.warning("streamlit-folium still loads remote assets: %s", remote)
        return _component_target["func"](*args, **kwargs)

    component_func._gridgov_offline = True  # type: ignore[attr-defined]
    _component_target["func"] = current
    streamlit_folium._component_func = component_func


def _check_static_serving() -> None:
    from streamlit import config

    if not config.get_option("server.enableStaticServing"):
        log.warning(
            "server.enableStaticServing is off: map assets under /app/static will 404. "
            "Start streamlit from the repository root so .streamlit/config.toml is read."
        )


def use_local_assets(base_url: str | None = None) -> str:
    """Point folium, branca and streamlit-folium at the files in ``dashboard/static``.

    ``base_url`` is the URL path under which Streamlit serves ``dashboard/static``; default
    ``/app/static`` (with ``server.baseUrlPath`` prepended if set). Keep it absolute: the map
    runs inside the component iframe at ``/component/streamlit_folium.st_folium/``.
    Safe to call on every rerun. Returns the base URL in use.
    """
    base = (base_url or default_base_url()).rstrip("/")
    with _lock:
        if _state["base_url"] == base:
            return base
        problems = _patch_folium_classes(base)
        _patch_branca_colormap()
        _patch_streamlit_folium()
        _state["base_url"] = base
    _check_static_serving()
    if problems:
        msg = "No local copy for these folium assets (vendor them in dashboard/static): " + "; ".join(
            problems
        )
        log.error(msg)
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
    return base


def restore_cdn_assets() -> None:
    """Undo :func:`use_local_assets` (tests use it to prove the CDN detector works)."""
    with _lock:
        _restore()


def _restore() -> None:
    for (cls, attr), pairs in _ORIGINALS.items():
        setattr(cls, attr, list(pairs))
    from branca.colormap import ColorMap

    original = getattr(ColorMap.render, "_gridgov_original", None)
    if original is not None:
        ColorMap.render = original
    try:
        import streamlit_folium

        if getattr(streamlit_folium._component_func, "_gridgov_offline", False):
            streamlit_folium._component_func = _component_target["func"]
    except ImportError:  # pragma: no cover
        pass
    _state["base_url"] = None
