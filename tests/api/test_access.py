"""Business data is not public: routes, plans, closure impacts, docking and drop points need a role;
public layers (zones, the closure feed, the public keys, the map of zones and closures) carry only
public facts; a checkpoint reads a pass only through its token; an enterprise-bound dispatcher sees
only its own enterprise's routes and passes, and every write scoped to an enterprise checks the binding.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services import users
from tests.api.test_passes import fleet, issue, on_route, verify  # noqa: F401  (fleet is a fixture)
from tests.api.test_plans import ZONE, scenario  # noqa: F401  (scenario is a fixture)

BUREAU = {"planner", "county", "city_approver", "province_approver"}
PRIVATE_READS = {
    "route": {"planner", "dispatcher"},
    "route_map": {"planner", "dispatcher"},
    "plan": BUREAU,
    "plan_map": BUREAU,
    "impact": BUREAU,
    "docking": BUREAU | {"dispatcher"},
    "drop": BUREAU | {"dispatcher"},
}


def _zone(client, h) -> str:
    r = client.post(
        "/zones",
        json={
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ZONE]},
            "properties": {"risk": "sealed", "name": "Z"},
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _closure_on(client, auth_headers, route: dict) -> dict:
    """A checkpoint closure (allowed, approved by the rules) on the way in the middle of a stored route."""
    net = client.app.state.baotong.network
    coords = route["geometry"]["coordinates"]
    lon, lat = coords[len(coords) // 2]
    snap = net.snap(lon, lat)
    start = datetime.now(UTC) + timedelta(minutes=1)
    r = client.post(
        "/closures",
        json={
            "county_code": "410821",
            "reason": "检查站 checkpoint",
            "mode": "checkpoint",
            "way_ids": [int(net.osm_way_id[snap.arc])],
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=6)).isoformat(),
        },
        headers=auth_headers("county"),
    )
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def business(client, auth_headers, scenario, fleet):  # noqa: F811
    """A route, a plan, a closure with an impact naming a pass and its plate, docking and drop points, a scan."""
    h = auth_headers("planner")
    zone_id = _zone(client, h)
    assert client.post(f"/zones/{zone_id}/docking-points", json={"k": 1}, headers=h).status_code == 201
    site = scenario["demand"][0]
    assert client.post(f"/sites/{site}/drop-point", headers=h).status_code == 201
    plan = client.post("/plans/stations", json={"model": "p_median", "p": 1}, headers=h).json()
    p = issue(client, auth_headers, fleet)
    route = client.get(f"/routes/{p['route_id']}", headers=h).json()
    closure = _closure_on(client, auth_headers, route)
    assert verify(client, auth_headers, p["token"], on_route(client, auth_headers, p)).json()["verdict"] == "pass"
    urls = {
        "route": f"/routes/{p['route_id']}",
        "route_map": f"/routes/{p['route_id']}/map",
        "plan": f"/plans/{plan['id']}",
        "plan_map": f"/plans/{plan['id']}/map",
        "impact": f"/closures/{closure['id']}/impact",
        "docking": f"/zones/{zone_id}/docking-points",
        "drop": f"/sites/{site}/drop-point",
    }
    return {"pass": p, "closure": closure, "urls": urls, "site": site}


def test_business_data_needs_a_role(client, tokens, business):
    for what, url in business["urls"].items():
        assert client.get(url).status_code == 401, url
        assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401, url
        for role in users.ROLES:
            r = client.get(url, headers={"Authorization": f"Bearer {tokens[role]}"})
            allowed = role in PRIVATE_READS[what] or role == "admin"
            assert r.status_code == (200 if allowed else 403), (url, role, r.status_code, r.text[:200])


def test_public_layers_show_only_public_facts(client, auth_headers, business):
    p, closure = business["pass"], business["closure"]
    # the closure's impact names the pass and its plate: readers with a role see it
    impact = client.get(business["urls"]["impact"], headers=auth_headers("county")).json()
    assert any(c["id"] == f"pass {p['pass_no']}" and c["name"] == p["plate"] for c in impact["corridors"])
    full = client.get(f"/closures/{closure['id']}", headers=auth_headers("city_approver")).json()
    assert p["pass_no"] in str(full["impact"])
    private = [p["pass_no"], p["plate"], "test-checkpoint", "test-county"]
    for url in ("/closures", f"/closures/{closure['id']}", "/map", "/closures/feed", "/zones"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert not [s for s in private if s in r.text], (url, [s for s in private if s in r.text])
    public = client.get(f"/closures/{closure['id']}").json()
    assert public["impact"] is None and public["status"] == closure["status"] and public["geometry"]
    assert all("actor" not in e or e["actor"] is None for e in public["events"])
    page = client.get("/map").text
    assert "检查站核验" not in page and "Z" in page
    view = "bbox=-180,-90,180,90&zoom=3"
    closures = client.get(f"/map/layers/closures?{view}")
    assert closures.status_code == 200 and closure["id"] in closures.text
    assert not [s for s in private if s in closures.text] and "cut_enterprises" not in closures.text
    assert client.get(f"/map/layers/scans?{view}").status_code == 401
    assert client.get("/.well-known/jwks.json").status_code == 200
    # a bureau role gets the whole map, scans included
    full_map = client.get("/map", headers=auth_headers("planner")).text
    assert "检查站核验" in full_map
    scans = client.get(f"/map/layers/scans?{view}", headers=auth_headers("planner"))
    assert scans.status_code == 200 and p["pass_no"] in scans.text


def test_a_checkpoint_reads_a_pass_only_through_its_token(client, auth_headers, business):
    p = business["pass"]
    for suffix in ("", "/qr.svg", "/qr.png", "/print", "/map", "/scans"):
        r = client.get(f"/passes/{p['pass_no']}{suffix}", headers=auth_headers("checkpoint"))
        assert r.status_code == 403, (suffix, r.status_code)
    r = client.post("/passes/lookup", json={"token": p["token"]}, headers=auth_headers("checkpoint"))
    assert r.status_code == 200 and r.json()["pass_no"] == p["pass_no"] and r.json()["status"] == "valid"
    # a token that is not the pass's (forged or altered) reads nothing
    head, payload, sig = p["token"].split(".")
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    for bad in (f"{head}.{payload}.{flipped}", "not a token", ""):
        r = client.post("/passes/lookup", json={"token": bad}, headers=auth_headers("checkpoint"))
        assert r.status_code in (404, 422) and p["pass_no"] not in r.text, (bad[:20], r.status_code)
    assert client.post("/passes/lookup", json={"token": p["token"]}).status_code == 401
    assert client.post("/passes/lookup", json={"token": p["token"]}, headers=auth_headers("county")).status_code == 403


def test_an_enterprise_bound_dispatcher_sees_and_writes_only_for_its_enterprise(client, app, auth_headers, business):
    from tests.api.test_passes import add_enterprise

    p = business["pass"]
    state = app.state.baotong
    other = add_enterprise(client, auth_headers, name="Other Co")
    with state.sessions() as s:
        own = users.add_user(s, "disp-own", "dispatcher", state.settings.secret_key, enterprise_id=p["enterprise_id"])
        foreign = users.add_user(s, "disp-foreign", "dispatcher", state.settings.secret_key, enterprise_id=other)
    mine, theirs = {"Authorization": f"Bearer {own}"}, {"Authorization": f"Bearer {foreign}"}
    for url in (f"/routes/{p['route_id']}", f"/routes/{p['route_id']}/map", f"/passes/{p['pass_no']}"):
        assert client.get(url, headers=mine).status_code == 200, url
        assert client.get(url, headers=theirs).status_code == 403, url
    # a route planned by a bound dispatcher is its enterprise's; a bureau route is not a bound dispatcher's
    trip = {"origin": [1.5218, 42.5063], "destination": [1.5923, 42.5413]}
    own_route = client.post("/routes", json=trip, headers=mine).json()["id"]
    bureau_route = client.post("/routes", json=trip, headers=auth_headers("dispatcher")).json()["id"]
    assert client.get(f"/routes/{own_route}", headers=mine).status_code == 200
    assert client.get(f"/routes/{own_route}", headers=theirs).status_code == 403
    assert client.get(f"/routes/{bureau_route}", headers=theirs).status_code == 403
    assert client.get(f"/routes/{own_route}", headers=auth_headers("planner")).status_code == 200
    # enterprise-scoped writes check the binding: another enterprise's drop point, vehicles, crew
    site = business["site"]
    assert client.post(f"/sites/{site}/drop-point", headers=theirs).status_code == 403
    before = client.get(f"/sites/{site}/drop-point", headers=auth_headers("planner")).json()
    assert client.get(f"/sites/{site}/drop-point", headers=auth_headers("planner")).json() == before
    with state.sessions() as s:
        site_owner = users.add_user(s, "disp-site", "dispatcher", state.settings.secret_key, enterprise_id=site)
    assert (
        client.post(f"/sites/{site}/drop-point", headers={"Authorization": f"Bearer {site_owner}"}).status_code == 201
    )
    ent = p["enterprise_id"]
    assert client.post(f"/sites/{ent}/vehicles", json={"plate": "豫H·60001"}, headers=theirs).status_code == 403
    crew = {"name": "a", "id_last4": "1111", "role": "driver", "tested_at": datetime.now(UTC).isoformat()}
    assert client.post(f"/sites/{ent}/crew", json=crew, headers=theirs).status_code == 403
    renew = {"valid_until": (datetime.now(UTC) + timedelta(hours=8)).isoformat()}
    assert client.post(f"/passes/{p['pass_no']}/renew", json=renew, headers=theirs).status_code == 403
