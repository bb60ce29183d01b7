"""Emergency zones: GeoJSON in and out, polygon repair and refusals, risk levels, validity windows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from shapely.geometry import MultiPolygon, Polygon, box

from geo.errors import InvalidInputError, InvalidZoneError
from geo.projection import wgs84_to_gcj02
from geo.zones import MAX_VERTICES, NO_STOP_RISKS, RISKS, Zone, parse_time, polygon_from_geojson

SQUARE = [[1.50, 42.50], [1.51, 42.50], [1.51, 42.51], [1.50, 42.51], [1.50, 42.50]]


def feature(geometry: dict | None = None, **props) -> dict:
    props.setdefault("risk", "sealed")
    return {
        "type": "Feature",
        "geometry": geometry or {"type": "Polygon", "coordinates": [SQUARE]},
        "properties": props,
    }


def test_round_trip_through_geojson():
    zone = Zone.from_feature(
        feature(
            name="Escaldes",
            county_code="410802",
            valid_from="2026-03-02T08:00:00+08:00",
            valid_until="2026-03-09T00:00:00Z",
        ),
        id="zone-1",
    )
    assert (zone.id, zone.name, zone.risk, zone.county_code) == ("zone-1", "Escaldes", "sealed", "410802")
    assert zone.valid_from == datetime(2026, 3, 2, 0, 0, tzinfo=UTC) and zone.notes == []
    out = zone.to_feature()
    assert out["geometry"]["type"] == "Polygon"
    assert [list(p) for p in out["geometry"]["coordinates"][0]] == SQUARE
    assert out["properties"]["valid_until"] == "2026-03-09T00:00:00+00:00"
    again = Zone.from_feature(json.loads(json.dumps(out)), id="zone-1")  # as stored and served
    assert again.geometry.equals(zone.geometry) and again.valid_from == zone.valid_from


def test_name_defaults_to_the_id_and_multipolygons_are_kept():
    multi = {
        "type": "MultiPolygon",
        "coordinates": [[SQUARE], [[[1.6, 42.6], [1.61, 42.6], [1.61, 42.61], [1.6, 42.6]]]],
    }
    zone = Zone.from_feature(feature(multi), id="zone-2")
    assert zone.name == "zone-2" and isinstance(zone.geometry, MultiPolygon) and len(zone.geometry.geoms) == 2


def test_unclosed_ring_is_closed_and_a_bowtie_repaired_with_notes():
    geom, notes = polygon_from_geojson({"type": "Polygon", "coordinates": [SQUARE[:-1]]})
    assert (
        isinstance(geom, Polygon)
        and geom.equals(box(1.50, 42.50, 1.51, 42.51))
        and notes == ["closed an unclosed ring"]
    )
    bowtie = [[1.52, 42.50], [1.53, 42.51], [1.53, 42.50], [1.52, 42.51], [1.52, 42.50]]
    geom, notes = polygon_from_geojson({"type": "Polygon", "coordinates": [bowtie]})
    assert geom.is_valid and geom.area > 0 and any("repaired" in n for n in notes)


@pytest.mark.parametrize(
    ("geometry", "needle"),
    [
        (None, "expected a GeoJSON Polygon"),
        ({"type": "Point", "coordinates": [1.5, 42.5]}, "'Polygon' or 'MultiPolygon'"),
        ({"type": "Polygon", "coordinates": []}, "empty"),
        ({"type": "Polygon", "coordinates": [[[1.5, 42.5], [1.6, 42.5]]]}, "ring"),
        ({"type": "Polygon", "coordinates": [[[1.5], [1.6, 42.5], [1.6, 42.6], [1.5]]]}, "expected [lon, lat]"),
        (
            {"type": "Polygon", "coordinates": [[[1.5, 42.5], [1.6, 42.6], [1.5, 42.5], [1.6, 42.6], [1.5, 42.5]]]},
            "could not be repaired",
        ),
        ({"type": "Polygon", "coordinates": [[[1.5, 95.0], [1.6, 42.5], [1.6, 42.6], [1.5, 95.0]]]}, "95"),
    ],
)
def test_bad_geometries_are_refused_naming_the_problem(geometry, needle):
    with pytest.raises(InvalidInputError) as info:
        polygon_from_geojson(geometry)
    assert needle in str(info.value)


def test_too_many_vertices_are_refused():
    ring = [[1.5 + i * 1e-6, 42.5 + (i % 2) * 1e-6] for i in range(MAX_VERTICES)] + [[1.5, 42.6], [1.5, 42.5]]
    with pytest.raises(InvalidZoneError, match="vertices; the limit is 5,000"):
        polygon_from_geojson({"type": "Polygon", "coordinates": [ring]})


def test_gcj02_coordinates_are_converted_to_wgs84():
    gcj = [
        list(wgs84_to_gcj02(113.20 + dx, 35.20 + dy)) for dx, dy in ((0, 0), (0.01, 0), (0.01, 0.01), (0, 0.01), (0, 0))
    ]
    zone = Zone.from_feature(feature({"type": "Polygon", "coordinates": [gcj]}), id="z", crs="gcj02")
    left, bottom, right, top = zone.geometry.bounds
    assert (left, bottom, right, top) == pytest.approx((113.20, 35.20, 113.21, 35.21), abs=2e-6)


def test_risk_levels_and_no_stop():
    assert RISKS == ("sealed", "controlled", "precaution") and NO_STOP_RISKS == {"sealed", "controlled"}
    assert [Zone("z", "z", risk, box(0, 0, 1, 1)).no_stop for risk in RISKS] == [True, True, False]
    with pytest.raises(InvalidZoneError, match="`risk` was 'red'"):
        Zone("z", "z", "red", box(0, 0, 1, 1))


def test_validity_window_is_half_open_and_naive_times_are_utc():
    start = datetime(2026, 3, 2, tzinfo=UTC)
    zone = Zone("z", "z", "controlled", box(0, 0, 1, 1), valid_from=start, valid_until=start + timedelta(days=7))
    assert not zone.active_at(start - timedelta(seconds=1))
    assert zone.active_at(start) and zone.active_at(datetime(2026, 3, 2, 12))  # naive: UTC
    assert not zone.active_at(start + timedelta(days=7))
    assert zone.active_at(None)
    assert Zone("z", "z", "sealed", box(0, 0, 1, 1)).active_at(datetime(1990, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidZoneError, match="must be before"):
        Zone("z", "z", "sealed", box(0, 0, 1, 1), valid_from=start, valid_until=start)


def test_parse_time():
    assert parse_time("2026-03-02T08:00:00+08:00", "at") == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert parse_time("2026-03-02T08:00:00Z", "at") == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert parse_time(datetime(2026, 3, 2, 8, tzinfo=timezone(timedelta(hours=8))), "at").hour == 0
    assert parse_time(None, "at") is None and parse_time("", "at") is None
    with pytest.raises(InvalidZoneError, match="`valid_from` was 'tomorrow'"):
        parse_time("tomorrow", "valid_from")


def test_contains_covers_the_boundary():
    zone = Zone("z", "z", "sealed", box(1.50, 42.50, 1.51, 42.51))
    assert zone.contains(1.505, 42.505) and zone.contains(1.50, 42.505) and not zone.contains(1.52, 42.505)
