"""POST /routes through HTTP on a real server, against the in-process route query on the same pairs.

The server is ``baotong serve`` started as a subprocess on a loopback port with
an empty temporary database (dev mode, demo tokens); the figures are per-request latency including JSON,
routing, zone lookup and the committed database write, measured twice: with one Python httpx connection
(its own time included, on the same two cores) and, when ``wrk`` is installed, with ``wrk`` (a C client, one
connection, one request at a time: the service's latency), with the server's CPU time per request.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.bench_load import _cpu
from bench.common import (
    NETWORK_CACHE,
    SHARED_DATA,
    figure,
    median_ms,
    percentile,
    served,
    wrk_result,
    wrk_script,
    wrk_start,
)

NAME = "http"
#: A memory file system: a server with its database here measures the request without the disk's flush.
TMPFS = Path("/dev/shm")


def _pairs(router, n: int, seed: int) -> list[tuple[list[float], list[float]]]:
    rng = np.random.default_rng(seed)
    net = router.network
    out: list[tuple[list[float], list[float]]] = []
    while len(out) < n:
        a, b = rng.integers(net.node_count, size=2)
        if a != b:
            out.append((net.path_coords([int(a)])[0], net.path_coords([int(b)])[0]))
    return out


def _measure(label: str, network: str, n: int, data_root: Path | None = None) -> list[dict]:
    import httpx

    from routing.network import load_or_build
    from routing.router import Router

    net, folder = load_or_build(network, NETWORK_CACHE)
    router = Router(net, engine="cch", cache_dir=folder, max_snap_m=500.0)
    pairs = _pairs(router, n, seed=7)
    inproc = []
    for o, d in pairs:
        started = time.perf_counter()
        router.route(o, d)
        inproc.append(time.perf_counter() - started)
    serialised = _serialisation(router, pairs[: min(len(pairs), 100)], label)
    server = served(network, data_root=data_root)
    wrk = None
    with server as (base, tokens):
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
        if shutil.which("wrk"):
            wrk = _wrk(server, base, tokens["dispatcher"], pairs, duration_s=3.0 if n < 100 else 15.0)
    where = "" if data_root is None else f"; the database in {data_root} (memory: a commit's flush costs nothing)"
    note = f"{errors} non-201 answers; one keep-alive Python httpx client (its own time included); "
    note += "server-side SQLite write committed per request" + where
    wrk_figures = []
    if wrk is not None:
        wnote = (
            f"wrk, one connection, one request at a time for {wrk['duration_us'] / 1e6:.0f} s over the same "
            f"{len(pairs)} pairs; {wrk['requests']:,} answers, none an error; server CPU (user + system) "
            f"{wrk['server_cpu_ms']:.2f} ms per request; SQLite write committed per request{where}"
        )
        wrk_figures = [
            figure(
                NAME,
                label,
                "http-wrk-client",
                f"POST /routes {q}",
                "ms",
                wrk[f"{q}_us"] / 1e3,
                baseline=median_ms(inproc) if q == "p50" else percentile(inproc, 99) * 1e3,
                baseline_engine="in-process Router.route",
                n=wrk["requests"],
                notes=wnote,
            )
            for q in ("p50", "p99")
        ]
    return wrk_figures + [
        figure(
            NAME,
            label,
            "http",
            "POST /routes p50",
            "ms",
            median_ms(samples),
            baseline=median_ms(inproc),
            baseline_engine="in-process Router.route",
            n=len(samples),
            notes=note,
        ),
        figure(
            NAME,
            label,
            "http",
            "POST /routes p99",
            "ms",
            percentile(samples, 99) * 1e3,
            baseline=percentile(inproc, 99) * 1e3,
            baseline_engine="in-process Router.route",
            n=len(samples),
            notes=note,
        ),
        *serialised,
    ]


def _wrk(server: served, base: str, token: str, pairs, *, duration_s: float) -> dict:
    """``wrk``'s summary of ``POST /routes`` over ``pairs`` in turn, with the server's CPU ms per request.

    Raises
    ------
    RuntimeError
        If ``wrk`` failed, saw a socket error or an error answer (status 400 or above), or got no answer.
    """
    bodies = [{"origin": o, "destination": d} for o, d in pairs]
    with tempfile.TemporaryDirectory() as tmp:
        script = wrk_script(Path(tmp), "/routes", token, bodies)
        before = _cpu(server.proc.pid)
        result = wrk_result(wrk_start(base, script, connections=1, duration_s=duration_s), duration_s, "routes")
        after = _cpu(server.proc.pid)
    if result["status_errors"] or result["socket_errors"] or not result["requests"]:
        raise RuntimeError(f"wrk saw errors: {result}")
    spent = after.get("server", 0.0) - before.get("server", 0.0)
    return {**result, "server_cpu_ms": spent / result["requests"] * 1e3}


def _serialisation(router, pairs, label: str) -> list[dict]:
    """The answer's serialisation per request, from a fresh record: its bytes with every line written by
    orjson straight from the arrays, a leg cut out of the route's text (what ``POST /routes`` does), against
    validating the document with the ``RoutePublic`` response model and dumping that (FastAPI's path for a
    response model, ``JSONResponse`` rendering with the standard library's ``json``) and against orjson
    of the document of lists (what it did before)."""
    import orjson

    from api.schemas.routes import RoutePublic
    from services.routes import record_of_plan

    records = [record_of_plan(router.route(o, d), route_id=f"route-{i}") for i, (o, d) in enumerate(pairs)]
    model, lists, direct = [], [], []
    for record in records:
        doc = record.public_json()
        started = time.perf_counter()
        # FastAPI's path for a response model: validate, dump to JSON-able data, then json.dumps it
        json.dumps(RoutePublic.model_validate(doc).model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
        model.append(time.perf_counter() - started)
        fresh = _fresh(record)
        started = time.perf_counter()
        orjson.dumps(fresh.public_json())
        lists.append(time.perf_counter() - started)
        fresh = _fresh(record)
        started = time.perf_counter()
        fresh.public_bytes()
        direct.append(time.perf_counter() - started)
    docs = [r.public_json() for r in records]
    points = int(np.median([len(doc["geometry"]["coordinates"]) for doc in docs]))
    size = int(np.median([len(orjson.dumps(doc)) for doc in docs]))
    return [
        figure(
            NAME,
            label,
            "http",
            "answer serialisation p50",
            "ms",
            median_ms(direct),
            baseline=median_ms(model),
            baseline_engine="RoutePublic response model",
            n=len(docs),
            notes=f"one route document of {points} points, {size} bytes (medians)",
        ),
        figure(
            NAME,
            label,
            "http",
            "answer serialisation p50 (against orjson of the document of lists)",
            "ms",
            median_ms(direct),
            baseline=median_ms(lists),
            baseline_engine="orjson of public_json (lists from ndarray.tolist)",
            n=len(docs),
            notes=f"one route document of {points} points, {size} bytes (medians)",
        ),
    ]


def _fresh(record):
    """The record again with nothing computed yet (its documents are computed once per record)."""
    from dataclasses import replace

    return replace(record)


def _itemised(label: str, network: str, n: int) -> list[dict]:
    """What one ``POST /routes`` spends outside the route, part by part, in-process on the server's own
    objects (same settings as :class:`~bench.common.served`: dev mode, an empty temporary SQLite
    database): the body parsed and validated (``RouteCreate``), the bearer token checked
    (:func:`services.users.authenticate`, one indexed lookup), the route planned
    (:func:`services.routes.plan_route`: zones and closures in force, the closed-loop route, the
    record), the row stored (:func:`services.routes.save_route`: the document's text, then the
    group-commit writer until its commit) and the answer serialised
    (:meth:`~store.routes.RouteRecord.public_bytes` into :func:`api.routes.routes.route_response`; in the
    server it runs while the writer commits)."""
    import os
    import tempfile
    from pathlib import Path

    import orjson

    from api.routes.routes import route_request, route_response
    from api.schemas.routes import RouteCreate
    from services import routes, users
    from services.context import AppContext
    from services.settings import Settings

    parts: dict[str, list[float]] = {k: [] for k in ("parse", "auth", "plan", "store", "serialise")}
    sizes: list[int] = []
    with tempfile.TemporaryDirectory(prefix="baotong-bench-") as tmp:
        env = {
            "BAOTONG_DATA_DIR": tmp,
            "BAOTONG_CACHE_DIR": str(NETWORK_CACHE),
            "BAOTONG_NETWORK": network,
            "BAOTONG_SCENARIO": str(Path(tmp) / "none.geojson"),
        }
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            settings = Settings()
            ctx = AppContext.open(settings)
            try:
                with ctx.sessions() as session:
                    demo = users.ensure_demo_users(
                        session, settings.secret_key, credentials_file=settings.demo_users_file
                    )
                    session.commit()
                token = demo["dispatcher"].token
                pairs = _pairs(ctx.road_router, n + 10, seed=7)
                for k, (o, d) in enumerate(pairs):
                    body = orjson.dumps({"origin": o, "destination": d})
                    t0 = time.perf_counter()
                    req = RouteCreate.model_validate_json(body)
                    t1 = time.perf_counter()
                    user = users.authenticate(ctx, token)
                    t2 = time.perf_counter()
                    with ctx.sessions() as session:
                        record = routes.plan_route(ctx, session, route_request(req))
                    t3 = time.perf_counter()
                    assert user is not None
                    routes.save_route(ctx, record, user=user).result()
                    t4 = time.perf_counter()
                    route_response(record.public_bytes("en"), 201)
                    t5 = time.perf_counter()
                    if k >= 10:  # the first ones warm up
                        for key, v in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
                            parts[key].append(v)
                        sizes.append(len(record.stored_text()))
            finally:
                ctx.close()
            commits = _bare_commits(Path(tmp) / "bare.db", int(np.median(sizes)), len(parts["store"]))
        finally:
            for name, old in saved.items():
                if old is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = old
    what = {
        "parse": "body parsed and validated (RouteCreate.model_validate_json)",
        "auth": "bearer token checked (services.users.authenticate)",
        "plan": "route planned (services.routes.plan_route: zones, closures, closed-loop route, record)",
        "store": "row stored until its commit (services.routes.save_route: document text, group-commit writer)",
        "serialise": "answer serialised (public_bytes: its lines' text shared with the stored document)",
    }
    return [
        *(
            figure(
                NAME,
                label,
                "in-process",
                f"POST /routes part: {key} p50",
                "ms",
                median_ms(v),
                n=len(v),
                notes=what[key],
            )
            for key, v in parts.items()
        ),
        figure(
            NAME,
            label,
            "in-process",
            "bare SQLite commit of one row p50",
            "ms",
            median_ms(commits),
            n=len(commits),
            notes=f"sqlite3 alone, WAL, synchronous=FULL, a {int(np.median(sizes)):,}-byte row (a stored route's median) "
            "per transaction, in the same folder: the disk's flush, the floor of the store part",
        ),
    ]


def _bare_commits(path, size: int, n: int) -> list[float]:
    """Seconds of ``n`` transactions of one ``size``-byte row each with sqlite3 alone, with the settings of the
    service's database (WAL, ``synchronous=FULL``): each commit waits for the disk to flush the log."""
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        body = "x" * size
        out = []
        for _ in range(n):
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO rows (body) VALUES (?)", (body,))
            conn.execute("COMMIT")
            out.append(time.perf_counter() - started)
        return out
    finally:
        conn.close()


#: The answer's line modes measured by :func:`_geometry_modes`, the first the baseline.
GEOMETRY_MODES = ("full", "simplified", "polyline")


def _long_pairs(router, n: int, seed: int) -> list[tuple[list[float], list[float]]]:
    """The ``n`` farthest apart (straight line) of ``20 n`` seeded random node pairs: the long answers."""
    candidates = _pairs(router, 20 * n, seed)
    ends = np.radians(np.array([[*o, *d] for o, d in candidates]))
    dlon = (ends[:, 2] - ends[:, 0]) * np.cos(0.5 * (ends[:, 1] + ends[:, 3]))
    far = np.argsort(-np.hypot(dlon, ends[:, 3] - ends[:, 1]))[:n]
    return [candidates[i] for i in far]


def _geometry_modes(label: str, network: str, n: int) -> list[dict]:
    """``POST /routes?geometry=full|simplified|polyline`` on long OD pairs over HTTP, and each mode's answer
    serialisation in-process (:meth:`~store.routes.RouteRecord.public_bytes` of a fresh record), each beside
    ``full`` measured on the same pairs in the same run (the modes take turns on every pair)."""
    import httpx

    from routing.network import load_or_build
    from routing.router import Router
    from services.routes import record_of_plan
    from store.routes import DEFAULT_TOLERANCE_M, AnswerGeometry

    net, folder = load_or_build(network, NETWORK_CACHE)
    router = Router(net, engine="cch", cache_dir=folder, max_snap_m=500.0)
    pairs = _long_pairs(router, n, seed=11)
    geometries = {mode: AnswerGeometry(mode, DEFAULT_TOLERANCE_M) for mode in GEOMETRY_MODES}
    # in-process: the answer's bytes from a fresh record (nothing serialised yet), as the server does
    records = [record_of_plan(router.route(o, d), route_id=f"route-{i}") for i, (o, d) in enumerate(pairs)]
    points = int(np.median([len(r.coordinates) for r in records]))
    length_km = float(np.median([r.length_m for r in records])) / 1000
    serialise: dict[str, list[float]] = {mode: [] for mode in GEOMETRY_MODES}
    for k, record in enumerate(records):
        for j in range(len(GEOMETRY_MODES)):
            mode = GEOMETRY_MODES[(k + j) % len(GEOMETRY_MODES)]
            fresh = _fresh(record)
            started = time.perf_counter()
            fresh.public_bytes(geometry=geometries[mode])
            serialise[mode].append(time.perf_counter() - started)
    samples: dict[str, list[float]] = {mode: [] for mode in GEOMETRY_MODES}
    sizes: dict[str, list[int]] = {mode: [] for mode in GEOMETRY_MODES}
    errors = 0
    with served(network) as (base, tokens):
        headers = {"Authorization": f"Bearer {tokens['dispatcher']}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for o, d in pairs[:5]:  # warm-up
                for mode in GEOMETRY_MODES:
                    client.post(f"/routes?geometry={mode}", json={"origin": o, "destination": d})
            for k, (o, d) in enumerate(pairs):
                for j in range(len(GEOMETRY_MODES)):
                    mode = GEOMETRY_MODES[(k + j) % len(GEOMETRY_MODES)]
                    started = time.perf_counter()
                    r = client.post(f"/routes?geometry={mode}", json={"origin": o, "destination": d})
                    samples[mode].append(time.perf_counter() - started)
                    sizes[mode].append(len(r.content))
                    errors += r.status_code != 201
    note = (
        f"the {n} farthest apart of {20 * n} seeded random node pairs (median {length_km:.1f} km, {points} points); "
        f"simplified at {DEFAULT_TOLERANCE_M:g} m; polyline at precision 6; the modes take turns on each pair; "
        f"{errors} non-201 answers; one keep-alive client"
    )
    baseline = "geometry=full, same pairs, same run"
    out: list[dict] = []
    for mode in GEOMETRY_MODES:
        versus = {} if mode == "full" else {"baseline_engine": baseline}
        out += [
            figure(
                NAME,
                label,
                "http",
                f"POST /routes long OD, geometry={mode}, p50",
                "ms",
                median_ms(samples[mode]),
                baseline=None if mode == "full" else median_ms(samples["full"]),
                n=len(samples[mode]),
                notes=note,
                **versus,
            ),
            figure(
                NAME,
                label,
                "http",
                f"POST /routes long OD, geometry={mode}, p99",
                "ms",
                percentile(samples[mode], 99) * 1e3,
                baseline=None if mode == "full" else percentile(samples["full"], 99) * 1e3,
                n=len(samples[mode]),
                notes=note,
                **versus,
            ),
            figure(
                NAME,
                label,
                "http",
                f"POST /routes long OD, geometry={mode}, answer size median",
                "bytes",
                float(np.median(sizes[mode])),
                baseline=None if mode == "full" else float(np.median(sizes["full"])),
                n=len(sizes[mode]),
                notes=note,
                **versus,
            ),
            figure(
                NAME,
                label,
                "in-process",
                f"answer serialisation, long OD, geometry={mode}, p50",
                "ms",
                median_ms(serialise[mode]),
                baseline=None if mode == "full" else median_ms(serialise["full"]),
                n=len(serialise[mode]),
                notes=note + "; RouteRecord.public_bytes of a fresh record",
                **versus,
            ),
        ]
    return out


def run(quick: bool = False) -> list[dict]:
    n = 50 if quick else 500
    andorra = str(SHARED_DATA / "andorra.osm.pbf")
    return (
        _measure("helsinki (default)", "default", n)
        + _measure("andorra", andorra, n)
        + (_measure("andorra, database in memory", andorra, n, TMPFS) if TMPFS.is_dir() else [])
        + _itemised("andorra", andorra, min(n, 200))
        + _geometry_modes("andorra", andorra, 20 if quick else 100)
    )
