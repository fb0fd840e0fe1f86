"""Chinese datum conversions (GCJ-02, BD-09) to and from WGS84, vectorised with numpy.

Why: residents' phone apps and Chinese web maps report GCJ-02 ("Mars") or BD-09 (Baidu) coordinates,
which sit a few hundred metres away from WGS84. Loaders convert them once, at the edge, with
:func:`to_wgs84`; everything stored is WGS84 (``geo.domain.crs.STORAGE_CRS``).

Every function takes longitude and latitude (scalars or array-likes, broadcast together) and returns a
``(lon, lat)`` pair of float64 numpy arrays. NaN in, NaN out.

Out-of-China rule: GCJ-02 is only defined inside China. Like eviltransform and PRCoords, a point counts as
"in China" when ``72.004 <= lon <= 137.8347`` and ``0.8293 <= lat <= 55.8271`` (a bounding box, so it
also shifts points in neighbouring countries inside that box). Points outside the box are returned
unchanged by every GCJ-02 conversion, forward and inverse. The BD-09 offset is applied everywhere (it is a
plain rotation/shift of GCJ-02 coordinates).
"""

import numpy as np
from numpy.typing import ArrayLike

#: Krasovsky 1940 ellipsoid, which the GCJ-02 algorithm uses (semi-major axis, first eccentricity squared).
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323

_X_PI = np.pi * 3000.0 / 180.0
_BD_DLON = 0.0065
_BD_DLAT = 0.006

_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)

#: The inverse iterates until the forward transform of the estimate is this close to the input (degrees).
_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_ITERATIONS = 10

DATUMS = ("wgs84", "cgcs2000", "gcj02", "bd09")


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return lon_a.copy(), lat_a.copy()


def in_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """Whether GCJ-02 applies to the point (the bounding-box rule in the module docstring)."""
    lon, lat = _arrays(lon, lat)
    return (lon >= _CHINA_LON[0]) & (lon <= _CHINA_LON[1]) & (lat >= _CHINA_LAT[0]) & (lat <= _CHINA_LAT[1])


def _shift_metres(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The published GCJ-02 offset series ("transformLon", "transformLat") of x = lon - 105, y = lat - 35."""
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x + common
    d_lat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x + common
    d_lon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return d_lon, d_lat


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84 at a WGS84 point, in degrees, with no China check."""
    d_lon_m, d_lat_m = _shift_metres(lon - 105.0, lat - 35.0)
    rad_lat = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = d_lat_m * 180.0 / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = d_lon_m * 180.0 / (_KRASOVSKY_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → GCJ-02 (the published forward formula); points outside China are returned unchanged."""
    lon, lat = _arrays(lon, lat)
    inside = in_china(lon, lat)
    d_lon, d_lat = _gcj_offset(lon[inside], lat[inside])
    lon[inside] += d_lon
    lat[inside] += d_lat
    return lon, lat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS84 by fixed-point iteration on the forward transform (≈ 1e-9° ≈ 0.1 mm).

    The one-step approximation (subtracting the offset evaluated at the GCJ-02 point) is off by up to
    ~2 m; iterating ``w ← w − (forward(w) − g)`` converges in 3–5 steps because the offset varies slowly.
    """
    g_lon, g_lat = _arrays(lon, lat)
    inside = in_china(g_lon, g_lat)
    target_lon, target_lat = g_lon[inside], g_lat[inside]
    w_lon, w_lat = target_lon.copy(), target_lat.copy()
    for _ in range(_INVERSE_MAX_ITERATIONS):
        d_lon, d_lat = _gcj_offset(w_lon, w_lat)
        err_lon = w_lon + d_lon - target_lon
        err_lat = w_lat + d_lat - target_lat
        w_lon -= err_lon
        w_lat -= err_lat
        if not np.any(np.maximum(np.abs(err_lon), np.abs(err_lat)) >= _INVERSE_TOLERANCE_DEG):
            break
    g_lon[inside] = w_lon
    g_lat[inside] = w_lat
    return g_lon, g_lat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 (Baidu's published closed form)."""
    x, y = _arrays(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def _bd09_to_gcj02_closed_form(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = x - _BD_DLON
    y = y - _BD_DLAT
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02: the standard closed form, refined by fixed-point iteration on the forward transform.

    The closed form alone round-trips only to ≈ 2e-6° (≈ 0.2 m); a few refinement steps make
    ``bd09_to_gcj02(gcj02_to_bd09(p)) == p`` to ≈ 1e-9°.
    """
    b_lon, b_lat = _arrays(lon, lat)
    g_lon, g_lat = _bd09_to_gcj02_closed_form(b_lon, b_lat)
    for _ in range(_INVERSE_MAX_ITERATIONS):
        f_lon, f_lat = gcj02_to_bd09(g_lon, g_lat)
        err_lon, err_lat = f_lon - b_lon, f_lat - b_lat
        g_lon -= err_lon
        g_lat -= err_lat
        if not np.any(np.maximum(np.abs(err_lon), np.abs(err_lat)) >= _INVERSE_TOLERANCE_DEG):
            break
    return g_lon, g_lat


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → BD-09 (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → WGS84 (through GCJ-02, with the iterative inverse)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _identity(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    return _arrays(lon, lat)


#: CGCS2000 and WGS84 differ by centimetres: GridGov treats them as the same datum (see geo.domain.crs).
_TO_WGS84 = {"wgs84": _identity, "cgcs2000": _identity, "gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}


def to_wgs84(lon: ArrayLike, lat: ArrayLike, datum: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinates in ``datum`` (one of :data:`DATUMS`, case-insensitive) to WGS84."""
    convert = _TO_WGS84.get(str(datum).strip().lower())
    if convert is None:
        raise ValueError(f"unknown datum {datum!r}; expected one of {', '.join(DATUMS)}")
    return convert(lon, lat)
