"""CRS of uploaded layers: .prj (ESRI WKT), zone prefixes on eastings, candidates when there is no .prj."""

import pytest
from pyproj import CRS, Transformer

from loaders.layer_crs import candidates, gk_epsg, resolve_crs, zone_of_easting

DISTRICT = (106.75, 39.6, 106.9, 39.75)
ESRI_GK_CM_108 = ('PROJCS["Xian_1980_3_Degree_GK_CM_108E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",'
                  'SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
                  'PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
                  'PARAMETER["Central_Meridian",108.0],PARAMETER["Scale_Factor",1.0],'
                  'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')


def bounds_in(epsg: int, lon=106.8, lat=39.67):
    x, y = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True).transform(lon, lat)
    return (x - 500, y - 500, x + 500, y + 500)


@pytest.mark.parametrize("datum, width, cm, prefixed, epsg", [
    ("CGCS2000", 3, 108, False, 4545), ("CGCS2000", 3, 108, True, 4524), ("Xian 1980", 3, 108, True, 2360),
    ("Beijing 1954", 3, 108, False, 2433), ("CGCS2000", 6, 105, True, 4496), ("Beijing 1954", 6, 105, False, 21458)])
def test_gauss_kruger_families_map_to_their_epsg_codes(datum, width, cm, prefixed, epsg):
    assert gk_epsg(datum, width, cm, prefixed) == epsg
    assert str(cm) in CRS.from_epsg(epsg).to_wkt() or prefixed


def test_the_zone_is_read_from_an_easting_prefix():
    assert zone_of_easting(36_412_345.6) == (3, 36, 108.0)
    assert zone_of_easting(18_612_345.6) == (6, 18, 105.0)
    assert zone_of_easting(412_345.6) is None


def test_an_esri_prj_for_xian_1980_is_recognised():
    outcome = resolve_crs(CRS.from_wkt(ESRI_GK_CM_108), bounds_in(2381), district=DISTRICT)
    assert outcome.detection.value == "EPSG:2381"
    assert outcome.question is None


def test_eastings_with_a_zone_prefix_override_a_prj_without_one():
    outcome = resolve_crs(CRS.from_epsg(4545), bounds_in(4524), district=DISTRICT)
    assert outcome.crs.to_epsg() == 4524
    assert outcome.warnings[0][0] == "crs_zone_prefix"
    assert outcome.detection.evidence.startswith("the .prj declares CGCS2000 / 3-degree Gauss-Kruger CM 108E without "
                                                 "a zone prefix, but eastings are 36,")


def test_eastings_without_a_prefix_override_a_prj_with_one():
    outcome = resolve_crs(CRS.from_epsg(4524), bounds_in(4545), district=DISTRICT)
    assert outcome.crs.to_epsg() == 4545


def test_no_prj_asks_with_candidates_that_put_the_layer_in_the_district():
    outcome = resolve_crs(None, bounds_in(4545), district=DISTRICT)
    assert outcome.crs is None
    assert [c for c, _ in outcome.question.choices] == ["EPSG:4545", "EPSG:2381", "EPSG:2433"]
    assert outcome.question.text == ("The layer has no .prj (no CRS is declared). Choose the CRS the coordinates "
                                     "are in.")


def test_no_prj_with_prefixed_eastings_proposes_that_zone_in_every_datum():
    assert candidates(bounds_in(4524), DISTRICT) == ["EPSG:4524", "EPSG:2360", "EPSG:2412"]


def test_no_prj_with_lon_lat_proposes_geographic_crs():
    assert candidates((106.79, 39.66, 106.81, 39.68), DISTRICT)[:2] == ["EPSG:4490", "EPSG:4326"]


def test_lon_lat_declared_as_gauss_kruger_is_caught_as_outside_china():
    outcome = resolve_crs(CRS.from_epsg(4545), (106.79, 39.66, 106.81, 39.68), district=DISTRICT)
    assert outcome.crs is None
    kind, message = outcome.warnings[0][0], outcome.warnings[0][1].text
    assert kind == "crs_mismatch"
    assert message.startswith("The coordinates (106.79, 39.66) … (106.81, 39.68) do not fit EPSG:4545: under it "
                              "the layer lies at ")
    assert message.endswith(", outside China.")
    assert outcome.question.default == "EPSG:4490"


def test_lon_lat_without_prj_is_read_as_lon_lat_with_the_datum_left_open():
    outcome = resolve_crs(None, (106.79, 39.66, 106.81, 39.68), district=DISTRICT)
    assert (outcome.detection.value, outcome.question, outcome.geographic_undeclared) == ("EPSG:4326", None, True)


def test_an_unknown_crs_option_is_a_plain_error():
    with pytest.raises(ValueError, match=r"^--crs 'EPSG:99999' is not a CRS pyproj knows"):
        resolve_crs(None, (0, 0, 1, 1), override="EPSG:99999")
