"""Plans API: station siting, docking points, drop points, their maps and hooks (Andorra)."""

from __future__ import annotations

import pytest
import shapely

CANDIDATES = [[1.5218, 42.5063], [1.5340, 42.5080], [1.4910, 42.4630], [1.5800, 42.5350], [1.5150, 42.5450]]
DEMAND = [
    [1.5230, 42.5100],
    [1.5300, 42.5070],
    [1.4950, 42.4700],
    [1.5700, 42.5300],
    [1.5120, 42.5400],
    [1.5330, 42.5560],
    [1.5010, 42.4990],
    [1.5450, 42.5120],
]
ZONE = [[1.515, 42.503], [1.525, 42.503], [1.525, 42.511], [1.515, 42.511], [1.515, 42.503]]


def feature(point, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": point}, "properties": props}


def add(client, h, point, **props) -> str:
    r = client.post("/sites", json=feature(point, **props), headers=h)
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture
def scenario(client, auth_headers):
    h = auth_headers("planner")
    cands = [add(client, h, p, kind="candidate_station", name=f"C{i}") for i, p in enumerate(CANDIDATES)]
    dem = [
        add(client, h, p, kind="enterprise", whitelist=True, name=f"E{i}", weight=1 + i % 3)
        for i, p in enumerate(DEMAND)
    ]
    return {"h": h, "candidates": cands, "demand": dem}


def test_p_median_plan_stored_with_map(client, scenario):
    h = scenario["h"]
    r = client.post("/plans/stations", json={"model": "p_median", "p": 2}, headers=h)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert len(plan["chosen"]) == 2 and plan["matrix"]["candidates"] == 5 and plan["matrix"]["demand"] == 8
    chosen = {c["id"] for c in plan["chosen"]}
    assert all(a["station_id"] in chosen for a in plan["assignment"])
    # the objective is the weighted sum of the reported assignment times
    total = sum(a["weight"] * a["travel_time_s"] for a in plan["assignment"])
    assert total == pytest.approx(plan["objective"], rel=1e-3)
    # siting runs under a time limit (30 s by default); this small one is solved to optimality
    assert plan["search"] == {"status": "optimal", "time_limit_s": 30.0, "bound": plan["objective"], "gap": 0.0}
    got = client.get(f"/plans/{plan['id']}", headers=h)
    assert got.status_code == 200 and got.json()["chosen"] == plan["chosen"]
    page = client.get(f"/plans/{plan['id']}/map", headers=h)
    assert page.status_code == 200 and "中转站" in page.text and plan["chosen"][0]["id"] in page.text
    city = client.get("/map", headers=h)
    assert city.status_code == 200 and "latest plan" in city.text


def test_mclp_and_lscp_coverage_claims(client, scenario):
    h = scenario["h"]
    r = client.post("/plans/stations", json={"model": "mclp", "p": 1, "service_time_s": 300}, headers=h)
    assert r.status_code == 201, r.text
    plan = r.json()
    cov = plan["coverage"]
    covered = [a for a in plan["assignment"] if a["covered"]]
    assert all(a["travel_time_s"] <= 300 for a in covered)
    assert cov["covered_weight"] == pytest.approx(sum(a["weight"] for a in covered))
    r = client.post("/plans/stations", json={"model": "lscp", "service_time_s": 1800}, headers=h)
    assert r.status_code == 201, r.text
    assert all(a["covered"] and a["travel_time_s"] <= 1800 for a in r.json()["assignment"])


def test_candidate_in_sealed_zone_excluded(client, scenario, auth_headers):
    h = scenario["h"]
    z = client.post(
        "/zones",
        json={
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ZONE]},
            "properties": {"risk": "sealed", "name": "Z"},
        },
        headers=h,
    )
    assert z.status_code == 201, z.text
    r = client.post("/plans/stations", json={"model": "p_median", "p": 2}, headers=h)
    assert r.status_code == 201, r.text
    plan = r.json()
    excluded = {e["id"]: e["reason"] for e in plan["excluded"]}
    assert scenario["candidates"][0] in excluded and "sealed" in excluded[scenario["candidates"][0]]
    assert scenario["candidates"][0] not in {c["id"] for c in plan["chosen"]}


@pytest.mark.parametrize(
    ("body", "code", "needle"),
    [
        ({"model": "p_median", "p": 9}, 422, "only 5 usable candidate"),
        ({"model": "lscp", "service_time_s": 5}, 422, "no covering within service_time_s=5"),
        ({"model": "p_median"}, 422, "`p` is required"),
        ({"model": "mclp", "p": 1}, 422, "service_time_s"),
        ({"model": "p_median", "p": 1, "candidate_ids": ["site-nope"]}, 404, "site-nope"),
        ({"model": "p_median", "p": 1, "fixed_ids": ["site-nope"]}, 404, "site-nope"),
        ({"model": "k_means", "p": 1}, 422, "model"),
        ({"model": "p_median", "p": 1, "time_limit_s": 0}, 422, "time_limit_s"),
        ({"model": "p_median", "p": 1, "time_limit_s": 3600}, 422, "time_limit_s"),
    ],
)
def test_bad_plan_requests(client, app, scenario, body, code, needle):
    r = client.post("/plans/stations", json=body, headers=scenario["h"])
    assert r.status_code == code, r.text
    assert needle in r.text
    from sqlalchemy import func, select

    from store.models import PlanRow

    with app.state.baotong.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PlanRow)) == 0  # nothing stored
    assert client.get("/plans/plan-000000000000", headers=scenario["h"]).status_code == 404


def test_plan_roles(client, scenario, auth_headers):
    body = {"model": "p_median", "p": 1}
    assert client.post("/plans/stations", json=body).status_code == 401
    assert client.post("/plans/stations", json=body, headers=auth_headers("dispatcher")).status_code == 403
    assert client.post("/zones/zone-x/docking-points", json={"k": 1}).status_code == 401
    assert (
        client.post("/zones/zone-x/docking-points", json={"k": 1}, headers=auth_headers("checkpoint")).status_code
        == 403
    )
    assert client.post(f"/sites/{scenario['demand'][0]}/drop-point").status_code == 401
    assert client.post(f"/sites/{scenario['demand'][0]}/drop-point", headers=auth_headers("county")).status_code == 403


def test_docking_points_stored_and_hooked(client, app, scenario):
    h = scenario["h"]
    z = client.post(
        "/zones",
        json={
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ZONE]},
            "properties": {"risk": "sealed", "name": "Z"},
        },
        headers=h,
    ).json()
    r = client.post(f"/zones/{z['id']}/docking-points", json={"k": 2}, headers=h)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["count"] == 2 and doc["candidates"] >= 2
    poly = shapely.Polygon(ZONE)
    for f in doc["features"]:
        assert not poly.contains(shapely.Point(f["geometry"]["coordinates"]))
    assert client.get(f"/zones/{z['id']}/docking-points", headers=h).json()["count"] == 2
    hook = app.state.baotong.hot.docking_points()
    assert sorted(map(tuple, hook[z["id"]])) == sorted(tuple(f["geometry"]["coordinates"]) for f in doc["features"])
    # a second POST replaces the set
    assert client.post(f"/zones/{z['id']}/docking-points", json={"k": 1}, headers=h).json()["count"] == 1
    assert client.get(f"/zones/{z['id']}/docking-points", headers=h).json()["count"] == 1
    assert client.post(f"/zones/{z['id']}/docking-points", json={"k": 500}, headers=h).status_code == 422
    r = client.post(f"/zones/{z['id']}/docking-points", json={"k": 49}, headers=h)
    assert r.status_code == 422 and "valid docking point" in r.text
    assert client.get(f"/zones/{z['id']}/docking-points", headers=h).json()["count"] == 1
    assert client.post("/zones/zone-nope/docking-points", json={"k": 1}, headers=h).status_code == 404


def test_drop_point(client, scenario, auth_headers):
    site_id = scenario["demand"][0]
    r = client.post(f"/sites/{site_id}/drop-point", headers=auth_headers("dispatcher"))
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["perimeter_distance_m"] < 1.0 and d["radius_m"] == 100
    assert d["served_from"]["id"] in scenario["candidates"]
    assert d["approach"]["travel_time_s"] == pytest.approx(d["served_from"]["travel_time_s"], abs=0.2)
    assert client.get(f"/sites/{site_id}/drop-point", headers=scenario["h"]).json()["point"] == d["point"]
    assert "固定接收点" in client.get("/map", headers=scenario["h"]).text
    # not an enterprise, unknown, none yet
    assert client.post(f"/sites/{scenario['candidates'][0]}/drop-point", headers=scenario["h"]).status_code == 422
    assert client.post("/sites/site-nope/drop-point", headers=scenario["h"]).status_code == 404
    assert client.get(f"/sites/{scenario['demand'][1]}/drop-point", headers=scenario["h"]).status_code == 404


def test_exclusion_reasons_read_in_chinese_when_asked(client, scenario):
    h = scenario["h"]
    zone = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ZONE]}, "properties": {"risk": "sealed"}}
    assert client.post("/zones", json=zone, headers=h).status_code == 201
    zid = client.get("/zones").json()["features"][0]["id"]
    zh_headers = {**h, "Accept-Language": "zh-CN"}
    en = client.post("/plans/stations", json={"model": "p_median", "p": 2}, headers=h).json()
    zh = client.post("/plans/stations", json={"model": "p_median", "p": 2}, headers=zh_headers).json()
    first = scenario["candidates"][0]
    en_reason = {e["id"]: e["reason"] for e in en["excluded"]}[first]
    zh_reason = {e["id"]: e["reason"] for e in zh["excluded"]}[first]
    assert en_reason.startswith(f"inside sealed zone {zid!r}")
    assert zh_reason.startswith(f"位于封控区 {zid!r}")
    # stored with its twin: read back in the reader's language
    back_zh = client.get(f"/plans/{en['id']}", headers=zh_headers).json()
    assert {e["id"]: e["reason"] for e in back_zh["excluded"]}[first] == zh_reason
    back_en = client.get(f"/plans/{en['id']}", headers=h).json()
    assert {e["id"]: e["reason"] for e in back_en["excluded"]}[first] == en_reason
