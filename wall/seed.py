"""The demo wall for Long An: four scenes and one playlist, over the demo world's layers.

The demo data runs through 2022 (salinity into May 2023), so each scene carries the reference time
its windows are measured from; an operator clears `as_of` in the admin once live data flows in.
"""

from datetime import datetime, timedelta, timezone as dt_timezone
from typing import Any

from django.db import transaction

from wall.control import ensure_state
from wall.layout import validate_layout
from wall.models import Playlist, PlaylistEntry, Scene

PLAYLIST = "long-an-ioc"
ICT = dt_timezone(timedelta(hours=7))
GRID = {"rows": 5, "cols": 5}  # the 5 × 5 screens of the IOC wall, one grid cell per screen
DISTRICT_NAMES = {"layer": "admin-districts", "key": "code", "label": "name"}
# Drawn by the layer's own style (categories, names) over the basemap; other layers take a colour of their own.
DISTRICTS = {"layer": "admin-districts"}


def _panel(pid: str, kind: str, at: tuple[int, int], size: tuple[int, int], vi: str, en: str,
           query: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": pid, "kind": kind, "row": at[0], "col": at[1], "rows": size[0], "cols": size[1],
            "title_vi": vi, "title_en": en, "query": query or {}}


def _kpi(pid: str, at: tuple[int, int], vi: str, en: str, **query: Any) -> dict[str, Any]:
    return _panel(pid, "kpi", at, (1, 1), vi, en, query)


def _clock(at: tuple[int, int]) -> dict[str, Any]:
    return _panel("clock", "clock", at, (1, 1), "Giờ Việt Nam", "Vietnam time")


TRAFFIC = {
    "grid": GRID,
    "panels": [
        _panel("map", "map", (0, 0), (3, 3), "Sự cố giao thông 30 ngày", "Traffic incidents, 30 days",
               {"layers": [DISTRICTS, {"layer": "roads", "color": "#f59e0b"},
                                                 {"layer": "traffic-incidents", "window": "30d", "color": "#ef4444"}]}),
        _kpi("incidents-7d", (0, 3), "Sự cố 7 ngày", "Incidents, 7 days", layer="traffic-incidents",
             window="7d", compare=True, better="down"),
        _kpi("injuries-30d", (0, 4), "Người bị thương 30 ngày", "Injured, 30 days", layer="traffic-incidents",
             window="30d", aggregate="sum", property="injuries", compare=True, unit_vi="người", unit_en="people", better="down"),
        _kpi("deaths-30d", (1, 3), "Người tử vong 30 ngày", "Deaths, 30 days", layer="traffic-incidents",
             window="30d", aggregate="sum", property="deaths", compare=True, unit_vi="người", unit_en="people", better="down"),
        _kpi("order-reports", (1, 4), "Phản ánh an ninh trật tự 30 ngày", "Public-order reports, 30 days",
             layer="feedback-1022", filter={"category": "an_ninh_trat_tu"}, window="30d", compare=True, better="down"),
        _clock((2, 3)),
        _kpi("serious-90d", (2, 4), "Sự cố nghiêm trọng 90 ngày", "Serious incidents, 90 days",
             layer="traffic-incidents", filter={"severity": ["nghiem_trong", "dac_biet_nghiem_trong"]},
             window="90d", compare=True, better="down"),
        _panel("incidents-daily", "chart", (3, 0), (2, 3), "Sự cố mỗi ngày, 30 ngày", "Incidents per day, 30 days",
               {"layer": "traffic-incidents", "window": "30d", "bucket": "1d"}),
        _panel("districts", "table", (3, 3), (2, 1), "Huyện nhiều sự cố nhất, 90 ngày",
               "Districts by incidents, 90 days",
               {"layer": "traffic-incidents", "window": "90d", "group_by": "district_code", "limit": 8,
                "names": DISTRICT_NAMES}),
        _panel("latest", "ticker", (3, 4), (2, 1), "Sự cố mới nhất", "Latest incidents",
               {"layer": "traffic-incidents", "window": "30d", "limit": 8, "text": ["incident_type", "road_name"],
                "labels": {"va_cham": "Va chạm", "tai_nan": "Tai nạn", "un_tac": "Ùn tắc",
                           "ngap_nuoc": "Ngập nước", "su_co_ha_tang": "Sự cố hạ tầng"}}),
    ],
}

ENVIRONMENT = {
    "grid": GRID,
    "panels": [
        _panel("map", "map", (0, 0), (3, 3), "Trạm quan trắc không khí và độ mặn", "Air and salinity stations",
               {"layers": [DISTRICTS, {"layer": "rivers", "color": "#3b82f6"},
                                                 {"layer": "salinity-stations", "color": "#1d4ed8"},
                                                 {"layer": "air-stations", "color": "#16a34a"}]}),
        _kpi("aqi-avg", (0, 3), "AQI trung bình 24 giờ", "Average AQI, 24 h", layer="air-readings", window="24h",
             aggregate="avg", property="aqi", compare=True, better="down"),
        _kpi("pm25-max", (0, 4), "PM2.5 cao nhất 24 giờ", "Highest PM2.5, 24 h", layer="air-readings",
             window="24h", aggregate="max", property="pm25", compare=True, decimals=1, unit_vi="µg/m³",
             unit_en="µg/m³", better="down"),
        _kpi("air-bad", (1, 3), "Trạm có AQI kém/xấu, 24 giờ", "Stations with poor AQI, 24 h",
             layer="air-readings", window="24h", filter={"aqi_level": ["kem", "xau"]}, aggregate="count_distinct",
             property="station_code", compare=True, better="down", bands={"watch_at": 1, "critical_at": 3}),
        _kpi("salinity-max", (1, 4), "Độ mặn cao nhất 24 giờ", "Highest salinity, 24 h", layer="salinity-readings",
             window="24h", aggregate="max", property="salinity_gl", compare=True, decimals=1, unit_vi="g/L",
             unit_en="g/L", better="down"),
        _clock((2, 3)),
        _kpi("salinity-over", (2, 4), "Trạm vượt ngưỡng mặn cho lúa, 24 giờ", "Stations over the rice limit, 24 h",
             layer="salinity-readings", window="24h", filter={"above_rice_limit": True},
             aggregate="count_distinct", property="station_code", compare=True, better="down",
             bands={"watch_at": 1, "critical_at": 3}),
        _panel("aqi-daily", "chart", (3, 0), (2, 3), "AQI trung bình theo ngày, 30 ngày", "Average AQI per day, 30 days",
               {"layer": "air-readings", "window": "30d", "bucket": "1d", "aggregate": "avg", "property": "aqi"}),
        _panel("salinity-stations", "table", (3, 3), (2, 1), "Độ mặn cao nhất theo trạm, 7 ngày",
               "Highest salinity by station, 7 days",
               {"layer": "salinity-readings", "window": "7d", "group_by": "station_name", "aggregate": "max",
                "property": "salinity_gl", "decimals": 1, "unit_vi": "g/L", "unit_en": "g/L", "limit": 8}),
        _panel("latest", "ticker", (3, 4), (2, 1), "Cảnh báo không khí", "Air quality alerts",
               {"layer": "air-readings", "window": "7d", "filter": {"aqi_level": ["kem", "xau"]}, "limit": 8,
                "text": ["station_name", "aqi_level"], "labels": {"kem": "AQI kém", "xau": "AQI xấu"}}),
    ],
}

AGRICULTURE = {
    "grid": GRID,
    "panels": [
        _panel("map", "map", (0, 0), (3, 3), "Vùng sản xuất nông nghiệp và sông ngòi", "Farmland and rivers",
               {"layers": [
                   DISTRICTS,
                   {"layer": "land-use-plan", "filter": {"land_class": ["lua", "thanh_long", "cay_lau_nam", "chanh"]},
                    "color": "#65a30d"},
                   {"layer": "rivers", "color": "#3b82f6"}, {"layer": "salinity-stations", "color": "#1d4ed8"}]}),
        _kpi("rice-ha", (0, 3), "Đất trồng lúa (quy hoạch)", "Rice land (plan)", layer="land-use-plan",
             filter={"land_class": "lua"}, aggregate="sum", property="area_ha", unit_vi="ha", unit_en="ha"),
        _kpi("dragon-fruit-ha", (0, 4), "Đất trồng thanh long", "Dragon-fruit land", layer="land-use-plan",
             filter={"land_class": "thanh_long"}, aggregate="sum", property="area_ha", unit_vi="ha", unit_en="ha"),
        _kpi("salinity-over-30d", (1, 3), "Số đo vượt ngưỡng mặn cho lúa, 30 ngày",
             "Readings over the rice limit, 30 days", layer="salinity-readings", window="30d",
             filter={"above_rice_limit": True}, compare=True, better="down"),
        _kpi("salinity-max", (1, 4), "Độ mặn cao nhất 7 ngày", "Highest salinity, 7 days", layer="salinity-readings",
             window="7d", aggregate="max", property="salinity_gl", compare=True, decimals=1, unit_vi="g/L",
             unit_en="g/L", better="down"),
        _clock((2, 3)),
        _kpi("flooding-365d", (2, 4), "Điểm ngập trên đường, 12 tháng", "Flooded roads, 12 months",
             layer="traffic-incidents", filter={"incident_type": "ngap_nuoc"}, window="365d"),
        _panel("salinity-daily", "chart", (3, 0), (2, 3), "Độ mặn cao nhất mỗi ngày, 120 ngày",
               "Highest salinity per day, 120 days",
               {"layer": "salinity-readings", "window": "120d", "bucket": "1d", "aggregate": "max",
                "property": "salinity_gl", "decimals": 1, "unit_vi": "g/L", "unit_en": "g/L"}),
        _panel("rice-districts", "table", (3, 3), (2, 1), "Đất lúa theo huyện", "Rice land by district",
               {"layer": "land-use-plan", "filter": {"land_class": "lua"}, "group_by": "district_code",
                "aggregate": "sum", "property": "area_ha", "unit_vi": "ha", "unit_en": "ha", "limit": 8,
                "names": DISTRICT_NAMES}),
        _panel("latest", "ticker", (3, 4), (2, 1), "Trạm vượt ngưỡng mặn", "Stations over the salinity limit",
               {"layer": "salinity-readings", "window": "7d", "filter": {"above_rice_limit": True}, "limit": 8,
                "text": ["station_name", "salinity_gl"], "decimals": 1, "unit_vi": "g/L", "unit_en": "g/L"}),
    ],
}

# The 1022 scene reads the live feedback layer (feedback.layer): `sla` is open, overdue, resolved or
# declined, `overdue` a boolean; the map draws it with the layer's own style (overdue in red).
OPEN_REPORTS = {"sla": ["open", "overdue"]}
FEEDBACK = {
    "grid": GRID,
    "panels": [
        _panel("map", "map", (0, 0), (3, 3), "Phản ánh đang mở", "Open reports",
               {"layers": [DISTRICTS, {"layer": "feedback-1022", "filter": OPEN_REPORTS}]}),
        _kpi("open", (0, 3), "Phản ánh đang mở", "Open reports", layer="feedback-1022", filter=OPEN_REPORTS,
             better="down"),
        _kpi("overdue", (0, 4), "Quá hạn xử lý", "Overdue", layer="feedback-1022", filter={"overdue": True},
             better="down"),
        _kpi("new-7d", (1, 3), "Phản ánh mới 7 ngày", "New reports, 7 days", layer="feedback-1022", window="7d",
             compare=True, better="down"),
        _kpi("resolved-30d", (1, 4), "Đã xử lý (nhận trong 30 ngày)", "Resolved (received in 30 days)",
             layer="feedback-1022", filter={"sla": "resolved"}, window="30d", compare=True, better="up"),
        _clock((2, 3)),
        _kpi("traffic-30d", (2, 4), "Phản ánh giao thông 30 ngày", "Traffic reports, 30 days",
             layer="feedback-1022", filter={"category": "giao_thong"}, window="30d", compare=True, better="down"),
        _panel("daily", "chart", (3, 0), (2, 3), "Phản ánh mỗi ngày, 30 ngày", "Reports per day, 30 days",
               {"layer": "feedback-1022", "window": "30d", "bucket": "1d"}),
        _panel("districts", "table", (3, 3), (2, 1), "Huyện nhiều phản ánh đang mở", "Districts by open reports",
               {"layer": "feedback-1022", "filter": OPEN_REPORTS, "group_by": "district_code", "limit": 8,
                "names": DISTRICT_NAMES}),
        _panel("latest", "ticker", (3, 4), (2, 1), "Phản ánh mới nhất", "Latest reports",
               {"layer": "feedback-1022", "window": "30d", "limit": 8, "text": ["description", "commune_name"]}),
    ],
}

SCENES = [
    ("traffic", "Giao thông và trật tự công cộng", "Traffic and public order", TRAFFIC,
     datetime(2022, 12, 31, 12, 0, tzinfo=ICT)),
    ("environment", "Môi trường và độ mặn", "Environment and salinity", ENVIRONMENT,
     datetime(2022, 12, 31, 23, 0, tzinfo=ICT)),
    ("agriculture", "Nông nghiệp, xâm nhập mặn và ngập", "Agriculture, salinity and flooding", AGRICULTURE,
     datetime(2023, 3, 31, 23, 0, tzinfo=ICT)),
    # The live 1022 demo's reports run to 30 Nov 2026 18:00 (fixtures.feedback_demo.END).
    ("feedback-1022", "Phản ánh hiện trường 1022", "Citizen feedback 1022", FEEDBACK,
     datetime(2026, 11, 30, 18, 0, tzinfo=ICT)),
]


@transaction.atomic
def ensure_demo_scenes(*, seconds_per_scene: int = 60, reset: bool = False) -> Playlist:
    """Create the four demo scenes and the playlist that cycles them when they are missing. Running
    it twice leaves one copy, and what an operator changed in the admin is kept unless `reset`."""
    scenes = []
    for slug, title_vi, title_en, layout, as_of in SCENES:
        validate_layout(layout)
        fields = {"title_vi": title_vi, "title_en": title_en, "layout": layout, "as_of": as_of}
        if reset:
            scene, _created = Scene.objects.update_or_create(slug=slug, defaults=fields)
        else:
            scene, _created = Scene.objects.get_or_create(slug=slug, defaults=fields)
        scenes.append(scene)
    playlist, created = Playlist.objects.get_or_create(
        slug=PLAYLIST, defaults={"title_vi": "Trung tâm IOC Long An", "title_en": "Long An IOC"})
    if created or reset:
        playlist.entries.all().delete()
        PlaylistEntry.objects.bulk_create(
            PlaylistEntry(playlist=playlist, scene=scene, order=i, duration_seconds=seconds_per_scene)
            for i, scene in enumerate(scenes))
    ensure_state(playlist)
    return playlist


def map_layers() -> dict[str, set[str]]:
    """The layers the demo scenes' maps draw, for tile seeding (`seed_tiles --layers … --zooms 8-12`:
    a 3 × 3-screen map of the province is about z9 on a 1920 × 1080 canvas, z12 on the 9600 × 5400
    wall). "plain" tiles are seedable as they are; "windowed" ones carry a datetime filter on
    their tile URLs, which seed_tiles does not take yet."""
    plain: set[str] = set()
    windowed: set[str] = set()
    for _slug, _vi, _en, layout, _as_of in SCENES:
        for panel in layout["panels"]:
            for entry in panel["query"].get("layers", []):
                (windowed if "window" in entry else plain).add(entry["layer"])
    return {"plain": plain, "windowed": windowed}
