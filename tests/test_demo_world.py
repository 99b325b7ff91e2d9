"""The Long An demo world: what the generator promises, and how it loads into PostGIS."""

import json
import unicodedata
from collections import Counter
from datetime import timedelta
from io import StringIO
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import shapely
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from fixtures import longan
from feedback.models import Report
from fixtures.accounts import DEMO_ACCOUNTS, ensure_demo_accounts
from fixtures.departments import AGRICULTURE, DEMO_DEPARTMENTS, ENVIRONMENT, assign_layer_owners
from fixtures.load import load_world, world_is_loaded
from fixtures.monitoring import load_demo_monitoring
from fixtures.world import DEFAULT_SEED, LAYER_SLUGS, World, generate_world
from fixtures.world.checks import problems
from fixtures.world.geodesy import area_km2, length_km
from layers.access import visible_layers, writable_layers
from layers.models import Layer
from layers.schema import validate_property_schema, validate_style

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
needs_shared_data = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is not here")


@pytest.fixture(scope="module")
def demo_world() -> World:
    return generate_world()


def features(world: World, slug: str) -> list:
    return world.layer(slug).features


def fingerprint(world: World) -> bytes:
    rows = []
    for layer in world.layers:
        rows.append(
            json.dumps(
                [layer.slug, layer.title_vi, layer.property_schema, layer.style, layer.access],
                ensure_ascii=False,
                sort_keys=True,
            )
        )
        for f in layer.features:
            rows.append(
                json.dumps(
                    [
                        f.source_id,
                        shapely.to_wkb(f.geom, hex=True),
                        f.properties,
                        f.time_start and f.time_start.isoformat(),
                        f.time_end and f.time_end.isoformat(),
                    ],
                    ensure_ascii=False,
                    sort_keys=True,
                )
            )
    return "\n".join(rows).encode()


def real_districts() -> dict[str, object]:
    data = json.loads((SHARED_DATA / "longan_admin.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["code"]: shape(f["geometry"]) for f in data["features"]}


# --- The generator -----------------------------------------------------------------------------------


def test_the_world_has_every_layer_of_the_brief(demo_world):
    assert tuple(layer.slug for layer in demo_world.layers) == LAYER_SLUGS
    assert all(layer.features for layer in demo_world.layers)


def test_the_world_is_deterministic(demo_world):
    assert fingerprint(generate_world(DEFAULT_SEED)) == fingerprint(demo_world)


def test_the_seed_changes_the_world(demo_world):
    assert fingerprint(generate_world(DEFAULT_SEED + 1)) != fingerprint(demo_world)


def test_every_layer_passes_schema_and_style_validation(demo_world):
    for layer in demo_world.layers:
        validate_property_schema(layer.property_schema)
        validate_style(layer.style)
    assert problems(demo_world) == []


def test_every_property_key_is_in_the_schema_and_every_schema_key_is_used(demo_world):
    for layer in demo_world.layers:
        declared = {p["name"] for p in layer.property_schema}
        used = set().union(*(f.properties for f in layer.features))
        assert used == declared, layer.slug


def test_every_coded_value_has_a_name_for_people(demo_world):
    """A code such as "cong_lap" must reach a popup or a table as "Công lập" / "Public": through the
    schema's choices, or the style's categories for the property the map colours by."""
    for layer in demo_world.layers:
        categorized = (layer.style.get("categories") or {}).get("property")
        for prop in layer.property_schema:
            values = {f.properties.get(prop["name"]) for f in layer.features} - {None, ""}
            coded = prop["type"] == "string" and values and all(
                isinstance(v, str) and v.isascii() and v.replace("_", "").isalnum() and not v.isdigit() for v in values)
            if not coded or prop["name"] == categorized or prop["name"].endswith("code"):
                continue
            named = {c["value"] for c in prop.get("choices", [])}
            assert values <= named, f"{layer.slug}.{prop['name']}: no name for {sorted(values - named)}"


def test_a_schema_choice_needs_both_labels_once():
    base = {"name": "ownership", "type": "string", "label_vi": "Loại hình", "label_en": "Ownership"}
    validate_property_schema([base | {"choices": [{"value": "cong_lap", "label_vi": "Công lập", "label_en": "Public"}]}])
    for choices in ([], [{"value": "cong_lap", "label_vi": "Công lập"}],
                    [{"value": "a", "label_vi": "A", "label_en": "A"}, {"value": "a", "label_vi": "B", "label_en": "B"}]):
        with pytest.raises(ValidationError):
            validate_property_schema([base | {"choices": choices}])


def test_all_text_is_nfc(demo_world):
    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for k, v in value.items():
                yield k
                yield from strings(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                yield from strings(v)

    texts = [
        s
        for layer in demo_world.layers
        for s in strings(
            [
                layer.title_vi,
                layer.description,
                layer.source_department,
                layer.property_schema,
                layer.style,
                [f.properties for f in layer.features],
            ]
        )
    ]
    assert len(texts) > 10_000
    assert [s for s in texts if not unicodedata.is_normalized("NFC", s)] == []
    assert any("ư" in s for s in texts)  # Vietnamese made it through, diacritics and all


def test_every_district_code_from_794_to_808_is_present(demo_world):
    codes = [f.properties["code"] for f in features(demo_world, "admin-districts")]
    assert codes == [str(c) for c in range(794, 809)]
    names = {f.properties["code"]: f.properties["name"] for f in features(demo_world, "admin-districts")}
    assert names["794"] == "Thành phố Tân An" and names["807"] == "Huyện Cần Giuộc"


def test_district_facts_come_from_the_census_table(demo_world):
    props = {f.properties["code"]: f.properties for f in features(demo_world, "admin-districts")}
    assert sum(p["population_2019"] for p in props.values()) == longan.PROVINCE_POPULATION_2019
    assert props["794"]["area_km2"] == 81.94 and props["794"]["area_source"] == "official"
    assert props["797"]["area_km2"] == 382.1 and props["797"]["area_source"] == "computed"
    assert props["802"]["seat"] == "Thị trấn Hậu Nghĩa"


def test_the_commune_counts_match_the_gso_table(demo_world):
    communes = features(demo_world, "admin-communes")
    assert len(communes) == 188
    assert Counter(f.properties["unit_type"] for f in communes) == {"phuong": 12, "thi_tran": 15, "xa": 161}
    for code, (phuong, thi_tran, xa) in longan.COMMUNE_COUNTS.items():
        kinds = Counter(f.properties["unit_type"] for f in communes if f.properties["district_code"] == code)
        assert (kinds["phuong"], kinds["thi_tran"], kinds["xa"]) == (phuong, thi_tran, xa), code
    assert all(len(f.properties["code"]) == 5 and f.properties["code"].isdigit() for f in communes)
    assert sum(f.properties["is_seat"] for f in communes) == 15


def test_communes_merged_in_2024_end_on_1_december_2024(demo_world):
    ended = {
        f.properties["name"]
        for f in features(demo_world, "admin-communes")
        if f.properties["valid_to"] == "2024-12-01"
    }
    assert ended == {"Phường 2", "Xã Tân Hòa"}


def test_districts_partition_the_province(demo_world):
    province = features(demo_world, "admin-province")[0].geom
    districts = features(demo_world, "admin-districts")
    union = shapely.coverage_union_all([f.geom for f in districts])
    assert abs(area_km2(union) - area_km2(province)) < 0.01 * area_km2(province)
    tree = STRtree([f.geom for f in districts])
    for i, j in zip(*tree.query([f.geom for f in districts], predicate="intersects")):
        if i < j:
            assert area_km2(districts[i].geom.intersection(districts[j].geom)) < 0.01
    for fact, feature in zip(longan.DISTRICTS, districts):
        assert feature.geom.contains(Point(fact.centroid)), fact.name
        assert all(feature.geom.contains(Point(town)) for town in fact.towns), fact.name


def test_communes_tile_their_districts(demo_world):
    districts = {f.properties["code"]: f.geom for f in features(demo_world, "admin-districts")}
    for code, district in districts.items():
        communes = [
            f.geom for f in features(demo_world, "admin-communes") if f.properties["district_code"] == code
        ]
        assert all(c.is_valid and c.geom_type == "Polygon" for c in communes)
        assert abs(area_km2(shapely.union_all(communes)) - area_km2(district)) < 0.001 * area_km2(district)
        assert sum(area_km2(c) for c in communes) == pytest.approx(area_km2(district), rel=1e-3)


def test_district_areas_are_roughly_plausible(demo_world):
    for fact, feature in zip(longan.DISTRICTS, features(demo_world, "admin-districts")):
        ratio = feature.properties["area_km2_map"] / (fact.area_km2_official or fact.area_km2_computed)
        assert 0.75 < ratio < 1.5, (fact.name, ratio)
    assert 4000 < features(demo_world, "admin-province")[0].properties["area_km2_map"] < 5300


@needs_shared_data
def test_districts_lie_near_the_real_ones(demo_world):
    real = real_districts()
    for feature in features(demo_world, "admin-districts"):
        mine, theirs = feature.geom, real[feature.properties["code"]]
        assert theirs.contains(mine.centroid), feature.properties["name"]
        assert mine.intersection(theirs).area / mine.area > 0.5, feature.properties["name"]


@needs_shared_data
def test_the_drawn_outline_overlaps_the_real_province(demo_world):
    mine, theirs = features(demo_world, "admin-province")[0].geom, real_districts()["80"]
    assert mine.intersection(theirs).area / mine.union(theirs).area > 0.75


@needs_shared_data
def test_the_drawn_outline_is_not_traced_from_the_gpl_polygons():
    real = real_districts()["80"]
    vertices = shapely.points(shapely.get_coordinates(real))
    tree = STRtree(vertices)
    # No hand-drawn vertex sits within about a metre of one of theirs.
    assert all(len(tree.query(Point(v).buffer(1e-5))) == 0 for v in longan.OUTLINE)


@needs_shared_data
def test_commune_names_marked_official_are_real_names_of_their_district(demo_world):
    data = json.loads((SHARED_DATA / "longan_dvhc_2022-10-01.json").read_text(encoding="utf-8"))["data"]
    real = {d["level2_id"]: {c["name"] for c in d["level3s"]} for d in data["level2s"]}
    wrong = [
        (f.properties["district_code"], f.properties["name"])
        for f in features(demo_world, "admin-communes")
        if f.properties["name_source"] == "official"
        and f.properties["name"] not in real[f.properties["district_code"]]
    ]
    assert wrong == []


def test_schools_number_near_the_2013_census_by_level(demo_world):
    levels = Counter(f.properties["level"] for f in features(demo_world, "schools"))
    census_2013 = {"mam_non": 187, "tieu_hoc": 249, "thcs": 132, "thpt": 46, "dai_hoc": 2}
    for level, count in census_2013.items():
        assert abs(levels[level] - count) <= 0.1 * count, level
    assert levels["gdtx"] == 16
    assert 650 <= sum(levels.values()) <= 720
    assert "Trường Đại học Tân Tạo" in {f.properties["name"] for f in features(demo_world, "schools")}


def test_points_lie_in_the_commune_they_name(demo_world):
    communes = {f.properties["code"]: f.geom for f in features(demo_world, "admin-communes")}
    for slug in ("schools", "health-facilities", "feedback-1022", "traffic-incidents", "tourism-sites"):
        for f in features(demo_world, slug):
            assert communes[f.properties["commune_code"]].covers(f.geom), (slug, f.source_id)


def test_schools_follow_population(demo_world):
    pupils = Counter()
    for f in features(demo_world, "schools"):
        pupils[f.properties["district_code"]] += f.properties["pupils"]
    # Đức Hòa (315,711 people) teaches far more pupils than Mộc Hóa (28,165).
    assert pupils["802"] > 5 * pupils["798"]


def test_there_is_a_health_station_per_commune_and_a_centre_per_district(demo_world):
    kinds = Counter(f.properties["facility_type"] for f in features(demo_world, "health-facilities"))
    assert kinds == {"commune_health_station": 188, "district_medical_centre": 15, "provincial_hospital": 5}
    hospitals = [
        f
        for f in features(demo_world, "health-facilities")
        if f.properties["facility_type"] == "provincial_hospital"
    ]
    assert {f.properties["district_code"] for f in hospitals} == {"794"}
    assert "Bệnh viện Đa khoa Long An" in {f.properties["name"] for f in hospitals}


def test_feedback_has_exactly_1022_reports_of_2022(demo_world):
    reports = features(demo_world, "feedback-1022")
    assert len(reports) == 1022
    assert all(f.time_start.year == 2022 and f.time_start == f.time_end for f in reports)
    assert {f.properties["status"] for f in reports} == {"moi", "dang_xu_ly", "da_xu_ly", "qua_han"}
    for f in reports:
        resolved = f.properties["resolved_at"]
        assert (resolved is not None) == (f.properties["status"] == "da_xu_ly")
        assert resolved is None or resolved > f.properties["created_at"]


def test_air_readings_are_hourly_for_the_30_days_before_the_reference(demo_world):
    readings = features(demo_world, "air-readings")
    for code, *_ in longan.AIR_STATIONS:
        times = sorted(f.time_start for f in readings if f.properties["station_code"] == code)
        assert len(times) == 720
        assert times[-1] == longan.REFERENCE_TIME
        assert all(b - a == timedelta(hours=1) for a, b in pairwise(times))
    by_hour = {
        h: np.mean([f.properties["pm25"] for f in readings if f.time_start.hour == h]) for h in (8, 14, 20)
    }
    assert by_hour[8] > by_hour[14] and by_hour[20] > by_hour[14]


def test_salinity_falls_with_distance_from_the_sea(demo_world):
    readings = features(demo_world, "salinity-readings")
    values = [f.properties["salinity_gl"] for f in readings]
    assert 0.5 <= min(values) and max(values) <= 13.2 and max(values) > 10
    stations = sorted({(f.properties["distance_to_sea_km"], f.properties["station_code"]) for f in readings})
    means = [
        np.mean([f.properties["salinity_gl"] for f in readings if f.properties["station_code"] == code])
        for _km, code in stations
    ]
    assert np.corrcoef([km for km, _ in stations], means)[0, 1] < -0.8
    assert len(readings) == 8 * 182


def test_land_use_polygons_are_valid_and_do_not_overlap(demo_world):
    for slug in ("land-use-plan", "industrial-parks"):
        polygons = [f.geom for f in features(demo_world, slug)]
        assert all(p.is_valid and p.geom_type == "Polygon" for p in polygons)
        tree = STRtree(polygons)
        for i, j in zip(*tree.query(polygons, predicate="intersects")):
            if i < j:
                assert polygons[i].intersection(polygons[j]).area < 1e-9, slug
    classes = {f.properties["land_class"] for f in features(demo_world, "land-use-plan")}
    assert {"lua", "thanh_long", "chanh", "dat_o", "rung_tram"} <= classes
    stops = {s["value"] for s in demo_world.layer("land-use-plan").style["categories"]["stops"]}
    assert classes <= stops


def test_rice_dominates_dong_thap_muoi_and_dragon_fruit_chau_thanh(demo_world):
    area = Counter()
    for f in features(demo_world, "land-use-plan"):
        area[(f.properties["district_code"], f.properties["land_class"])] += f.properties["area_ha"]
    assert area[("796", "lua")] > 0.7 * sum(v for (d, _c), v in area.items() if d == "796")
    assert area[("808", "thanh_long")] > 0.5 * sum(v for (d, _c), v in area.items() if d == "808")
    assert area[("796", "rung_tram")] > 3000  # Láng Sen


def test_industrial_parks_touch_the_communes_the_sources_name(demo_world):
    named = {
        c.properties["code"]: (c.properties["district_code"], c.properties["name"])
        for c in features(demo_world, "admin-communes")
    }
    for park, feature in zip(longan.INDUSTRIAL_PARKS, features(demo_world, "industrial-parks"), strict=True):
        assert feature.properties["name"] == park.name
        district, name = named[feature.properties["commune_code"]]
        assert district == park.district
        if park.commune:
            assert name.endswith(park.commune), (park.name, name)
    sizes = {
        f.properties["name"]: f.properties["area_ha_map"] for f in features(demo_world, "industrial-parks")
    }
    assert sizes["KCN Long Hậu"] == pytest.approx(425, rel=0.15)


def test_lengths_are_measured_on_the_ellipsoid(demo_world):
    for f in features(demo_world, "roads") + features(demo_world, "rivers"):
        assert f.properties["length_km"] == pytest.approx(length_km(f.geom), abs=0.01)
    ql62 = next(f for f in features(demo_world, "roads") if f.properties["ref"] == "QL62")
    assert 70 < ql62.properties["length_km"] < 100  # about 76 km from Tân An to Bình Hiệp
    assert ql62.geom.coords[-1] == pytest.approx((105.944, 10.906), abs=0.01)


def test_tourism_sites_lie_in_the_districts_the_sources_name(demo_world):
    where = {
        f.properties["name"]: f.properties["district_code"] for f in features(demo_world, "tourism-sites")
    }
    assert where["Khu bảo tồn đất ngập nước Láng Sen"] == "796"
    assert where["Làng nổi Tân Lập"] == "798"
    assert where["Bảo tàng Long An"] == "794"


def test_access_levels_follow_the_brief(demo_world):
    access = {layer.slug: (layer.access, layer.groups) for layer in demo_world.layers}
    assert sum(a == "public" for a, _ in access.values()) >= 8
    for slug in ("traffic-incidents", "feedback-1022", "planning-zones"):
        assert access[slug] == ("internal", ())
    assert access["dengue-cases"] == ("restricted", ("health",))
    kinds = {layer.slug: layer.time_kind for layer in demo_world.layers}
    for slug in ("air-readings", "salinity-readings", "traffic-incidents", "feedback-1022", "dengue-cases"):
        assert kinds[slug] == "instant"


# --- Loading into PostGIS ------------------------------------------------------------------------------


def small_world(world: World) -> World:
    """Three layers, one per access level, for tests that load more than once."""
    return World(
        seed=world.seed,
        layers=[world.layer(s) for s in ("admin-districts", "dengue-cases", "planning-zones")],
    )


@pytest.mark.django_db
def test_loading_the_world_writes_every_feature(demo_world):
    report = load_world(demo_world)
    assert [done.action for done in report.layers] == ["created"] * len(LAYER_SLUGS)
    assert world_is_loaded(LAYER_SLUGS)
    with connection.cursor() as cur:
        cur.execute(
            """SELECT l.slug, count(*), bool_and(ST_IsValid(f.geom)), bool_and(ST_SRID(f.geom) = 4326),
                      l.feature_count, l.extent IS NOT NULL
                 FROM layers_feature f JOIN layers_layer l ON l.id = f.layer_id GROUP BY l.id"""
        )
        rows = {slug: rest for slug, *rest in cur.fetchall()}
    for layer in demo_world.layers:
        assert rows[layer.slug] == [len(layer.features), True, True, len(layer.features), True], layer.slug
    district = Layer.objects.get(slug="admin-districts").features.get(source_id="794")
    assert district.properties["name"] == "Thành phố Tân An"
    # Hex EWKB carries the coordinates bit for bit.
    assert district.geom.equals_exact(
        GEOSGeometry(memoryview(demo_world.layer("admin-districts").features[0].geom.wkb)), 0
    )


@pytest.mark.django_db
def test_loading_twice_keeps_one_copy(demo_world):
    load_world(small_world(demo_world))
    versions = dict(Layer.objects.values_list("slug", "version"))
    report = load_world(small_world(demo_world))
    assert report.skipped == ["admin-districts", "dengue-cases", "planning-zones"]
    assert dict(Layer.objects.values_list("slug", "version")) == versions
    assert Layer.objects.get(slug="admin-districts").features.count() == 15


@pytest.mark.django_db
def test_replacing_reloads_the_features_and_bumps_the_version(demo_world):
    load_world(small_world(demo_world))
    before = Layer.objects.get(slug="dengue-cases").version
    report = load_world(small_world(demo_world), replace=True)
    assert {done.action for done in report.layers} == {"replaced"}
    layer = Layer.objects.get(slug="dengue-cases")
    assert layer.version > before
    assert layer.features.count() == len(demo_world.layer("dengue-cases").features) == layer.feature_count


@pytest.mark.django_db
def test_the_dengue_layer_is_restricted_to_the_health_group(demo_world):
    load_world(small_world(demo_world))
    layer = Layer.objects.get(slug="dengue-cases")
    assert layer.access == "restricted"
    assert list(layer.groups.values_list("name", flat=True)) == ["health"]


@pytest.mark.django_db
def test_each_demo_account_sees_what_its_role_allows(demo_world, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_world(demo_world)
    ensure_demo_accounts(password="pw")
    seen = {u.username: set(visible_layers(u).values_list("slug", flat=True)) for u in User.objects.all()}
    public = {layer.slug for layer in demo_world.layers if layer.access == "public"}
    internal = {"traffic-incidents", "feedback-1022", "planning-zones"}
    assert seen["demo-outsider"] == public
    assert seen["demo-official"] == seen["demo-planner"] == seen["demo-steward"] == public | internal
    assert seen["demo-health"] == public | {"dengue-cases"}
    assert seen["admin"] == set(LAYER_SLUGS)


@pytest.mark.django_db
def test_every_demo_layer_gets_its_department_and_the_demo_stewards_write_only_theirs(demo_world, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_world(demo_world)
    # Layers loaded before departments existed have no owner: the next run gives them one, once.
    assert assign_layer_owners() == len(demo_world.layers)
    assert assign_layer_owners() == 0
    ensure_demo_accounts(password="pw")
    owners = dict(Layer.objects.values_list("slug", "owner__name_vi"))
    assert owners["schools"] == "Sở Giáo dục và Đào tạo" and owners["dengue-cases"] == "Sở Y tế"
    assert owners["planning-zones"] == "Sở Xây dựng" and None not in owners.values()
    writes = {u.username: set(writable_layers(u).values_list("slug", flat=True)) for u in User.objects.all()}
    assert writes["demo-planner"] == {"planning-zones"}
    theirs = set(Layer.objects.filter(owner__code__in=[ENVIRONMENT, AGRICULTURE]).values_list("slug", flat=True))
    assert writes["demo-steward"] == theirs and {"rivers", "salinity-stations"} <= theirs
    assert writes["demo-official"] == writes["demo-health"] == writes["demo-outsider"] == set()
    assert writes["admin"] == set(LAYER_SLUGS)


@pytest.mark.django_db
def test_demo_accounts_are_idempotent_and_use_the_demo_password(settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("DEMO_PASSWORD", "mật-khẩu-thử")
    ensure_demo_accounts()
    ensure_demo_accounts()
    assert User.objects.count() == len(DEMO_ACCOUNTS)
    # The health group, and one group per department (a department is a group).
    assert set(Group.objects.values_list("name", flat=True)) == {"health"} | {d.name_vi for d in DEMO_DEPARTMENTS}
    planner = User.objects.get(username="demo-planner")
    assert planner.is_staff and not planner.is_superuser and planner.check_password("mật-khẩu-thử")
    health = User.objects.get(username="demo-health")
    assert not health.is_staff and list(health.groups.values_list("name", flat=True)) == ["health"]
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="demo-official").is_superuser


@pytest.mark.django_db
def test_the_command_loads_once_then_skips(demo_world, settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(
        "fixtures.management.commands.load_demo_world.generate_world", lambda seed: demo_world
    )
    # Two months of monitoring values, not the demo's 59 (430,000 values): the command's part is the same.
    monkeypatch.setattr(
        "fixtures.management.commands.load_demo_world.load_demo_monitoring",
        lambda **options: load_demo_monitoring(**options, first=(2025, 6), last=(2025, 7), layers="none"),
    )
    first, second = StringIO(), StringIO()
    call_command("load_demo_world", stdout=first)
    call_command("load_demo_world", stdout=second)
    assert "feedback-1022" in first.getvalue() and "created" in first.getvalue()
    assert "already loaded" in second.getvalue()
    assert "Monitoring: 15 services" in first.getvalue() and "values already loaded" in second.getvalue()
    # The live 1022 demo (fixtures.feedback_demo) replaces the generated 2022 reports, once.
    assert Layer.objects.get(slug="feedback-1022").features.count() == Report.objects.count() == 20_000
    assert "1022: 20,000 reports (skipped)" in second.getvalue()
    assert User.objects.filter(username__startswith="demo-").count() == 7


@needs_shared_data
@pytest.mark.django_db
def test_the_official_boundaries_load_beside_the_drawn_ones():
    out = StringIO()
    call_command("load_official_boundaries", "--data-dir", str(SHARED_DATA), stdout=out)
    layer = Layer.objects.get(slug="admin-districts-official")
    assert (layer.feature_count, layer.license, layer.geometry_type) == (15, "GPL-3.0", "MultiPolygon")
    assert set(layer.features.values_list("source_id", flat=True)) == {str(c) for c in range(794, 809)}
    assert "created" in out.getvalue()


@pytest.mark.django_db
def test_the_official_boundaries_command_fails_clearly_without_the_data(tmp_path):
    with pytest.raises(CommandError, match="No boundary file"):
        call_command("load_official_boundaries", "--data-dir", str(tmp_path))
    assert not Layer.objects.filter(slug="admin-districts-official").exists()
