"""POST /passes/verify through HTTP on a real server, against in-process ``verify_online`` on the same tokens.

The server is ``baotong serve`` (one uvicorn worker) started as a subprocess on a loopback
port over the Andorra extract with an empty temporary SQLite database; three passes are issued
through the API on real streets.  The HTTP figure is per-request latency from one keep-alive
client: JSON, bearer-token lookup, signature check, registry status read (revocation, fuse,
stored corridor), corridor distance, and the scan row committed before the answer.  The
baseline is :func:`passes.verify.verify_online` in this process with the same public keys and
an in-memory status lookup (no database), on the same tokens and checkpoints.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import NETWORK_CACHE, ROOT, SHARED_DATA, figure, median_ms, percentile

NAME = "passes_http"
ENTERPRISE_POINT = [1.5218, 42.5063]
DESTINATIONS = [[1.5923, 42.5413], [1.4910, 42.4630], [1.5340, 42.5080]]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(network: str, data_dir: Path):
    import httpx

    port = _free_port()
    log = data_dir / "server.log"
    env = {**os.environ, "BAOTONG_DATA_DIR": str(data_dir), "BAOTONG_CACHE_DIR": str(NETWORK_CACHE),
           "BAOTONG_NETWORK": network, "BAOTONG_SCENARIO": str(data_dir / "none.geojson")}
    proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            os.killpg(proc.pid, 15)
            raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    tokens = {}
    for line in log.read_text().splitlines():
        parts = line.split()
        if line.startswith("  ") and len(parts) == 2 and len(parts[1]) > 30:
            tokens[parts[0]] = parts[1]
    return proc, base, tokens


def _issue(client, tokens) -> list[tuple[str, list[float], list[list[float]]]]:
    """Issue one pass per destination; returns (token, checkpoint on the route, full corridor)."""
    planner = {"Authorization": f"Bearer {tokens['planner']}"}
    now = datetime.now(UTC).replace(microsecond=0)
    site = client.post("/sites", headers=planner, json={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": ENTERPRISE_POINT},
        "properties": {"kind": "enterprise", "name": "Bench Foods", "whitelist": True}}).json()["id"]
    vehicle = client.post(f"/sites/{site}/vehicles", headers=planner, json={"plate": "豫H·12345"}).json()["id"]
    crew = [client.post(f"/sites/{site}/crew", headers=planner, json={
        "name": f"crew {i}", "id_last4": f"{1000 + i}", "role": "driver",
        "tested_at": (now - timedelta(hours=2)).isoformat()}).json()["id"] for i in range(2)]
    out = []
    for dest in DESTINATIONS:
        r = client.post("/passes", headers={"Authorization": f"Bearer {tokens['dispatcher']}"}, json={
            "enterprise_id": site, "vehicle_id": vehicle, "crew_ids": crew, "cargo": "生活物资",
            "origin_site_id": site, "destination": dest, "valid_until": (now + timedelta(hours=12)).isoformat()})
        if r.status_code != 201:
            raise RuntimeError(f"issuing a pass failed: {r.status_code} {r.text[:300]}")
        p = r.json()
        coords = client.get(f"/routes/{p['route_id']}").json()["geometry"]["coordinates"]
        out.append((p["token"], coords[len(coords) // 2], coords))
    return out


def run(quick: bool = False) -> list[dict]:
    import httpx

    from passes.keys import PublicKeySet
    from passes.verify import PassStatus, verify_online

    n = 100 if quick else 1000
    network = str(SHARED_DATA / "andorra.osm.pbf")
    with tempfile.TemporaryDirectory() as tmp:
        proc, base, tokens = _serve(network, Path(tmp))
        try:
            headers = {"Authorization": f"Bearer {tokens['checkpoint']}"}
            with httpx.Client(base_url=base, timeout=60) as client:
                passes = _issue(client, tokens)
                keys = PublicKeySet.from_jwks(client.get("/.well-known/jwks.json").text)
                samples, stops = [], 0
                for i in range(n + 20):
                    token, point, _ = passes[i % len(passes)]
                    started = time.perf_counter()
                    r = client.post("/passes/verify", json={"token": token, "checkpoint": point}, headers=headers)
                    elapsed = time.perf_counter() - started
                    if r.status_code != 200:
                        raise RuntimeError(f"verify failed: {r.status_code} {r.text[:300]}")
                    if i >= 20:  # warm-up
                        samples.append(elapsed)
                        stops += r.json()["verdict"] != "pass"
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)

    corridors = {}
    inproc = []
    at = datetime.now(UTC)
    for i in range(n + 20):
        token, point, coords = passes[i % len(passes)]
        corridors.setdefault(i % len(passes), coords)
        status = PassStatus(revoked=False, enterprise_whitelisted=True, corridor=corridors[i % len(passes)])
        started = time.perf_counter()
        verdict = verify_online(token, keys, at=at, status_lookup=lambda _no, s=status: s, checkpoint=point)
        elapsed = time.perf_counter() - started
        assert verdict.ok, verdict.reasons
        if i >= 20:
            inproc.append(elapsed)
    note = (f"{stops} stop verdicts; 3 passes on Andorra streets, one keep-alive client, one uvicorn worker, "
            "SQLite scan row committed per request; baseline in-memory status lookup")
    rate = len(inproc) / sum(inproc)
    return [
        figure(NAME, "andorra", "http", "POST /passes/verify p50", "ms", median_ms(samples),
               baseline=median_ms(inproc), baseline_engine="in-process verify_online", n=len(samples), notes=note),
        figure(NAME, "andorra", "http", "POST /passes/verify p99", "ms", percentile(samples, 99) * 1e3,
               baseline=percentile(inproc, 99) * 1e3, baseline_engine="in-process verify_online", n=len(samples),
               notes=note),
        figure(NAME, "andorra", "in-process", "verify_online rate", "1/s", rate, baseline=None,
               baseline_engine="", n=len(inproc), notes="one core, full stored corridor, target >= 2,000/s"),
    ]
