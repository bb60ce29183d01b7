"""Nothing lost: SIGKILL the real server in the middle of a stream of writes, restart it, check.

The stream mixes zones, closures, routes, vehicle passes and checkpoint scans (routes and scans
are stored by the group-commit writer).  Every write that got a 2xx must be there, whole, after
the restart; nothing half-written may be visible (each stored object reads back complete).  Runs
on SQLite and on PostgreSQL (``database_url`` is parametrized in conftest).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np

from tests._data import shared_file
from tests.api._server import kill, pass_request, running_server

ACKED_BEFORE_KILL = 60
KINDS = ("zones", "closures", "routes", "passes", "scans")
ENTERPRISE_POINT = [1.5218, 42.5063]
PASS_DESTINATION = [1.5923, 42.5413]


def _zone(i: int, rng) -> dict:
    lon, lat = 1.50 + rng.uniform(0, 0.08), 42.48 + rng.uniform(0, 0.08)
    d = 0.002 + rng.uniform(0, 0.003)
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"risk": ["sealed", "controlled", "precaution"][i % 3], "name": f"crash-zone-{i}"},
    }


def _closure(way: int) -> dict:
    start = datetime.now(UTC) + timedelta(hours=1)
    return {
        "county_code": "410821",
        "reason": "crash test",
        "way_ids": [way],
        "mode": "checkpoint",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
    }


def _route(net, rng) -> dict:
    a, b = rng.integers(net.node_count, size=2)
    return {"origin": net.path_coords([int(a)])[0], "destination": net.path_coords([int(b)])[0]}


def _pass_setup(client: httpx.Client, h: dict) -> tuple[dict, dict]:
    """The pass request body of a whitelist enterprise's trip, and one pass issued with it."""
    body = pass_request(
        client, h, name="Crash Foods", plate="豫H·66666", origin=ENTERPRISE_POINT, destination=PASS_DESTINATION
    )
    first = client.post("/passes", json=body, headers=h["dispatcher"])
    assert first.status_code == 201, first.text
    return body, first.json()


def _key(kind: str) -> str:
    return {"passes": "pass_no", "scans": "scan_id"}.get(kind, "id")


def test_sigkill_loses_no_acknowledged_write(tmp_path, database_url, andorra_network):
    net = andorra_network
    rng = np.random.default_rng(20261126)
    urban = np.unique(net.osm_way_id[net.grade.astype(str) == "urban"])
    ways = iter(rng.permutation(urban).tolist())
    env = {"BAOTONG_DATABASE_URL": database_url}
    network = str(shared_file("andorra.osm.pbf"))
    acked: list[tuple[str, str, dict]] = []
    errors: list[str] = []
    with running_server(tmp_path, network=network, env=env) as server:
        tokens = server.tokens()
        h = {
            role: {"Authorization": f"Bearer {tokens[role]}"}
            for role in ("planner", "county", "dispatcher", "checkpoint")
        }
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            pass_body, scanned = _pass_setup(client, h)
            route = client.get(f"/routes/{scanned['route_id']}", headers=h["planner"]).json()
        on_route = route["geometry"]["coordinates"][len(route["geometry"]["coordinates"]) // 2]
        stop = threading.Event()

        def writer(kind: str) -> None:
            with httpx.Client(base_url=server.base_url, timeout=30) as client:
                i = 0
                while not stop.is_set():
                    i += 1
                    try:
                        if kind == "zones":
                            r = client.post("/zones", json=_zone(i, rng), headers=h["planner"])
                        elif kind == "closures":
                            r = client.post("/closures", json=_closure(next(ways)), headers=h["county"])
                        elif kind == "routes":
                            r = client.post("/routes", json=_route(net, rng), headers=h["dispatcher"])
                        elif kind == "passes":  # one vehicle, one pass: each pass gets a vehicle of its own
                            site = pass_body["enterprise_id"]
                            v = client.post(
                                f"/sites/{site}/vehicles", json={"plate": f"豫H·3{i:04d}"}, headers=h["planner"]
                            )
                            r = (
                                v
                                if v.status_code != 201
                                else client.post(
                                    "/passes", json={**pass_body, "vehicle_id": v.json()["id"]}, headers=h["dispatcher"]
                                )
                            )
                        else:
                            r = client.post(
                                "/passes/verify",
                                json={"token": scanned["token"], "checkpoint": on_route},
                                headers=h["checkpoint"],
                            )
                    except httpx.HTTPError:
                        return  # the server died mid-request: that write was never acknowledged
                    if 200 <= r.status_code < 300:
                        acked.append((kind, r.json()[_key(kind)], r.json()))
                    elif r.status_code >= 500:
                        errors.append(f"{kind}: {r.status_code} {r.text[:200]}")

        threads = [threading.Thread(target=writer, args=(k,), daemon=True) for k in KINDS]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120

        def enough() -> bool:  # the total, and a few of every kind
            kinds = [k for k, _, _ in acked]
            return len(kinds) >= ACKED_BEFORE_KILL and all(kinds.count(k) >= 3 for k in KINDS)

        while not enough() and time.monotonic() < deadline:
            time.sleep(0.01)
        kill(server.process)  # SIGKILL, mid-stream
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not errors
    assert len(acked) >= ACKED_BEFORE_KILL, f"only {len(acked)} writes acknowledged before the deadline"

    with running_server(tmp_path, network=network, env=env) as again:
        planner = {"Authorization": f"Bearer {again.tokens()['planner']}"}  # dev mode re-keys the demo users
        with httpx.Client(base_url=again.base_url, timeout=30) as client:
            scans = {s["id"]: s for s in client.get(f"/passes/{scanned['pass_no']}/scans", headers=planner).json()}
            for kind, oid, answer in acked:
                if kind == "scans":
                    assert oid in scans, ("scan", oid)
                    assert scans[oid]["verdict"] == answer["verdict"] == "pass"
                    assert scans[oid]["checkpoint"] == answer["checkpoint"]
                    continue
                got = client.get(f"/{kind}/{oid}", headers=planner)
                assert got.status_code == 200, (kind, oid, got.status_code)
                body = got.json()
                if kind == "zones":
                    assert body == answer
                elif kind == "routes":
                    assert body["geometry"] == answer["geometry"] and body["length_m"] == answer["length_m"]
                elif kind == "passes":
                    assert body["token"] == answer["token"] and body["route_id"] == answer["route_id"]
                    assert client.get(f"/routes/{body['route_id']}", headers=planner).status_code == 200
                else:
                    assert body["matched"]["arcs"] == answer["matched"]["arcs"] and body["status"] == answer["status"]
            # nothing half-written: every stored object reads back whole
            zones = client.get("/zones").json()["features"]
            assert len(zones) >= sum(k == "zones" for k, _, _ in acked)
            assert all(z["geometry"]["coordinates"] and z["properties"]["risk"] for z in zones)
            closures = client.get("/closures").json()["data"]
            assert len(closures) >= sum(k == "closures" for k, _, _ in acked)
            assert all(c["events"] and c["matched"]["arcs"] for c in closures)
    counts = {k: sum(a[0] == k for a in acked) for k in KINDS}
    assert all(counts.values()), counts
    print(f"crash test on {database_url.split(':')[0]}: {len(acked)} acknowledged writes {counts}, 0 lost")
