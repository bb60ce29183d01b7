"""PATCH /zones/{id} and GET /zones/{id}/history: an edit is a new version (who, when, what changed),
routing honours the current version at the next request, concurrent edits of one version conflict,
and a bad edit changes nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

ORIGIN = [1.5343, 42.5078]  # Andorra la Vella
DESTINATION = [1.5970, 42.5670]  # Canillo, up the CG-2 valley


def band(lat: float, half_height_deg: float = 0.002) -> dict:
    """A polygon across the whole network from west to east."""
    left, right = 1.42, 1.737
    ring = [
        [left, lat - half_height_deg],
        [right, lat - half_height_deg],
        [right, lat + half_height_deg],
        [left, lat + half_height_deg],
        [left, lat - half_height_deg],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def create(client, h, lat=42.537, **props) -> dict:
    props.setdefault("risk", "sealed")
    props.setdefault("name", "Encamp")
    r = client.post("/zones", json={"type": "Feature", "geometry": band(lat), "properties": props}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def history(client, zid, h) -> dict:
    r = client.get(f"/zones/{zid}/history", headers=h)
    assert r.status_code == 200, r.text
    return r.json()


def route(client, h) -> dict:
    r = client.post("/routes", json={"origin": ORIGIN, "destination": DESTINATION}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def test_an_edit_is_a_new_version_with_who_when_and_what(client, auth_headers):
    hp = auth_headers("planner")
    zone = create(client, hp)
    zid = zone["id"]
    assert zone["properties"]["version"] == 1
    started = datetime.now(UTC)
    r = client.patch(
        f"/zones/{zid}",
        json={
            "properties": {"name": "Encamp north", "valid_until": "2027-01-01T00:00:00+08:00"},
            "expected_version": 1,
            "reason": "the county widened the area",
        },
        headers=hp,
    )
    assert r.status_code == 200, r.text
    edited = r.json()
    assert edited["properties"]["version"] == 2 and edited["properties"]["name"] == "Encamp north"
    assert edited["properties"]["valid_until"] == "2026-12-31T16:00:00+00:00"
    assert client.get(f"/zones/{zid}").json()["properties"]["name"] == "Encamp north"
    got = history(client, zid, auth_headers("city_approver"))
    assert got["current_version"] == 2 and got["deleted"] is False
    v1, v2 = got["versions"]
    assert (v1["version"], v1["action"], v1["changed_by"]) == (1, "create", "test-planner")
    assert v1["feature"]["properties"]["name"] == "Encamp" and v1["changes"] == []
    assert (v2["version"], v2["action"], v2["changed_by"]) == (2, "update", "test-planner")
    assert v2["reason"] == "the county widened the area"
    assert datetime.fromisoformat(v2["changed_at"]) >= started.replace(microsecond=0)
    assert {c["field"]: (c["from"], c["to"]) for c in v2["changes"]} == {
        "name": ("Encamp", "Encamp north"),
        "valid_until": (None, "2026-12-31T16:00:00+00:00"),
    }
    # an outline change is recorded with its vertex counts and bounds
    r = client.patch(f"/zones/{zid}", json={"geometry": band(42.537, 0.004)}, headers=hp)
    assert r.status_code == 200, r.text
    v3 = history(client, zid, hp)["versions"][2]
    (change,) = v3["changes"]
    assert change["field"] == "geometry"
    assert change["from"]["bounds"][1] == 42.535 and change["to"]["bounds"][1] == 42.533
    assert v3["feature"]["geometry"]["coordinates"][0][0] == [1.42, 42.533]


def test_history_is_for_staff(client, auth_headers):
    zid = create(client, auth_headers("planner"))["id"]
    assert client.get(f"/zones/{zid}/history").status_code == 401
    for role in ("dispatcher", "checkpoint"):
        assert client.get(f"/zones/{zid}/history", headers=auth_headers(role)).status_code == 403, role
    for role in ("planner", "county", "city_approver", "province_approver", "admin"):
        assert client.get(f"/zones/{zid}/history", headers=auth_headers(role)).status_code == 200, role
    assert client.get("/zones/zone-nope/history", headers=auth_headers("planner")).status_code == 404


def test_edits_need_the_planner(client, auth_headers):
    zid = create(client, auth_headers("planner"))["id"]
    body = {"properties": {"name": "x"}}
    assert client.patch(f"/zones/{zid}", json=body).status_code == 401
    for role in ("dispatcher", "checkpoint", "county", "city_approver", "province_approver"):
        assert client.patch(f"/zones/{zid}", json=body, headers=auth_headers(role)).status_code == 403, role
    assert client.get(f"/zones/{zid}").json()["properties"]["name"] == "Encamp"


def test_routing_honours_the_current_version_at_the_next_request(client, auth_headers):
    hp, hd = auth_headers("planner"), auth_headers("dispatcher")
    free = route(client, hd)
    zid = create(client, hp)["id"]
    crossing = route(client, hd)
    assert crossing["choice"] == "min_inside" and [c["zone_id"] for c in crossing["zones_crossed"]] == [zid]
    # moved south of the origin: the trip no longer crosses it
    assert client.patch(f"/zones/{zid}", json={"geometry": band(42.47)}, headers=hp).status_code == 200
    moved = route(client, hd)
    assert moved["zones_crossed"] == [] and moved["geometry"] == free["geometry"]
    # moved back and made a precaution zone: crossed again, with the new risk
    r = client.patch(f"/zones/{zid}", json={"geometry": band(42.537), "properties": {"risk": "precaution"}}, headers=hp)
    assert r.status_code == 200, r.text
    again = route(client, hd)
    assert [(c["zone_id"], c["risk"]) for c in again["zones_crossed"]] == [(zid, "precaution")]


def test_an_edit_of_a_version_that_is_gone_is_a_conflict(client, auth_headers):
    hp = auth_headers("planner")
    zid = create(client, hp)["id"]
    first = client.patch(f"/zones/{zid}", json={"properties": {"name": "A"}, "expected_version": 1}, headers=hp)
    assert first.status_code == 200, first.text
    second = client.patch(f"/zones/{zid}", json={"properties": {"name": "B"}, "expected_version": 1}, headers=hp)
    assert second.status_code == 409, second.text
    assert "version 2" in second.text and "version 1" in second.text
    assert client.get(f"/zones/{zid}").json()["properties"]["name"] == "A"
    assert len(history(client, zid, hp)["versions"]) == 2
    gone = client.delete(f"/zones/{zid}", params={"expected_version": 1}, headers=hp)
    assert gone.status_code == 409 and client.get(f"/zones/{zid}").status_code == 200


def test_bad_edits_change_nothing(client, auth_headers):
    hp = auth_headers("planner")
    zone = create(client, hp, valid_from="2026-01-01T00:00:00Z")
    zid = zone["id"]
    bad = [
        ({"properties": {"risk": "extreme"}}, "risk"),
        ({"properties": {"colour": "red"}}, "colour"),
        ({"properties": {"name": ""}}, "name"),
        ({"properties": {"valid_until": "2025-01-01T00:00:00Z"}}, "valid_from"),
        ({"properties": {"valid_until": "next tuesday"}}, "valid_until"),
        ({"geometry": {"type": "Point", "coordinates": [1.5, 42.5]}}, "Polygon"),
        ({"geometry": band(10.0)}, "bbox"),
        ({"expected_version": 0}, "expected_version"),
    ]
    for body, needle in bad:
        r = client.patch(f"/zones/{zid}", json=body, headers=hp)
        assert r.status_code == 422, (body, r.status_code, r.text)
        assert needle in r.text, (body, r.text)
    assert client.get(f"/zones/{zid}").json() == zone
    assert len(history(client, zid, hp)["versions"]) == 1
    assert client.patch("/zones/zone-nope", json={"properties": {"name": "x"}}, headers=hp).status_code == 404


def test_an_edit_that_changes_nothing_stores_nothing(client, auth_headers):
    hp = auth_headers("planner")
    zone = create(client, hp)
    r = client.patch(f"/zones/{zone['id']}", json={"properties": {"name": "Encamp", "risk": "sealed"}}, headers=hp)
    assert r.status_code == 200 and r.json() == zone
    assert len(history(client, zone["id"], hp)["versions"]) == 1


def test_deletion_is_the_last_version(client, auth_headers):
    hp = auth_headers("planner")
    zid = create(client, hp)["id"]
    assert client.delete(f"/zones/{zid}", params={"expected_version": 1}, headers=hp).status_code == 204
    got = history(client, zid, hp)
    assert got["deleted"] is True and [v["action"] for v in got["versions"]] == ["create", "delete"]
    assert got["versions"][-1]["changed_by"] == "test-planner"
    assert client.patch(f"/zones/{zid}", json={"properties": {"name": "x"}}, headers=hp).status_code == 404
