"""The planner's plan page and what it draws (``GET /plan``, ``GET /plan/layers``) through TestClient."""

from __future__ import annotations

from tests.api.test_site_import import ANDORRA


def test_the_page_and_its_layers_by_role(client, auth_headers):
    hp = auth_headers("planner")
    site = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(ANDORRA)},
        "properties": {"kind": "candidate_station", "name": "候选站"},
    }
    assert client.post("/sites", json=site, headers=hp).status_code == 201
    page = client.get("/plan", headers=hp)
    assert page.status_code == 200 and 'id="pl-map"' in page.text and "中转站选址" in page.text
    assert "Transfer-station siting" in client.get("/plan?lang=en", headers=hp).text
    layers = client.get("/plan/layers", headers=hp).json()
    assert [f["properties"]["name"] for f in layers["sites"]] == ["候选站"]
    assert layers["plan"] is None and layers["zones"] == [] and layers["green_channels"] == []
    r = client.get("/plan", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fplan"
    assert client.get("/plan/layers", follow_redirects=False).status_code == 303
    for role in ("dispatcher", "county", "checkpoint"):
        assert client.get("/plan", headers=auth_headers(role)).status_code == 403, role
        assert client.get("/plan/layers", headers=auth_headers(role)).status_code == 403, role


def test_the_layers_of_a_stored_plan(client, auth_headers):
    hp = auth_headers("planner")
    for kind, dx, extra in (("candidate_station", 0.0, {}), ("enterprise", 0.002, {"whitelist": True})):
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [ANDORRA[0] + dx, ANDORRA[1]]},
            "properties": {"kind": kind, "name": kind, **extra},
        }
        assert client.post("/sites", json=feature, headers=hp).status_code == 201
    plan = client.post("/plans/stations", json={"model": "p_median", "p": 1}, headers=hp)
    assert plan.status_code == 201, plan.text
    got = client.get("/plan/layers", params={"plan_id": plan.json()["id"]}, headers=hp).json()["plan"]
    assert got["id"] == plan.json()["id"] and len(got["stations"]) == 1 and len(got["lines"]) == 1
    assert got["lines"][0]["geometry"]["type"] == "LineString"
    assert client.get("/plan/layers", params={"plan_id": "plan-nope"}, headers=hp).status_code == 404
