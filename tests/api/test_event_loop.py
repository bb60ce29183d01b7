"""CPU-heavy request work stays off the event loop: a slow route computation does not hold up checkpoint
scans, and SIGTERM ends the real server while routes and polygon repairs are running.

Runs on SQLite and PostgreSQL (the ``settings`` fixture of tests/_app.py).
"""

from __future__ import annotations

import random
import signal
import threading

import httpx

import services.routes
from tests._data import shared_file
from tests.api import test_passes
from tests.api._server import running_server
from tests.api.test_passes import issue, on_route, verify

fleet = test_passes.fleet  # the fixture: an enterprise with a vehicle and two crew
ORIGIN = [1.5218, 42.5063]
DESTINATION = [1.5923, 42.5413]


def test_verifications_complete_while_a_route_computes(client, auth_headers, fleet, monkeypatch):
    p = issue(client, auth_headers, fleet)
    point = on_route(client, auth_headers, p)
    events: list[str] = []
    started, release = threading.Event(), threading.Event()
    real = services.routes.plan_route

    def slow_route(ctx, session, request):  # a route computation that takes as long as the test wants
        started.set()
        events.append("route released" if release.wait(timeout=30) else "route timed out")
        return real(ctx, session, request)

    monkeypatch.setattr(services.routes, "plan_route", slow_route)
    answers: list[httpx.Response] = []

    def post_route() -> None:
        body = {"origin": ORIGIN, "destination": DESTINATION}
        answers.append(client.post("/routes", json=body, headers=auth_headers("dispatcher")))
        events.append("route answered")

    thread = threading.Thread(target=post_route)
    thread.start()
    assert started.wait(timeout=30)
    for _ in range(5):  # while the route is still computing
        r = verify(client, auth_headers, p["token"], point, plate="豫H·12345")
        assert r.status_code == 200 and r.json()["verdict"] == "pass", r.text
        events.append("verified")
    release.set()
    thread.join(timeout=60)
    assert events == ["verified"] * 5 + ["route released", "route answered"]
    assert answers[0].status_code == 201, answers[0].text


def _tangle(rng: random.Random, n: int) -> list[list[float]]:
    """A ring of ``n`` random vertices over Andorra la Vella: it crosses itself, and is repaired (in bounds)."""
    ring = [[1.50 + rng.random() * 0.05, 42.49 + rng.random() * 0.04] for _ in range(n)]
    return ring + [ring[0]]


def test_sigterm_ends_the_server_while_routes_and_repairs_run(tmp_path, database_url):
    rng = random.Random(17)
    env = {"BAOTONG_DATABASE_URL": database_url}
    with running_server(tmp_path, network=str(shared_file("andorra.osm.pbf")), env=env) as server:
        h = {r: {"Authorization": f"Bearer {t}"} for r, t in server.tokens().items()}
        with httpx.Client(base_url=server.base_url, timeout=120) as c:
            for i in range(40):  # zones make each route slower
                lon, lat = 1.45 + (i % 8) * 0.03, 42.45 + (i // 8) * 0.03
                ring = [[lon, lat], [lon + 0.004, lat], [lon + 0.004, lat + 0.004], [lon, lat + 0.004], [lon, lat]]
                zone = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}}
                zone["properties"] = {"risk": "controlled"}
                assert c.post("/zones", headers=h["planner"], json=zone).status_code == 201
        answered = {"routes": 0, "zones": 0}
        statuses: set[tuple[str, int]] = set()
        in_flight = threading.Event()
        stop = threading.Event()

        def loop(kind: str) -> None:
            with httpx.Client(base_url=server.base_url, timeout=120) as c:
                while not stop.is_set():
                    try:
                        if kind == "routes":
                            r = c.post(
                                "/routes", headers=h["dispatcher"], json={"origin": ORIGIN, "destination": DESTINATION}
                            )
                        else:
                            geometry = {"type": "Polygon", "coordinates": [_tangle(rng, 24)]}
                            body = {"type": "Feature", "geometry": geometry, "properties": {"risk": "sealed"}}
                            r = c.post("/zones", headers=h["planner"], json=body)
                    except httpx.HTTPError:
                        return  # the server went away mid-request
                    statuses.add((kind, r.status_code))
                    answered[kind] += 1
                    if all(answered.values()):
                        in_flight.set()

        threads = [threading.Thread(target=loop, args=(k,)) for k in ("routes", "routes", "zones")]
        for t in threads:
            t.start()
        assert in_flight.wait(timeout=120), answered  # both kinds answered; the next ones are running now
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=90)  # the process ends by itself (no SIGKILL)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        # uvicorn ends a SIGTERM by re-raising it once shut down: ended by the signal, not killed
        assert code in (0, -signal.SIGTERM), server.output.read_text()[-3000:]
        assert "Finished server process" in server.output.read_text()
        assert ("routes", 201) in statuses and ("zones", 201) in statuses, statuses  # repairs ran, not refusals
