"""Sites API: kinds, polygons, snapping, validation."""

from __future__ import annotations

import pytest


def site(geom=None, **props):
    props.setdefault("kind", "enterprise")
    return {
        "type": "Feature",
        "geometry": geom or {"type": "Point", "coordinates": [1.5218, 42.5063]},
        "properties": props,
    }


def test_create_and_list_by_kind(client, auth_headers):
    h = auth_headers("planner")
    r = client.post("/sites", json=site(name="Pharma", whitelist=True, sector="medical"), headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["properties"]["whitelist"] is True and body["properties"]["sector"] == "medical"
    assert body["snapped"]["distance_m"] < 100
    poly = {
        "type": "Polygon",
        "coordinates": [
            [[1.5215, 42.5060], [1.5221, 42.5060], [1.5221, 42.5066], [1.5215, 42.5066], [1.5215, 42.5060]]
        ],
    }
    assert client.post("/sites", json=site(poly, name="Premises"), headers=h).status_code == 201
    assert client.post("/sites", json=site(kind="hub_rail", name="Station"), headers=h).status_code == 201
    assert client.get("/sites").json()["count"] == 3
    assert client.get("/sites", params={"kind": "enterprise"}).json()["count"] == 2
    assert client.get("/sites", params={"kind": "hub_rail"}).json()["count"] == 1
    one = client.get(f"/sites/{body['id']}")
    assert one.status_code == 200 and one.json()["properties"]["name"] == "Pharma"


@pytest.mark.parametrize(
    ("body", "code", "needle"),
    [
        (site(kind="warehouse"), 422, "kind"),
        (site(weight=-1), 422, "weight"),
        (site(radius_m=0), 422, "radius_m"),
        (site({"type": "Point", "coordinates": [1.4207, 42.4368]}), 422, "nearest drivable road"),
        (site({"type": "Point", "coordinates": [30.0, 10.0]}), 422, "outside the network bbox"),
        (site({"type": "Point", "coordinates": ["a", 1]}), 422, "coordinates"),
        (site({"type": "LineString", "coordinates": [[1.52, 42.50], [1.53, 42.5]]}), 422, "Point"),
    ],
)
def test_bad_sites(client, auth_headers, body, code, needle):
    r = client.post("/sites", json=body, headers=auth_headers("planner"))
    assert r.status_code == code, r.text
    assert needle in r.text
    assert client.get("/sites").json()["count"] == 0


def test_site_roles_and_unknown(client, auth_headers):
    assert client.post("/sites", json=site()).status_code == 401
    assert client.post("/sites", json=site(), headers=auth_headers("checkpoint")).status_code == 403
    assert client.get("/sites/site-nope").status_code == 404
    assert client.get("/sites", params={"kind": "nope"}).status_code == 422
