"""One time-window rule for every channel (layers.query.during): a window [start, end] is closed, either
end may be open; a feature's time is [time_start, coalesce(time_end, time_start)]; they match when they
intersect. A wall KPI, /api/counts/, GeoJSON numberMatched and the features of the tiles covering the
area agree on it, at the window's edges included."""

from datetime import datetime, timedelta, timezone

import mapbox_vector_tile
import pytest
from django.test import Client

from layers.models import Layer, TimeKind
from tests.conftest import add_features, make_layer
from tiles.grid import tiles_covering
from wall import metrics
from wall.timeframe import Window

START = datetime(2022, 6, 1, tzinfo=timezone.utc)
END = datetime(2022, 6, 30, tzinfo=timezone.utc)
US = timedelta(microseconds=1)
DAY = timedelta(days=1)
AREA = (106.35, 10.50, 106.50, 10.60)  # holds every feature: the wall's numbers have no area
ZOOM = 10  # a handful of points: every tile is drawn raw, none clustered
EVENT_SCHEMA = [{"name": "kind", "type": "string", "label_vi": "Loại", "label_en": "Kind"}]


def point(i: int) -> str:
    return f"POINT({106.36 + i * 0.01} {10.51 + i * 0.005})"


@pytest.fixture
def events(db) -> Layer:
    """An instant layer: features exactly at each edge of the window and 1 µs outside each."""
    layer = make_layer("events", time_kind=TimeKind.INSTANT, property_schema=EVENT_SCHEMA)
    return add_features(layer, [
        ("at-start", point(0), {"kind": "a"}, START),
        ("at-end", point(1), {"kind": "a"}, END),
        ("before-start", point(2), {"kind": "a"}, START - US),
        ("after-end", point(3), {"kind": "a"}, END + US),
        ("inside", point(4), {"kind": "a"}, START + 10 * DAY),
    ])


@pytest.fixture
def closures(db) -> Layer:
    """An interval layer: intervals touching, straddling and just missing each edge, and features
    stored without an end (an instant at their start)."""
    layer = make_layer("closures", time_kind=TimeKind.INTERVAL, property_schema=EVENT_SCHEMA)
    return add_features(layer, [
        ("ends-at-start", point(0), {"kind": "b"}, START - DAY, START),
        ("starts-at-end", point(1), {"kind": "b"}, END, END + DAY),
        ("ends-before-start", point(2), {"kind": "b"}, START - DAY, START - US),
        ("starts-after-end", point(3), {"kind": "b"}, END + US, END + DAY),
        ("straddles-start", point(4), {"kind": "b"}, START - DAY, START + DAY),
        ("straddles-end", point(5), {"kind": "b"}, END - DAY, END + DAY),
        ("covers-window", point(6), {"kind": "b"}, START - DAY, END + DAY),
        ("no-end-inside", point(7), {"kind": "b"}, START + DAY, None),
        ("no-end-before", point(8), {"kind": "b"}, START - DAY, None),
    ])


# (start, end, events matched, closures matched)
WINDOWS = [
    pytest.param(START, END, 3, 6, id="closed"),
    pytest.param(START + US, END - US, 1, 4, id="1us-inside-each-edge"),
    pytest.param(START - US, END + US, 5, 8, id="1us-outside-each-edge"),
    pytest.param(START, None, 4, 7, id="open-end"),
    pytest.param(None, END, 4, 8, id="open-start"),
    pytest.param(START, START, 1, 3, id="the-instant-of-the-start"),
    pytest.param(END, END, 1, 3, id="the-instant-of-the-end"),
    # Only intervals and a feature stored without an end (an instant at its start) are there.
    pytest.param(START - DAY, START - DAY, 0, 5, id="a-day-before"),
]


def rfc3339(moment: datetime | None) -> str:
    return ".." if moment is None else moment.isoformat()


def wall_kpi(layer: Layer, start: datetime | None, end: datetime | None) -> int:
    """A KPI of the wall, whose windows are (start, end]: the closed [start, end] is
    (start - 1 µs, end]; an open end is a bound far beyond every feature."""
    window = Window(start - US if start else datetime(1900, 1, 1, tzinfo=timezone.utc),
                    end or datetime(2200, 1, 1, tzinfo=timezone.utc))
    return metrics.aggregate(metrics.Selection(layer.pk, window=window), aggregate="count")


def answers(layer: Layer, start: datetime | None, end: datetime | None) -> dict[str, int]:
    window = f"{rfc3339(start)}/{rfc3339(end)}"
    bbox = ",".join(map(str, AREA))
    client = Client()
    in_tiles = set()
    for tile in tiles_covering(AREA, ZOOM):
        response = client.get(f"/tiles/{layer.slug}/{tile}.pbf", {"datetime": window})  # tiles take no bbox
        assert response.status_code in (200, 204), response.content
        if response.status_code == 200:
            in_tiles |= {f["id"] for f in mapbox_vector_tile.decode(response.content)[layer.slug]["features"]}
    return {
        "wall": wall_kpi(layer, start, end),
        "counts": client.get("/api/counts/", {"bbox": bbox, "datetime": window}).json()["counts"][layer.slug],
        "numberMatched": client.get(f"/api/layers/{layer.slug}/features/",
                                    {"bbox": bbox, "datetime": window}).json()["numberMatched"],
        "tiles": len(in_tiles),
    }


@pytest.mark.parametrize(("start", "end", "events_in", "closures_in"), WINDOWS)
def test_every_channel_counts_the_same_features_in_a_window(events, closures, start, end, events_in, closures_in):
    channels = ("wall", "counts", "numberMatched", "tiles")
    assert answers(events, start, end) == dict.fromkeys(channels, events_in)
    assert answers(closures, start, end) == dict.fromkeys(channels, closures_in)


@pytest.mark.parametrize("window", [
    pytest.param(Window(START, END), id="the-window"),
    pytest.param(Window(START - 2 * DAY, START + 2 * DAY), id="around-the-start"),
    pytest.param(Window(END - 2 * DAY, END + 2 * DAY), id="around-the-end"),
])
def test_a_wall_chart_adds_up_to_the_kpi_of_its_window(events, closures, window):
    for layer in (events, closures):
        selection = metrics.Selection(layer.pk, window=window)
        bars = metrics.series(selection, bucket=DAY)
        assert sum(value for _t, value in bars) == metrics.aggregate(selection) > 0
