"""Stewards edit layers and features in the Django admin, with a map that needs no internet."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


def test_the_feature_edit_page_has_a_map_with_only_local_assets(admin_client_, schools):
    feature = schools.features.first()
    page = admin_client_.get(f"/admin/layers/feature/{feature.pk}/change/").content.decode()
    assert "ol.layer.Vector" in page
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    outside = [s for s in sources if s.startswith(("http://", "https://", "//"))]
    assert sources and not outside, outside
    assert "/static/vendor/ol/dist/ol.js" in sources
    assert "openstreetmap" not in page and "earthdata" not in page


def test_saving_a_feature_in_the_admin_bumps_the_layer_version(admin_client_, schools):
    feature = schools.features.first()
    before = schools.version
    response = admin_client_.post(f"/admin/layers/feature/{feature.pk}/change/", {
        "layer": schools.pk, "source_id": feature.source_id,
        "geom": '{"type": "Point", "coordinates": [11844000, 1180000]}',
        "properties": '{"name": "Trường đã sửa"}', "time_start": "", "time_end": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    schools.refresh_from_db()
    assert schools.version == before + 1


def test_a_restricted_layer_without_groups_is_refused_in_the_admin(schools):
    import json

    from layers.admin import LayerForm

    data = {
        "slug": "schools", "title_vi": "Trường học", "title_en": "Schools", "domain": "education",
        "kind": "vector", "geometry_type": "Point", "property_schema": json.dumps(schools.property_schema),
        "style": json.dumps(schools.style), "access": "restricted", "time_kind": "none", "license": "CC BY 4.0",
    }
    form = LayerForm(data=data, instance=schools)
    assert not form.is_valid()
    assert "group" in str(form.errors)
    form = LayerForm(data=data | {"style": '{"type": "blob"}', "access": "public"}, instance=schools)
    assert not form.is_valid() and "style" in form.errors


def test_a_title_another_layer_of_the_department_holds_is_refused_in_the_admin(schools):
    import json

    from layers.admin import LayerForm
    from tests.conftest import make_layer
    from tests.departments import make_department

    department = make_department("education")
    schools.owner = department
    schools.save(update_fields=["owner"])
    make_layer("kindergartens", title_vi="Trường mầm non", title_en="Kindergartens", owner=department)
    make_layer("other-kindergartens", title_vi="Trường mầm non", title_en="Kindergartens")  # another department's
    data = {
        "slug": "schools", "title_vi": "Trường học", "title_en": "kindergartens", "domain": "education",
        "kind": "vector", "geometry_type": "Point", "property_schema": json.dumps(schools.property_schema),
        "style": json.dumps(schools.style), "access": "public", "time_kind": "none", "license": "CC BY 4.0",
        "owner": department.pk,
    }
    form = LayerForm(data=data, instance=schools)
    assert not form.is_valid() and "“kindergartens”" in str(form.errors["title_vi"])
    form = LayerForm(data=data | {"title_en": "Schools"}, instance=schools)
    form.is_valid()
    assert "title_vi" not in form.errors and "__all__" not in form.errors  # its own title is no duplicate
