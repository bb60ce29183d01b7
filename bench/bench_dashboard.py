"""The live dashboard on a real server (``baotong serve``, one worker, Andorra, an empty SQLite database).

* Change -> update: an SSE client on ``GET /dashboard/events`` (httpx, in a thread) notes when each snapshot
  arrives; a change is made through the API (a zone created, a pending closure approved, a checkpoint scan) and
  the figure is the time from just before the request is sent to the arrival of the first snapshot that shows it
  (the request itself, the poller's next read of the database fingerprint -- every ``POLL_S`` -- the snapshot's
  computation and its delivery).  ``TRIALS`` of each; p50 and max.
* The hot path under open dashboards: ``POST /passes/verify`` one request at a time from one keep-alive httpx
  client, with no dashboard open (the baseline: the poller is not running) and with ``DASHBOARDS`` SSE clients
  connected (each scan changes the fingerprint, so the poller recomputes and pushes a snapshot to every client
  about every half second), in alternating rounds in the same run; p50 and p99 of each.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np

from bench.common import NETWORK_CACHE, SHARED_DATA, figure, percentile, served

NAME = "dashboard"
TRIALS = 5
DASHBOARDS = 10
ROUNDS = 3
VERIFIES = 300
ENTERPRISE_POINT = [1.5218, 42.5063]
DESTINATION = [1.5923, 42.5413]
SQUARE = [[1.52, 42.50], [1.53, 42.50], [1.53, 42.51], [1.52, 42.51], [1.52, 42.50]]


class Watcher(threading.Thread):
    """An open dashboard: reads ``/dashboard/events`` and queues ``(arrival perf_counter, snapshot)`` (or, with
    ``parse=False``, only reads the stream, as a browser that is not measured)."""

    def __init__(self, base: str, headers: dict[str, str], *, parse: bool = True):
        super().__init__(daemon=True)
        self.base, self.headers, self.parse = base, headers, parse
        self.events: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self.connected = threading.Event()
        self._response: httpx.Response | None = None
        self.received = 0

    def run(self) -> None:
        timeout = httpx.Timeout(60.0, read=None)
        try:
            with httpx.Client(base_url=self.base, timeout=timeout) as client:
                with client.stream("GET", "/dashboard/events", headers=self.headers) as response:
                    self._response = response
                    self.connected.set()
                    if not self.parse:
                        for chunk in response.iter_bytes():
                            self.received += chunk.count(b"event: snapshot")
                        return
                    event: str | None = None
                    data: list[str] = []
                    for line in response.iter_lines():
                        if line == "":
                            if event == "snapshot" and data:
                                self.events.put((time.perf_counter(), json.loads("\n".join(data))))
                                self.received += 1
                            event, data = None, []
                        elif line.startswith("event:"):
                            event = line.split(":", 1)[1].strip()
                        elif line.startswith("data:"):
                            data.append(line.split(":", 1)[1].lstrip())
        except (httpx.HTTPError, RuntimeError, AttributeError, OSError):
            return  # closed by stop()

    def stop(self) -> None:
        if self._response is not None:
            try:
                self._response.close()
            except (httpx.HTTPError, RuntimeError, OSError):
                pass
        self.join(timeout=10)

    def wait_for(self, shows: Callable[[dict[str, Any]], bool], *, timeout_s: float = 60.0) -> float:
        """The arrival time of the first snapshot from now on for which ``shows`` holds."""
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            try:
                at, doc = self.events.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            if shows(doc):
                return at
        raise RuntimeError("the dashboard did not show the change")

    def drain(self) -> dict[str, Any] | None:
        last = None
        while True:
            try:
                last = self.events.get_nowait()[1]
            except queue.Empty:
                return last


def _issue(api: httpx.Client, tokens: dict[str, str]) -> tuple[str, list[float]]:
    planner = {"Authorization": f"Bearer {tokens['planner']}"}
    now = datetime.now(UTC).replace(microsecond=0)
    site = api.post(
        "/sites",
        headers=planner,
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": ENTERPRISE_POINT},
            "properties": {"kind": "enterprise", "name": "Dashboard Foods", "whitelist": True},
        },
    ).json()["id"]
    vehicle = api.post(f"/sites/{site}/vehicles", headers=planner, json={"plate": "豫H·12345"}).json()["id"]
    crew = api.post(
        f"/sites/{site}/crew",
        headers=planner,
        json={
            "name": "张三",
            "id_last4": "1234",
            "role": "driver",
            "tested_at": (now - timedelta(hours=3)).isoformat(),
        },
    ).json()["id"]
    r = api.post(
        "/passes",
        headers={"Authorization": f"Bearer {tokens['dispatcher']}"},
        json={
            "enterprise_id": site,
            "vehicle_id": vehicle,
            "crew_ids": [crew],
            "cargo": "生活物资",
            "origin_site_id": site,
            "destination": DESTINATION,
            "valid_until": (now + timedelta(hours=12)).isoformat(),
        },
    )
    r.raise_for_status()
    p = r.json()
    coords = api.get(f"/routes/{p['route_id']}", headers=planner).json()["geometry"]["coordinates"]
    return p["token"], coords[len(coords) // 2]


def _city_way() -> int:
    """The longest way of CS-340 in Andorra: a lane closure on it needs the city's approval."""
    from routing.network import load_or_build

    net, _ = load_or_build(str(SHARED_DATA / "andorra.osm.pbf"), NETWORK_CACHE)
    ways, counts = np.unique(net.osm_way_id[net.ref.astype(str) == "CS-340"], return_counts=True)
    return int(ways[np.argmax(counts)])


def _file_closures(api: httpx.Client, county: dict[str, str], n: int) -> list[str]:
    way, out = _city_way(), []
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    for i in range(n):  # one way, windows a day apart: no two overlap
        begins = start + timedelta(days=i)
        r = api.post(
            "/closures",
            headers=county,
            json={
                "county_code": "410821",
                "reason": "疫情防控",
                "way_ids": [way],
                "mode": "lane",
                "starts_at": begins.isoformat(),
                "ends_at": (begins + timedelta(hours=6)).isoformat(),
            },
        )
        r.raise_for_status()
        assert r.json()["status"] == "pending", r.text
        out.append(r.json()["id"])
    return out


def _more(path: tuple[str, ...], before: int, doc: dict[str, Any]) -> bool:
    value: Any = doc
    for key in path:
        value = value[key]
    return int(value) > before


def _approved(closure_id: str, doc: dict[str, Any]) -> bool:
    return any(
        f["id"] == closure_id and f["properties"]["status"] == "approved" for f in doc["layers"]["closures"]["features"]
    )


def _latencies(base: str, tokens: dict[str, str], trials: int) -> dict[str, list[float]]:
    h = {role: {"Authorization": f"Bearer {tokens[role]}"} for role in tokens}
    out: dict[str, list[float]] = {"zone": [], "closure": [], "scan": []}
    with httpx.Client(base_url=base, timeout=120) as api:
        token, point = _issue(api, tokens)
        closures = _file_closures(api, h["county"], trials)
        watcher = Watcher(base, h["planner"])
        watcher.start()
        watcher.connected.wait(30)
        watcher.wait_for(lambda doc: True)
        for i in range(trials):
            time.sleep(0.7)  # start each trial at another point of the poller's cycle
            watcher.drain()
            sealed = api.get("/dashboard/figures", headers=h["planner"]).json()["figures"]["zones"]["by_risk"]["sealed"]
            watcher.drain()
            zone = {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
                "properties": {"risk": "sealed", "name": f"bench {i}"},
            }
            started = time.perf_counter()
            api.post("/zones", json=zone, headers=h["planner"]).raise_for_status()
            at = watcher.wait_for(functools.partial(_more, ("figures", "zones", "by_risk", "sealed"), sealed))
            out["zone"].append((at - started) * 1000)

            time.sleep(0.7)
            watcher.drain()
            started = time.perf_counter()
            api.post(f"/closures/{closures[i]}/approve", json={}, headers=h["city_approver"]).raise_for_status()
            at = watcher.wait_for(functools.partial(_approved, closures[i]))
            out["closure"].append((at - started) * 1000)

            time.sleep(0.7)
            watcher.drain()
            scans = api.get("/dashboard/figures", headers=h["planner"]).json()["figures"]["scans"]["last_24h"]["pass"]
            watcher.drain()
            started = time.perf_counter()
            body = {"token": token, "checkpoint": point, "plate": "豫H·12345"}
            api.post("/passes/verify", json=body, headers=h["checkpoint"]).raise_for_status()
            at = watcher.wait_for(functools.partial(_more, ("figures", "scans", "last_24h", "pass"), scans))
            out["scan"].append((at - started) * 1000)
        watcher.stop()
    return out


def _verify_round(api: httpx.Client, headers: dict[str, str], body: dict[str, Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        r = api.post("/passes/verify", json=body, headers=headers)
        out.append((time.perf_counter() - started) * 1000)
        r.raise_for_status()
    return out


def _hot_path(base: str, tokens: dict[str, str], *, rounds: int, n: int) -> tuple[list[float], list[float], int]:
    h = {role: {"Authorization": f"Bearer {tokens[role]}"} for role in tokens}
    none: list[float] = []
    open_: list[float] = []
    pushed = 0
    with httpx.Client(base_url=base, timeout=60) as api:
        token, point = _issue(api, tokens)
        body = {"token": token, "checkpoint": point, "plate": "豫H·12345"}
        _verify_round(api, h["checkpoint"], body, 30)  # warm up
        for _ in range(rounds):
            time.sleep(12)  # no dashboard open for longer than the poller's idle stop: it is not running
            none += _verify_round(api, h["checkpoint"], body, n)
            watchers = [Watcher(base, h["planner"], parse=False) for _ in range(DASHBOARDS)]
            for w in watchers:
                w.start()
            for w in watchers:
                w.connected.wait(30)
            time.sleep(1.0)
            open_ += _verify_round(api, h["checkpoint"], body, n)
            for w in watchers:
                w.stop()
            pushed += sum(w.received for w in watchers)
    return none, open_, pushed


def run(quick: bool = False) -> list[dict]:
    trials, rounds, n = (2, 1, 60) if quick else (TRIALS, ROUNDS, VERIFIES)
    network = str(SHARED_DATA / "andorra.osm.pbf")
    out = []
    load = os.getloadavg()
    with served(network) as (base, tokens):
        lat = _latencies(base, tokens, trials)
        for change, samples in lat.items():
            for metric, value in (("p50", percentile(samples, 50)), ("max", max(samples))):
                out.append(
                    figure(
                        NAME,
                        "andorra",
                        "sse",
                        f"{change} change -> dashboard update {metric}",
                        "ms",
                        value,
                        n=len(samples),
                        notes=f"one worker, SQLite; poll every 0.5 s; samples {[round(s) for s in samples]}",
                    )
                )
    with served(network) as (base, tokens):
        none, open_, pushed = _hot_path(base, tokens, rounds=rounds, n=n)
    for q in (50, 99):
        out.append(
            figure(
                NAME,
                "andorra",
                f"{DASHBOARDS} dashboards open",
                f"POST /passes/verify p{q}",
                "ms",
                percentile(open_, q),
                baseline=percentile(none, q),
                baseline_engine="no dashboard open",
                n=len(open_),
                notes=f"{rounds} alternating rounds of {n} sequential requests (httpx keep-alive); "
                f"{pushed} snapshots pushed to the dashboards; load average before {load[0]:.2f}, "
                f"after {os.getloadavg()[0]:.2f}",
            )
        )
    return out
