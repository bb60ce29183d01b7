"""The WZDx 4.2 feed of approved closures, checked against the spec's JSON schema (resolved locally)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from routing import closures as C
from routing import wzdx

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "wzdx-4.2"
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def way_of(net, **eq) -> int:
    mask = np.ones(net.arc_count, dtype=bool)
    for key, value in eq.items():
        mask &= getattr(net, key).astype(str) == value
    ways, counts = np.unique(net.osm_way_id[mask], return_counts=True)
    return int(ways[np.argmax(counts)])


def closure(net, way: int, mode: str, direction: str = "both", *, start_h: float = -1, end_h: float = 3, cid="c-1"):
    arcs = C.match_ways(net, [way], direction).arcs
    return wzdx.FeedClosure(
        cid,
        mode,
        arcs,
        NOW + timedelta(hours=start_h),
        NOW + timedelta(hours=end_h),
        "epidemic control",
        "410821",
        created_at=NOW - timedelta(hours=2),
    )


@pytest.fixture
def feed(andorra_network):
    net = andorra_network
    items = [
        closure(net, way_of(net, ref="CS-340"), "hard_barrier", cid="c-barrier"),
        closure(net, way_of(net, ref="CG-2", grade="provincial"), "lane", "forward", start_h=2, end_h=5, cid="c-lane"),
        closure(net, way_of(net, ref="CS-101", grade="county"), "checkpoint", cid="c-check"),
    ]
    return wzdx.build_feed(net, items, publisher="Baotong test", now=NOW)


def test_feed_validates_against_wzdx_42(feed):
    assert wzdx.validate_feed(feed, SPEC) == []
    assert feed["feed_info"]["version"] == "4.2"
    assert feed["feed_info"]["data_sources"][0]["data_source_id"] == wzdx.DATA_SOURCE_ID
    assert len(feed["bbox"]) == 4


def test_road_events_carry_the_closure(feed):
    by_closure: dict[str, list[dict]] = {}
    for f in feed["features"]:
        by_closure.setdefault(f["id"].rsplit("-", 1)[0], []).append(f)
    barrier = by_closure["c-barrier"]
    assert len(barrier) == 2  # one event per direction of a two-way road
    dirs = {f["properties"]["core_details"]["direction"] for f in barrier}
    assert len(dirs) == 2 and dirs <= {"northbound", "southbound", "eastbound", "westbound"}
    props = barrier[0]["properties"]
    assert props["vehicle_impact"] == "all-lanes-closed"
    assert props["restrictions"] == [{"type": "no-trucks"}]
    assert props["core_details"]["road_names"][0] == "CS-340"
    assert props["start_date"] == "2026-11-26T07:00:00Z" and props["end_date"] == "2026-11-26T11:00:00Z"
    assert props["event_status"] == "active"
    lane = by_closure["c-lane"][0]["properties"]
    assert lane["vehicle_impact"] == "some-lanes-closed" and lane["event_status"] == "planned"
    assert by_closure["c-check"][0]["properties"]["vehicle_impact"] == "flagging"
    for f in feed["features"]:
        assert f["geometry"]["type"] == "LineString" and len(f["geometry"]["coordinates"]) >= 2


def test_schema_check_catches_bad_events(feed):
    bad = copy.deepcopy(feed)
    bad["features"][0]["properties"]["vehicle_impact"] = "closed-ish"
    assert wzdx.validate_feed(bad, SPEC)
    bad = copy.deepcopy(feed)
    del bad["features"][0]["properties"]["core_details"]["road_names"]
    assert wzdx.validate_feed(bad, SPEC)
    bad = copy.deepcopy(feed)
    del bad["feed_info"]
    assert wzdx.validate_feed(bad, SPEC)


def test_empty_feed_is_valid(andorra_network):
    feed = wzdx.build_feed(andorra_network, [], now=NOW)
    assert feed["features"] == [] and wzdx.validate_feed(feed, SPEC) == []


@pytest.mark.parametrize(
    "coords, expected",
    [
        ([[1.5, 42.5], [1.5, 42.6]], "northbound"),
        ([[1.5, 42.5], [1.4, 42.5]], "westbound"),
        ([[1.5, 42.5], [1.6, 42.45]], "eastbound"),
        ([[1.5, 42.5], [1.51, 42.4]], "southbound"),
        ([[1.5, 42.5], [1.5, 42.5]], "undefined"),
    ],
)
def test_bearing_direction(coords, expected):
    assert wzdx.bearing_direction(coords) == expected
