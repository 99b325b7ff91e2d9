"""A report is placed in the commune valid on the day it was received: the 2022 units before
1 July 2025, the 2025 units from then on (when they are loaded), the last unit otherwise."""

from datetime import date

import pytest
from django.contrib.gis.geos import Point

from feedback.places import commune_at
from tests.conftest import add_features
from tests.feedback_world import IN_BINH_TAM, IN_PHUONG_1

pytestmark = pytest.mark.django_db
MERGED = "POLYGON((106.40 10.53, 106.44 10.53, 106.44 10.55, 106.40 10.55, 106.40 10.53))"


def test_before_the_merger_a_point_is_in_its_2022_commune(feedback_world):
    place = commune_at(Point(*IN_BINH_TAM, srid=4326), on=date(2024, 5, 1))
    assert (place.commune_code, place.commune_name, place.units) == ("27700", "Xã Bình Tâm", "2022")


def test_without_the_2025_units_a_later_report_stays_in_the_last_unit_that_held_it(feedback_world):
    place = commune_at(Point(*IN_PHUONG_1, srid=4326), on=date(2026, 3, 1))
    assert (place.commune_code, place.units) == ("27685", "2022")


def test_from_the_first_of_july_2025_the_new_unit_places_it(feedback_world):
    add_features(feedback_world.communes, [
        ("2025-tan-an", MERGED, {"code": "80001", "name": "Phường Long An", "district_code": "",
                                 "valid_from": "2025-07-01", "valid_to": "9999-12-31"})])
    assert commune_at(Point(*IN_PHUONG_1, srid=4326), on=date(2025, 6, 30)).commune_code == "27685"
    after = commune_at(Point(*IN_PHUONG_1, srid=4326), on=date(2025, 7, 1))
    assert (after.commune_code, after.commune_name, after.units) == ("80001", "Phường Long An", "2025")
    assert commune_at(Point(106.0, 9.0, srid=4326), on=date(2025, 7, 1)) is None
