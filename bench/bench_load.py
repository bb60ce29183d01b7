"""A bounded load test on loopback: checkpoint verifications and route requests against 2 workers.

``baotong serve --workers 2`` runs as a subprocess (SQLite, and PostgreSQL when
``scripts/test_postgres.sh`` can start one).  The load comes from ``wrk`` (C,
light on the CPU the server shares): one process keeps ``VERIFY_CONNECTIONS``
verifications in flight and another ``ROUTE_CONNECTIONS`` route requests, for
a fixed duration (60 s; 10 s with ``--quick``), then stops.  Without ``wrk`` an
asyncio httpx client does the same with a 5:1 mix and a fixed maximum count.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import ROOT, SHARED_DATA, figure, percentile, served, wrk_result, wrk_script, wrk_start

NAME = "load"
CONNECTIONS = 16
VERIFY_CONNECTIONS = 15
ROUTE_CONNECTIONS = 3
MAX_REQUESTS = 200_000
ENTERPRISE_POINT = [1.5218, 42.5063]
DESTINATIONS = [[1.5923, 42.5413], [1.5346, 42.5561], [1.4870, 42.4660], [1.5650, 42.5280]]


def _prepare(base: str, tokens: dict) -> tuple[list[str], list[float]]:
    """An enterprise, 20 vehicles (one vehicle, one pass), a crew member and 20 passes; returns the tokens and
    a checkpoint on a route."""
    import httpx

    h = {r: {"Authorization": f"Bearer {tokens[r]}"} for r in ("planner", "dispatcher")}
    with httpx.Client(base_url=base, timeout=60) as c:
        site = c.post(
            "/sites",
            headers=h["planner"],
            json={
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": ENTERPRISE_POINT},
                "properties": {"kind": "enterprise", "name": "Load Foods", "whitelist": True},
            },
        ).json()["id"]
        vehicles = [
            c.post(f"/sites/{site}/vehicles", headers=h["planner"], json={"plate": f"豫H·7{k:04d}"}).json()["id"]
            for k in range(20)
        ]
        crew = c.post(
            f"/sites/{site}/crew",
            headers=h["planner"],
            json={
                "name": "赵六",
                "id_last4": "0007",
                "role": "driver",
                "tested_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            },
        ).json()["id"]
        body = {
            "enterprise_id": site,
            "crew_ids": [crew],
            "cargo": "food",
            "origin_site_id": site,
            "destination": DESTINATIONS[0],
            "valid_until": (datetime.now(UTC) + timedelta(hours=12)).isoformat(),
        }
        passes = [c.post("/passes", json={**body, "vehicle_id": v}, headers=h["dispatcher"]).json() for v in vehicles]
        coords = c.get(f"/routes/{passes[0]['route_id']}", headers=h["planner"]).json()["geometry"]["coordinates"]
    return [p["token"] for p in passes], coords[len(coords) // 2]


async def _load(base: str, tokens: dict, pass_tokens: list[str], checkpoint, duration_s: float) -> dict:
    import httpx

    rng = random.Random(20261126)
    stats = {"verify": [], "route": [], "errors": 0, "sent": 0}
    hv = {"Authorization": f"Bearer {tokens['checkpoint']}"}
    hr = {"Authorization": f"Bearer {tokens['dispatcher']}"}
    stop_at = time.monotonic() + duration_s
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def worker():
            while time.monotonic() < stop_at and stats["sent"] < MAX_REQUESTS:
                stats["sent"] += 1
                kind = "route" if rng.random() < 1 / 6 else "verify"
                started = time.perf_counter()
                try:
                    if kind == "verify":
                        r = await client.post(
                            "/passes/verify",
                            headers=hv,
                            json={"token": rng.choice(pass_tokens), "checkpoint": checkpoint},
                        )
                        ok = r.status_code == 200
                    else:
                        r = await client.post(
                            "/routes",
                            headers=hr,
                            json={"origin": ENTERPRISE_POINT, "destination": rng.choice(DESTINATIONS)},
                        )
                        ok = r.status_code == 201
                except httpx.HTTPError:
                    ok = False
                if ok:
                    stats[kind].append(time.perf_counter() - started)
                else:
                    stats["errors"] += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        stats["elapsed_s"] = time.monotonic() - started
    return stats


def _load_wrk(base: str, tokens: dict, pass_tokens: list[str], checkpoint, duration_s: float, folder: Path) -> dict:
    """Run two ``wrk`` processes at once (verifications, routes); their JSON summaries."""
    verify = wrk_script(
        folder, "/passes/verify", tokens["checkpoint"], [{"token": t, "checkpoint": checkpoint} for t in pass_tokens]
    )
    route = wrk_script(
        folder, "/routes", tokens["dispatcher"], [{"origin": ENTERPRISE_POINT, "destination": d} for d in DESTINATIONS]
    )
    procs = {
        kind: wrk_start(base, script, connections=conns, duration_s=duration_s)
        for kind, conns, script in (("verify", VERIFY_CONNECTIONS, verify), ("route", ROUTE_CONNECTIONS, route))
    }
    return {kind: wrk_result(proc, duration_s, kind) for kind, proc in procs.items()}


def _figures_wrk(label: str, runs: dict) -> list[dict]:
    figures = []
    errors = sum(r["status_errors"] + r["socket_errors"] for r in runs.values())
    total = sum(r["requests"] for r in runs.values())
    note = (
        f"2 workers; wrk with {VERIFY_CONNECTIONS} verification and {ROUTE_CONNECTIONS} route connections at "
        f"once for {runs['verify']['duration_us'] / 1e6:.0f} s; {errors} errors (non-2xx or socket) of {total:,}; "
        "wrk shares the 2 cores"
    )
    for kind, metric in (("verify", "POST /passes/verify"), ("route", "POST /routes")):
        r = runs[kind]
        seconds = r["duration_us"] / 1e6
        figures.append(
            figure(
                NAME,
                f"andorra/{label}",
                "http-2-workers",
                f"{metric} throughput",
                "req/s",
                r["requests"] / seconds,
                n=r["requests"],
                notes=note,
            )
        )
        figures.append(
            figure(
                NAME,
                f"andorra/{label}",
                "http-2-workers",
                f"{metric} p50 under load",
                "ms",
                r["p50_us"] / 1000,
                n=r["requests"],
                notes=note,
            )
        )
        figures.append(
            figure(
                NAME,
                f"andorra/{label}",
                "http-2-workers",
                f"{metric} p99 under load",
                "ms",
                r["p99_us"] / 1000,
                n=r["requests"],
                notes=note,
            )
        )
    figures.append(
        figure(NAME, f"andorra/{label}", "http-2-workers", "errors", "count", float(errors), n=total, notes=note)
    )
    return figures


def _figures(label: str, stats: dict) -> list[dict]:
    el = stats["elapsed_s"]
    note = (
        f"2 workers, {CONNECTIONS} connections, {el:.0f} s, 5:1 verify:route mix, {stats['errors']} errors; "
        "load generator on the same 2 cores"
    )
    out = []
    for kind, metric in (("verify", "POST /passes/verify"), ("route", "POST /routes")):
        xs = stats[kind]
        out.append(
            figure(
                NAME,
                f"andorra/{label}",
                "http-2-workers",
                f"{metric} throughput",
                "req/s",
                len(xs) / el,
                n=len(xs),
                notes=note,
            )
        )
        if xs:
            out.append(
                figure(
                    NAME,
                    f"andorra/{label}",
                    "http-2-workers",
                    f"{metric} p50 under load",
                    "ms",
                    percentile(xs, 50) * 1000,
                    n=len(xs),
                    notes=note,
                )
            )
            out.append(
                figure(
                    NAME,
                    f"andorra/{label}",
                    "http-2-workers",
                    f"{metric} p99 under load",
                    "ms",
                    percentile(xs, 99) * 1000,
                    n=len(xs),
                    notes=note,
                )
            )
    out.append(
        figure(
            NAME,
            f"andorra/{label}",
            "http-2-workers",
            "errors",
            "count",
            float(stats["errors"]),
            n=stats["sent"],
            notes=note,
        )
    )
    return out


def _postgres_url() -> str | None:
    try:
        admin = subprocess.run(
            ["bash", str(ROOT / "scripts" / "test_postgres.sh"), "start"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout.strip()
    except (subprocess.SubprocessError, OSError):
        return None
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def _processes() -> list[tuple[int, int, str, float]]:
    """``(pid, parent pid, command name, CPU seconds used)`` of every process (Linux ``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        out.append((int(entry), int(fields[1]), name, (int(fields[11]) + int(fields[12])) / tick))
    return out


def _cpu(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server's processes and by PostgreSQL's (``/proc``; empty elsewhere)."""
    if not Path("/proc/self/stat").exists():
        return {}
    procs = _processes()
    family, grew = {server_pid}, True
    while grew:  # the server and its descendants (uvicorn's worker processes)
        more = {pid for pid, ppid, _, _ in procs if ppid in family} - family
        family |= more
        grew = bool(more)
    return {
        "server": sum(cpu for pid, _, _, cpu in procs if pid in family),
        "postgres": sum(cpu for _, _, name, cpu in procs if name == "postgres"),
    }


def _cpu_figures(label: str, before: dict, after: dict, requests: int, seconds: float) -> list[dict]:
    if not before or not requests:
        return []
    note = (
        "CPU time (user + system, /proc) over the load run divided by the requests answered (both kinds); "
        "the 2 cores are shared with wrk" + ("" if label == "sqlite" else " and with PostgreSQL")
    )
    out = [
        figure(
            NAME,
            f"andorra/{label}",
            "http-2-workers",
            "server CPU per request",
            "ms",
            (after["server"] - before["server"]) / requests * 1000,
            n=requests,
            notes=f"{note}; {(after['server'] - before['server']) / seconds:.2f} cores used",
        )
    ]
    if label != "sqlite":
        out.append(
            figure(
                NAME,
                f"andorra/{label}",
                "postgresql",
                "PostgreSQL CPU per request",
                "ms",
                (after["postgres"] - before["postgres"]) / requests * 1000,
                n=requests,
                notes=f"{note}; {(after['postgres'] - before['postgres']) / seconds:.2f} cores used",
            )
        )
    return out


def run(quick: bool = False) -> list[dict]:
    duration = 10.0 if quick else 60.0
    figures = []
    for label, url in (("sqlite", None), ("postgresql", _postgres_url())):
        if label == "postgresql" and url is None:
            continue
        server = served(str(SHARED_DATA / "andorra.osm.pbf"), workers=2, database_url=url)
        with server as (base, tokens):
            pass_tokens, checkpoint = _prepare(base, tokens)
            before, started = _cpu(server.proc.pid), time.monotonic()
            if shutil.which("wrk"):
                with tempfile.TemporaryDirectory() as tmp:
                    runs = _load_wrk(base, tokens, pass_tokens, checkpoint, duration, Path(tmp))
                figures.extend(_figures_wrk(label, runs))
                answered = sum(r["requests"] for r in runs.values())
            else:
                stats = asyncio.run(_load(base, tokens, pass_tokens, checkpoint, duration))
                figures.extend(_figures(label, stats))
                answered = len(stats["verify"]) + len(stats["route"])
            figures.extend(_cpu_figures(label, before, _cpu(server.proc.pid), answered, time.monotonic() - started))
    return figures
