"""A small 1022 world: two communes (Phường 1 and Xã Bình Tâm, side by side near Tân An), the 1022
categories, handling units (each commune's people's committee, Sở Tài nguyên và Môi trường, the IOC
whose members are the 1022 operators), routing rules and the actors: a citizen app with a token,
a 1022 operator, Phường 1's handling officer, Bình Tâm's officer and an outsider on the staff.
Registered for every test module by tests/conftest.py."""

import importlib
from dataclasses import dataclass
from datetime import date

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from shapely import wkt

from feedback.categories import ensure_categories
from feedback.models import Category, RoutingRule
from layers.models import Access, Department, DepartmentKind, Layer
from layers.tokens import create_token
from monitoring.models import BoundaryVersion, UnitLevel
from monitoring.units import UnitSpec, load_units
from tests.conftest import add_features, make_layer
from tests.departments import make_department

PHUONG_1 = "POLYGON((106.40 10.53, 106.42 10.53, 106.42 10.55, 106.40 10.55, 106.40 10.53))"
BINH_TAM = "POLYGON((106.42 10.53, 106.44 10.53, 106.44 10.55, 106.42 10.55, 106.42 10.53))"
MERGED = "POLYGON((106.40 10.53, 106.44 10.53, 106.44 10.55, 106.40 10.55, 106.40 10.53))"
IN_PHUONG_1 = (106.41, 10.54)
IN_BINH_TAM = (106.43, 10.54)
COMMUNE_SCHEMA = [
    {"name": "code", "type": "string", "label_vi": "Mã", "label_en": "Code"},
    {"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"},
    {"name": "district_code", "type": "string", "label_vi": "Mã huyện", "label_en": "District code"},
]


@dataclass
class FeedbackWorld:
    categories: dict[str, Category]
    communes: Layer
    phuong_1: Department
    binh_tam: Department
    environment: Department
    operators: Department
    citizen_app: User
    app_key: str
    operator: User
    officer: User
    binh_tam_officer: User
    outsider: User


def _member(department: Department, username: str, **fields) -> User:
    user = User.objects.create_user(username, password=f"pw-{username}", **fields)
    user.groups.add(department.group)
    return user


@pytest.fixture
def feedback_world(db) -> FeedbackWorld:
    # The holiday table is seeded by a migration, and a transactional test run earlier in this process
    # flushed it: put the public holidays back as the migration does (get_or_create, so no doubles).
    importlib.import_module("feedback.migrations.0002_audit_trail_and_holidays").add_holidays(apps, None)
    communes = make_layer(settings.FEEDBACK_COMMUNES_LAYER, access=Access.PUBLIC, domain="admin",
                          geometry_type="Polygon", property_schema=COMMUNE_SCHEMA,
                          style={"type": "fill", "color": "#b2df8a"})
    add_features(communes, [
        ("27685", PHUONG_1, {"code": "27685", "name": "Phường 1", "district_code": "794",
                             "valid_from": "2013-03-18", "valid_to": "2025-07-01"}),
        ("27700", BINH_TAM, {"code": "27700", "name": "Xã Bình Tâm", "district_code": "794",
                             "valid_from": "2013-03-18", "valid_to": "2025-07-01"}),
    ])
    categories = ensure_categories()
    phuong_1 = make_department("ubnd-27685", name="UBND Phường 1")
    binh_tam = make_department("ubnd-27700", name="UBND xã Bình Tâm")
    Department.objects.filter(pk__in=[phuong_1.pk, binh_tam.pk]).update(kind=DepartmentKind.COMMUNE)
    environment = make_department("so-tnmt", name="Sở Tài nguyên và Môi trường")
    operators = make_department(settings.FEEDBACK_OPERATORS_DEPARTMENT, name="Trung tâm IOC")
    RoutingRule.objects.create(commune_code="27685", department=phuong_1)
    RoutingRule.objects.create(commune_code="27700", department=binh_tam)
    RoutingRule.objects.create(category=categories["moi_truong"], commune_code="27700", department=environment)
    RoutingRule.objects.create(department=operators)
    citizen_app = User.objects.create_user("long-an-so-app")
    return FeedbackWorld(
        categories=categories, communes=communes, phuong_1=phuong_1, binh_tam=binh_tam, environment=environment,
        operators=operators, citizen_app=citizen_app, app_key=create_token(citizen_app, name="Long An số"),
        operator=_member(operators, "operator-1022", is_staff=True),
        officer=_member(phuong_1, "officer-phuong-1", is_staff=True),
        binh_tam_officer=_member(binh_tam, "officer-binh-tam", is_staff=True),
        outsider=User.objects.create_user("staff-outsider", password="pw-staff-outsider", is_staff=True),
    )


DISTRICT_794 = "POLYGON((106.38 10.51, 106.46 10.51, 106.46 10.57, 106.38 10.57, 106.38 10.51))"


@pytest.fixture
def monitoring_units(db) -> None:
    """The monitoring app's two boundary versions over the feedback world: Phường 1 and Bình Tâm in
    district 794 until 30 June 2025, one ward (Phường Long An, over Phường 1 only) from 1 July 2025."""
    old = BoundaryVersion.objects.create(code="2022", title_vi="2022", title_en="2022", valid_from=date(2013, 3, 18),
                                         valid_to=date(2025, 7, 1))
    new = BoundaryVersion.objects.create(code="2025", title_vi="2025", title_en="2025", valid_from=date(2025, 7, 1))
    load_units(old, [
        UnitSpec("794", UnitLevel.DISTRICT, "Thành phố Tân An", "Tân An", wkt.loads(DISTRICT_794)),
        UnitSpec("27685", UnitLevel.COMMUNE, "Phường 1 (đơn vị)", "Phường 1", wkt.loads(PHUONG_1), parent_code="794"),
        UnitSpec("27700", UnitLevel.COMMUNE, "Xã Bình Tâm (đơn vị)", "Bình Tâm", wkt.loads(BINH_TAM),
                 parent_code="794"),
    ])
    load_units(new, [UnitSpec("80001", UnitLevel.COMMUNE, "Phường Long An", "Long An", wkt.loads(PHUONG_1))])
