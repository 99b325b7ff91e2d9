"""Open311 GeoReport v2 at /open311/v2/, tried as a citizen app would: services and definitions,
reports posted as forms (JSON and XML answers, a photo, an address), read back with the `georeport`
client from PyPI over a real HTTP server, filters, tokens, and bad reports in the spec's error list."""

import io
from xml.etree import ElementTree

import pytest
import requests
from django.contrib.auth.models import User
from georeport import GeoReport

from feedback.models import Report
from layers.models import Access, Layer
from layers.tokens import create_token
from tests.feedback_world import IN_BINH_TAM, IN_PHUONG_1

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def post(base: str, fmt: str = "json", files=None, **fields) -> requests.Response:
    return requests.post(f"{base}/requests.{fmt}", data=fields, files=files, timeout=30)


def pothole(world, where=IN_PHUONG_1, **extra) -> dict:
    return {"api_key": world.app_key, "service_code": "giao_thong", "lat": where[1], "long": where[0],
            "description": "Ổ gà lớn trước chợ", "first_name": "An", "last_name": "Nguyễn",
            "phone": "0909123456", "email": "an@example.vn", **extra}


@pytest.fixture
def base(live_server, feedback_world) -> str:
    return f"{live_server.url}/open311/v2"


@pytest.fixture
def official_key(feedback_world) -> str:
    """The operator's token: staff, so it may see the (internal) feedback layer."""
    return create_token(feedback_world.operator)


def test_the_services_are_the_1022_categories_in_json_and_xml(base, transactional_db):
    json_services = GeoReport(base).get_service_list()
    xml_services = GeoReport(base, output_format="xml").get_service_list()
    assert {s["service_code"] for s in json_services} >= {"moi_truong", "giao_thong", "dat_dai"}
    assert {s["service_name"] for s in xml_services} == {s["service_name"] for s in json_services}
    assert "Môi trường" in {s["service_name"] for s in json_services}
    definition = GeoReport(base, output_format="xml").get_service_definition("moi_truong")
    assert definition["service_code"] == "moi_truong"
    kinds = [a for a in definition["attributes"]["attribute"] if a["code"] == "kind"][0]
    assert [v["key"] for v in kinds["values"]["value"]] == ["rac", "khi", "nuoc", "on"]
    assert GeoReport(base).get_service_definition("moi_truong")["attributes"][0]["required"] is True


def test_a_report_posted_by_an_app_round_trips_through_the_client_in_json_and_xml(base, feedback_world,
                                                                                  official_key, transactional_db):
    answer = post(base, **pothole(feedback_world))
    assert answer.status_code == 201, answer.text
    created = answer.json()[0]
    assert created["service_request_id"].startswith("1022-") and created["token"]
    assert "/feedback/status/" in created["service_notice"]
    client = GeoReport(base, api_key=official_key)
    session = requests.Session()
    session.headers["Authorization"] = f"Token {official_key}"
    as_json = session.get(f"{base}/requests/{created['service_request_id']}.json").json()[0]
    as_xml = ElementTree.fromstring(session.get(f"{base}/requests/{created['service_request_id']}.xml").content)
    assert as_json["status"] == "open" and as_json["detailed_status"] == "received"
    assert as_json["service_code"] == "giao_thong" and as_json["agency_responsible"] == "UBND Phường 1"
    assert (as_json["lat"], as_json["long"]) == (IN_PHUONG_1[1], IN_PHUONG_1[0])
    assert as_xml.find("request/service_request_id").text == created["service_request_id"]
    assert as_xml.find("request/description").text == "Ổ gà lớn trước chợ"
    # The client's own calls: the token lookup and the report list (anonymous callers see none:
    # the feedback layer is internal).
    assert client.get_service_requests(service_request_id=created["service_request_id"]) == []
    feedback = Layer.objects.get(slug="feedback-1022")
    Layer.objects.filter(pk=feedback.pk).update(access=Access.PUBLIC)
    listed = GeoReport(base).get_service_requests(service_code="giao_thong", status="open")
    assert [r["service_request_id"] for r in listed] == [created["service_request_id"]]
    one = GeoReport(base, output_format="xml").get_service_request(created["service_request_id"])
    assert one["status"] == "open" and one["service_name"] == "Giao thông"
    token = session.get(f"{base}/tokens/{created['token']}.json").json()
    assert token == [{"service_request_id": created["service_request_id"], "token": created["token"]}]


def test_a_report_is_answered_in_xml_when_posted_to_requests_xml(base, feedback_world, transactional_db):
    answer = post(base, "xml", **pothole(feedback_world, IN_BINH_TAM, service_code="moi_truong",
                                         **{"attribute[kind]": "rac"}))
    assert answer.status_code == 201 and answer.headers["Content-Type"].startswith("text/xml")
    request_id = ElementTree.fromstring(answer.content).find("request/service_request_id").text
    report = Report.objects.get(pk=int(request_id.split("-")[1]))
    assert report.attributes == {"kind": "rac"} and report.department == feedback_world.environment
    assert (report.reporter_name, report.reporter_phone) == ("An Nguyễn", "0909123456")


def test_a_report_may_carry_a_photo_and_be_placed_by_its_address(base, feedback_world, transactional_db):
    fields = pothole(feedback_world)
    del fields["lat"], fields["long"]
    answer = post(base, **fields, address_string="Phường 1", files={"media": ("o-ga.png", io.BytesIO(PNG), "image/png")})
    assert answer.status_code == 201, answer.text
    report = Report.objects.get()
    assert report.commune_code == "27685" and report.photo.name.endswith(".png")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_reports_get_the_specs_error_list(base, feedback_world, fmt, transactional_db):
    def errors_of(answer):
        if fmt == "json":
            return answer.json()
        return [{child.tag: child.text for child in e} for e in ElementTree.fromstring(answer.content)]

    no_key = post(base, fmt, **{k: v for k, v in pothole(feedback_world).items() if k != "api_key"})
    assert no_key.status_code == 401 and errors_of(no_key)[0]["error"] == "not_authenticated"
    wrong_key = post(base, fmt, **pothole(feedback_world, api_key="not-a-key"))
    assert wrong_key.status_code == 401 and str(errors_of(wrong_key)[0]["code"]) == "401"
    unknown = post(base, fmt, **pothole(feedback_world, service_code="no_such"))
    assert unknown.status_code == 400 and "service_code" in errors_of(unknown)[0]["fields"]
    far = post(base, fmt, **pothole(feedback_world, (104.0, 21.0)))
    assert far.status_code == 400 and errors_of(far)[0]["error"] == "outside_province"
    nowhere = post(base, fmt, **pothole(feedback_world, lat="north", long=""))
    assert nowhere.status_code == 400 and errors_of(nowhere)[0]["error"] == "validation_error"
    missing_attribute = post(base, fmt, **pothole(feedback_world, service_code="moi_truong"))
    assert missing_attribute.status_code == 400 and "attribute[kind]" in errors_of(missing_attribute)[0]["fields"]
    not_a_photo = post(base, fmt, **pothole(feedback_world), files={"media": ("x.exe", io.BytesIO(b"MZ"), "x/exe")})
    assert not_a_photo.status_code == 400 and "media" in errors_of(not_a_photo)[0]["fields"]
    assert not Report.objects.exists()
    unknown_service = requests.get(f"{base}/services/no_such.{fmt}", timeout=30)
    assert unknown_service.status_code == 404 and errors_of(unknown_service)[0]["error"] == "service_not_found"
    bad_date = requests.get(f"{base}/requests.{fmt}", params={"start_date": "yesterday"}, timeout=30)
    assert bad_date.status_code == 400 and errors_of(bad_date)[0]["error"] == "invalid_parameter"


def test_an_anonymous_browser_cannot_post_a_report_without_a_key(base, feedback_world, transactional_db):
    session = requests.Session()
    answer = session.post(f"{base}/requests.json", data={k: v for k, v in pothole(feedback_world).items()
                                                          if k != "api_key"}, timeout=30)
    assert answer.status_code == 401


@pytest.mark.django_db
def test_the_filters_narrow_the_list_and_a_range_spans_ninety_days_at_most(feedback_world, client):
    from datetime import datetime

    from django.contrib.gis.geos import Point

    from feedback import open311, workflow
    from feedback.working_time import ICT

    for where, code, day in ((IN_PHUONG_1, "giao_thong", 2), (IN_BINH_TAM, "do_thi", 3), (IN_BINH_TAM, "giao_thong", 4)):
        intake = workflow.Intake(category=feedback_world.categories[code], description="x",
                                 location=Point(*where, srid=4326))
        workflow.submit(intake, account=None, now=datetime(2026, 3, day, 9, tzinfo=ICT))
    client.force_login(feedback_world.operator)

    def ids(**params):
        answer = client.get("/open311/v2/requests.json", {"start_date": "2026-03-01T00:00:00+07:00",
                                                          "end_date": "2026-03-31T00:00:00+07:00", **params})
        assert answer.status_code == 200, answer.content
        return [r["service_code"] + "@" + r["requested_datetime"][:10] for r in answer.json()]

    assert ids() == ["giao_thong@2026-03-04", "do_thi@2026-03-03", "giao_thong@2026-03-02"]
    assert ids(service_code="do_thi") == ["do_thi@2026-03-03"]
    assert ids(bbox="106.40,10.53,106.42,10.55") == ["giao_thong@2026-03-02"]
    assert ids(status="closed") == []
    assert ids(start_date="2026-03-03T00:00:00+07:00") == ["giao_thong@2026-03-04", "do_thi@2026-03-03"]
    too_wide = client.get("/open311/v2/requests.json", {"start_date": "2026-01-01T00:00:00+07:00",
                                                         "end_date": "2026-06-01T00:00:00+07:00"})
    assert too_wide.status_code == 400 and too_wide.json()[0]["code"] == 400
    assert open311.open311_status("not_in_remit") == "closed"
    assert User.objects.filter(username="operator-1022").exists()
