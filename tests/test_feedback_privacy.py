"""A reporter's name, phone and e-mail never leave the handling side: hunted through every channel
that shows the feedback layer — GeoJSON, tiles, exports, search, the wall, Open311 — by its most
privileged caller, while category, status, location, description and the public response are there."""


import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from feedback import workflow
from feedback.models import Action
from layers.models import Access, Layer
from tests.feedback_world import IN_PHUONG_1
from wall.models import Scene

pytestmark = pytest.mark.django_db
NAME, PHONE, EMAIL = "Trần Thị Riêng-Tư-PII", "0912-PII-345", "rieng.tu.pii@example.vn"
CONTACT = [NAME, PHONE, EMAIL, "PII"]
DESCRIPTION = "Đèn đường hỏng cả dãy phố chợ"
TILE_Z14 = "14/13034/7709"  # holds 106.41, 10.54


@pytest.fixture
def reported(feedback_world):
    intake = workflow.Intake(category=feedback_world.categories["do_thi"], description=DESCRIPTION,
                             location=Point(*IN_PHUONG_1, srid=4326), reporter_name=NAME, reporter_phone=PHONE,
                             reporter_email=EMAIL, address="Chợ Phường 1")
    report = workflow.submit(intake, account=feedback_world.citizen_app)
    workflow.act(report, action=Action.ACKNOWLEDGE, actor=feedback_world.officer,
                 public_response="Đã tiếp nhận, sẽ thay đèn trong tuần.")
    return report


def leaks(body: bytes) -> list[str]:
    text = body.decode("utf-8", errors="replace")
    return [secret for secret in CONTACT if secret in text or secret.encode("unicode_escape").decode() in text]


def channels(report, slug: str) -> dict[str, str]:
    return {
        "geojson": f"/api/layers/{slug}/features/",
        "feature": f"/api/layers/{slug}/features/?properties=description,status,public_response",
        "tile": f"/tiles/{slug}/{TILE_Z14}.pbf",
        "csv": f"/api/layers/{slug}/export.csv",
        "geojson-export": f"/api/layers/{slug}/export.geojson",
        "kml": f"/api/layers/{slug}/export.kml",
        "search-name": f"/api/search/?q={NAME.split()[0]}",
        "search-phone": "/api/search/?q=0912",
        "search-description": "/api/search/?q=Đèn đường",
        "open311-list": "/open311/v2/requests.json",
        "open311-xml": "/open311/v2/requests.xml",
        "open311-one": f"/open311/v2/requests/{report.service_request_id}.json",
        "wall": "/api/wall/scenes/privacy-feedback/data",
    }


def test_no_channel_shows_contact_details_even_to_a_superuser(reported, feedback_world, superuser):
    Scene.objects.create(slug="privacy-feedback", title_vi="Phản ánh", title_en="Reports", as_of=None, layout={
        "grid": {"rows": 1, "cols": 2}, "panels": [
            {"id": "latest", "kind": "ticker", "row": 0, "col": 0, "rows": 1, "cols": 1, "title_vi": "Mới",
             "title_en": "Latest", "query": {"layer": "feedback-1022", "limit": 5,
                                              "text": ["description", "public_response", "commune_name"]}},
            {"id": "count", "kind": "kpi", "row": 0, "col": 1, "rows": 1, "cols": 1, "title_vi": "Tổng",
             "title_en": "Total", "query": {"layer": "feedback-1022"}}]})
    client = Client()
    client.force_login(superuser)
    seen = {}
    for name, url in channels(reported, "feedback-1022").items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert leaks(body) == [], name
        seen[name] = body.decode("utf-8", errors="replace")
    # The public view is all there.
    assert DESCRIPTION in seen["geojson"] and "Đã tiếp nhận, sẽ thay đèn" in seen["geojson"]
    assert DESCRIPTION in seen["csv"] and DESCRIPTION in seen["open311-one"]
    assert "Đèn đường" in seen["search-description"] or DESCRIPTION not in seen["search-description"]
    assert DESCRIPTION in seen["wall"] and DESCRIPTION.encode() in client.get(
        f"/tiles/feedback-1022/{TILE_Z14}.pbf").content


def test_a_public_feedback_layer_shows_the_public_view_to_anyone_and_no_contact(reported):
    Layer.objects.filter(slug="feedback-1022").update(access=Access.PUBLIC)
    anonymous = Client()
    for name, url in channels(reported, "feedback-1022").items():
        if name == "wall":
            continue
        response = anonymous.get(url)
        assert response.status_code == 200, (name, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert leaks(body) == [], name
    assert DESCRIPTION in anonymous.get("/open311/v2/requests.json").content.decode()


def test_an_internal_feedback_layer_is_hidden_from_anonymous_callers_like_an_unknown_one(reported):
    anonymous = Client()
    assert anonymous.get("/open311/v2/requests.json").json() == []
    hidden = anonymous.get(f"/open311/v2/requests/{reported.service_request_id}.json")
    unknown = anonymous.get("/open311/v2/requests/1022-999999.json")
    assert hidden.status_code == unknown.status_code == 404 and hidden.content == unknown.content
    assert anonymous.get("/api/layers/feedback-1022/features/").status_code == 404
