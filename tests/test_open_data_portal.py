"""The open-data portal at /data/: every public layer as a dataset page (Vietnamese first), search and
filters by domain and department, downloads in every format and CRS, a DCAT-AP catalog a harvester
parses (rdflib here), CKAN's package_list/package_show; a non-public layer never appears, whoever asks."""

import json

import pytest
import rdflib
from django.test import Client
from rdflib.namespace import DCAT, DCTERMS, RDF

from layers.models import Access, Layer
from tests.conftest import add_features, make_layer
from tests.departments import make_department

pytestmark = pytest.mark.django_db

HIDDEN_NAMES = ["incidents", "dengue", "Lớp incidents", "Lớp dengue", "va chạm"]


@pytest.fixture
def portal_world(world):
    """schools (public, education), a public water layer owned by the environment department, and
    incidents (internal) and dengue (restricted) that the portal must never name."""
    environment = make_department("stnmt", name="Sở Tài nguyên và Môi trường")
    rivers = make_layer("song-ngoi", title_vi="Sông ngòi Cần Giuộc", title_en="Rivers of Can Giuoc", domain="water",
                        geometry_type="LineString", property_schema=[
                            {"name": "name", "type": "string", "label_vi": "Tên sông", "label_en": "River name",
                             "description": "Tên theo bản đồ địa hình"}],
                        update_frequency="annual", owner=environment)
    add_features(rivers, [("r1", "LINESTRING(106.6 10.5, 106.7 10.6)", {"name": "Sông Cần Giuộc"})])
    return world | {"rivers": rivers}


def everyone(official, health_officer, superuser) -> dict[str, Client]:
    clients = {"anonymous": Client()}
    for name, user in (("official", official), ("health", health_officer), ("superuser", superuser)):
        clients[name] = Client()
        clients[name].force_login(user)
    return clients


def text_of(response) -> str:
    return response.content.decode()


def test_the_portal_lists_public_layers_only_whoever_browses_it(portal_world, official, health_officer, superuser):
    for name, client in everyone(official, health_officer, superuser).items():
        page = client.get("/data/")
        assert page.status_code == 200, name
        assert "Sông ngòi Cần Giuộc" in text_of(page) and "Lớp schools" in text_of(page), name
        for url in ["/data/", "/data/catalog.jsonld", "/data/api/3/action/package_list"]:
            body = text_of(client.get(url))
            assert not [n for n in HIDDEN_NAMES if n in body], (name, url)
        for slug in ("incidents", "dengue"):
            assert client.get(f"/data/{slug}/").status_code == 404, (name, slug)
            hidden = client.get("/data/api/3/action/package_show", {"id": slug})
            unknown = client.get("/data/api/3/action/package_show", {"id": "no-such-dataset"})
            assert hidden.status_code == unknown.status_code == 404 and hidden.json() == unknown.json()


def test_search_ignores_diacritics_and_filters_by_domain_and_department(portal_world):
    def found(**params) -> bool:
        return "Sông ngòi Cần Giuộc" in text_of(Client().get("/data/", params))

    assert found(q="can giuoc") and found(q="SÔNG") and not found(q="trường")
    assert found(domain="water") and not found(domain="education")
    assert found(department="stnmt") and not found(department="nowhere")
    assert "Lớp schools" in text_of(Client().get("/data/", {"domain": "education"}))


def test_a_dataset_page_says_everything_a_user_needs_in_vietnamese_first(portal_world):
    page = text_of(Client().get("/data/song-ngoi/"))
    assert '<html lang="vi">' in page
    for text in ["Sông ngòi Cần Giuộc", "Sở Tài nguyên và Môi trường", "CC BY 4.0", "Hằng năm / Annual",
                 "Tên sông", "Tên theo bản đồ địa hình", "Sông Cần Giuộc", "r1",
                 "/ogc/collections/song-ngoi", "/tiles/song-ngoi.json", 'id="extent-map"']:
        assert text in page, text
    english = Client().get("/data/song-ngoi/", HTTP_ACCEPT_LANGUAGE="en")
    assert "River name" in text_of(english) and '<html lang="en">' in text_of(english)


def test_every_download_of_a_dataset_page_works_in_every_format_and_crs(portal_world, settings, tmp_path):
    settings.LAYERS_EXPORT_DIR = tmp_path
    page = text_of(Client().get("/data/song-ngoi/"))
    links = sorted({part.split('"')[0] for part in page.split('href="')[1:] if "/export." in part})
    formats = {link.split("export.")[1].split("?")[0] for link in links}
    assert formats == {"geojson", "csv", "gpkg", "shp.zip", "kml"}
    assert any("crs=EPSG:9210" in link for link in links) and any("crs=EPSG:3405" in link for link in links)
    assert not any("kml?crs" in link for link in links)
    for link in links:
        response = Client().get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link


def test_the_dcat_catalog_parses_as_dcat_ap_with_a_distribution_per_download(portal_world):
    response = Client().get("/data/catalog.jsonld")
    assert response["Content-Type"] == "application/ld+json" and response["Access-Control-Allow-Origin"] == "*"
    graph = rdflib.Graph().parse(data=response.content, format="json-ld")
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    public = set(Layer.objects.filter(access=Access.PUBLIC).values_list("slug", flat=True))
    assert {str(graph.value(d, DCTERMS.identifier)) for d in datasets} == public
    rivers = next(d for d in datasets if str(d).endswith("/data/song-ngoi/"))
    titles = {(str(t), t.language) for t in graph.objects(rivers, DCTERMS.title)}
    assert ("Sông ngòi Cần Giuộc", "vi") in titles and ("Rivers of Can Giuoc", "en") in titles
    assert str(graph.value(rivers, DCTERMS.accrualPeriodicity)).endswith("/frequency/ANNUAL")
    distributions = list(graph.objects(rivers, DCAT.distribution))
    assert len(distributions) == 13  # 4 formats × 3 CRSs + KML
    urls = {str(graph.value(d, DCAT.downloadURL)) for d in distributions}
    assert "http://testserver/api/layers/song-ngoi/export.gpkg?crs=EPSG:9210" in urls
    media = {str(graph.value(d, DCAT.mediaType)) for d in distributions}
    assert "http://www.iana.org/assignments/media-types/application/geopackage+sqlite3" in media
    assert len(set(graph.subjects(RDF.type, DCAT.Catalog))) == 1


def test_ckan_package_list_and_show_answer_as_a_harvester_expects(portal_world):
    listed = Client().get("/data/api/3/action/package_list").json()
    assert listed["success"] is True and listed["result"] == ["schools", "song-ngoi"]
    shown = Client().get("/data/api/3/action/package_show", {"id": "song-ngoi"}).json()["result"]
    assert shown["name"] == "song-ngoi" and shown["organization"]["name"] == "stnmt"
    assert {r["format"] for r in shown["resources"]} == {"GeoJSON", "CSV", "GeoPackage", "Shapefile", "KML"}
    spatial = next(e["value"] for e in shown["extras"] if e["key"] == "spatial")
    assert json.loads(spatial)["type"] == "Polygon"


def test_package_show_without_an_id_is_400_in_the_error_shape(portal_world):
    response = Client().get("/data/api/3/action/package_show")
    assert response.status_code == 400 and "id" in response.json()["fields"]


def test_the_catalogs_answer_304_to_a_weak_validator(portal_world):
    for url in ["/data/catalog.jsonld", "/data/api/3/action/package_list",
                "/data/api/3/action/package_show?id=schools"]:
        etag = Client().get(url)["ETag"]
        assert Client().get(url, HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304, url


def test_a_raster_dataset_offers_its_cog_and_point_query(portal_world):
    make_layer("ndvi-portal", kind="raster", geometry_type="", raster_path="rasters/none.tif", domain="agriculture")
    page = text_of(Client().get("/data/ndvi-portal/"))
    assert "/api/layers/ndvi-portal/raster.tif" in page and "/api/layers/ndvi-portal/value" in page
