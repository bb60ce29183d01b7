"""Zones API: create, list, read, delete; validation; roles; gcj02 input."""

from __future__ import annotations

import pytest

from geo.projection import wgs84_to_gcj02

SQUARE = [[1.52, 42.50], [1.53, 42.50], [1.53, 42.51], [1.52, 42.51], [1.52, 42.50]]


def feature(coords=None, **props):
    props.setdefault("risk", "sealed")
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [coords or SQUARE]}, "properties": props}


def count(client) -> int:
    return client.get("/zones").json()["count"]


def test_create_read_list_delete(client, auth_headers):
    r = client.post(
        "/zones",
        json=feature(
            name="Encamp", valid_from="2026-01-01T00:00:00Z", valid_until="2027-01-01T00:00:00Z", county_code="410802"
        ),
        headers=auth_headers("planner"),
    )
    assert r.status_code == 201, r.text
    zone = r.json()
    assert zone["properties"]["risk"] == "sealed" and zone["properties"]["name"] == "Encamp"
    assert zone["geometry"]["coordinates"][0][0] == [1.52, 42.5]
    got = client.get(f"/zones/{zone['id']}")
    assert got.status_code == 200 and got.json()["id"] == zone["id"]
    listing = client.get("/zones").json()
    assert listing["type"] == "FeatureCollection" and listing["count"] == 1
    assert client.get("/zones", params={"active_at": "2025-06-01T00:00:00Z"}).json()["count"] == 0
    assert client.get("/zones", params={"active_at": "2026-06-01T00:00:00Z"}).json()["count"] == 1
    assert client.delete(f"/zones/{zone['id']}", headers=auth_headers("planner")).status_code == 204
    assert client.get(f"/zones/{zone['id']}").status_code == 404
    assert count(client) == 0


def test_roles(client, auth_headers):
    assert client.post("/zones", json=feature()).status_code == 401
    assert client.post("/zones", json=feature(), headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    for role in ("dispatcher", "checkpoint", "county", "city_approver", "province_approver"):
        assert client.post("/zones", json=feature(), headers=auth_headers(role)).status_code == 403, role
    assert client.post("/zones", json=feature(), headers=auth_headers("admin")).status_code == 201
    zid = client.get("/zones").json()["features"][0]["id"]
    assert client.delete(f"/zones/{zid}").status_code == 401
    assert client.delete(f"/zones/{zid}", headers=auth_headers("dispatcher")).status_code == 403
    assert count(client) == 1


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (feature(risk="extreme"), "risk"),
        (feature(coords=[[1.52, 42.50], [1.53, 42.50]]), "ring"),
        (feature(coords=[[1.52, 42.50], [1.52, 42.50], [1.52, 42.50], [1.52, 42.50]]), "area"),
        (feature(coords=[[10.0, 50.0], [10.1, 50.0], [10.1, 50.1], [10.0, 50.0]]), "outside the network bbox"),
        (feature(coords=[[1.52, 95.0], [1.53, 42.50], [1.53, 42.51], [1.52, 95.0]]), "lat"),
        (feature(valid_from="2026-02-01T00:00:00Z", valid_until="2026-01-01T00:00:00Z"), "valid_from"),
        (feature(valid_from="yesterday"), "valid_from"),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [1.52, 42.5]},
                "properties": {"risk": "sealed"},
            },
            "Polygon",
        ),
        (
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []}, "properties": {"risk": "sealed"}},
            "empty",
        ),
    ],
)
def test_bad_zones_are_422_and_store_nothing(client, auth_headers, body, needle):
    r = client.post("/zones", json=body, headers=auth_headers("planner"))
    assert r.status_code == 422, r.text
    assert needle in r.text
    assert count(client) == 0


def test_self_intersecting_polygon_is_repaired_with_a_note(client, auth_headers):
    bowtie = [[1.52, 42.50], [1.53, 42.51], [1.53, 42.50], [1.52, 42.51], [1.52, 42.50]]
    r = client.post("/zones", json=feature(coords=bowtie), headers=auth_headers("planner"))
    assert r.status_code == 201, r.text
    assert any("repaired" in n for n in r.json()["properties"]["notes"])
    assert r.json()["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_vertex_limit(client, auth_headers):
    ring = [[1.52 + 0.01 * i / 6000, 42.50 + (i % 2) * 1e-4] for i in range(6000)] + [[1.52, 42.52], [1.52, 42.50]]
    r = client.post("/zones", json=feature(coords=ring), headers=auth_headers("planner"))
    assert r.status_code == 422 and "vertices" in r.text
    assert count(client) == 0


def test_payload_limit_is_413(client, auth_headers, settings):
    big = feature(name="x" * 150, padding="y" * (settings.max_body_bytes + 10))
    r = client.post("/zones", json=big, headers=auth_headers("planner"))
    assert r.status_code == 413 and "exceeds" in r.text
    assert count(client) == 0


def test_gcj02_input_is_converted(tmp_path):
    """On the Shanghai extract a zone sent in GCJ-02 is stored in WGS-84 (about 500 m away)."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from geo.projection import gcj02_to_wgs84
    from tests._app import make_settings, tokens_for
    from tests._data import shared_file

    app = create_app(make_settings(tmp_path, network=str(shared_file("shanghai-huangpu.osm"))))
    planner = {"Authorization": f"Bearer {tokens_for(app)['planner']}"}
    wgs = [[121.470, 31.228], [121.475, 31.228], [121.475, 31.232], [121.470, 31.232], [121.470, 31.228]]
    gcj = [list(wgs84_to_gcj02(x, y)) for x, y in wgs]
    with TestClient(app) as client:
        r = client.post("/zones", json={**feature(coords=gcj), "crs": "gcj02"}, headers=planner)
        assert r.status_code == 201, r.text
        stored = r.json()["geometry"]["coordinates"][0]
        for (x, y), (sx, sy), (gx, _gy) in zip(wgs, stored, gcj):
            assert abs(x - sx) < 1e-6 and abs(y - sy) < 1e-6
            assert abs(gx - sx) > 1e-3  # the GCJ-02 input really was offset
        assert gcj02_to_wgs84(*gcj[0]) == pytest.approx(tuple(stored[0]), abs=1e-9)
        # the same coordinates sent as WGS-84 stay where they are
        r2 = client.post("/zones", json=feature(coords=gcj), headers=planner)
        assert r2.json()["geometry"]["coordinates"][0][0] == pytest.approx(gcj[0], abs=1e-12)


def test_unknown_zone_is_404(client, auth_headers):
    assert client.get("/zones/zone-nope").status_code == 404
    assert client.delete("/zones/zone-nope", headers=auth_headers("planner")).status_code == 404


def test_unencodable_text_is_422_not_500(client, auth_headers):
    body = (
        b'{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1.52,42.5],[1.53,42.5],[1.53,42.51],'
        b'[1.52,42.5]]]},"properties":{"risk":"sealed","name":"\\ud800"}}'
    )
    r = client.post("/zones", content=body, headers={**auth_headers("planner"), "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "properties", "name"]
    assert count(client) == 0


def test_streamed_body_over_the_limit_is_413(client, auth_headers, settings):
    def chunks():
        yield b'{"type":"Feature","properties":{"risk":"sealed","name":"'
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b"x" * 65536
        yield b'"}}'

    r = client.post("/zones", content=chunks(), headers={**auth_headers("planner"), "Content-Type": "application/json"})
    assert r.status_code == 413
    assert count(client) == 0
