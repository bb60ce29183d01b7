"""POST /passes/verify through HTTP on a real server, against in-process ``verify_online`` on the same tokens.

The server is ``baotong serve`` (one uvicorn worker) started as a subprocess on a loopback
port over the Andorra extract with an empty temporary SQLite database; three passes are issued
through the API on real streets.  The HTTP figures are per-request latency from one keep-alive
connection, one request at a time: JSON, bearer-token lookup, signature check, registry status
read (revocation, fuse, stored corridor), corridor distance, and the scan row committed before
the answer.  They are measured twice: with ``wrk`` (a C client, so the figure is the service's
latency) and with a Python ``httpx`` client (which adds its own ~1-2 ms per request on this
machine).  The baseline is :func:`passes.verify.verify_online` in this process with the same
public keys and an in-memory status lookup (no database), on the same tokens and checkpoints.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import SHARED_DATA, figure, median_ms, percentile, served, wrk_result, wrk_script, wrk_start

NAME = "passes_http"
ENTERPRISE_POINT = [1.5218, 42.5063]
DESTINATIONS = [[1.5923, 42.5413], [1.4910, 42.4630], [1.5340, 42.5080]]


def _issue(client, tokens) -> list[tuple[str, list[float], list[list[float]]]]:
    """Issue one pass per destination; returns (token, checkpoint on the route, full corridor)."""
    planner = {"Authorization": f"Bearer {tokens['planner']}"}
    now = datetime.now(UTC).replace(microsecond=0)
    site = client.post(
        "/sites",
        headers=planner,
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": ENTERPRISE_POINT},
            "properties": {"kind": "enterprise", "name": "Bench Foods", "whitelist": True},
        },
    ).json()["id"]
    # one vehicle, one pass: a vehicle per destination
    vehicles = [
        client.post(f"/sites/{site}/vehicles", headers=planner, json={"plate": f"豫H·1234{k}"}).json()["id"]
        for k in range(len(DESTINATIONS))
    ]
    crew = [
        client.post(
            f"/sites/{site}/crew",
            headers=planner,
            json={
                "name": f"crew {i}",
                "id_last4": f"{1000 + i}",
                "role": "driver",
                "tested_at": (now - timedelta(hours=2)).isoformat(),
            },
        ).json()["id"]
        for i in range(2)
    ]
    out = []
    for vehicle, dest in zip(vehicles, DESTINATIONS):
        r = client.post(
            "/passes",
            headers={"Authorization": f"Bearer {tokens['dispatcher']}"},
            json={
                "enterprise_id": site,
                "vehicle_id": vehicle,
                "crew_ids": crew,
                "cargo": "生活物资",
                "origin_site_id": site,
                "destination": dest,
                "valid_until": (now + timedelta(hours=12)).isoformat(),
            },
        )
        if r.status_code != 201:
            raise RuntimeError(f"issuing a pass failed: {r.status_code} {r.text[:300]}")
        p = r.json()
        coords = client.get(f"/routes/{p['route_id']}", headers=planner).json()["geometry"]["coordinates"]
        out.append((p["token"], coords[len(coords) // 2], coords))
    return out


def _constant(status):
    """A status lookup that answers ``status`` for every pass number."""
    return lambda _no: status


def run(quick: bool = False) -> list[dict]:
    import httpx

    from passes.corridor import PreparedCorridor
    from passes.keys import PublicKeySet
    from passes.verify import PassStatus, verify_online

    n = 100 if quick else 1000
    network = str(SHARED_DATA / "andorra.osm.pbf")
    with served(network) as (base, tokens):
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
        wrk = None
        if shutil.which("wrk"):
            duration = 3.0 if quick else 15.0
            with tempfile.TemporaryDirectory() as tmp:
                script = wrk_script(
                    Path(tmp),
                    "/passes/verify",
                    tokens["checkpoint"],
                    [{"token": t, "checkpoint": p} for t, p, _ in passes],
                )
                wrk = wrk_result(wrk_start(base, script, connections=1, duration_s=duration), duration, "verify")
            if wrk["status_errors"] or wrk["socket_errors"]:
                raise RuntimeError(f"wrk saw errors: {wrk}")

    corridors = {}
    inproc = []
    at = datetime.now(UTC)
    for i in range(n + 20):
        token, point, coords = passes[i % len(passes)]
        if i % len(passes) not in corridors:  # the registry validates and hashes a corridor once, as the API does
            corridors[i % len(passes)] = PreparedCorridor.of(coords)
        status = PassStatus(revoked=False, enterprise_whitelisted=True, corridor=corridors[i % len(passes)])
        started = time.perf_counter()
        verdict = verify_online(token, keys, at=at, status_lookup=_constant(status), checkpoint=point)
        elapsed = time.perf_counter() - started
        assert verdict.ok, verdict.reasons
        if i >= 20:
            inproc.append(elapsed)
    note = (
        f"{stops} stop verdicts; 3 passes on Andorra streets, one keep-alive Python httpx client (its own "
        "time included), one uvicorn worker, "
        "SQLite scan row committed per request; baseline in-memory status lookup with the prepared corridor"
    )
    rate = len(inproc) / sum(inproc)
    figures = []
    if wrk is not None:
        wnote = (
            f"wrk, one connection, one request at a time for {wrk['duration_us'] / 1e6:.0f} s; 3 passes on "
            "Andorra streets, one uvicorn worker, SQLite scan row committed per request"
        )
        figures += [
            figure(
                NAME,
                "andorra",
                "http",
                "POST /passes/verify p50",
                "ms",
                wrk["p50_us"] / 1e3,
                baseline=median_ms(inproc),
                baseline_engine="in-process verify_online",
                n=wrk["requests"],
                notes=wnote,
            ),
            figure(
                NAME,
                "andorra",
                "http",
                "POST /passes/verify p99",
                "ms",
                wrk["p99_us"] / 1e3,
                baseline=percentile(inproc, 99) * 1e3,
                baseline_engine="in-process verify_online",
                n=wrk["requests"],
                notes=wnote,
            ),
        ]
    return figures + [
        figure(
            NAME,
            "andorra",
            "http-httpx-client",
            "POST /passes/verify p50",
            "ms",
            median_ms(samples),
            baseline=median_ms(inproc),
            baseline_engine="in-process verify_online",
            n=len(samples),
            notes=note,
        ),
        figure(
            NAME,
            "andorra",
            "http-httpx-client",
            "POST /passes/verify p99",
            "ms",
            percentile(samples, 99) * 1e3,
            baseline=percentile(inproc, 99) * 1e3,
            baseline_engine="in-process verify_online",
            n=len(samples),
            notes=note,
        ),
        figure(
            NAME,
            "andorra",
            "in-process",
            "verify_online rate",
            "1/s",
            rate,
            baseline=None,
            baseline_engine="",
            n=len(inproc),
            notes="one core, full stored corridor, target >= 2,000/s",
        ),
    ]
