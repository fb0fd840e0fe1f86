"""GCJ-02 / BD-09 conversions: round trips, published pairs, an independent implementation (prcoords)."""

import math

import numpy as np
import pytest

from geo.domain import datums

prcoords = pytest.importorskip("prcoords")

# A grid of WGS84 points over China (inside the out-of-China box), including the sample district.
_LON, _LAT = np.meshgrid(np.linspace(73.5, 134.5, 41), np.linspace(18.0, 53.0, 36))
CHINA_LON, CHINA_LAT = _LON.ravel(), _LAT.ravel()

# Published WGS84 → GCJ-02 pairs (lon, lat) from googollee/eviltransform, python/test.py (TESTS).
EVILTRANSFORM_PAIRS = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]
# Tiananmen (116.404, 39.915) from wandergis/coordtransform, README.md / test/app.js.
COORDTRANSFORM_WGS_TO_GCJ = (116.41024449916938, 39.91640428150164)
COORDTRANSFORM_GCJ_TO_BD = (116.41036949371029, 39.92133699351021)
COORDTRANSFORM_BD_TO_GCJ = (116.39762729119315, 39.90865673957631)  # the closed form, no refinement


def metres_between(lon_a, lat_a, lon_b, lat_b) -> np.ndarray:
    """Local equirectangular distance, good to millimetres at these separations."""
    k = 111_320.0
    d_lon = (np.asarray(lon_a) - lon_b) * k * np.cos(np.radians(lat_b))
    return np.hypot(d_lon, (np.asarray(lat_a) - lat_b) * k)


def test_wgs84_to_gcj02_to_wgs84_round_trip_is_within_a_centimetre_over_china():
    lon, lat = datums.gcj02_to_wgs84(*datums.wgs84_to_gcj02(CHINA_LON, CHINA_LAT))
    assert np.max(np.abs(lon - CHINA_LON)) < 1e-7
    assert np.max(np.abs(lat - CHINA_LAT)) < 1e-7


def test_gcj02_to_bd09_to_gcj02_round_trip_is_within_a_centimetre_over_china():
    lon, lat = datums.bd09_to_gcj02(*datums.gcj02_to_bd09(CHINA_LON, CHINA_LAT))
    assert np.max(np.abs(lon - CHINA_LON)) < 1e-7
    assert np.max(np.abs(lat - CHINA_LAT)) < 1e-7


def test_wgs84_to_bd09_to_wgs84_round_trip_is_within_a_centimetre_over_china():
    lon, lat = datums.bd09_to_wgs84(*datums.wgs84_to_bd09(CHINA_LON, CHINA_LAT))
    assert np.max(np.abs(lon - CHINA_LON)) < 1e-7
    assert np.max(np.abs(lat - CHINA_LAT)) < 1e-7


def test_gcj02_inverse_is_iterative_not_the_one_step_approximation():
    g_lon, g_lat = datums.wgs84_to_gcj02(CHINA_LON, CHINA_LAT)
    one_step_lon = g_lon - (datums.wgs84_to_gcj02(g_lon, g_lat)[0] - g_lon)
    exact_lon, _ = datums.gcj02_to_wgs84(g_lon, g_lat)
    assert np.max(np.abs(one_step_lon - CHINA_LON)) > 1e-6  # the approximation is metres off somewhere
    assert np.max(np.abs(exact_lon - CHINA_LON)) < 1e-9


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_PAIRS)
def test_wgs84_to_gcj02_matches_eviltransform_published_pairs(wgs, gcj):
    lon, lat = datums.wgs84_to_gcj02(*wgs)
    assert (float(lon), float(lat)) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_PAIRS)
def test_gcj02_to_wgs84_inverts_eviltransform_published_pairs(wgs, gcj):
    lon, lat = datums.gcj02_to_wgs84(*gcj)
    assert (float(lon), float(lat)) == pytest.approx(wgs, abs=1e-8)


def test_tiananmen_matches_coordtransform_published_values():
    assert tuple(map(float, datums.wgs84_to_gcj02(116.404, 39.915))) == pytest.approx(
        COORDTRANSFORM_WGS_TO_GCJ, abs=1e-9
    )
    assert tuple(map(float, datums.gcj02_to_bd09(116.404, 39.915))) == pytest.approx(
        COORDTRANSFORM_GCJ_TO_BD, abs=1e-9
    )
    # Our BD-09 inverse refines the closed form, so it may differ from it by a few centimetres.
    lon, lat = datums.bd09_to_gcj02(116.404, 39.915)
    assert metres_between(lon, lat, *COORDTRANSFORM_BD_TO_GCJ) < 0.1


def _prcoords_lonlat(func, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    # prcoords works on (lat, lon) tuples, one point at a time.
    out = [func((la, lo)) for lo, la in zip(lon, lat)]
    return np.array([c.lon for c in out]), np.array([c.lat for c in out])


@pytest.mark.parametrize(
    ("ours", "theirs", "tolerance_m"),
    [
        (datums.wgs84_to_gcj02, prcoords.wgs_gcj, 0.01),
        (datums.gcj02_to_wgs84, prcoords.gcj_wgs_bored, 0.5),
        (datums.gcj02_to_bd09, prcoords.gcj_bd, 0.01),
        (datums.bd09_to_gcj02, prcoords.bd_gcj_bored, 0.5),
        (datums.wgs84_to_bd09, prcoords.wgs_bd, 0.01),
        (datums.bd09_to_wgs84, prcoords.bd_wgs_bored, 0.5),
    ],
    ids=["wgs_gcj", "gcj_wgs", "gcj_bd", "bd_gcj", "wgs_bd", "bd_wgs"],
)
def test_conversions_agree_with_prcoords_to_sub_metre(ours, theirs, tolerance_m):
    lon, lat = ours(CHINA_LON, CHINA_LAT)
    ref_lon, ref_lat = _prcoords_lonlat(theirs, CHINA_LON, CHINA_LAT)
    assert np.max(metres_between(lon, lat, ref_lon, ref_lat)) < tolerance_m


def test_a_point_in_haibowan_moves_a_few_hundred_metres_to_gcj02():
    lon, lat = datums.wgs84_to_gcj02(106.82, 39.67)
    shift = float(metres_between(lon, lat, 106.82, 39.67))
    assert 200.0 < shift < 700.0


@pytest.mark.parametrize("lonlat", [(2.35, 48.85), (-104.99, 39.74), (153.03, -27.47), (139.7, 35.7)])
def test_points_outside_china_are_unchanged_both_ways(lonlat):
    for func in (datums.wgs84_to_gcj02, datums.gcj02_to_wgs84, datums.to_wgs84):
        args = (*lonlat, "gcj02") if func is datums.to_wgs84 else lonlat
        lon, lat = func(*args)
        assert (float(lon), float(lat)) == lonlat


def test_nan_coordinates_stay_nan_without_disturbing_their_neighbours():
    lon, lat = datums.gcj02_to_wgs84([math.nan, 116.38404722455657], [39.9, 39.91334545536069])
    assert math.isnan(lon[0])
    assert (lon[1], lat[1]) == pytest.approx((116.377817, 39.911954), abs=1e-8)


def test_scalars_and_arrays_are_both_accepted():
    lon, lat = datums.wgs84_to_gcj02(106.82, 39.67)
    assert lon.shape == () and lat.shape == ()
    lons, _ = datums.wgs84_to_gcj02([106.82, 106.83], [39.67, 39.68])
    assert lons.shape == (2,) and float(lons[0]) == float(lon)


@pytest.mark.parametrize("datum", ["wgs84", "cgcs2000", "WGS84"])
def test_wgs84_and_cgcs2000_are_taken_as_they_are(datum):
    lon, lat = datums.to_wgs84(np.array([106.82]), np.array([39.67]), datum)
    assert (lon[0], lat[0]) == (106.82, 39.67)


@pytest.mark.parametrize(
    ("datum", "inverse"), [("gcj02", datums.wgs84_to_gcj02), ("bd09", datums.wgs84_to_bd09)]
)
def test_to_wgs84_undoes_the_datum_it_is_told(datum, inverse):
    lon, lat = datums.to_wgs84(*inverse(CHINA_LON, CHINA_LAT), datum)
    assert np.max(np.abs(lon - CHINA_LON)) < 1e-7 and np.max(np.abs(lat - CHINA_LAT)) < 1e-7


def test_an_unknown_datum_is_refused_with_the_value_and_the_accepted_ones():
    with pytest.raises(ValueError) as excinfo:
        datums.to_wgs84(106.82, 39.67, "mars")
    message = str(excinfo.value)
    assert "'mars'" in message
    for name in ("wgs84", "cgcs2000", "gcj02", "bd09"):
        assert name in message
