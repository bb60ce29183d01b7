"""POST /routes through HTTP on a real server, against the in-process route query on the same pairs.

The server is ``baotong serve`` started as a subprocess on a loopback port with
an empty temporary database (dev mode, demo tokens); the client is one httpx
connection, so the figures are per-request latency including JSON, routing,
zone lookup and the committed database write.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import NETWORK_CACHE, ROOT, SHARED_DATA, figure, median_ms, percentile

NAME = "http"


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
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    tokens = {}
    for line in log.read_text().splitlines():
        parts = line.split()
        if line.startswith("  ") and len(parts) == 2 and len(parts[1]) > 30:
            tokens[parts[0]] = parts[1]
    return proc, base, tokens


def _pairs(router, n: int, seed: int) -> list[tuple[list[float], list[float]]]:
    rng = np.random.default_rng(seed)
    net = router.network
    out = []
    while len(out) < n:
        a, b = rng.integers(net.node_count, size=2)
        if a != b:
            out.append((net.path_coords([int(a)])[0], net.path_coords([int(b)])[0]))
    return out


def _measure(label: str, network: str, n: int) -> list[dict]:
    import httpx

    from api.state import load_router

    router = load_router(network, str(NETWORK_CACHE), "cch", 500.0)
    pairs = _pairs(router, n, seed=7)
    inproc = []
    for o, d in pairs:
        started = time.perf_counter()
        router.route(o, d)
        inproc.append(time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as tmp:
        proc, base, tokens = _serve(network, Path(tmp))
        try:
            headers = {"Authorization": f"Bearer {tokens['dispatcher']}"}
            samples, errors = [], 0
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                for o, d in pairs[:10]:  # warm-up
                    client.post("/routes", json={"origin": o, "destination": d})
                for o, d in pairs:
                    started = time.perf_counter()
                    r = client.post("/routes", json={"origin": o, "destination": d})
                    samples.append(time.perf_counter() - started)
                    errors += r.status_code != 201
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)
    note = f"{errors} non-201 answers; one keep-alive client; server-side SQLite write committed per request"
    return [
        figure(NAME, label, "http", "POST /routes p50", "ms", median_ms(samples), baseline=median_ms(inproc),
               baseline_engine="in-process Router.route", n=len(samples), notes=note),
        figure(NAME, label, "http", "POST /routes p99", "ms", percentile(samples, 99) * 1e3,
               baseline=percentile(inproc, 99) * 1e3, baseline_engine="in-process Router.route", n=len(samples),
               notes=note),
    ]


def run(quick: bool = False) -> list[dict]:
    n = 50 if quick else 500
    return _measure("helsinki (default)", "default", n) + _measure(
        "andorra", str(SHARED_DATA / "andorra.osm.pbf"), n)
