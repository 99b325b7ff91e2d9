"""A layer's width is bounded: a file with more properties than LAYERS_MAX_PROPERTIES is refused
before any row is loaded, and a layer made wider anyway (before the limit, by hand) still gets its
tiles, its clusters and a bounded catalog entry."""

import mapbox_vector_tile
import pytest
from django.test import Client

from layers.models import Layer
from tests.conftest import add_features, client_for, make_layer
from tests.import_files import import_now, point_feature, write_geojson
from tiles.generalize import build_clusters

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_dir")]

WIDTH = 2_000  # more than PostgreSQL's 1,664 entries of a target list


def test_a_file_wider_than_the_limit_is_refused_before_any_row_is_loaded(tmp_path, settings):
    settings.LAYERS_MAX_PROPERTIES = 30
    features = [point_feature(f"f{i}", 106.4, 10.5, **{f"p{k}": k for k in range(40)}) for i in range(3)]
    job = import_now(write_geojson(tmp_path, features), layer="too-wide")
    assert job.status == "failed"
    error = job.report["errors"][-1]
    assert error["code"] == "too_many_properties"
    assert "41" in error["en"] and "30" in error["en"] and "41" in error["vi"] and "30" in error["vi"]
    assert job.report["counts"]["read"] == 0
    assert not Layer.objects.filter(slug="too-wide").exists()


def test_an_append_that_would_take_a_layer_past_the_limit_is_refused(tmp_path, settings):
    settings.LAYERS_MAX_PROPERTIES = 30
    first = [point_feature("a", 106.4, 10.5, **{f"p{k}": k for k in range(20)})]
    assert import_now(write_geojson(tmp_path, first, "first.geojson"), layer="growing").status == "succeeded"
    more = [point_feature("b", 106.4, 10.5, **{f"q{k}": k for k in range(20)})]
    job = import_now(write_geojson(tmp_path, more, "more.geojson"), layer="growing", mode="append")
    assert job.report["errors"][-1]["code"] == "too_many_properties"
    assert Layer.objects.get(slug="growing").feature_count == 1


def test_a_file_at_the_limit_is_imported(tmp_path, settings):
    settings.LAYERS_MAX_PROPERTIES = 30
    features = [point_feature("a", 106.4, 10.5, **{f"p{k}": k for k in range(29)})]
    assert import_now(write_geojson(tmp_path, features), layer="just-wide").status == "succeeded"


@pytest.fixture
def wide(db) -> Layer:
    schema = [{"name": f"p{k}", "type": "integer" if k % 2 else "string", "label_vi": f"p{k}", "label_en": f"p{k}"}
              for k in range(WIDTH)]
    layer = make_layer("wide", property_schema=schema)
    props = {f"p{k}": k if k % 2 else f"v{k}" for k in range(WIDTH)}
    return add_features(layer, [(f"w{i}", f"POINT({106.40 + i * 0.001} 10.53)", props) for i in range(3)])


def test_a_layer_wider_than_a_target_list_gets_tiles_with_its_first_properties(wide, settings):
    response = Client().get("/tiles/wide/12/3258/1927.pbf")
    assert response.status_code == 200, response.content
    features = mapbox_vector_tile.decode(response.content)["wide"]["features"]
    assert len(features) == 3
    props = features[0]["properties"]
    assert len(props) == settings.TILES_MAX_ATTRIBUTES
    assert props["p0"] == "v0" and props["p1"] == 1 and f"p{settings.TILES_MAX_ATTRIBUTES}" not in props


def test_a_wide_layer_too_dense_for_raw_tiles_is_clustered_with_bounded_sums(wide, settings):
    settings.TILES_MAX_FEATURES = 2
    response = Client().get("/tiles/wide/12/3258/1927.pbf")
    assert response.status_code == 200, response.content
    clusters = mapbox_vector_tile.decode(response.content)["wide"]["features"]
    assert sum(c["properties"]["cluster_count"] for c in clusters) == 3
    sums = [k for k in clusters[0]["properties"] if k.startswith("sum_")]
    assert 0 < len(sums) <= 50 and clusters[0]["properties"].get("sum_p1", 0) >= 1


def test_a_wide_layer_s_clusters_can_be_precomputed(wide, settings):
    settings.TILES_MAX_FEATURES = 2
    assert build_clusters(Layer.objects.get(slug="wide")) > 0
    response = Client().get("/tiles/wide/8/203/120.pbf")
    assert response.status_code == 200, response.content


def test_the_catalog_entry_of_a_wide_layer_stays_bounded(wide, official, settings):
    settings.LAYERS_MAX_PROPERTIES = 100
    response = client_for(official).get("/api/layers/wide/")
    assert response.status_code == 200
    assert len(response.json()["properties"]) == 100
    listed = client_for(official).get("/api/layers/")
    assert len(listed.content) < 100 * 200 + 50_000


def test_a_schema_wider_than_the_limit_is_refused_by_its_validation(settings):
    from django.core.exceptions import ValidationError

    from layers.schema import validate_property_schema

    settings.LAYERS_MAX_PROPERTIES = 3
    schema = [{"name": f"p{k}", "type": "json", "label_vi": f"p{k}", "label_en": f"p{k}"} for k in range(4)]
    validate_property_schema(schema[:3])
    with pytest.raises(ValidationError, match="4 properties"):
        validate_property_schema(schema)
