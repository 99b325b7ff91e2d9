"""Live observations pushed by a station's logger and by an app, as the environment department's
sensors would: a token that may write the readings layer, station readings or GeoJSON, retries,
a bad batch, another department's token, and a stream whose version bumps are coalesced."""

import time
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from fixtures import longan
from layers.models import Access, Feature, Layer, TimeKind
from layers.tokens import create_token
from tests.conftest import add_features, client_for, make_layer, token_client, wait_for, worker_idle
from tests.departments import make_department

READINGS_SCHEMA = [
    {"name": "station_code", "type": "string", "label_vi": "Mã trạm", "label_en": "Station code"},
    {"name": "station_name", "type": "string", "label_vi": "Trạm", "label_en": "Station"},
    {"name": "salinity_gl", "type": "number", "unit": "g/l", "label_vi": "Độ mặn", "label_en": "Salinity"},
    {"name": "above_rice_limit", "type": "boolean", "label_vi": "Vượt 4 g/l", "label_en": "Above 4 g/l"},
]
AT = datetime(2026, 3, 1, 7, 0, tzinfo=dt_timezone.utc)


def salinity_layer(slug: str = "salinity-live") -> Layer:
    layer = make_layer(slug, access=Access.INTERNAL, time_kind=TimeKind.INSTANT, domain="water",
                       property_schema=READINGS_SCHEMA)
    return add_features(layer, [
        ("MN-BX-old", "POINT(106.45 10.62)", {"station_code": "MN-BX", "station_name": "Cống Bà Xiểng",
                                              "salinity_gl": 1.2, "above_rice_limit": False}, AT),
    ])


@pytest.fixture
def readings(steward) -> Layer:
    layer = salinity_layer()
    layer.owner = steward.stewarded_departments.get()
    layer.save()
    # Last published an hour ago, not a moment ago: a first push then publishes at once ("now") however
    # fast the machine, rather than within the coalescing interval of the layer's creation ("soon").
    Layer.objects.filter(pk=layer.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    layer.refresh_from_db()
    return layer


def feature(source_id: str, value: float, at: datetime = AT) -> dict:
    return {"type": "Feature", "id": source_id, "time": at.isoformat(),
            "geometry": {"type": "Point", "coordinates": [106.40, 10.55]},
            "properties": {"station_code": "APP-1", "salinity_gl": value}}


def post(client, layer: Layer, body):
    return client.post(f"/api/layers/{layer.slug}/observations/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")


def test_a_logger_pushes_a_feature_collection_and_the_layer_shows_it_with_a_new_version(steward, readings):
    before = readings.version
    response = post(token_client(steward), readings, {"type": "FeatureCollection",
                                                      "features": [feature("a-1", 3.1), feature("a-2", 4.4)]})
    assert response.status_code == 200, response.content
    assert response.json() == {"received": 2, "inserted": 2, "updated": 0, "unchanged": 0, "published": "now"}
    readings.refresh_from_db()
    assert readings.version == before + 1 and readings.feature_count == 3
    stored = Feature.objects.get(layer=readings, source_id="a-2")
    assert stored.properties == {"station_code": "APP-1", "salinity_gl": 4.4}
    assert stored.time_start == stored.time_end == AT
    listed = client_for(steward).get(f"/api/layers/{readings.slug}/features/?station_code=APP-1").json()
    assert sorted(f["properties"]["salinity_gl"] for f in listed["features"]) == [3.1, 4.4]


def test_a_retry_with_the_same_ids_neither_duplicates_nor_bumps_the_version(steward, readings):
    client = token_client(steward)
    body = {"type": "FeatureCollection", "features": [feature("r-1", 2.0), feature("r-2", 2.5)]}
    assert post(client, readings, body).status_code == 200
    readings.refresh_from_db()
    version = readings.version
    again = post(client, readings, body).json()
    assert again == {"received": 2, "inserted": 0, "updated": 0, "unchanged": 2, "published": "nothing"}
    readings.refresh_from_db()
    assert readings.version == version and Feature.objects.filter(layer=readings).count() == 3
    corrected = post(client, readings, feature("r-2", 2.7)).json()
    assert (corrected["inserted"], corrected["updated"]) == (0, 1)
    assert Feature.objects.get(layer=readings, source_id="r-2").properties["salinity_gl"] == 2.7


def test_a_station_reading_takes_the_station_s_place_and_name_from_the_layer(steward, readings):
    response = post(token_client(steward), readings,
                    {"station": "MN-BX", "time": "2026-03-02T07:00:00+07:00", "values": {"salinity_gl": 4.6,
                                                                                         "above_rice_limit": True}})
    assert response.status_code == 200, response.content
    stored = Feature.objects.get(layer=readings, source_id="MN-BX-2026-03-02T07:00:00+07:00")
    assert stored.properties == {"station_code": "MN-BX", "station_name": "Cống Bà Xiểng",
                                 "salinity_gl": 4.6, "above_rice_limit": True}
    assert stored.geom.coords == (106.45, 10.62)
    unknown = post(token_client(steward), readings, {"readings": [
        {"station": "MN-BX", "time": "2026-03-03T07:00:00Z", "values": {"salinity_gl": 1.0}},
        {"station": "MN-ZZ", "time": "2026-03-03T07:00:00Z", "values": {"salinity_gl": 1.0}},
    ]})
    assert unknown.status_code == 400
    assert unknown.json()["fields"] == {"1.station": ["This layer has no station with this code."]}


def test_a_batch_with_one_bad_row_is_refused_whole_and_names_each_bad_row(steward, readings):
    body = {"type": "FeatureCollection", "features": [
        feature("b-1", 3.0),
        {**feature("b-2", 3.0), "properties": {"salinity_gl": "high"}},
        {**feature("b-3", 3.0), "time": "yesterday"},
        feature("b-4", 3.0),
    ]}
    response = post(token_client(steward), readings, body)
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "validation_error"
    assert error["detail"] == "2 of 4 observations are not valid; nothing was written."
    assert set(error["fields"]) == {"1.properties.salinity_gl", "2.time"}
    assert not Feature.objects.filter(layer=readings, source_id__startswith="b-").exists()


def test_the_refusal_speaks_vietnamese_to_a_vietnamese_logger(steward, readings):
    response = token_client(steward).post(f"/api/layers/{readings.slug}/observations/",
                                          {**feature("v-1", 1.0), "properties": {"colour": "x"}}, format="json",
                                          HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400
    assert response.json()["fields"]["0.properties.colour"] == ["Lớp này không có thuộc tính này."]


def test_another_department_s_token_may_not_write_and_a_hidden_layer_answers_like_an_unknown_one(
        steward, readings, health_group):
    other = User.objects.create_user("traffic-steward", is_staff=True)
    make_department("traffic", stewards=(other,))
    assert post(token_client(other), readings, feature("x-1", 1.0)).status_code == 403
    outsider = User.objects.create_user("outside-logger")
    hidden = post(token_client(outsider), readings, feature("x-1", 1.0))
    unknown = post(token_client(outsider), Layer(slug="no-such-layer"), feature("x-1", 1.0))
    assert (hidden.status_code, hidden.json()) == (unknown.status_code, unknown.json()) == (404, unknown.json())
    assert client_for(None).post(f"/api/layers/{readings.slug}/observations/", feature("x-1", 1.0),
                                 format="json").status_code == 401
    assert not Feature.objects.filter(layer=readings, source_id="x-1").exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_stream_bumps_the_version_about_once_a_second_and_its_last_reading_is_published(celery_worker):
    logger = User.objects.create_user("salinity-logger", is_staff=True)
    make_department("water", stewards=(logger,))
    layer = salinity_layer("salinity-stream")
    layer.owner = logger.stewarded_departments.get()
    layer.save()
    client, first = token_client(logger), layer.version
    started = time.monotonic()
    answers = [post(client, layer, feature(f"s-{i}", 1.0 + i / 100)).json()["published"] for i in range(40)]
    elapsed = time.monotonic() - started
    # The layer was published when it was made, a moment ago: the stream's bumps are deferred ones.
    assert "soon" in answers
    # Everything pushed is published within 5 s of the last reading, by the deferred bump.
    wait_for(lambda: Layer.objects.get(pk=layer.pk).feature_count == 41, 5, "the stream's last reading published")
    wait_for(worker_idle, 10, "the deferred bumps done")
    bumps = Layer.objects.get(pk=layer.pk).version - first
    assert 1 <= bumps <= elapsed + 2, (bumps, elapsed)


def test_the_simulator_pushes_the_demo_stations_readings_through_the_api(live_server, steward):
    environment = steward.stewarded_departments.get()
    stations = {
        "air-readings": ([s[0] for s in longan.AIR_STATIONS],
                         [("pm25", "number"), ("pm10", "number"), ("aqi", "integer"), ("aqi_level", "string")]),
        "salinity-readings": ([s[0] for s in longan.SALINITY_STATIONS],
                              [("salinity_gl", "number"), ("above_rice_limit", "boolean")]),
    }
    for slug, (codes, values) in stations.items():
        schema = READINGS_SCHEMA[:2] + [{"name": n, "type": t, "label_vi": n, "label_en": n} for n, t in values]
        layer = make_layer(slug, access=Access.INTERNAL, time_kind=TimeKind.INSTANT, property_schema=schema,
                           owner=environment)
        add_features(layer, [(f"{code}-old", "POINT(106.44 10.85)", {"station_code": code}, AT) for code in codes])
    call_command("simulate_stations", url=live_server.url, token=create_token(steward), rounds=2, every=0, seed=1)
    air = Feature.objects.filter(layer__slug="air-readings", properties__station_code="KK-DH").exclude(
        source_id="KK-DH-old")
    salinity = Feature.objects.filter(layer__slug="salinity-readings", properties__station_code="MN-BX").exclude(
        source_id="MN-BX-old")
    # Two rounds a second apart at most: one or two readings per station (same second: one, updated).
    assert 1 <= air.count() <= 2 and 1 <= salinity.count() <= 2
    reading = air.first().properties
    assert reading["pm25"] > 0 and reading["aqi_level"] in {"tot", "trung_binh", "kem", "xau", "rat_xau", "nguy_hai"}
    assert isinstance(salinity.first().properties["above_rice_limit"], bool)
