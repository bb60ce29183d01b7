"""Delivery plans through the API on Andorra's streets: roles, bad input, infeasible input, a stored plan read
back and checked against every rule, the map's layers, paging, and passes issued from a plan.

Runs on SQLite and PostgreSQL (the ``settings`` fixture of tests/_app.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import shapely
from shapely.geometry import mapping

from bench.deliveries_scenario import START, scenario
from routing.deliveries.check import plan_violations
from services import deliveries
from store.users import Principal

PLANNER = Principal(id=0, name="test-planner", role="planner", enterprise_id=None)
LIMIT_S = 1.0


def _tomorrow() -> datetime:
    """07:00 (UTC+8) tomorrow: plans in these tests lie ahead, so passes may be issued for them."""
    tz = START.tzinfo
    now = datetime.now(tz)
    return datetime(now.year, now.month, now.day, 7, 0, tzinfo=tz) + timedelta(days=1)


def _iso(dt: datetime) -> str:
    return dt.isoformat()


def _site(client, h, point, **props) -> str:
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(point)}, "properties": props}
    r = client.post("/sites", json=feature, headers=h)
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture
def world(client, auth_headers, andorra_router):
    """A seeded scenario (one sealed zone, stops inside and outside it) stored through the API: the zone, a
    logistics hub, a whitelist enterprise with three registered trucks, an enterprise and a demand site among
    the stops; and the body of a plan request over them, its times tomorrow."""
    h = auth_headers("planner")
    problem = scenario(andorra_router, seed=211, stops=18, zones=1, trucks=3, inside_share=0.3, hubs=1)
    shift = _tomorrow() - START
    zone = problem.zones[0]
    z = client.post(
        "/zones",
        json={
            "type": "Feature",
            "geometry": mapping(zone.geometry),
            "properties": {"risk": "sealed", "name": "封控区 1"},
        },
        headers=h,
    )
    assert z.status_code == 201, z.text
    zone_id = z.json()["id"]
    hub = _site(client, h, problem.depots[0].point, kind="hub_logistics", name="物流园区")
    firm = _site(client, h, (1.5218, 42.5063), kind="enterprise", name="保通物流", whitelist=True, sector="logistics")
    plates = ["豫H·10001", "豫H·10002", "豫H·10003"]
    vehicles = []
    for plate in plates:
        r = client.post(f"/sites/{firm}/vehicles", json={"plate": plate, "height_m": 3.6}, headers=h)
        assert r.status_code == 201, r.text
        vehicles.append(r.json()["id"])
    outside = [s for s in problem.stops if not zone.contains(*s.point)]
    customer = _site(client, h, outside[0].point, kind="enterprise", name="超市", whitelist=True)
    demand = _site(client, h, outside[1].point, kind="demand", name="小区需求点")
    stops = []
    for s in problem.stops:
        entry = {"demand": s.demand, "service_time_s": s.service_time_s}
        if s.id == outside[0].id:
            entry["site_id"] = customer
        elif s.id == outside[1].id:
            entry["site_id"] = demand
        else:
            entry.update(id=s.id, point=list(s.point))
        if s.window is not None:
            entry["window"] = [_iso(s.window[0] + shift), _iso(s.window[1] + shift)]
        stops.append(entry)
    truck, van = problem.fleet[0], problem.fleet[-1]
    body = {
        "name": "测试预案",
        "depots": [{"site_id": hub}],
        "stops": stops,
        "fleet": [
            {
                "id": "truck",
                "vehicle_ids": vehicles,
                "capacity": truck.capacity,
                "shift_start": _iso(truck.shift_start + shift),
                "shift_end": _iso(truck.shift_end + shift),
                "depot_id": hub,
            },
            {
                "id": "van",
                "count": van.count,
                "capacity": van.capacity,
                "shift_start": _iso(van.shift_start + shift),
                "shift_end": _iso(van.shift_end + shift),
                "zone_id": zone_id,
            },
        ],
        "time_limit_s": LIMIT_S,
        "seed": 7,
    }
    return {"h": h, "body": body, "zone": zone_id, "hub": hub, "firm": firm, "vehicles": vehicles, "plates": plates}


def _plan(client, auth_headers, body, role="dispatcher") -> dict:
    r = client.post("/plans/deliveries", json=body, headers=auth_headers(role))
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def planned(client, auth_headers, world):
    return _plan(client, auth_headers, world["body"])


# -- a plan, stored, read back, checked ------------------------------------------------------------------
def test_plan_is_stored_read_back_and_keeps_every_rule(app, client, auth_headers, world, planned):
    doc = planned
    assert doc["rule_violations"] == [] and doc["name"] == "测试预案"
    totals = doc["totals"]
    assert totals["stops_served"] + totals["stops_unserved"] == len(world["body"]["stops"])
    assert totals["outside_vehicles_used"] >= 1 and totals["inside_vehicles_used"] >= 1
    assert [z["id"] for z in doc["zones"]] == [world["zone"]]
    # every truck route drives one registered vehicle, each vehicle at most once
    trucks = [r for r in doc["routes"] if r["kind"] == "outside"]
    assert all(r["vehicle"]["vehicle_id"] in world["vehicles"] for r in trucks)
    assert len({r["vehicle"]["vehicle_id"] for r in trucks}) == len(trucks)
    assert all(r["vehicle"] is None for r in doc["routes"] if r["kind"] == "inside")
    # the stored sites were resolved: a stop given by site id is served under that id
    served = {v["id"] for r in doc["routes"] for v in r["stops"] if v["kind"] == "stop"}
    unserved = {u["id"] for u in doc["unserved"]}
    site_stops = [s["site_id"] for s in world["body"]["stops"] if "site_id" in s]
    assert set(site_stops) <= served | unserved and len(site_stops) == 2

    got = client.get(f"/plans/deliveries/{doc['id']}", headers=auth_headers("planner"))
    assert got.status_code == 200, got.text
    assert got.json() == doc
    # every rule of the plan, checked again on what was stored (a round trip of the problem and the plan)
    with app.state.baotong.sessions() as session:
        problem, plan = deliveries.stored_plan(session, doc["id"], user=PLANNER)
    assert plan_violations(problem, plan) == []
    zone = next(z for z in problem.zones if z.id == world["zone"])
    for r in plan.outside_routes:  # no outside truck calls inside the zone
        assert not any(zone.geometry.covers(shapely.Point(*v.point)) for v in r.visits)
    for r in plan.inside_routes:  # inside stops: an inside vehicle of the zone, from its docking point
        assert r.zone_id == world["zone"] and r.supplied_by is not None
        assert all(zone.geometry.covers(shapely.Point(*v.point)) for v in r.visits)
    inside_stops = {s.id for s in problem.stops if zone.geometry.covers(shapely.Point(*s.point))}
    assert inside_stops, "the scenario puts stops inside the zone"
    assert inside_stops <= {v.id for r in plan.inside_routes for v in r.visits} | unserved
    listed = client.get("/plans/deliveries", headers=auth_headers("planner")).json()
    assert listed["count"] == 1 and listed["next"] is None and listed["data"][0]["id"] == doc["id"]
    assert listed["data"][0]["totals"] == totals


def test_the_same_request_and_seed_give_the_same_routes(client, auth_headers, world, planned):
    again = _plan(client, auth_headers, world["body"], role="planner")
    assert again["id"] != planned["id"]
    stops = lambda d: [[v["id"] for v in r["stops"]] for r in d["routes"]]  # noqa: E731
    # a solve is bounded by wall-clock time, so only the routing of equal stop sequences is compared
    if stops(again) == stops(planned):
        assert again["totals"]["distance_m"] == pytest.approx(planned["totals"]["distance_m"])


# -- roles ---------------------------------------------------------------------------------------------------
def test_roles(client, auth_headers, world, planned):
    body = world["body"]
    assert client.post("/plans/deliveries", json=body).status_code == 401
    for role in ("checkpoint", "county", "city_approver"):
        assert client.post("/plans/deliveries", json=body, headers=auth_headers(role)).status_code == 403
    pid = planned["id"]
    for path in (f"/plans/deliveries/{pid}", f"/plans/deliveries/{pid}/map", "/plans/deliveries"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=auth_headers("checkpoint")).status_code == 403
        assert client.get(path, headers=auth_headers("dispatcher")).status_code == 200
    passes = {"cargo": "生活物资"}
    assert client.post(f"/plans/deliveries/{pid}/passes", json=passes).status_code == 401
    assert (
        client.post(f"/plans/deliveries/{pid}/passes", json=passes, headers=auth_headers("county")).status_code == 403
    )
    assert client.get("/plans/deliveries/dlv-unknown", headers=auth_headers("planner")).status_code == 404


def test_a_bound_dispatcher_plans_with_its_own_vehicles_and_reads_its_own_plans(app, client, auth_headers, world):
    from services import users

    ctx = app.state.baotong
    h = world["h"]
    other = _site(client, h, (1.53, 42.51), kind="enterprise", name="别家", whitelist=True)
    with ctx.sessions() as session:
        own = users.add_user(
            session, "own-dispatcher", "dispatcher", ctx.settings.secret_key, enterprise_id=world["firm"]
        )
        alien = users.add_user(session, "alien-dispatcher", "dispatcher", ctx.settings.secret_key, enterprise_id=other)
    r = client.post("/plans/deliveries", json=world["body"], headers={"Authorization": f"Bearer {alien}"})
    assert r.status_code == 403 and world["firm"] in r.json()["detail"]
    mine = client.post("/plans/deliveries", json=world["body"], headers={"Authorization": f"Bearer {own}"})
    assert mine.status_code == 201, mine.text
    pid = mine.json()["id"]
    assert client.get(f"/plans/deliveries/{pid}", headers={"Authorization": f"Bearer {alien}"}).status_code == 403
    assert client.get(f"/plans/deliveries/{pid}", headers={"Authorization": f"Bearer {own}"}).status_code == 200
    theirs = client.get("/plans/deliveries", headers={"Authorization": f"Bearer {alien}"}).json()
    assert theirs["count"] == 0 and theirs["data"] == []


# -- bad and infeasible input --------------------------------------------------------------------------------
def _edit(body: dict, path: list, value) -> dict:
    import copy

    out = copy.deepcopy(body)
    target = out
    for key in path[:-1]:
        target = target[key]
    if value is _DROP:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


_DROP = object()


@pytest.mark.parametrize(
    "path, value, names",
    [
        (["stops", 0], {"site_id": "site-unknown"}, "`stops[0].site_id` was 'site-unknown'; no such site"),
        (["stops", 0, "site_id"], "site-x", "`stops[0]` gives both site_id and point; give one"),
        (["depots", 0, "point"], [1.52, 42.5], "`depots[0]` gives ['site_id', 'point']; give exactly one"),
        (["depots", 0, "site_id"], "site-unknown", "`depots[0].site_id` was 'site-unknown'"),
        (["fleet", 0, "vehicle_ids", 0], "veh-unknown", "`fleet[0].vehicle_ids[0]` was 'veh-unknown'"),
        (["fleet", 0, "depot_id"], "nowhere", "`fleet['truck'].depot_id` was 'nowhere'"),
        (["fleet", 1, "zone_id"], "zone-unknown", "`fleet['van'].zone_id` was 'zone-unknown'"),
        (["fleet", 0, "shift_start"], "2026-12-02T07:00:00", "`fleet[0].shift_start`"),
        (["stops", 3, "window"], ["2026-12-02T09:00:00", "2026-12-02T10:00:00"], "`stops[3].window[0]`"),
        (["stops", 3, "point"], [1.0, 42.5], "stops['s4'].point"),
        (["time_limit_s"], 500, "`time_limit_s` was 500; expected seconds in (0, 120]"),
        (["stops", 2, "demand"], -1, "demand"),
        (["fleet", 0, "count"], 2, "`fleet[0].count` was 2, but it names 3 vehicle(s)"),
    ],
)
def test_bad_input_is_4xx_naming_the_field(client, auth_headers, world, path, value, names):
    body = _edit(world["body"], path, value)
    r = client.post("/plans/deliveries", json=body, headers=auth_headers("planner"))
    assert 400 <= r.status_code < 500, r.text
    assert names in str(r.json()["detail"]), r.json()
    assert client.get("/plans/deliveries", headers=auth_headers("planner")).json()["count"] == 0


def test_a_stop_site_of_the_wrong_kind_and_a_fused_enterprise_vehicle_are_refused(client, auth_headers, world):
    body = _edit(world["body"], ["stops", 0], {"site_id": world["hub"], "demand": 1})
    r = client.post("/plans/deliveries", json=body, headers=auth_headers("planner"))
    assert r.status_code == 422 and "`stops[0].site_id`" in r.json()["detail"] and "hub_logistics" in r.json()["detail"]
    fused = client.post(f"/sites/{world['firm']}/fuse", json={"reason": "test"}, headers=auth_headers("planner"))
    assert fused.status_code == 200, fused.text
    r = client.post("/plans/deliveries", json=world["body"], headers=auth_headers("planner"))
    assert r.status_code == 422 and "not on the whitelist" in r.json()["detail"] and "fleet[0].vehicle_ids[0]" in r.text


def test_infeasible_input_is_422_naming_the_stops_and_numbers(client, auth_headers, world):
    body = world["body"]
    cap = body["fleet"][0]["capacity"]
    heavy = _edit(body, ["stops", 4, "demand"], cap + 7)
    r = client.post("/plans/deliveries", json=heavy, headers=auth_headers("planner"))
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    sid = body["stops"][4].get("id") or body["stops"][4]["site_id"]
    assert f"stop {sid!r}" in detail and str(cap + 7) in detail and str(cap) in detail
    # a window that closes before any truck can get there (the shift starts at 07:00)
    start = datetime.fromisoformat(body["fleet"][0]["shift_start"])
    early = [_iso(start - timedelta(hours=2)), _iso(start - timedelta(hours=1))]
    late = _edit(body, ["stops", 5, "window"], early)
    r = client.post("/plans/deliveries", json=late, headers=auth_headers("planner"))
    assert r.status_code == 422, r.text
    sid = body["stops"][5].get("id") or body["stops"][5]["site_id"]
    assert f"stop {sid!r}" in r.json()["detail"] and "window" in r.json()["detail"]
    assert client.get("/plans/deliveries", headers=auth_headers("planner")).json()["count"] == 0


def test_a_busy_solver_answers_503_with_retry_after(app, client, auth_headers, world):
    slots = app.state.baotong.solver_slots
    assert slots.acquire(blocking=False)
    try:
        r = client.post("/plans/deliveries", json=world["body"], headers=auth_headers("planner"))
    finally:
        slots.release()
    assert r.status_code == 503 and r.headers["Retry-After"] == "10" and "retry" in r.json()["detail"]


# -- paging and the map --------------------------------------------------------------------------------------
def test_the_list_is_paged(client, auth_headers, world):
    ids = [_plan(client, auth_headers, world["body"])["id"] for _ in range(3)]
    h = auth_headers("planner")
    first = client.get("/plans/deliveries?limit=2", headers=h).json()
    assert first["count"] == 3 and len(first["data"]) == 2 and first["next"] == "/plans/deliveries?limit=2&offset=2"
    second = client.get(first["next"], headers=h).json()
    assert second["next"] is None and len(second["data"]) == 1
    assert sorted(d["id"] for d in first["data"] + second["data"]) == sorted(ids)
    assert client.get("/plans/deliveries?limit=0", headers=h).status_code == 422


def test_the_map_draws_routes_depots_docking_points_stops_and_the_zone(client, auth_headers, world, planned):
    page = client.get(f"/plans/deliveries/{planned['id']}/map", headers=auth_headers("planner"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for name in ("中转站/物流园区", "接驳点", "配送点（按时间窗）", "封控区"):
        assert json.dumps(name)[1:-1] in html  # layer names as the LayerControl's JSON writes them
    assert json.dumps("depots")[1:-1] not in html
    en = client.get(f"/plans/deliveries/{planned['id']}/map?lang=en", headers=auth_headers("planner")).text
    for name in ("depots", "docking points", "stops (by time window)", "Sealed zones"):
        assert json.dumps(name)[1:-1] in en, name
    assert json.dumps("中转站/物流园区")[1:-1] not in en and "图例" not in en
    for r in planned["routes"]:
        assert r["id"] in html
    assert world["plates"][0] in html or any(r["vehicle"]["plate"] in html for r in planned["routes"] if r["vehicle"])
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


# -- passes from a plan --------------------------------------------------------------------------------------
def _crew(client, h, site, *, hours_ago: float, name: str) -> str:
    body = {
        "name": name,
        "id_last4": "123X",
        "role": "driver",
        "tested_at": _iso(datetime.now(UTC) - timedelta(hours=hours_ago)),
        "mobile_role": False,
    }
    r = client.post(f"/sites/{site}/crew", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_passes_are_issued_from_a_plan_truck_by_truck(client, auth_headers, world):
    body = _edit(world["body"], ["fleet", 0, "capacity"], 40)  # several trucks, so one can be refused
    doc = _plan(client, auth_headers, body)
    trucks = [r for r in doc["routes"] if r["kind"] == "outside"]
    assert len(trucks) >= 2, [r["load"] for r in trucks]
    h = world["h"]
    fresh = _crew(client, h, world["firm"], hours_ago=2, name="张三")
    # tested 40 h before now: stale by tomorrow's departure (48 h)
    stale = _crew(client, h, world["firm"], hours_ago=40, name="李四")
    crew = {trucks[0]["id"]: [fresh], trucks[1]["id"]: [stale]}
    r = client.post(
        f"/plans/deliveries/{doc['id']}/passes",
        json={"cargo": "生活物资", "crew": crew},
        headers=auth_headers("dispatcher"),
    )
    assert r.status_code == 200, r.text
    out = r.json()
    by_route = {x["route"]: x for x in out["results"]}
    assert set(by_route) == {t["id"] for t in trucks}
    ok, refused = by_route[trucks[0]["id"]], by_route[trucks[1]["id"]]
    assert ok["status"] == "issued" and ok["pass_no"] and ok["http_status"] == 201
    assert refused["status"] == "refused" and refused["http_status"] == 422 and refused["pass_no"] is None
    assert any(x.startswith("crew_test_stale") for x in refused["reasons"]), refused
    for t in trucks[2:]:  # no crew given: refused with that reason
        assert by_route[t["id"]]["status"] == "refused" and any("no_crew" in x for x in by_route[t["id"]]["reasons"])
    assert out["issued"] == 1 and out["refused"] == len(trucks) - 1
    # one vehicle, one pass, one route: the pass's route is the plan's truck route, leg by leg
    p = client.get(f"/passes/{ok['pass_no']}", headers=auth_headers("planner")).json()
    assert p["vehicle_id"] == trucks[0]["vehicle"]["vehicle_id"] and p["plate"] == trucks[0]["vehicle"]["plate"]
    departure = datetime.fromisoformat(trucks[0]["departure"])
    assert (
        datetime.fromisoformat(p["valid_from"])
        == datetime.fromisoformat(ok["valid_from"])
        == departure - timedelta(hours=1)
    )
    assert datetime.fromisoformat(p["departure"]) == departure
    route = client.get(f"/routes/{p['route_id']}", headers=auth_headers("planner")).json()
    legs = [leg for leg in trucks[0]["legs"] if leg["kind"] == "truck"]
    assert route["travel_time_s"] == pytest.approx(sum(leg["travel_time_s"] for leg in legs), abs=0.5 * len(legs))
    assert route["length_m"] == pytest.approx(sum(leg["length_m"] for leg in legs), abs=0.5 * len(legs))
    assert route["origin"] == pytest.approx(trucks[0]["base"]["point"]) == route["destination"]
    calls = [v["point"] for v in trucks[0]["stops"]]
    assert len(route["stops"]) == len(calls) + 2
    # a second call does not issue the same truck's pass twice; the plan lists its passes
    again = client.post(
        f"/plans/deliveries/{doc['id']}/passes",
        json={"cargo": "生活物资", "crew": crew, "routes": [trucks[0]["id"]]},
        headers=auth_headers("dispatcher"),
    ).json()
    assert [(x["status"], x["pass_no"]) for x in again["results"]] == [("already_issued", ok["pass_no"])]
    got = client.get(f"/plans/deliveries/{doc['id']}", headers=auth_headers("planner")).json()
    assert got["passes"] == {trucks[0]["id"]: ok["pass_no"]}
    # a route that is not one of the plan's trucks is named
    bad = client.post(
        f"/plans/deliveries/{doc['id']}/passes",
        json={"cargo": "x", "routes": ["inside-z-1"]},
        headers=auth_headers("dispatcher"),
    )
    assert bad.status_code == 422 and "'inside-z-1'" in bad.json()["detail"]


ZH = {"Accept-Language": "zh-CN"}


def test_infeasible_input_is_named_in_chinese_when_asked(client, auth_headers, world):
    body = world["body"]
    cap = body["fleet"][0]["capacity"]
    heavy = _edit(body, ["stops", 4, "demand"], cap + 7)
    en = client.post("/plans/deliveries", json=heavy, headers=auth_headers("planner"))
    zh = client.post("/plans/deliveries", json=heavy, headers={**auth_headers("planner"), **ZH})
    assert en.status_code == zh.status_code == 422
    sid = body["stops"][4].get("id") or body["stops"][4]["site_id"]
    assert en.json()["detail"].startswith("stops heavier than every vehicle that could carry them: ")
    assert zh.json()["detail"].startswith("以下停靠点的货物重于所有可承运车辆的载重：")
    assert f"stop {sid!r}" in zh.json()["detail"] and zh.json()["detail_en"] == en.json()["detail"]


def test_a_plan_warns_in_chinese_when_asked(client, auth_headers, world):
    # an inside vehicle based in a precaution zone (no stop rule there): planned without it, with a warning
    ring = [[1.42, 42.43], [1.425, 42.43], [1.425, 42.435], [1.42, 42.435], [1.42, 42.43]]
    zone = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"risk": "precaution"},
    }
    pz = client.post("/zones", json=zone, headers=auth_headers("planner")).json()["id"]
    van = dict(world["body"]["fleet"][-1], id="van-p", zone_id=pz)
    body = _edit(world["body"], ["fleet"], [*world["body"]["fleet"], van])
    en = _plan(client, auth_headers, body)
    warned = [w for w in en["warnings"] if w.startswith("inside vehicle type 'van-p' is based in zone")]
    assert len(warned) == 1 and "warnings_zh" not in en
    read_zh = client.get(f"/plans/deliveries/{en['id']}", headers={**auth_headers("dispatcher"), **ZH}).json()
    assert any(w.startswith(f"区内车型 'van-p' 驻在区域 {pz!r}") for w in read_zh["warnings"])
    assert len(read_zh["warnings"]) == len(en["warnings"])
    read_en = client.get(f"/plans/deliveries/{en['id']}", headers=auth_headers("dispatcher")).json()
    assert read_en["warnings"] == en["warnings"]
