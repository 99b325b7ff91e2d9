"""Coordinates typed by people: WGS 84 degrees in either order, VN-2000 / TM-3 105°45′ metres in
either order, and things that only look like coordinates."""

import pytest

from layers.coordinates import parse_coordinate, vn2000_to_wgs84, wgs84_to_vn2000

# LONGAN.md §4, Tân An. The E/N figures there are what PROJ gives by default (EPSG:5194, Mekong-delta
# blocks); EPSG:6960, the decree's 7 parameters, gives E 571 240.6: 0.8 m apart, within its 1 m accuracy.
TAN_AN = (106.4027, 10.5327)
TAN_AN_VN2000 = (571239.8, 1164846.5)


def test_the_control_point_at_tan_an_is_within_a_metre_of_the_published_figures():
    easting, northing = wgs84_to_vn2000(*TAN_AN)
    assert abs(easting - TAN_AN_VN2000[0]) < 1.0 and abs(northing - TAN_AN_VN2000[1]) < 1.0


def test_vn2000_and_wgs84_round_trip_to_a_millimetre():
    lon, lat = vn2000_to_wgs84(*wgs84_to_vn2000(*TAN_AN))
    assert lon == pytest.approx(TAN_AN[0], abs=1e-8) and lat == pytest.approx(TAN_AN[1], abs=1e-8)


def test_leaving_out_the_datum_shift_would_be_225_metres_off():
    # Plain TM without the shift gives E 571 436.3 / N 1 164 734.5 (LONGAN.md): ours is not that.
    easting, _northing = wgs84_to_vn2000(*TAN_AN)
    assert abs(easting - 571436.3) > 150


@pytest.mark.parametrize("text", ["10.5327, 106.4027", "106.4027 10.5327", "10.5327N 106.4027E", "10.5327; 106.4027"])
def test_degrees_are_read_in_either_order(text):
    point = parse_coordinate(text)
    assert point.crs == "EPSG:4326"
    assert (point.lon, point.lat) == pytest.approx(TAN_AN)
    assert point.easting == pytest.approx(571240.6, abs=0.1)


@pytest.mark.parametrize("text", ["571240.6 1164846.5", "1164846.5 571240.6", "X=1164846.5 Y=571240.6", "571240.6, 1164846.5"])
def test_vn2000_metres_are_read_in_either_order(text):
    point = parse_coordinate(text)
    assert point.crs == "EPSG:9210"
    assert (point.lon, point.lat) == pytest.approx(TAN_AN, abs=1e-6)


@pytest.mark.parametrize("text", ["tan an", "10,53", "1 2 3", "Phường 5", "999999 999999999", "200.5 300.5", ""])
def test_text_that_is_not_a_coordinate_is_left_to_the_name_search(text):
    assert parse_coordinate(text) is None


def test_a_point_far_from_vietnam_has_no_vn2000_equivalent():
    point = parse_coordinate("48.8566, 2.3522")
    assert (point.lon, point.lat) == (2.3522, 48.8566)
    assert point.easting is None and point.northing is None
