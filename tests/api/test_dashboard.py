"""The dashboard's endpoints: who may read them, the snapshot's shape, the alerts from scans made through the API,
and the event stream (against the real server: a snapshot at once, and a new one after a change)."""

from __future__ import annotations

import json
import time
from datetime import datetime

import httpx
import pytest

from services.users import ROLES
from tests._data import shared_file
from tests.api import test_passes
from tests.api._server import running_server
from tests.api.test_passes import issue, verify
from tests.api.test_zones import feature

fleet = test_passes.fleet  # the fixture: an enterprise with a vehicle and two crew

ALLOWED = {"planner", "city_approver", "province_approver", "admin"}


def figures(client, auth_headers, role="planner") -> dict:
    r = client.get("/dashboard/figures", headers=auth_headers(role))
    assert r.status_code == 200, r.text
    return r.json()


def test_roles_refused_and_allowed(client, auth_headers):
    assert client.get("/dashboard/figures").status_code == 401
    assert client.get("/dashboard/events").status_code == 401
    for role in ROLES:
        expected = 200 if role in ALLOWED else 403
        assert client.get("/dashboard/figures", headers=auth_headers(role)).status_code == expected, role
        page = client.get("/dashboard", headers=auth_headers(role))
        assert page.status_code == expected, role
        if role not in ALLOWED:
            assert client.get("/dashboard/events", headers=auth_headers(role)).status_code == 403, role
    # not signed in: the page sends the browser to the sign-in page
    r = client.get("/dashboard", follow_redirects=False)
    assert r.status_code in (302, 303) and "/login" in r.headers["location"]


def test_the_page_is_linked_for_its_roles_only(client, auth_headers):
    for role in ("planner", "city_approver", "dispatcher", "checkpoint"):
        page = client.get("/workspace", headers=auth_headers(role)).text
        assert ('href="/dashboard"' in page) == (role in ALLOWED), role
    page = client.get("/dashboard?lang=zh", headers=auth_headers("planner")).text
    assert "指挥大屏" in page and "/static/vendor/chart.js/chart.umd.min.js" in page
    assert "Command dashboard" in client.get("/dashboard?lang=en", headers=auth_headers("planner")).text


def test_the_snapshot_shape_and_iso_times(client, auth_headers):
    doc = figures(client, auth_headers)
    assert set(doc) == {"version", "at", "timezone", "figures", "series", "alerts", "layers"}
    assert datetime.fromisoformat(doc["at"]).tzinfo is not None
    f = doc["figures"]
    assert set(f) == {"zones", "closures", "passes", "scans", "checkpoints", "enterprises", "routes", "day_start"}
    assert set(f["passes"]) == {"valid_now", "issued_today", "revoked_today", "superseded_today"}
    assert set(f["closures"]["pending"]) == {"city", "province"}
    assert datetime.fromisoformat(f["day_start"]).tzinfo is not None
    assert len(doc["series"]["hours"]) == 24 and all(datetime.fromisoformat(h) for h in doc["series"]["hours"])
    for layer in doc["layers"].values():
        assert layer["type"] == "FeatureCollection"


def test_a_zone_made_through_the_api_shows_at_once(client, auth_headers):
    before = figures(client, auth_headers)
    r = client.post("/zones", json=feature(name="Encamp", county_code="410821"), headers=auth_headers("planner"))
    assert r.status_code == 201, r.text
    after = figures(client, auth_headers)
    assert after["version"] != before["version"]
    assert after["figures"]["zones"]["by_risk"]["sealed"] == before["figures"]["zones"]["by_risk"]["sealed"] + 1
    assert after["figures"]["zones"]["by_county"]["410821"]["sealed"] == 1
    assert [f["properties"]["name"] for f in after["layers"]["zones"]["features"]] == ["Encamp"]


def test_scans_through_the_api_give_the_travel_and_fuse_alerts(client, auth_headers, fleet):
    p = issue(client, auth_headers, fleet)
    route = client.get(f"/routes/{p['route_id']}", headers=auth_headers("planner")).json()
    coords = route["geometry"]["coordinates"]
    start, end = coords[len(coords) // 10], coords[-len(coords) // 10]  # kilometres apart on the route
    assert verify(client, auth_headers, p["token"], start, plate="豫H·12345").json()["verdict"] == "pass"
    doc = figures(client, auth_headers)
    assert [a for a in doc["alerts"] if a["kind"] in ("impossible_travel", "fused_pass_used")] == []
    assert doc["figures"]["passes"]["valid_now"] == 1 and doc["figures"]["passes"]["issued_today"] == 1
    assert doc["figures"]["scans"]["last_hour"] == {"pass": 1, "stop": 0}
    assert len(doc["layers"]["checkpoints"]["features"]) == 1

    second = verify(client, auth_headers, p["token"], end, plate="豫H·12345").json()  # seconds later, far away
    doc = figures(client, auth_headers)
    travel = [a for a in doc["alerts"] if a["kind"] == "impossible_travel"]
    assert len(travel) == 1 and travel[0]["pass_no"] == p["pass_no"] and travel[0]["scan"] == second["scan_id"]
    assert travel[0]["fastest_s"] > travel[0]["elapsed_s"]
    assert doc["figures"]["scans"]["stop_reasons_24h"][0]["code"] == "impossible_travel"
    assert len(doc["layers"]["checkpoints"]["features"]) == 2

    r = client.post(f"/sites/{fleet['site']}/fuse", json={"reason": "未落实防疫责任"}, headers=auth_headers("planner"))
    assert r.status_code == 200, r.text
    assert verify(client, auth_headers, p["token"], end, plate="豫H·12345").json()["verdict"] == "stop"
    doc = figures(client, auth_headers)
    fused = [a for a in doc["alerts"] if a["kind"] == "fused_pass_used"]
    assert [a["pass_no"] for a in fused] == [p["pass_no"]]
    assert doc["figures"]["enterprises"]["fused_today"] == 1


# -- the event stream, against the real server ---------------------------------------------------------------
def next_snapshot(lines, deadline_s: float = 30.0) -> dict:
    """The next ``snapshot`` event of an SSE line iterator."""
    event, data = None, []
    end = time.monotonic() + deadline_s
    for line in lines:
        if time.monotonic() > end:
            break
        if line == "":
            if event == "snapshot" and data:
                return json.loads("\n".join(data))
            event, data = None, []
        elif line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data.append(line.split(":", 1)[1].lstrip())
    raise AssertionError("no snapshot event")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("dashboard"), network=str(shared_file("andorra.osm.pbf"))) as s:
        yield s


def test_the_stream_sends_the_snapshot_then_an_update_after_a_change(server):
    users = server.demo_users()
    planner = {"Authorization": f"Bearer {users['planner']['token']}"}
    with httpx.Client(base_url=server.base_url, timeout=60) as api:
        with api.stream("GET", "/dashboard/events", headers=planner) as stream:
            assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            first = next_snapshot(lines)
            assert first["version"] == api.get("/dashboard/figures", headers=planner).json()["version"]
            sealed = first["figures"]["zones"]["by_risk"]["sealed"]
            r = api.post("/zones", json=feature(name="Canillo"), headers=planner)
            assert r.status_code == 201, r.text
            update = next_snapshot(lines)
            assert update["figures"]["zones"]["by_risk"]["sealed"] == sealed + 1
            assert "Canillo" in [f["properties"]["name"] for f in update["layers"]["zones"]["features"]]
        refused = {"Authorization": f"Bearer {users['dispatcher']['token']}"}
        assert api.get("/dashboard/events", headers=refused).status_code == 403
