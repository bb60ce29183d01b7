"""The impossible-travel rule between two scans of one pass (passes.travel)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from passes.reasons import MESSAGES
from passes.travel import MIN_DISTANCE_M, TRAVEL_SLACK, ScanPlace, impossible_travel

T0 = datetime(2022, 4, 20, 8, 0, tzinfo=UTC)


def places(elapsed_s: float) -> tuple[ScanPlace, ScanPlace]:
    return ScanPlace(7, T0, 1.52, 42.50), ScanPlace(None, T0 + timedelta(seconds=elapsed_s), 1.59, 42.54)


def test_sooner_than_the_fastest_truck_allows_is_flagged_with_both_scans():
    fastest = 600.0
    first, second = places(TRAVEL_SLACK * fastest - 1)
    flag = impossible_travel(first, second, distance_m=7_000, fastest_s=fastest)
    assert flag is not None
    assert flag["first"] == {"scan_id": 7, "at": T0.isoformat(), "checkpoint": [1.52, 42.50]}
    assert flag["second"]["checkpoint"] == [1.59, 42.54] and flag["fastest_s"] == 600.0
    assert flag["elapsed_s"] == round(TRAVEL_SLACK * fastest - 1, 1)
    assert "impossible_travel" in MESSAGES and all(MESSAGES["impossible_travel"])


def test_possible_trips_near_places_and_unknown_times_are_not_flagged():
    fastest = 600.0
    assert impossible_travel(*places(TRAVEL_SLACK * fastest), distance_m=7_000, fastest_s=fastest) is None
    assert impossible_travel(*places(5), distance_m=MIN_DISTANCE_M - 1, fastest_s=fastest) is None
    assert impossible_travel(*places(5), distance_m=7_000, fastest_s=None) is None  # off the network
    assert impossible_travel(*places(-5), distance_m=7_000, fastest_s=fastest) is None  # an earlier scan uploaded late
