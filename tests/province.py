"""A small province for the dashboard's queries: districts and communes with Vietnamese names, schools
by level, land use with known areas, 1022 reports with time (internal), a planners' zones layer
(internal) and dengue cases (restricted), plus a planner. Its fixtures are registered for every test module by tests/conftest.py."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User

from layers.models import Access, Layer, TimeKind
from tests.conftest import add_features, make_layer
from tests.departments import make_department

ADMIN_SCHEMA = [
    {"name": "code", "type": "string", "label_vi": "Mã", "label_en": "Code"},
    {"name": "name", "type": "string", "label_vi": "Tên", "label_en": "Name"},
    {"name": "unit_type", "type": "string", "label_vi": "Loại đơn vị", "label_en": "Unit type"},
]
UNIT_STYLE = {"type": "fill", "color": "#33a02c", "categories": {"property": "unit_type", "stops": [
    {"value": "thanh_pho", "color": "#6a3d9a", "label_vi": "Thành phố", "label_en": "City"},
    {"value": "huyen", "color": "#33a02c", "label_vi": "Huyện", "label_en": "District"},
    {"value": "xa", "color": "#b2df8a", "label_vi": "Xã", "label_en": "Commune"},
]}}
LEVEL_STYLE = {"type": "circle", "color": "#1f78b4", "categories": {"property": "level", "stops": [
    {"value": "tieu_hoc", "color": "#a6cee3", "label_vi": "Tiểu học", "label_en": "Primary"},
    {"value": "thcs", "color": "#1f78b4", "label_vi": "Trung học cơ sở", "label_en": "Lower secondary"},
    {"value": "thpt", "color": "#33a02c", "label_vi": "Trung học phổ thông", "label_en": "Upper secondary"},
]}}
LAND_STYLE = {"type": "fill", "color": "#fee08b", "categories": {"property": "land_class", "stops": [
    {"value": "lua", "color": "#fee08b", "label_vi": "Đất trồng lúa", "label_en": "Rice land"},
    {"value": "dat_o", "color": "#e31a1c", "label_vi": "Đất ở", "label_en": "Residential land"},
]}}
STATUS_STYLE = {"type": "circle", "color": "#3182bd", "categories": {"property": "status", "stops": [
    {"value": "moi", "color": "#3182bd", "label_vi": "Mới", "label_en": "New"},
    {"value": "da_xu_ly", "color": "#31a354", "label_vi": "Đã xử lý", "label_en": "Resolved"},
]}}

# Boxes in lon/lat degrees: Tân An city, Cần Giuộc and Đức Hòa districts.
TAN_AN = (106.35, 10.48, 106.45, 10.58)
CAN_GIUOC = (106.60, 10.50, 106.75, 10.65)
DUC_HOA = (106.30, 10.80, 106.50, 10.95)
RICE = (106.36, 10.49, 106.38, 10.51)  # inside Tân An
HOMES = (106.40, 10.52, 106.41, 10.53)  # inside Tân An


def box(minx: float, miny: float, maxx: float, maxy: float) -> str:
    return f"POLYGON(({minx} {miny}, {maxx} {miny}, {maxx} {maxy}, {minx} {maxy}, {minx} {miny}))"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def districts(db) -> Layer:
    layer = make_layer("admin-districts", domain="admin", geometry_type="Polygon", property_schema=ADMIN_SCHEMA,
                       style=UNIT_STYLE, title_vi="Đơn vị hành chính cấp huyện", title_en="Districts")
    return add_features(layer, [
        ("794", box(*TAN_AN), {"code": "794", "name": "Thành phố Tân An", "unit_type": "thanh_pho"}),
        ("807", box(*CAN_GIUOC), {"code": "807", "name": "Huyện Cần Giuộc", "unit_type": "huyen"}),
        ("802", box(*DUC_HOA), {"code": "802", "name": "Huyện Đức Hòa", "unit_type": "huyen"}),
    ])


@pytest.fixture
def communes(db) -> Layer:
    layer = make_layer("admin-communes", domain="admin", geometry_type="Polygon", property_schema=ADMIN_SCHEMA,
                       style=UNIT_STYLE, title_vi="Đơn vị hành chính cấp xã", title_en="Communes")
    return add_features(layer, [
        ("27685", box(106.40, 10.52, 106.42, 10.54), {"code": "27685", "name": "Phường 1", "unit_type": "xa"}),
        ("28180", box(106.62, 10.52, 106.66, 10.56), {"code": "28180", "name": "Xã Tân Ân", "unit_type": "xa"}),
    ])


@pytest.fixture
def province_schools(db) -> Layer:
    layer = make_layer("schools", style=LEVEL_STYLE, title_vi="Trường học", title_en="Schools")
    return add_features(layer, [
        ("s1", "POINT(106.405 10.525)", {"name": "Trường THPT Tân An", "level": "thpt", "pupils": 1200}),
        ("s2", "POINT(106.37 10.50)", {"name": "Trường Tiểu học Khánh Hậu", "level": "tieu_hoc", "pupils": 500}),
        ("s3", "POINT(106.43 10.55)", {"name": "Trường Tiểu học Tân Khánh", "level": "tieu_hoc", "pupils": 400}),
        ("s4", "POINT(106.65 10.55)", {"name": "Trường THCS Cần Giuộc", "level": "thcs", "pupils": 900}),
        ("s5", "POINT(106.40 10.85)", {"name": "Trường THCS Đức Hòa", "level": "thcs", "pupils": 800}),
    ])


@pytest.fixture
def land_use(db) -> Layer:
    layer = make_layer("land-use-plan", domain="land_plan", geometry_type="Polygon", style=LAND_STYLE,
                       title_vi="Quy hoạch sử dụng đất", title_en="Land-use plan",
                       property_schema=[{"name": "land_class", "type": "string", "label_vi": "Nhóm đất", "label_en": "Land class"}])
    return add_features(layer, [
        ("rice", box(*RICE), {"land_class": "lua"}),
        ("homes", box(*HOMES), {"land_class": "dat_o"}),
        # Outside Tân An, sharing only its eastern edge at 106.45: not inside it.
        ("edge", box(106.45, 10.49, 106.47, 10.51), {"land_class": "lua"}),
    ])


@pytest.fixture
def feedback(db) -> Layer:
    layer = make_layer("feedback-1022", access=Access.INTERNAL, time_kind=TimeKind.INSTANT, domain="feedback",
                       style=STATUS_STYLE, title_vi="Phản ánh 1022", title_en="1022 feedback",
                       property_schema=[{"name": "status", "type": "string", "label_vi": "Trạng thái", "label_en": "Status"}])
    return add_features(layer, [
        ("f1", "POINT(106.41 10.53)", {"status": "moi"}, utc(2022, 3, 1, 2, 0)),
        ("f2", "POINT(106.42 10.54)", {"status": "da_xu_ly"}, utc(2022, 6, 15, 10, 30)),
        ("f3", "POINT(106.39 10.50)", {"status": "da_xu_ly"}, utc(2022, 6, 20, 10, 30)),
        ("f4", "POINT(106.65 10.55)", {"status": "moi"}, utc(2022, 12, 31, 16, 0)),
    ])


@pytest.fixture
def zones(db) -> Layer:
    layer = make_layer("planning-zones", access=Access.INTERNAL, domain="zones", geometry_type="Polygon",
                       style={"type": "fill", "color": "#ff7f00"}, title_vi="Vùng nghiên cứu quy hoạch",
                       title_en="Planners' zones", property_schema=[
                           {"name": "name", "type": "string", "label_vi": "Tên vùng", "label_en": "Name"},
                           {"name": "purpose", "type": "string", "label_vi": "Mục đích", "label_en": "Purpose"},
                           {"name": "created_by", "type": "string", "label_vi": "Người tạo", "label_en": "Created by"},
                           {"name": "created_at", "type": "datetime", "label_vi": "Thời điểm tạo", "label_en": "Created at"},
                           {"name": "area_km2", "type": "number", "label_vi": "Diện tích", "label_en": "Area", "unit": "km²"},
                           {"name": "district_code", "type": "string", "label_vi": "Mã huyện", "label_en": "District code"},
                       ])
    make_department("planning", name="Sở Xây dựng", owns=(layer,))
    return add_features(layer, [
        ("zone-1", box(106.32, 10.82, 106.42, 10.90), {"name": "Vùng nghiên cứu mở rộng công nghiệp Đức Hòa",
                                                        "created_by": "demo-planner"}),
    ])


@pytest.fixture
def planner(db) -> User:
    """Provincial staff, a steward of the planning department that owns the zones layer: draws and
    edits zones."""
    user = User.objects.create_user("planner", password="pw-planner", is_staff=True)
    make_department("planning", name="Sở Xây dựng", stewards=(user,))
    return user


@pytest.fixture
def province(districts, communes, province_schools, land_use, feedback, zones) -> dict[str, Layer]:
    return {layer.slug: layer for layer in (districts, communes, province_schools, land_use, feedback, zones)}
