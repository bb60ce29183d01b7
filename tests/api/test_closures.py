"""Closures and green channels through the API, on the real Andorra extract."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from routing import closures as rules
from routing.engine import FORBIDDEN
from routing.wzdx import validate_feed
from services import users
from services.settings import Settings
from tests._data import way_with_a_way_round as approvable_way

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "specs" / "wzdx-4.2"
ROLES = ("planner", "county", "city_approver", "province_approver", "dispatcher")
COUNTY = "410821"
#: the city map's layers over the whole world (GET /map/layers/{layer})
WORLD = "bbox=-180,-90,180,90&zoom=3"
#: a dead-end urban street in Andorra la Vella and the leaf node at its end
DEAD_END_WAY = 6182386
DEAD_END_POINT = [1.5305071, 42.5082785]
HUB_POINT = [1.5194859, 42.4976243]


@pytest.fixture
def api(tmp_path, shared_data, andorra_router):
    settings = Settings(
        data_dir=tmp_path,
        network=str(shared_data / "andorra.osm.pbf"),
        cache_dir=ROOT / ".cache" / "test-networks",
        allowed_hosts=["testserver"],
    )
    app = create_app(settings, road_router=andorra_router)
    client = TestClient(app)
    state = app.state.baotong
    headers = {}
    with state.sessions() as s:
        for role in ROLES:
            headers[role] = {"Authorization": f"Bearer {users.add_user(s, role + '1', role, settings.secret_key)}"}
    client.h = headers
    client.state = state
    return client


def window(hours_from_now: float = 0.0, length_h: float = 4.0) -> dict:
    start = datetime.now(UTC) + timedelta(hours=hours_from_now, minutes=1)
    return {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=length_h)).isoformat()}


def way_of(net, ref: str | None = None, grade: str | None = None, highway: str | None = None) -> int:
    """The OSM way with the most arcs matching ``ref`` / ``grade`` / ``highway``."""
    mask = np.ones(net.arc_count, dtype=bool)
    if ref is not None:
        mask &= net.ref.astype(str) == ref
    if grade is not None:
        mask &= net.grade.astype(str) == grade
    if highway is not None:
        mask &= net.highway.astype(str) == highway
    ways, counts = np.unique(net.osm_way_id[mask], return_counts=True)
    return int(ways[np.argmax(counts)])


def way_with_a_way_round(api, ref: str = "CG-2", grade: str = "provincial") -> int:
    """:func:`tests._data.way_with_a_way_round` on the app's network."""
    return approvable_way(api.state.network, api.state.road_router.truck_weights != FORBIDDEN, ref, grade)


def request(api, body: dict, role: str = "county"):
    return api.post(
        "/closures", json={"county_code": COUNTY, "reason": "epidemic control", **window(), **body}, headers=api.h[role]
    )


def add_site(api, kind: str, point, **props):
    r = api.post(
        "/sites",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": point},
            "properties": {"kind": kind, "name": f"{kind} test", **props},
        },
        headers=api.h["planner"],
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


# ----------------------------------------------------------------------------------
def test_request_by_way_decides_and_lists_rule_and_roads(api):
    net = api.state.network
    way = way_of(net, ref="CG-2", grade="provincial")
    r = request(api, {"way_ids": [way], "mode": "hard_barrier"})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["decision"] == "needs_provincial_approval" and c["status"] == "pending"
    assert c["approval_level"] == "province" and c["grade"] == "provincial"
    assert [x["rule"] for x in c["reasons"]] == ["provincial/hard_barrier"]
    assert c["matched"]["roads"][0]["ref"] == "CG-2" and c["matched"]["roads"][0]["way_id"] == way
    assert sorted(c["matched"]["arcs"]) == net.arcs_of_way(way).tolist()
    assert [e["action"] for e in c["events"]] == ["requested", "decided"]
    assert c["events"][0]["actor"] == "county1" and c["events"][0]["role"] == "county"
    assert "od_sample" in c["impact"] and "bridge" in c["impact"]
    assert api.get(f"/closures/{c['id']}").json()["id"] == c["id"]
    listed = api.get("/closures").json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == c["id"]


def test_request_by_line_reports_matched_road(api):
    net = api.state.network
    way = way_of(net, ref="CS-340")
    arcs = net.arcs_of_way(way)
    nodes = rules.chains(net, arcs)[0]
    line = net.path_coords(nodes[: min(len(nodes), 8)])
    r = request(api, {"geometry": {"type": "LineString", "coordinates": line}, "mode": "checkpoint"})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["matched"]["method"] == "line"
    assert any(road["ref"] == "CS-340" for road in c["matched"]["roads"])
    assert c["decision"] == "allowed" and c["status"] == "approved"
    assert [e["action"] for e in c["events"]] == ["requested", "decided", "auto_approved"]


def test_rule_rejects_hard_barrier_on_county_road_and_it_cannot_be_approved(api):
    way = way_of(api.state.network, ref="CS-101", grade="county")
    c = request(api, {"way_ids": [way], "mode": "hard_barrier"}).json()
    assert c["decision"] == "rejected" and c["status"] == "rejected"
    assert c["reasons"][0]["rule"] == "county/hard_barrier"
    r = api.post(f"/closures/{c['id']}/approve", headers=api.h["province_approver"])
    assert r.status_code == 409 and "rejected" in r.json()["detail"]


def test_approval_levels(api):
    net = api.state.network
    prov = request(api, {"way_ids": [way_with_a_way_round(api)], "mode": "hard_barrier"}).json()
    city = request(api, {"way_ids": [way_of(net, ref="CS-340")], "mode": "lane"}).json()
    assert city["decision"] == "needs_city_approval"
    # no token, wrong role
    assert api.post(f"/closures/{prov['id']}/approve").status_code == 401
    assert api.post(f"/closures/{prov['id']}/approve", headers=api.h["county"]).status_code == 403
    assert api.post(f"/closures/{prov['id']}/approve", headers=api.h["planner"]).status_code == 403
    # a city approver may not approve (or reject) what needs the province
    r = api.post(f"/closures/{prov['id']}/approve", headers=api.h["city_approver"])
    assert r.status_code == 403 and "province" in r.json()["detail"]
    assert api.post(f"/closures/{prov['id']}/reject", headers=api.h["city_approver"]).status_code == 403
    r = api.post(f"/closures/{prov['id']}/approve", json={"note": "ok"}, headers=api.h["province_approver"])
    assert r.status_code == 200 and r.json()["status"] == "approved"
    events = r.json()["events"]
    assert events[-1]["action"] == "approved" and events[-1]["actor"] == "province_approver1"
    assert events[-1]["note"] == "ok" and events[-1]["at"]
    assert api.post(f"/closures/{prov['id']}/approve", headers=api.h["province_approver"]).status_code == 409
    # a province approver may decide city-level requests
    r = api.post(f"/closures/{city['id']}/reject", headers=api.h["province_approver"])
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert api.post(f"/closures/{city['id']}/approve", headers=api.h["city_approver"]).status_code == 409
    # a county may not file as an approver, nor an approver as a county
    assert request(api, {"way_ids": [123], "mode": "lane"}, role="city_approver").status_code == 403


def test_time_window_activation_and_routing_hook(api):
    from services.closures import closed_arcs

    net = api.state.network
    way = way_with_a_way_round(api)
    c = api.post(
        "/closures",
        json={
            "county_code": COUNTY,
            "reason": "x",
            "way_ids": [way],
            "mode": "hard_barrier",
            **window(hours_from_now=1, length_h=2),
        },
        headers=api.h["county"],
    ).json()
    start, end = datetime.fromisoformat(c["starts_at"]), datetime.fromisoformat(c["ends_at"])
    assert closed_arcs(api.state, start + timedelta(minutes=30)).size == 0  # pending: never in effect
    api.post(f"/closures/{c['id']}/approve", headers=api.h["province_approver"])
    assert closed_arcs(api.state, start - timedelta(seconds=1)).size == 0
    during = closed_arcs(api.state, start + timedelta(minutes=30))
    assert during.dtype == np.int64 and during.tolist() == net.arcs_of_way(way).tolist()
    assert closed_arcs(api.state, end).size == 0
    listed = api.get("/closures", params={"active_at": (start + timedelta(minutes=1)).isoformat()}).json()
    assert [x["id"] for x in listed["data"]] == [c["id"]]
    assert api.get("/closures", params={"active_at": (end + timedelta(minutes=1)).isoformat()}).json()["count"] == 0


def test_checkpoint_and_lane_do_not_close_the_road(api):
    from services.closures import closed_arcs

    net = api.state.network
    c = request(api, {"way_ids": [way_of(net, ref="CS-340")], "mode": "checkpoint"}).json()
    assert c["status"] == "approved"
    assert closed_arcs(api.state, datetime.now(UTC) + timedelta(minutes=30)).size == 0


def test_whitelist_enterprise_cut_off_blocks_approval(api):
    add_site(api, "hub_logistics", HUB_POINT)
    ent = add_site(api, "enterprise", DEAD_END_POINT, whitelist=True)
    c = request(api, {"way_ids": [DEAD_END_WAY], "mode": "hard_barrier"}).json()
    assert c["decision"] == "needs_city_approval"
    assert [e["id"] for e in c["impact"]["cut_enterprises"]] == [ent]
    assert c["impact"]["bridge"]["is_bridge"] is True
    assert c["blocking_reasons"][0]["rule"] == "impact/whitelist_cut"
    r = api.post(f"/closures/{c['id']}/approve", headers=api.h["city_approver"])
    assert r.status_code == 409 and ent in r.json()["detail"]
    # the recomputed impact agrees, and the map shows the closure and the cut enterprise
    again = api.get(f"/closures/{c['id']}/impact", headers=api.h["county"]).json()
    assert [e["id"] for e in again["cut_enterprises"]] == [ent]
    closures = api.get(f"/map/layers/closures?{WORLD}", headers=api.h["planner"]).text
    impact = api.get(f"/map/layers/closure-impact?{WORLD}", headers=api.h["planner"]).text
    assert c["id"] in closures and c["id"] in impact


def test_green_channel_is_protected_and_mapped(api):
    net = api.state.network
    rail = add_site(api, "hub_rail", [1.5213, 42.5063])
    outside = add_site(api, "hub_logistics", [1.4866, 42.4640])
    zone = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[1.515, 42.502], [1.528, 42.502], [1.528, 42.511], [1.515, 42.511], [1.515, 42.502]]],
        },
        "properties": {"risk": "controlled", "name": "test area"},
    }
    assert api.post("/zones", json=zone, headers=api.h["planner"]).status_code == 201
    body = {"origin_site_id": rail, "destination_site_id": outside, "name": "rail station out"}
    assert api.post("/green-channels", json=body).status_code == 401
    assert api.post("/green-channels", json=body, headers=api.h["county"]).status_code == 403
    r = api.post("/green-channels", json=body, headers=api.h["planner"])
    assert r.status_code == 201, r.text
    g = r.json()
    assert g["arc_count"] > 0 and g["travel_time_s"] > 0 and g["geometry"]["type"] == "LineString"
    assert api.get("/green-channels").json()["count"] == 1
    # bad: origin not a rail/coach hub, destination inside the zone, unknown site
    assert (
        api.post("/green-channels", json={**body, "origin_site_id": outside}, headers=api.h["planner"]).status_code
        == 422
    )
    assert (
        api.post(
            "/green-channels", json={"origin_site_id": rail, "destination_site_id": rail}, headers=api.h["planner"]
        ).status_code
        == 422
    )
    assert (
        api.post(
            "/green-channels", json={**body, "destination_site_id": "site-nope"}, headers=api.h["planner"]
        ).status_code
        == 404
    )
    # a checkpoint on a low-grade road of the channel escalates from allowed to city approval
    from store.models import GreenChannelRow

    with api.state.sessions() as s:
        arcs = json.loads(s.get(GreenChannelRow, g["id"]).arcs)
    low = [a for a in arcs if str(net.grade[a]) in ("county", "township", "village", "urban")]
    assert low, "the channel should use at least one low-grade road"
    c = request(api, {"way_ids": [int(net.osm_way_id[low[0]])], "mode": "checkpoint"}).json()
    assert c["decision"] == "needs_city_approval"
    assert [x["rule"] for x in c["reasons"]][-1] == "green_channel/escalate"
    assert c["impact"]["green_channels"] == [] or c["impact"]["green_channels"][0]["id"] == g["id"]
    layer = api.get(f"/map/layers/green-channels?{WORLD}", headers=api.h["planner"])
    assert layer.status_code == 200 and g["id"] in layer.text


def test_feed_is_valid_wzdx(api):
    net = api.state.network
    c = request(api, {"way_ids": [way_with_a_way_round(api)], "mode": "hard_barrier"}).json()
    assert api.post(f"/closures/{c['id']}/approve", headers=api.h["province_approver"]).status_code == 200
    request(api, {"way_ids": [way_of(net, ref="CS-340")], "mode": "checkpoint"})  # auto-approved
    request(api, {"way_ids": [way_of(net, ref="CS-101", grade="county")], "mode": "lane"})  # pending: not in the feed
    feed = api.get("/closures/feed").json()
    assert validate_feed(feed, SPEC) == []
    impacts = {f["properties"]["vehicle_impact"] for f in feed["features"]}
    assert impacts == {"all-lanes-closed", "flagging"}
    barrier = [f for f in feed["features"] if f["id"].startswith(c["id"])]
    assert barrier and barrier[0]["properties"]["core_details"]["road_names"][0] == "CG-2"
    assert feed["feed_info"]["version"] == "4.2"


@pytest.mark.parametrize(
    "change, status, needle",
    [
        (
            {"geometry": {"type": "LineString", "coordinates": [[1.0, 42.0], [1.01, 42.01]]}},
            422,
            "from the nearest road",
        ),
        ({"way_ids": [1]}, 422, "not in the truck network"),
        ({"county_code": "999999"}, 422, "county_code"),
        ({"starts_at": "2020-01-01T00:00:00Z", "ends_at": "2020-01-02T00:00:00Z"}, 422, "in the past"),
        ({"ends_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}, 422, "must be before"),
        ({"mode": "wall"}, 422, "mode"),
        ({"geometry": {"type": "Point", "coordinates": [1.52, 42.5]}, "way_ids": [1]}, 422, "exactly one"),
    ],
)
def test_bad_requests_store_nothing(api, change, status, needle):
    way = way_of(api.state.network, ref="CG-2", grade="provincial")
    body = {"county_code": COUNTY, "reason": "x", "way_ids": [way], "mode": "hard_barrier", **window(), **change}
    if "geometry" in change and "way_ids" not in change:
        body.pop("way_ids")
    r = api.post("/closures", json=body, headers=api.h["county"])
    assert r.status_code == status, r.text
    assert needle in r.text
    assert api.get("/closures").json()["count"] == 0


def test_overlapping_duplicate_and_unknown_ids(api):
    way = way_of(api.state.network, ref="CG-2", grade="provincial")
    first = request(api, {"way_ids": [way], "mode": "hard_barrier"})
    assert first.status_code == 201
    dup = request(api, {"way_ids": [way], "mode": "checkpoint"})
    assert dup.status_code == 409 and first.json()["id"] in dup.json()["detail"]
    later = api.post(
        "/closures",
        json={
            "county_code": COUNTY,
            "reason": "x",
            "way_ids": [way],
            "mode": "hard_barrier",
            **window(hours_from_now=10),
        },
        headers=api.h["county"],
    )
    assert later.status_code == 201  # same road, a later window
    assert api.get("/closures").json()["count"] == 2
    assert api.get("/closures/closure-nope").status_code == 404
    assert api.get("/closures/closure-nope/impact", headers=api.h["county"]).status_code == 404
    assert api.post("/closures/closure-nope/approve", headers=api.h["province_approver"]).status_code == 404
    assert api.post("/closures/closure-nope/reject", headers=api.h["city_approver"]).status_code == 404


def test_impact_lists_stored_routes_and_valid_passes(api):
    net = api.state.network
    way = way_of(net, ref="CG-2", grade="provincial")
    chain = rules.chains(net, net.arcs_of_way(way))[0]
    origin, destination = net.path_coords([chain[0], chain[-1]])
    r = api.post("/routes", json={"origin": origin, "destination": destination}, headers=api.h["dispatcher"])
    assert r.status_code == 201, r.text
    route = r.json()
    from store import models as passes

    now = datetime.now(UTC)
    with api.state.sessions() as s:
        common = dict(
            admin_code="410800",
            enterprise_id="site-x",
            vehicle_id="veh-x",
            crew="[]",
            cargo="food",
            route_id=route["id"],
            origin=json.dumps(origin),
            destination=json.dumps(destination),
            corridor="[]",
            departure=now,
            issued_at=now,
            kid="k",
            token="t",
        )
        s.add(
            passes.PassRow(
                pass_no="410800000001",
                serial=1,
                plate="A1",
                valid_from=now,
                valid_until=now + timedelta(days=1),
                **common,
            )
        )
        s.add(
            passes.PassRow(
                pass_no="410800000002",
                serial=2,
                plate="A2",
                valid_from=now,
                valid_until=now + timedelta(days=1),
                revoked_at=now,
                **common,
            )
        )
        s.commit()
    c = request(api, {"way_ids": [way], "mode": "hard_barrier"}).json()
    rows = {row["id"]: row for row in c["impact"]["corridors"]}
    assert route["id"] in rows and "pass 410800000001" in rows and "pass 410800000002" not in rows
    row = rows[route["id"]]
    assert row["kind"] == "route" and row["closed_arcs_used"] > 0
    assert row["severed"] or row["new_travel_time_s"] > row["travel_time_s"]
    assert rows["pass 410800000001"]["kind"] == "pass"


def test_post_routes_avoids_an_approved_closure_in_force(api):
    from store.routes import get_route

    net = api.state.network
    way = way_with_a_way_round(api)
    closed = set(net.arcs_of_way(way).tolist())
    chain = rules.chains(net, net.arcs_of_way(way))[0]
    origin, destination = net.path_coords([chain[0], chain[-1]])

    def route_arcs(departure: datetime) -> set[int] | None:
        r = api.post(
            "/routes",
            json={"origin": origin, "destination": destination, "departure": departure.isoformat()},
            headers=api.h["dispatcher"],
        )
        if r.status_code == 422:
            return None  # no way round at all
        assert r.status_code == 201, r.text
        with api.state.sessions() as s:
            return set(get_route(s, r.json()["id"]).arcs.tolist())

    c = request(api, {"way_ids": [way], "mode": "hard_barrier"}).json()
    start = datetime.fromisoformat(c["starts_at"])
    assert closed & route_arcs(start + timedelta(minutes=5))  # pending: not in effect
    assert api.post(f"/closures/{c['id']}/approve", headers=api.h["province_approver"]).status_code == 200
    during = route_arcs(start + timedelta(minutes=5))
    assert during is None or not closed & during  # (the ends lie on the closed road itself)
    assert closed & route_arcs(start - timedelta(seconds=30))  # not started yet


#: Túnel de Radio Andorra: one bore of the one-way CG-2 tunnel pair
TUNNEL_BORE = 124674261


@pytest.mark.parametrize(
    ("way", "cannot_leave", "cannot_be_reached"),
    [(TUNNEL_BORE, 4, 2), (6166082, 2450, 2450)],  # one bore of a one-way tunnel; the only road up a valley
)
def test_a_closure_that_strands_nodes_is_blocked_before_approval(api, way, cannot_leave, cannot_be_reached):
    c = request(api, {"way_ids": [way], "mode": "hard_barrier"}).json()
    bridge = c["impact"]["bridge"]
    assert bridge["is_bridge"] and bridge["nodes_stranded_beyond"] > 0
    assert bridge["nodes_cannot_leave"] >= cannot_leave and bridge["nodes_cannot_be_reached"] >= cannot_be_reached
    assert "impact/nodes_stranded" in [b["rule"] for b in c["blocking_reasons"]]
    r = api.post(f"/closures/{c['id']}/approve", headers=api.h["province_approver"])
    assert r.status_code == 409 and "strands" in r.json()["detail"] and c["id"] in r.json()["detail"]
    assert api.get(f"/closures/{c['id']}", headers=api.h["county"]).json()["status"] == "pending"


ZH = {"Accept-Language": "zh-CN"}


def test_a_closure_decision_reads_in_chinese_when_asked_and_in_english_otherwise(api):
    way = way_of(api.state.network, ref="CS-101", grade="county")
    body = {"county_code": COUNTY, "reason": "epidemic control", **window(), "way_ids": [way], "mode": "hard_barrier"}
    en = api.post("/closures", json=body, headers=api.h["county"]).json()
    zh = api.post("/closures", json=body, headers={**api.h["county"], **ZH}).json()
    assert en["reasons"][0]["text"] == "hard isolation of county roads is forbidden"
    assert zh["reasons"][0]["text"] == "禁止对县道实施硬隔离"
    assert en["reasons"][0]["rule"] == zh["reasons"][0]["rule"] == "county/hard_barrier"
    # stored with both: read back in the reader's language
    assert api.get(f"/closures/{en['id']}").json()["reasons"][0]["text"] == en["reasons"][0]["text"]
    assert api.get(f"/closures/{en['id']}", headers=ZH).json()["reasons"][0]["text"] == zh["reasons"][0]["text"]
    refused = api.post(f"/closures/{en['id']}/approve", headers={**api.h["province_approver"], **ZH})
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith(f"道路封闭 {en['id']!r} 已被规则驳回")
    assert refused.json()["detail_en"].startswith(f"closure {en['id']!r} was rejected by the rules")


def test_a_blocking_reason_refuses_approval_in_chinese(api):
    c = request(api, {"way_ids": [TUNNEL_BORE], "mode": "hard_barrier"}).json()
    (stranded,) = [b for b in c["blocking_reasons"] if b["rule"] == "impact/nodes_stranded"]
    assert stranded["text"].startswith("strands ") and stranded["text_zh"].startswith("在考虑单行道的货车路网上")
    r = api.post(f"/closures/{c['id']}/approve", headers={**api.h["province_approver"], **ZH})
    assert r.status_code == 409 and r.json()["detail"].startswith(
        f"道路封闭 {c['id']!r} 不能批准：在考虑单行道的货车路网上"
    )
    assert "strands" in r.json()["detail_en"]
