"""Input that Python cannot compute with is a 422 naming the field, never a 5xx.

Date-times at the ends of Python's range with extreme offsets (``9999-12-31T23:59:59-23:59`` is
past year 9999 in UTC), and JSON nested hundreds of levels deep (it cannot be serialised back).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from geo.errors import InvalidInputError
from geo.times import EARLIEST, LATEST, check_instant

#: Parse as ISO 8601 but fall outside the instants Python (or the service) can compute with.
EXTREME_TIMES = (
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00Z",
)
SQUARE = {"type": "Polygon", "coordinates": [[[1.52, 42.5], [1.53, 42.5], [1.53, 42.51], [1.52, 42.51], [1.52, 42.5]]]}


def nested(depth: int) -> dict:
    out: dict = {}
    cur = out
    for _ in range(depth):
        cur["a"] = {}
        cur = cur["a"]
    return out


def _names(detail, field: str) -> bool:
    """Whether a 422's detail names ``field`` (pydantic's ``loc`` or the domain message)."""
    if isinstance(detail, str):
        return f"`{field}`" in detail
    return any(field in [str(p) for p in item["loc"]] for item in detail)


def test_check_instant_bounds():
    assert check_instant(datetime(2026, 1, 1, 8, tzinfo=UTC), "at") == datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert check_instant(datetime(2026, 1, 1), "at").tzinfo is UTC  # naive: UTC
    assert check_instant(EARLIEST, "at") == EARLIEST and check_instant(LATEST, "at") == LATEST
    for text in EXTREME_TIMES:
        with pytest.raises(InvalidInputError, match="`at` was"):
            check_instant(datetime.fromisoformat(text.replace("Z", "+00:00")), "at")
    with pytest.raises(InvalidInputError):
        check_instant(EARLIEST - timedelta(seconds=1), "at")


@pytest.mark.parametrize("value", EXTREME_TIMES)
def test_extreme_times_are_422_naming_the_field(client, auth_headers, value):
    r = client.get("/zones", params={"active_at": value})
    assert r.status_code == 422 and _names(r.json()["detail"], "active_at"), r.text
    r = client.get("/closures", params={"active_at": value})
    assert r.status_code == 422 and _names(r.json()["detail"], "active_at"), r.text
    r = client.post(
        "/passes/verify",
        headers=auth_headers("checkpoint"),
        json={"token": "x", "checkpoint": [1.52, 42.5], "at": value, "dry_run": True},
    )
    assert r.status_code == 422 and _names(r.json()["detail"], "at"), r.text
    zone = {"type": "Feature", "geometry": SQUARE, "properties": {"risk": "sealed", "valid_from": value}}
    r = client.post("/zones", headers=auth_headers("planner"), json=zone)
    assert r.status_code == 422 and _names(r.json()["detail"], "valid_from"), r.text
    site = client.post(
        "/sites",
        headers=auth_headers("planner"),
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [1.5218, 42.5063]},
            "properties": {"kind": "enterprise", "name": "厂", "whitelist": True},
        },
    )
    assert site.status_code == 201, site.text
    crew = {"name": "王五", "id_last4": "0042", "role": "driver", "tested_at": value}
    r = client.post(f"/sites/{site.json()['id']}/crew", headers=auth_headers("planner"), json=crew)
    assert r.status_code == 422 and _names(r.json()["detail"], "tested_at"), r.text
    assert client.get("/zones").json()["count"] == 0  # nothing stored


@pytest.mark.parametrize("depth", [40, 900])
def test_deeply_nested_json_is_422_naming_the_field(client, auth_headers, depth):
    planner = auth_headers("planner")
    zone = {"type": "Feature", "geometry": SQUARE, "properties": {"risk": "sealed", "deep": nested(depth)}}
    r = client.post("/zones", headers=planner, json=zone)
    assert r.status_code == 422, r.text
    assert "`deep`" in r.text and _names(r.json()["detail"], "properties")
    assert len(r.content) < 5_000  # the bad value is named, not echoed back whole
    site = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [1.5218, 42.5063]},
        "properties": {"kind": "hub_logistics", "name": "园区", "deep": nested(depth)},
    }
    r = client.post("/sites", headers=planner, json=site)
    assert r.status_code == 422 and "`deep`" in r.text, r.text
    deep_geometry = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": nested(depth)}}
    r = client.post("/zones", headers=planner, json={**deep_geometry, "properties": {"risk": "sealed"}})
    assert r.status_code == 422 and _names(r.json()["detail"], "coordinates"), r.text
    assert client.get("/zones").json()["count"] == 0 and client.get("/sites").json()["count"] == 0


def test_shallow_extra_properties_are_kept(client, auth_headers):
    zone = {"type": "Feature", "geometry": SQUARE, "properties": {"risk": "sealed", "extra": nested(5)}}
    r = client.post("/zones", headers=auth_headers("planner"), json=zone)
    assert r.status_code == 201, r.text
