"""A department steward submits an indicator's values: CSV or XLSX with unit names typed the ways
people type them, or JSON from an app with a token; previews, publishes or discards; bad files and bad
rows come back with reasons per row and column; another department cannot submit."""

import io
import json
from datetime import date, datetime

import pytest
from django.contrib.auth.models import User
from openpyxl import Workbook
from rest_framework.test import APIClient

from layers.models import Department, Feature
from layers.tokens import create_token
from monitoring.models import AdminUnit, Indicator, Submission, Value, ValueHistory
from tests.departments import make_steward

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monitoring_world")]

HEALTH, EDUCATION = "000.00.19.H39", "000.00.16.H39"
INDICATOR = "hand-foot-mouth-cases"  # Sở Y tế's, internal, a count (min 0)


@pytest.fixture
def lan() -> User:
    """A data steward of Sở Y tế."""
    return make_steward(Department.objects.get(code=HEALTH), User.objects.create_user("lan", is_staff=True))


@pytest.fixture
def minh() -> User:
    """A data steward of Sở Giáo dục: staff, sees the indicator, does not own it."""
    return make_steward(Department.objects.get(code=EDUCATION), User.objects.create_user("minh", is_staff=True))


def client_of(user: User, language: str = "en") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def upload(client: APIClient, name: str, data: bytes, indicator: str = INDICATOR, **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/api/indicators/submissions/",
                       {"indicator": indicator, "file": SimpleUploadedFile(name, data), **fields}, format="multipart")


def csv_of(rows: list[tuple], header: str = "unit,period,value") -> bytes:
    lines = [header] + [",".join(f'"{c}"' for c in row) for row in rows]
    return "\n".join(lines).encode("utf-8")


# In May 2025 the 2022 communes hold; each typed its own way.
TYPED = [
    ("27685", "27685"),  # the GSO code
    ("Phường 6", "27703"),
    ("xa huong tho phu", "27712"),  # no diacritics, lower case
    ("Bình Tâm", "27721"),  # no "Xã"
    ("X. Bình Tân", "27739"),  # abbreviated
    ("TUYÊN THẠNH", "27748"),
    ("Thị trấn Hiệp Hòa", "27949"),  # the type tells it from Xã Hiệp Hòa
    ("TT. Tân Thạnh", "27838"),
]


def test_a_steward_uploads_a_csv_whose_unit_names_are_typed_every_way_and_each_row_finds_its_commune(lan):
    rows = [(typed, "2025-05", 10 + i) for i, (typed, _code) in enumerate(TYPED)]
    response = upload(client_of(lan), "tcm-2025-05.csv", csv_of(rows))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "preview" and body["channel"] == "csv" and body["boundary"] == "2022"
    assert body["counts"]["rows"] == len(TYPED) and body["counts"]["matched"] == len(TYPED), body["problems"]
    staged = Submission.objects.get(pk=body["id"]).rows
    codes = dict(AdminUnit.objects.filter(pk__in=[r[0] for r in staged]).values_list("pk", "code"))
    assert [codes[r[0]] for r in staged] == [code for _typed, code in TYPED]
    # Every unit had a value for May already (the demo's): all are changes, shown against the old value.
    assert body["counts"]["changed"] + body["counts"]["unchanged"] == len(TYPED)
    assert {"unit", "period_start", "old", "new"} <= set(body["changes"][0])


def test_ambiguous_and_unknown_names_come_back_with_suggestions_and_nothing_is_written(lan):
    before = Value.objects.count()
    rows = [("Hiệp Hòa", "2025-05", 1), ("Phường 1", "2025-05", 2), ("Thạnh Hưng", "2025-05", 3),
            ("Xã Vĩnh Bửuu", "2025-05", 4)]
    body = upload(client_of(lan), "t.csv", csv_of(rows)).json()
    problems = {p["row"]: p for p in body["problems"]}
    assert problems[2]["code"] == "ambiguous_unit" and problems[2]["column"] == "unit"
    assert {s["code"] for s in problems[2]["suggestions"]} == {"27949", "27973"}
    assert problems[3]["code"] == "ambiguous_unit"
    assert problems[4]["code"] == "ambiguous_unit"
    assert problems[5]["code"] == "unknown_unit"
    assert "27784" in {s["code"] for s in problems[5]["suggestions"]}  # Xã Vĩnh Bửu
    assert body["counts"]["matched"] == 0 and Value.objects.count() == before


def test_a_district_column_settles_a_name_two_districts_share(lan):
    body = upload(client_of(lan), "t.csv", csv_of([("Thạnh Hưng", "Huyện Tân Hưng", "2025-05", 3)],
                                                  header="xã,huyện,kỳ,giá trị")).json()
    assert body["counts"]["matched"] == 1, body["problems"]
    unit = AdminUnit.objects.get(pk=Submission.objects.get(pk=body["id"]).rows[0][0])
    assert unit.code == "27766"


def test_an_xlsx_file_with_dates_for_periods_and_numbers_as_cells_is_read_like_a_csv(lan):
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã đơn vị", "Kỳ báo cáo", "Giá trị"])
    sheet.append([27685, datetime(2025, 5, 1), 12])
    sheet.append(["Phường 6", "2025-05", 7.0])
    sheet.append(["xa huong tho phu", "05/2025", "1.234,5"])  # typed as text, Vietnamese decimal comma
    data = io.BytesIO()
    book.save(data)
    body = upload(client_of(lan), "so-lieu.xlsx", data.getvalue()).json()
    assert body["channel"] == "xlsx" and body["counts"]["matched"] == 3, body["problems"]
    assert [r[1:3] for r in Submission.objects.get(pk=body["id"]).rows] == [
        ["2025-05-01", 12.0], ["2025-05-01", 7.0], ["2025-05-01", 1234.5]]


def test_bad_rows_are_reported_by_row_and_column_in_the_callers_language(lan):
    rows = [("27685", "2025-13", 1), ("27703", "2025-05", "nhiều"), ("27712", "2025-05", -3),
            ("27721", "2025-05", 4), ("27721", "2025-05", 5)]
    for language, word in (("en", "not a number"), ("vi", "không phải là số")):
        body = upload(client_of(lan, language), "t.csv", csv_of(rows)).json()
        problems = {p["row"]: p for p in body["problems"]}
        assert (problems[2]["column"], problems[2]["code"]) == ("period", "bad_period")
        assert (problems[3]["column"], problems[3]["code"]) == ("value", "bad_value")
        assert word in problems[3]["message"]
        assert (problems[4]["column"], problems[4]["code"]) == ("value", "out_of_range")
        assert problems[6]["code"] == "duplicate" and "2" not in problems
        assert body["counts"]["matched"] == 1


@pytest.mark.parametrize(("name", "data", "field"), [
    ("values.pdf", b"%PDF-1.4 nothing here", "file"),
    ("values.csv", "unit,period,value\n27685,2025-05,1\n".encode("utf-16"), "file"),
    ("values.csv", b"", "file"),
    ("values.csv", b"commune,month\n27685,2025-05\n", "value"),
    ("values.xlsx", b"PK\x03\x04 not really a workbook", "file"),
], ids=["pdf", "utf16", "empty", "missing-column", "broken-xlsx"])
def test_files_that_cannot_be_read_are_refused_as_a_whole(lan, name, data, field):
    before = Submission.objects.count()
    response = upload(client_of(lan), name, data)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "submission_refused" and field in body["fields"]
    assert Submission.objects.count() == before


def test_a_steward_of_another_department_may_not_submit(minh):
    before = Submission.objects.count()
    response = upload(client_of(minh), "t.csv", csv_of([("27685", "2025-05", 1)]))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert Submission.objects.count() == before


def test_publishing_writes_every_row_at_once_keeps_the_old_values_and_rewrites_the_layer(lan):
    indicator = Indicator.objects.get(slug=INDICATOR)
    may = date(2025, 5, 1)
    old = dict(Value.objects.filter(indicator=indicator, period_start=may, unit__code__in=["27685", "27703"])
               .values_list("unit__code", "value"))
    client = client_of(lan)
    preview = upload(client, "t.csv", csv_of([("27685", "2025-05", old["27685"] + 5), ("27703", "2025-05", old["27703"]),
                                              ("27712", "2024-12", 9)])).json()
    assert preview["counts"] | {} and preview["counts"]["changed"] == 1 and preview["counts"]["unchanged"] == 1
    layer_version = indicator.layer.version
    response = client.post(f"/api/indicators/submissions/{preview['id']}/publish")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published" and response.json()["published_by"] == "lan"
    assert Value.objects.get(indicator=indicator, period_start=may, unit__code="27685").value == old["27685"] + 5
    assert Value.objects.get(indicator=indicator, period_start=date(2024, 12, 1), unit__code="27712").value == 9
    history = ValueHistory.objects.get(indicator=indicator, period_start=may, unit__code="27685")
    assert history.value == old["27685"] and history.replaced_by_id == preview["id"]
    assert not ValueHistory.objects.filter(indicator=indicator, unit__code="27703").exists()  # unchanged
    changed = Value.objects.get(indicator=indicator, period_start=may, unit__code="27685")
    assert changed.submission_id == preview["id"] and changed.submitted_by.username == "lan"
    # The layer was rewritten in the same transaction: its version moved and it holds the new value.
    indicator.layer.refresh_from_db()
    assert indicator.layer.version > layer_version
    feature = Feature.objects.get(layer=indicator.layer, source_id="27685/2025-05-01")
    assert feature.properties["value"] == old["27685"] + 5 and feature.properties["boundary"] == "2022"


def test_a_submission_is_published_once_and_a_discarded_one_never(lan):
    client = client_of(lan)
    first = upload(client, "t.csv", csv_of([("27685", "2025-05", 3)])).json()["id"]
    assert client.post(f"/api/indicators/submissions/{first}/publish").status_code == 200
    again = client.post(f"/api/indicators/submissions/{first}/publish")
    assert again.status_code == 409 and again.json()["code"] == "submission_closed"
    second = upload(client, "t.csv", csv_of([("27685", "2025-05", 4)])).json()["id"]
    assert client.post(f"/api/indicators/submissions/{second}/discard").json()["status"] == "discarded"
    assert client.post(f"/api/indicators/submissions/{second}/publish").status_code == 409
    assert Value.objects.get(indicator__slug=INDICATOR, period_start=date(2025, 5, 1), unit__code="27685").value == 3


def test_an_app_posts_json_rows_with_a_token(lan):
    app = APIClient(HTTP_AUTHORIZATION="Token " + create_token(lan, name="hệ thống báo cáo"))
    response = app.post("/api/indicators/submissions/", data=json.dumps({
        "indicator": INDICATOR, "rows": [{"unit": "Phường Long An", "period": "2025-08", "value": 4},
                                         {"unit": "27712", "period": "2025-08", "value": 2}]}),
        content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    # August 2025: the 2025 set, where 27712 is Phường Tân An.
    assert body["channel"] == "json" and body["boundary"] == "2025" and body["counts"]["matched"] == 2
    assert app.post(f"/api/indicators/submissions/{body['id']}/publish").status_code == 200


def test_the_ledger_lists_each_submission_with_its_counts_and_who_published_it(lan, minh):
    client = client_of(lan)
    submission = upload(client, "t.csv", csv_of([("27685", "2025-05", 3), ("nowhere", "2025-05", 1)])).json()["id"]
    client.post(f"/api/indicators/submissions/{submission}/publish")
    # An official of another department reads the ledger of the indicators they may see.
    ledger = client_of(minh).get("/api/indicators/submissions/", {"indicator": INDICATOR}).json()["submissions"]
    entry = next(e for e in ledger if e["id"] == submission)
    assert entry["counts"]["rows"] == 2 and entry["counts"]["matched"] == 1 and entry["counts"]["unknown_unit"] == 1
    assert entry["published_by"] == "lan" and entry["department"] == HEALTH and entry["status"] == "published"
    # The demo's submissions are there too, each with its due time and whether it came on time.
    demo = next(e for e in ledger if e["id"] != submission)
    assert demo["due_at"] is not None and demo["on_time"] in (True, False)
