"""Province scale: build, start, routes, zone changes and memory on synthetic road-like files.

Graphs: the seeded synthetic ``.osm.pbf`` files of :mod:`bench.synthetic_osm` (built once,
cached in ``.cache/bench/``) at ~500,000 and ~3,000,000 road nodes (``--quick``: ~100,000),
each plain (roads only) and padded with buildings, POIs and addresses (roads ~15 % of the nodes).
Every measurement runs in a fresh child process, so peak and resident memory are the
process's own (``VmHWM`` / ``VmRSS`` of ``/proc/self/status``, ``ru_maxrss`` of a command).

1. Reader: pyosmium (the build's reader) against pyrosm (the first one) on the plain and
   padded files, same run: time and peak RSS growth of the read alone.
2. ``baotong network build --pbf <padded file>`` as a command, into an empty cache: wall time
   split into start-up (imports, the source's hash), reading, assembling, strongly connected
   component, cache write and the hierarchy (its contraction order, then the CCH built from
   it, through ``routing.engine.build_topology``), read from the timestamps of its progress
   lines (the basemap is read and drawn by a second process beside these steps; the last step is the
   wait for it); peak memory: the PSS of the command and its basemap processes summed (a forked tile
   helper's shared pages count once), the largest such sum seen in each step (sampled every 100 ms).
   At the smaller sizes, the contraction orders compared step by step (see :func:`order_child`).
3. Cached start: ``load_or_build`` (cache hit) + ``Router`` (the hierarchy and the base and
   truck metrics read from the cache, customised only when missing), time and RSS.
4. In one process on the cached network: snapping index, ``Router.route`` p50 / p99 and
   ``routing.freight.closed_loop_route`` p50 / p99 with 0 and 20 zones (seeded random OD
   pairs across the network, stops outside every zone, after warm-up pairs); zone created
   (a 1-3 km disc on the current route) -> first route honouring it, p50 / max, and a zone
   deleted -> first route, with 20 zones active; the same for a closure (five arcs of the route
   closed both ways) approved and ended; RSS after 20 and 50 zones and after
   creating and deleting 200 zones one by one (each followed by a route); and where the
   memory is (network arrays, the metric pool's metrics, the freight index's
   cached weight vectors and zone sets).
5. The rest, in one more process on the cached network (:func:`rest_child`): station siting
   (the 200 x 2,000 travel-time matrix of :mod:`bench.bench_stations`, then ``p_median`` p = 10
   with the 30 s target as its time limit, against the greedy-add heuristic), a closure impact
   report (:func:`bench.bench_closures.scenario` + ``analyse_impact``, CCH only), docking points
   for 1-3 km sealed discs, drop points, the route map's HTML (folium) and basemap tiles read
   from the archive the build wrote (p50), and the child's peak RSS.

Targets of the province-scale issue (reported, not asserted): build <= 3 min and <= 6 GB,
cached start <= 15 s, one worker <= 4 GB after 50 zones and within 10 % after the 200-zone
churn, zone change p50 <= 300 ms and max <= 1 s.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.common import ROOT, figure, percentile

NAME = "scale"
SEED = 20221002
SIZES = (500_000, 3_000_000)
QUICK_SIZES = (100_000,)
#: Where the benchmark's network caches go (one folder per file, kept between runs for the start figures).
SCALE_CACHE = ROOT / ".cache" / "bench-scale"


# ----------------------------------------------------------------------------------
# process memory
# ----------------------------------------------------------------------------------
def _status_kb(pid: int | str = "self") -> dict[str, int]:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                    out[key] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def _rss_mb() -> float:
    return _status_kb().get("VmRSS", 0) / 1024


def _pss_kb(pid: int) -> int | None:
    """The proportional set size (kB) of ``pid`` (``/proc/<pid>/smaps_rollup``): its private pages and its
    share of the pages it shares (a forked helper's copy-on-write pages count once over the two)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _tree_pss_kb(pid: int) -> int | None:
    """The summed PSS (kB) of ``pid`` and its descendants (the build's basemap process and its tile helper),
    ``None`` once ``pid`` has gone."""
    own = _pss_kb(pid)
    if own is None:
        return None
    total, todo = own, [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as fh:
                    kids = [int(k) for k in fh.read().split()]
            except OSError:
                continue
            for kid in kids:
                total += _pss_kb(kid) or 0
                todo.append(kid)
    return total


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _child(function: str, *args, timeout_s: float = 7200) -> dict:
    """Run ``bench.bench_scale.<function>(*args)`` in a fresh interpreter; its JSON result."""
    code = (
        "import json, sys; import bench.bench_scale as b; "
        f"print('@@' + json.dumps(b.{function}(*json.loads(sys.argv[1]))))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(list(args))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{function}{args} failed:\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("@@")]
    return json.loads(line[-1][2:])


# ----------------------------------------------------------------------------------
# 1. readers
# ----------------------------------------------------------------------------------
def reader_child(path: str, reader: str) -> dict:
    """Read ``path`` with one reader (no assembly): seconds, peak RSS growth, arcs read."""
    from routing import network

    fn = network._arcs_from_pbf if reader == "osmium" else network._arcs_from_pbf_pyrosm
    import osmium  # noqa: F401 -- imports are not the reader's memory
    import pyrosm  # noqa: F401

    reset = _reset_peak()
    before = _status_kb()
    started = time.perf_counter()
    raw = fn(Path(path), lambda m: None)
    seconds = time.perf_counter() - started
    after = _status_kb()
    base = before["VmRSS"] if reset else before["VmHWM"]
    return {
        "seconds": seconds,
        "peak_growth_mb": max(0, after["VmHWM"] - base) / 1024,
        "peak_mb": after["VmHWM"] / 1024,
        "arcs": len(raw),
        "reset_ok": reset,
    }


# ----------------------------------------------------------------------------------
# 2. the build command
# ----------------------------------------------------------------------------------
_STEPS = (  # (step, the progress line that starts it)
    ("reading", re.compile(r"^\[baotong\] reading ")),
    ("assembling", re.compile(r"^\[baotong\] assembling arcs")),
    ("scc", re.compile(r"^\[baotong\] largest strongly connected component")),
    ("assembling", re.compile(r"^\[baotong\] kept the largest")),
    ("cache_write", re.compile(r"^\[baotong\] writing cache")),
    ("after_cache", re.compile(r"^\[baotong\] wrote cache")),
    ("hierarchy", re.compile(r"^\[baotong\] preparing the contraction hierarchy")),
    ("hierarchy_order", re.compile(r"^\[baotong\] computing the contraction order")),
    ("hierarchy_cch", re.compile(r"^\[baotong\] building the hierarchy")),
    ("basemap", re.compile(r"^\[baotong\] building the basemap tiles")),
)


def build_command(path: Path, cache_dir: Path) -> dict:
    """``baotong network build --pbf path`` into ``cache_dir``: seconds per step, peak RSS, RSS per step."""
    env = {
        **os.environ,
        "BAOTONG_DATA_DIR": str(cache_dir.parent / "data"),
        "BAOTONG_CACHE_DIR": str(cache_dir),
        "BAOTONG_ENGINE": "cch",
    }
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "network", "build", "--pbf", str(path), "--rebuild"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    samples: list[tuple[float, int]] = []
    done = threading.Event()

    def sample() -> None:  # the memory of the command and its basemap processes together
        while not done.is_set():
            pss = _tree_pss_kb(proc.pid)
            if pss is not None:
                samples.append((time.monotonic(), pss))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    marks: list[tuple[str, float]] = [("start_up", started)]
    assert proc.stdout is not None and proc.stderr is not None  # started with PIPEs
    lines = []
    for line in proc.stderr:
        now = time.monotonic()
        lines.append(line.rstrip())
        for step, pattern in _STEPS:
            if pattern.match(line) and not (step == "reading" and any(m[0] == "reading" for m in marks)):
                marks.append((step, now))
    out = proc.stdout.read()
    proc.stdout.close()
    proc.stderr.close()
    _, status, usage = os.wait4(proc.pid, 0)  # (not proc.wait: its resource usage gives the peak RSS)
    ended = time.monotonic()
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError("baotong network build failed:\n" + "\n".join(lines[-30:]))
    marks.append(("end", ended))
    seconds: dict[str, float] = {}
    peak_memory: dict[str, float] = {}
    for (step, t0), (_, t1) in zip(marks[:-1], marks[1:]):
        if step == "after_cache":
            step = "assembling"  # the summary between the cache and the hierarchy: nothing to speak of
        seconds[step] = seconds.get(step, 0.0) + (t1 - t0)
        in_step = [rss for t, rss in samples if t0 <= t < t1]
        if in_step:
            peak_memory[step] = max(peak_memory.get(step, 0.0), max(in_step) / 1024)
    summary = json.loads(out)
    return {
        "seconds": seconds,
        "total_s": ended - started,
        # the larger of the processes' largest own peak and the largest sampled sum of the PSS of the
        # command and its basemap processes (which run beside the network and hierarchy steps)
        "peak_mb": max(usage.ru_maxrss, max((pss for _, pss in samples), default=0)) / 1024,
        "peak_memory_by_step_mb": peak_memory,
        "nodes": summary["nodes"],
        "arcs": summary["arcs"],
        "cache": summary["cache"],
        "lines": lines,
    }


# ----------------------------------------------------------------------------------
# 3. cached start
# ----------------------------------------------------------------------------------
def start_child(path: str, cache_dir: str) -> dict:
    """A cached network and hierarchy loaded in a fresh process: seconds and RSS."""
    rss0 = _rss_mb()
    started = time.perf_counter()
    from routing.engine import CCHEngine
    from routing.network import load_or_build
    from routing.router import Router

    imported = time.perf_counter()
    net, folder = load_or_build(path, cache_dir, progress=lambda m: None)
    loaded = time.perf_counter()
    rss_net = _rss_mb()
    router = Router(net, engine="cch", cache_dir=folder)
    ready = time.perf_counter()
    assert isinstance(router.base_engine, CCHEngine)
    return {
        "imports_s": imported - started,
        "network_s": loaded - imported,
        "router_s": ready - loaded,
        "total_s": ready - started,
        "rss_start_mb": rss0,
        "rss_network_mb": rss_net,
        "rss_ready_mb": _rss_mb(),
        "peak_mb": _status_kb()["VmHWM"] / 1024,
    }


def _group_pss_mb(pgid: int) -> tuple[float, int]:
    """The summed proportional set size (MB) of the processes of a process group, and their count."""
    total_kb, count = 0, 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            with open(f"/proc/{entry}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total_kb += int(line.split()[1])
                        count += 1
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
            continue
    return total_kb / 1024, count


def serve_memory(path: str, cache_dir: str, workers: int, n_routes: int = 20) -> dict:
    """``baotong serve --workers N`` on the cached network: the server group's summed PSS after
    ``n_routes`` routes (pages the workers share copy-on-write are counted once)."""
    import httpx

    from bench.common import served
    from routing.network import load_or_build

    net, _folder = load_or_build(path, cache_dir, progress=lambda m: None)
    rng = np.random.default_rng(SEED + workers)
    nodes = rng.integers(0, net.node_count, 2 * n_routes).tolist()
    points = [[float(net.node_lon[n]), float(net.node_lat[n])] for n in nodes]
    server = served(path, workers=workers, cache_dir=Path(cache_dir), timeout_s=1800)
    started = time.perf_counter()
    with server as (base, tokens):
        ready_s = time.perf_counter() - started
        ok = 0
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens['dispatcher']}"}) as client:
            for o, d in zip(points[0::2], points[1::2]):
                ok += client.post("/routes", json={"origin": o, "destination": d}, timeout=120).status_code == 201
        pss, processes = _group_pss_mb(server.proc.pid)
    return {"pss_mb": pss, "processes": processes, "ready_s": ready_s, "routes_ok": ok}


def http_routes(path: str, cache_dir: str, n_zones: int = 20, n_pairs: int = 200, n_warm: int = 10) -> dict:
    """``POST /routes`` over HTTP on ``baotong serve`` (one worker) on the cached network with ``n_zones``
    zones made through ``POST /zones``: per-request seconds for random OD pairs across the network (their
    points outside every no-stop zone), the answers' sizes and statuses, and the seconds until the first
    route after the zones were made (the zones' metrics are made then)."""
    import httpx
    import shapely

    from bench.common import served
    from routing.network import load_or_build

    net, _folder = load_or_build(path, cache_dir, progress=lambda m: None)
    rng = np.random.default_rng(SEED + 5)
    west, south, east, north = net.bbox
    zones: list = []  # the API refuses a zone reaching past the network's bbox: those near the edge are left out
    while len(zones) < n_zones:
        z = _zones(net, rng, 1, f"h{len(zones)}-")[0]
        x0, y0, x1, y1 = z.geometry.bounds
        if x0 >= west and y0 >= south and x1 <= east and y1 <= north:
            zones.append(z)
    pairs = _pairs(net, rng, zones, n_pairs + n_warm)
    out: dict = {"zones": n_zones, "route_s": [], "bytes": [], "statuses": {}}
    with served(path, cache_dir=Path(cache_dir), timeout_s=1800) as (base, tokens):
        planner = {"Authorization": f"Bearer {tokens['planner']}"}
        dispatcher = {"Authorization": f"Bearer {tokens['dispatcher']}"}
        with httpx.Client(base_url=base, timeout=600) as client:
            for z in zones:
                body = {
                    "type": "Feature",
                    "geometry": shapely.geometry.mapping(z.geometry),
                    "properties": {"risk": z.risk, "name": z.name},
                }
                r = client.post("/zones", json=body, headers=planner)
                if r.status_code != 201:
                    raise RuntimeError(f"POST /zones answered {r.status_code}: {r.text[:300]}")
            started = time.perf_counter()
            for o, d in pairs[:n_warm]:
                client.post("/routes", json={"origin": o, "destination": d}, headers=dispatcher)
                if "first_route_s" not in out:
                    out["first_route_s"] = time.perf_counter() - started
            for o, d in pairs[n_warm:]:
                t0 = time.perf_counter()
                r = client.post("/routes", json={"origin": o, "destination": d}, headers=dispatcher)
                out["route_s"].append(time.perf_counter() - t0)
                out["bytes"].append(len(r.content))
                out["statuses"][str(r.status_code)] = out["statuses"].get(str(r.status_code), 0) + 1
    return out


# ----------------------------------------------------------------------------------
# 4. routes, zones, memory
# ----------------------------------------------------------------------------------
def _disc(net, node: int, radius_m: float, zid: str, risk: str):
    import shapely

    from geo.zones import Zone

    x, y = net.node_xy
    poly = shapely.Point(float(x[node]), float(y[node])).buffer(radius_m, quad_segs=16)
    return Zone(id=zid, name=zid, risk=risk, geometry=net.projection.inverse_geom(poly))


def _zones(net, rng, count: int, prefix: str):
    nodes = rng.choice(net.node_count, count, replace=False)
    return [
        _disc(net, int(n), float(rng.uniform(1000, 3000)), f"{prefix}{k}", ("sealed", "controlled")[k % 2])
        for k, n in enumerate(nodes)
    ]


def _pairs(net, rng, zones, count: int) -> list[tuple[list[float], list[float]]]:
    import shapely

    nostop = [z.geometry for z in zones if z.no_stop]
    union = shapely.union_all(nostop) if nostop else None
    if union is not None:
        shapely.prepare(union)
    out: list[tuple[list[float], list[float]]] = []
    while len(out) < count:
        a, b = (int(v) for v in rng.choice(net.node_count, 2, replace=False))
        pts = [[float(net.node_lon[n]), float(net.node_lat[n])] for n in (a, b)]
        if union is not None and any(union.intersects(shapely.Point(p)) for p in pts):
            continue
        out.append((pts[0], pts[1]))
    return out


def _nbytes(*arrays) -> int:
    return int(sum(a.nbytes for a in arrays if isinstance(a, np.ndarray)))


def _memory_profile(router, index) -> dict:
    """Where the memory is: network arrays, derived arrays, metrics, freight caches (bytes, counts)."""
    net = router.network
    arrays = {}
    for name in (
        "node_osm_id",
        "node_lon",
        "node_lat",
        "tail",
        "head",
        "length_m",
        "speed_kph",
        "osm_way_id",
        "oneway",
        "maxheight_m",
        "maxweight_t",
        "maxwidth_m",
        "hgv_no",
        "highway",
        "name",
        "ref",
        "grade",
    ):
        arr = getattr(net, name)
        arrays[name] = {"mb": arr.nbytes / 1e6, "mapped": bool(isinstance(arr.base, np.memmap)), "dtype": arr.dtype.str}
    derived = {}
    for slot, value in net._cache.items():
        if isinstance(value, np.ndarray):
            derived[slot] = value.nbytes / 1e6
        elif isinstance(value, tuple):
            derived[slot] = (
                sum(v.nbytes for v in value if isinstance(v, np.ndarray))
                + sum(int(getattr(v, "nbytes", 0)) for v in value if not isinstance(v, np.ndarray))
            ) / 1e6
    slots = router.pool.engines()
    weights = {}
    seen: set[int] = set()  # free and inside vehicle are shared by the sets of one vehicle and closure set
    for key, w in index._weights.items():
        own = [a for a in (w.free, w.avoid, w.inside_vehicle, *w._steps.values()) if id(a) not in seen]
        seen.update(id(a) for a in own)
        weights["/".join(str(k)[:8] for k in key)] = _nbytes(*own) / 1e6
    sets = {}
    for key, zs in index._sets.items():
        az = zs.arc_zone
        sets[key[:8]] = (
            _nbytes(zs.inside_ds, zs.mask)
            + (_nbytes(az.indptr, az.count, az.zone, az.inside_m, az.time_s, az.entry, az.exit) if az else 0)
        ) / 1e6
    return {
        "network_arrays_mb": arrays,
        "network_derived_mb": derived,
        "pool_slots": list(slots),
        "metrics": len(slots) + 1,  # one per pool slot and the base engine's
        "freight_weight_sets_mb": weights,
        "freight_zone_sets_mb": sets,
        "zone_footprints": len(index._zones),
    }


def routes_child(path: str, cache_dir: str, quick: bool, timed_pairs: int = 0, churn: int = 0) -> dict:
    """Routes, zone changes and memory on the cached network of ``path`` (one process); ``timed_pairs``
    and ``churn`` (when not 0) replace the number of timed OD pairs and of zones created and deleted."""
    import gc

    from cli.memory import return_freed_memory
    from routing.engine import CCHEngine
    from routing.freight import closed_loop_route, freight_index
    from routing.network import load_or_build
    from routing.router import Router

    out: dict = {"rss_mb": {}, "seconds": {}}
    rss = out["rss_mb"]
    out["freed_memory_returned"] = return_freed_memory()  # as `baotong serve` does (cli.memory)
    rss["start"] = _rss_mb()
    net, folder = load_or_build(path, cache_dir, progress=lambda m: None)
    router = Router(net, engine="cch", cache_dir=folder)
    rss["router_ready"] = _rss_mb()
    rng = np.random.default_rng(SEED)
    n_pairs, n_warm, n_changes, n_churn = (30, 5, 3, 5) if quick else (300, 50, 12, 200)
    n_pairs, churn = timed_pairs or n_pairs, churn or n_churn

    # snapping: the segment index is built on the first snap
    started = time.perf_counter()
    router.snap([float(net.node_lon[0]), float(net.node_lat[0])])
    out["seconds"]["first_snap_index"] = time.perf_counter() - started
    rss["after_snap_index"] = _rss_mb()

    # Router.route
    pairs = _pairs(net, rng, [], n_pairs + n_warm)
    for o, d in pairs[:n_warm]:
        router.route(o, d)
    times = []
    for o, d in pairs[n_warm:]:
        t0 = time.perf_counter()
        router.route(o, d)
        times.append(time.perf_counter() - t0)
    out["route_ms"] = [t * 1000 for t in times]
    rss["after_router_routes"] = _rss_mb()

    index = freight_index(router)
    all_zones = _zones(net, rng, 50, "z")

    def freight_times(zones, label):
        for o, d in _pairs(net, np.random.default_rng(SEED + len(zones) + 1), zones, n_warm):
            closed_loop_route(router, o, d, zones=zones)
        gc.collect()
        samples, choices = [], {}
        for o, d in _pairs(net, np.random.default_rng(SEED + len(zones)), zones, n_pairs):
            t0 = time.perf_counter()
            route = closed_loop_route(router, o, d, zones=zones)
            samples.append(time.perf_counter() - t0)
            choices[route.choice] = choices.get(route.choice, 0) + 1
        out[f"freight_{label}_ms"] = [t * 1000 for t in samples]
        out[f"freight_{label}_choices"] = choices

    freight_times([], "0_zones")
    rss["after_0_zones"] = _rss_mb()
    base = all_zones[:20]
    started = time.perf_counter()
    freight_times(base, "20_zones")
    out["seconds"]["freight_20_zones_total"] = time.perf_counter() - started
    rss["after_20_zones"] = _rss_mb()
    out["profile_20_zones"] = _memory_profile(router, index)

    # zone created -> first route honouring it; zone deleted -> first route after it (20 zones active)
    created: list[float] = []
    deleted: list[float] = []
    radii: list[float] = []
    crng = np.random.default_rng(SEED + 7)
    candidates = _pairs(net, np.random.default_rng(SEED + 99), base, 4 * n_changes)
    previous_new = None
    for k, (o, d) in enumerate(candidates):
        if len(created) >= n_changes:
            break
        t0 = time.perf_counter()
        before = closed_loop_route(router, o, d, zones=base)
        if previous_new is not None:
            deleted.append(time.perf_counter() - t0)  # the first route since the last new zone was deleted
        if len(before.arcs) < 20:
            previous_new = None
            continue
        node = int(net.tail[before.arcs[len(before.arcs) // 2]])
        radius = float(crng.uniform(1000, 3000))
        new = _disc(net, node, radius, f"new{k}", "sealed")
        t0 = time.perf_counter()
        after = closed_loop_route(router, o, d, zones=[*base, new])
        created.append(time.perf_counter() - t0)
        radii.append(radius)
        if np.array_equal(after.arcs, before.arcs) and new.id not in {c.zone_id for c in after.zones_crossed}:
            raise RuntimeError(f"zone {new.id} on the route was not honoured")
        previous_new = new
    out["zone_created_ms"] = [t * 1000 for t in created]
    out["zone_deleted_ms"] = [t * 1000 for t in deleted]
    out["zone_radii_m"] = radii

    # 50 zones
    started = time.perf_counter()
    for o, d in _pairs(net, np.random.default_rng(SEED + 50), all_zones, 10 if not quick else 4):
        closed_loop_route(router, o, d, zones=all_zones)
    out["seconds"]["first_routes_50_zones"] = time.perf_counter() - started
    gc.collect()
    rss["after_50_zones"] = _rss_mb()
    out["profile_50_zones"] = _memory_profile(router, index)

    # churn: create a zone, route, delete it, route -- one by one
    churn_pairs = _pairs(net, np.random.default_rng(SEED + 200), all_zones, 8)
    churn_rng = np.random.default_rng(SEED + 201)
    started = time.perf_counter()
    for k in range(churn):
        node = int(churn_rng.integers(net.node_count))
        zone = _disc(net, node, float(churn_rng.uniform(1000, 3000)), f"churn{k}", ("sealed", "controlled")[k % 2])
        o, d = churn_pairs[k % len(churn_pairs)]
        closed_loop_route(router, o, d, zones=[*all_zones, zone])
        closed_loop_route(router, o, d, zones=all_zones)
    out["seconds"]["churn_total"] = time.perf_counter() - started
    out["churn_cycles"] = churn
    gc.collect()
    rss["after_churn"] = _rss_mb()
    out["profile_after_churn"] = _memory_profile(router, index)
    # closures last: their weight sets would sit in the freight caches the memory figures above measure
    out["closure_approved_ms"], out["closure_ended_ms"], out["closure_arcs"] = _closure_changes(
        router, net, base, n_changes
    )
    # what one more metric costs (a fork of the base engine), and a zone set's weights
    # (its arrays' bytes: the allocator may reuse freed pages, so the RSS growth alone can read 0)
    base_engine = router.base_engine
    assert isinstance(base_engine, CCHEngine)
    extra = base_engine.fork()
    cch_arcs = extra.topology.cch.cch_arc_count
    out["metric_mb"] = (8 * cch_arcs + 4 * net.arc_count + extra.weights.nbytes) / 1e6
    del extra
    out["peak_mb"] = _status_kb()["VmHWM"] / 1024
    out["nodes"], out["arcs"] = net.node_count, net.arc_count
    return out


def _closure_changes(router, net, zones, n_changes: int) -> tuple[list[float], list[float], list[int]]:
    """Closure approved -> first route honouring it, and closure ended -> first route after it, in ms
    (``zones`` active), with each closure's arc count: a hard barrier on five consecutive arcs of the
    current route and their reverse arcs where the road has them (a stretch of road closed both ways;
    a dual carriageway's one side), as
    :func:`services.closures.closed_arcs` passes it to the route.

    Raises
    ------
    RuntimeError
        If a route after a closure drives a closed arc.
    """
    from geo.errors import NoRouteError
    from routing.freight import closed_loop_route

    approved: list[float] = []
    ended: list[float] = []
    sizes: list[int] = []
    for o, d in _pairs(net, np.random.default_rng(SEED + 98), zones, 4 * n_changes):
        if len(approved) >= n_changes:
            break
        before = closed_loop_route(router, o, d, zones=zones)
        if len(before.arcs) < 20:
            continue
        mid = len(before.arcs) // 2
        road = np.asarray(before.arcs[mid - 2 : mid + 3], dtype=np.int64)
        reverse = net.reverse_arc[road]
        closed = np.unique(np.concatenate([road, reverse[reverse >= 0]]))
        t0 = time.perf_counter()
        try:
            after = closed_loop_route(router, o, d, zones=zones, closed_arcs=closed)
        except NoRouteError:  # the stretch was the only way: an answer too, but not a route to time
            continue
        approved.append((time.perf_counter() - t0) * 1000)
        if np.isin(after.arcs, closed).any():
            raise RuntimeError(f"a route drives a closed arc of {closed.tolist()}")
        t0 = time.perf_counter()
        closed_loop_route(router, o, d, zones=zones)
        ended.append((time.perf_counter() - t0) * 1000)
        sizes.append(int(closed.size))
    return approved, ended, sizes


# ----------------------------------------------------------------------------------
# 5. contraction orders, same run
# ----------------------------------------------------------------------------------
#: The orders compared (see ``routing.ordering``); inertial flow was the hierarchy's order before METIS.
ORDER_METHODS = ("inertial", "metis")
#: Networks up to this many road nodes compare the orders in the full benchmark.
ORDER_COMPARE_MAX_NODES = 600_000


def _peak_mb() -> float:
    return _status_kb()["VmHWM"] / 1024


def order_child(path: str, cache_dir: str, method: str, n_queries: int = 200, n_zones: int = 10) -> dict:
    """One contraction order on the cached network of ``path``, each step timed with the peak RSS it reached.

    Steps: the order (``routing.ordering.contraction_order``), ``routing._cch.CCH(order, ...)``, one full
    customisation (``CCHMetric``), node-to-node ``CCHEngine.route`` (seeded random pairs, the first ten checked
    against scipy's Dijkstra), and a zone change as ``CCHEngine.forbid`` makes it (a 1-3 km disc's arcs: the
    partial update of a copy of the metric, then the first route; then ``restore`` and its first route).
    """
    from routing import _cch
    from routing.cch_cache import MetricStore
    from routing.engine import CCHEngine, CCHTopology, ScipyEngine
    from routing.network import load_or_build
    from routing.ordering import contraction_order

    net, _folder = load_or_build(path, cache_dir, progress=lambda m: None)
    weights = np.asarray(net.base_weights)
    out: dict = {"method": method, "nodes": net.node_count, "arcs": net.arc_count, "seconds": {}, "peak_mb": {}}

    def step(name: str, fn):
        _reset_peak()
        started = time.perf_counter()
        value = fn()
        out["seconds"][name] = time.perf_counter() - started
        out["peak_mb"][name] = _peak_mb()
        return value

    order, _ = step(
        "order",
        lambda: contraction_order(
            net.tail, net.head, net.node_count, lon=net.node_lon, lat=net.node_lat, method=method
        ),
    )
    cch = step("cch", lambda: _cch.CCH(order, net.tail, net.head, False))
    metric = step("customise", lambda: _cch.CCHMetric(cch, weights))
    del metric
    topology = CCHTopology(cch, order, net.node_count, net.arc_count, MetricStore(None, method))
    engine = CCHEngine(
        net.tail, net.head, net.node_count, weights, lon=net.node_lon, lat=net.node_lat, topology=topology
    )
    rng = np.random.default_rng(SEED)
    pairs = [tuple(int(v) for v in rng.choice(net.node_count, 2, replace=False)) for _ in range(n_queries)]
    reference = ScipyEngine(net.tail, net.head, net.node_count, weights)
    for s, t in pairs[:10]:
        if engine.distance(s, t) != reference.distance(s, t):
            raise RuntimeError(f"{method} order: CCH and Dijkstra disagree from node {s} to node {t}")
    del reference
    _reset_peak()
    query_ms = []
    for s, t in pairs:
        started = time.perf_counter()
        engine.route(s, t)
        query_ms.append((time.perf_counter() - started) * 1000)
    out["query_ms_p50"], out["query_ms_p99"] = percentile(query_ms, 50), percentile(query_ms, 99)
    out["peak_mb"]["query"] = _peak_mb()

    x, y = net.node_xy
    zone_ms: dict[str, list[float]] = {"forbid": [], "forbid_route": [], "restore": [], "restore_route": []}
    zone_arcs = []
    _reset_peak()
    for k in range(n_zones):
        centre = int(rng.integers(net.node_count))
        radius_m = float(rng.uniform(1000, 3000))
        inside = np.hypot(x - x[centre], y - y[centre]) <= radius_m
        arcs = np.nonzero(inside[net.tail] | inside[net.head])[0]
        zone_arcs.append(arcs.size)
        s, t = pairs[k]
        for change, apply in (("forbid", engine.forbid), ("restore", engine.restore)):
            started = time.perf_counter()
            apply(arcs)
            changed = time.perf_counter()
            engine.route(s, t)
            ended = time.perf_counter()
            zone_ms[change].append((changed - started) * 1000)
            zone_ms[f"{change}_route"].append((ended - started) * 1000)
    out["peak_mb"]["zones"] = _peak_mb()
    out["zone_arcs"] = zone_arcs
    for key, ms in zone_ms.items():
        out[f"{key}_ms_p50"], out[f"{key}_ms_max"] = percentile(ms, 50), max(ms)
    return out


def compare_orders(path: Path, cache_dir: Path, progress, rounds: int = 1) -> dict[str, list[dict]]:
    """:func:`order_child` for every method of :data:`ORDER_METHODS`, alternated, ``rounds`` times each."""
    results: dict[str, list[dict]] = {m: [] for m in ORDER_METHODS}
    for _ in range(rounds):
        for method in ORDER_METHODS:
            progress(f"contraction order {method} on {path.name}")
            results[method].append(_child("order_child", str(path), str(cache_dir), method))
    return results


def _order_figures(graph: str, results: dict[str, list[dict]]) -> list[dict]:
    def median(method: str, get) -> float:
        return float(np.median([get(r) for r in results[method]]))

    base, new = "inertial", "metis"
    metrics = (
        ("order_s", "s", lambda r: r["seconds"]["order"]),
        ("order_cch_s", "s", lambda r: r["seconds"]["cch"]),
        ("order_customise_s", "s", lambda r: r["seconds"]["customise"]),
        ("order_query_p50", "ms", lambda r: r["query_ms_p50"]),
        ("order_zone_forbid_p50", "ms", lambda r: r["forbid_ms_p50"]),
        ("order_zone_to_first_route_p50", "ms", lambda r: r["forbid_route_ms_p50"]),
        ("order_zone_to_first_route_max", "ms", lambda r: r["forbid_route_ms_max"]),
        ("order_peak_memory", "MB", lambda r: max(r["peak_mb"].values())),
    )
    n = len(results[new])
    return [
        figure(
            NAME,
            graph,
            new,
            metric,
            unit,
            median(new, get),
            baseline=median(base, get),
            baseline_engine=base,
            n=n,
            notes="contraction order of the CCH; medians over alternated fresh processes",
        )
        for metric, unit, get in metrics
    ]


# ----------------------------------------------------------------------------------


# ----------------------------------------------------------------------------------
# 5. the rest: station siting, a closure report, docking and drop points, the map, tiles
# ----------------------------------------------------------------------------------
def rest_child(path: str, cache_dir: str, quick: bool) -> dict:
    """Station siting, a closure impact report, docking points, drop points, the route map's HTML and
    basemap tiles from the archive, on the cached network of ``path`` (one process): seconds per run."""
    import shapely

    from bench.bench_closures import impact_report, scenario
    from bench.bench_stations import greedy_p_median, site_points, timed_matrix
    from bench.bench_tiles import sample_tiles
    from geo.errors import InfeasibleError, NoRouteError
    from geo.sites import Site
    from maps.basemap import BASEMAP_FILE, TileArchive
    from maps.views import route_map
    from routing.docking import inside_nodes, plan_docking_points
    from routing.droppoint import Origin, plan_drop_point
    from routing.freight import closed_loop_route
    from routing.network import load_or_build
    from routing.router import Router
    from routing.stations import Demand, p_median, snap_endpoint
    from services.layers import route_view
    from services.routes import record_of_freight

    net, folder = load_or_build(path, cache_dir, progress=lambda m: None)
    router = Router(net, engine="cch", cache_dir=folder)
    out: dict = {"nodes": net.node_count, "arcs": net.arc_count}
    repeats = 1 if quick else 3

    # station siting: 200 candidates x 2,000 demand points (as bench_stations), then p-median p = 10
    rng = np.random.default_rng(SEED + 100)
    cand = site_points(router, rng, 200)
    dem = site_points(router, rng, 2000)
    w = router.truck_weights
    src = [snap_endpoint(net, s, w, as_source=True) for s in cand]
    dst = [snap_endpoint(net, s, w, as_source=False) for s in dem]
    cost, samples = timed_matrix(router, src, dst, repeats)
    out["matrix_s"] = samples
    out["matrix_unreached"] = int((~np.isfinite(cost)).sum())
    weights = rng.integers(1, 10, len(dem)).astype(float)
    started = time.perf_counter()
    # the exact near-far model alone ran > 10 min in CBC here (synthetic grid, many ties), so the solve
    # is given the 30 s target as its limit (10 s in --quick) and reports how far it got
    limit_s = 10.0 if quick else 30.0
    res = p_median(cost, 10, weights=weights, time_limit_s=limit_s)
    out["p_median_s"] = time.perf_counter() - started
    out["p_median_limit_s"] = limit_s
    out["p_median_search"] = res.search
    out["p_median_gap"] = res.gap
    out["p_median_objective"] = res.objective
    out["p_median_notes"] = list(res.notes)
    started = time.perf_counter()
    out["greedy_objective"] = greedy_p_median(np.where(np.isfinite(cost), cost, 1e9), weights, 10)
    out["greedy_s"] = time.perf_counter() - started

    # a closure impact report (bench_closures' scenario; the synthetic trunk refs are G001...)
    hubs, ents, channels, corridors, closures = scenario(router, ref_prefix="G")
    if not closures:
        raise RuntimeError("no trunk way (ref G...) used by the corridors to close")
    closures = closures[:2] if quick else closures
    base = router.truck_weights
    kw = {"enterprises": ents, "hubs": hubs, "green_channels": channels, "corridors": corridors}

    def report(arcs):
        return impact_report(router, base, arcs, kw)

    report(closures[-1])  # warm the two pool metrics (first customisation)
    samples, touched = [], []
    for arcs in closures:
        started = time.perf_counter()
        touched.append(len(report(arcs)["corridors"]))
        samples.append(time.perf_counter() - started)
    out["closure_s"] = samples
    out["closure_arcs"] = [int(a.size) for a in closures]
    out["closure_corridors_touched"] = touched

    # docking points: k = 3 for sealed discs of 1-3 km radius, demand at 20 nodes inside each
    rng = np.random.default_rng(SEED + 200)
    samples, skipped, radii = [], 0, []
    while len(samples) < (2 if quick else 5):
        radius = float(rng.uniform(1000, 3000))
        zone = _disc(net, int(rng.integers(net.node_count)), radius, f"dock{len(samples)}", "sealed")
        inside = np.nonzero(inside_nodes(net, zone.geometry))[0]
        picks = rng.choice(inside, min(20, inside.size), replace=False)
        demand = [
            Demand(id=f"d{i}", name=f"d{i}", lon=float(net.node_lon[n]), lat=float(net.node_lat[n]))
            for i, n in enumerate(picks)
        ]
        started = time.perf_counter()
        try:
            plan_docking_points(router, zone, 3, demand=demand, seed=0)
        except InfeasibleError:
            skipped += 1
            continue
        samples.append(time.perf_counter() - started)
        radii.append(radius)
    out["docking_s"], out["docking_skipped"], out["docking_radii_m"] = samples, skipped, radii

    # drop points: an enterprise at a random node served from two candidate stations
    rng = np.random.default_rng(SEED + 300)
    samples, skipped = [], 0
    while len(samples) < (3 if quick else 10):
        a, b, c = (int(n) for n in rng.choice(net.node_count, 3, replace=False))
        site = Site(
            id=f"e{len(samples)}",
            kind="enterprise",
            name="E",
            geometry=shapely.Point(float(net.node_lon[a]), float(net.node_lat[a])),
        )
        origins = [
            Origin("candidate_station", f"c{k}", f"c{k}", float(net.node_lon[n]), float(net.node_lat[n]))
            for k, n in enumerate((b, c))
        ]
        started = time.perf_counter()
        try:
            plan_drop_point(router, site, origins)
        except NoRouteError:
            skipped += 1
            continue
        samples.append(time.perf_counter() - started)
    out["drop_point_s"], out["drop_point_skipped"] = samples, skipped

    # the map: one freight route over 20 zones, rendered as GET /routes/{id}/map renders it
    rng = np.random.default_rng(SEED + 400)
    zones = _zones(net, rng, 20, "m")
    ((o, d),) = _pairs(net, rng, zones, 1)
    view = route_view(record_of_freight(closed_loop_route(router, o, d, zones=zones), route_id="bench"))
    samples, size = [], 0
    for _ in range(repeats + 1):  # the first render imports folium's templates
        started = time.perf_counter()
        html = route_map(view, zones=zones).get_root().render()
        samples.append(time.perf_counter() - started)
        size = len(html)
    out["map_first_s"], out["map_s"] = samples[0], samples[1:]
    out["map_html_bytes"] = size
    out["map_route_points"] = sum(len(leg.coordinates) for leg in view.legs)

    # basemap tiles from the archive the build wrote next to the network cache
    archive_path = Path(folder) / BASEMAP_FILE if folder is not None else None
    out["tiles_archive"] = str(archive_path) if archive_path is not None and archive_path.exists() else None
    if out["tiles_archive"]:
        archive = TileArchive(archive_path)
        tiles = sample_tiles(net, 60 if quick else 300, seed=11)
        samples, found = [], 0
        for z, x, y in tiles:
            started = time.perf_counter()
            found += archive.tile(z, x, y) is not None
            samples.append(time.perf_counter() - started)
        out["tile_s"], out["tiles_found"] = samples, found
        out["tiles_archive_mb"] = archive_path.stat().st_size / 1e6
    out["peak_mb"] = _peak_mb()
    out["rss_mb"] = _rss_mb()
    return out


def _graph(nodes: int, net_nodes: int | None = None) -> str:
    return f"synthetic-{nodes // 1000}k" if net_nodes is None else f"synthetic-{nodes // 1000}k ({net_nodes:,} nodes)"


def _run_size(nodes: int, quick: bool, progress) -> list[dict]:
    from bench.synthetic_osm import synthetic_osm_file

    figures: list[dict] = []
    plain = synthetic_osm_file(nodes, pad=False, progress=progress)
    padded = synthetic_osm_file(nodes, pad=True, progress=progress)
    graph = _graph(nodes)

    # 1. readers, same run
    for label, path in (("roads only", plain), ("padded, roads 15 % of nodes", padded)):
        progress(f"readers on {path.name}")
        ours = _child("reader_child", str(path), "osmium")
        theirs = _child("reader_child", str(path), "pyrosm")
        if ours["arcs"] != theirs["arcs"]:
            raise RuntimeError(f"the readers disagree on {path.name}: {ours['arcs']} vs {theirs['arcs']} arcs")
        mb = path.stat().st_size / 1e6
        note = f"{label}, {mb:,.0f} MB file, {ours['arcs']:,} directed segments read; the read alone, fresh process"
        figures.append(
            figure(
                NAME,
                graph,
                "pyosmium",
                f"read_{'padded' if 'padded' in label else 'plain'}",
                "s",
                ours["seconds"],
                baseline=theirs["seconds"],
                baseline_engine="pyrosm",
                notes=note,
            )
        )
        figures.append(
            figure(
                NAME,
                graph,
                "pyosmium",
                f"read_peak_memory_{'padded' if 'padded' in label else 'plain'}",
                "MB",
                ours["peak_growth_mb"],
                baseline=theirs["peak_growth_mb"],
                baseline_engine="pyrosm",
                notes=note + "; peak RSS growth (VmHWM after - VmRSS before, peak reset)",
            )
        )

    # 2. the build command, into an empty cache (then kept as the benchmark's cache for the start figures)
    SCALE_CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".build-", dir=SCALE_CACHE) as tmp:
        cache = Path(tmp) / "cache"
        progress(f"baotong network build --pbf {padded.name}")
        built = build_command(padded, cache)
        kept = SCALE_CACHE / Path(built["cache"]).name
        if kept.exists():
            shutil.rmtree(kept)
        os.replace(built["cache"], kept)
    graph = _graph(nodes, built["nodes"])
    secs = built["seconds"]
    split = ", ".join(f"{k} {v:.1f} s" for k, v in secs.items())
    peaks = ", ".join(f"{k} {v:,.0f} MB" for k, v in built["peak_memory_by_step_mb"].items())
    figures.append(
        figure(
            NAME,
            graph,
            "cli",
            "network_build_total",
            "s",
            built["total_s"],
            notes=f"baotong network build --pbf (padded file), {built['arcs']:,} arcs: {split}",
        )
    )
    for step in (
        "start_up",
        "reading",
        "assembling",
        "scc",
        "cache_write",
        "hierarchy_order",
        "hierarchy_cch",
        "basemap",
    ):
        if step in secs:
            figures.append(figure(NAME, graph, "cli", f"network_build_{step}", "s", secs[step]))
    figures.append(
        figure(
            NAME,
            graph,
            "cli",
            "network_build_peak_memory",
            "MB",
            built["peak_mb"],
            notes="the larger of the command's ru_maxrss and its PSS summed with its basemap processes' "
            f"(sampled every 100 ms); largest summed PSS per step: {peaks}",
        )
    )

    # 3. cached start, from the cache the command wrote
    cache_dir = SCALE_CACHE
    progress("cached start")
    start = _child("start_child", str(padded), str(cache_dir))
    figures.append(
        figure(
            NAME,
            graph,
            "cch",
            "cached_start",
            "s",
            start["total_s"],
            notes=f"imports {start['imports_s']:.1f} s, network {start['network_s']:.1f} s (source hash, "
            f"checksums, maps), router {start['router_s']:.1f} s (the hierarchy and its saved metrics read and "
            "checked; customised only when not saved)",
        )
    )
    figures.append(
        figure(
            NAME,
            graph,
            "cch",
            "cached_start_rss",
            "MB",
            start["rss_ready_mb"],
            notes=f"RSS after the network {start['rss_network_mb']:,.0f} MB; peak {start['peak_mb']:,.0f} MB",
        )
    )

    # 3a. the contraction orders, same run (at the smaller sizes: inertial flow takes a quarter of an hour at 3 M)
    if nodes <= ORDER_COMPARE_MAX_NODES:
        figures.extend(_order_figures(graph, compare_orders(padded, cache_dir, progress)))

    # 3b. the server: one worker against two forked ones sharing the network, hierarchy and metrics
    progress("baotong serve, 1 and 2 workers")
    one = serve_memory(str(padded), str(cache_dir), 1)
    two = serve_memory(str(padded), str(cache_dir), 2)
    figures.append(
        figure(
            NAME,
            graph,
            "cli",
            "serve_pss_two_workers",
            "MB",
            two["pss_mb"],
            baseline=one["pss_mb"],
            baseline_engine="baotong serve, 1 worker",
            notes=f"summed PSS of the server's processes ({two['processes']}: the parent and 2 forked workers) "
            f"after {two['routes_ok']} POST /routes = {two['pss_mb'] / one['pss_mb']:.2f} x one worker "
            f"({one['pss_mb']:,.0f} MB); target <= 1.3 x; ready in {two['ready_s']:.1f} s "
            f"(one worker {one['ready_s']:.1f} s)",
        )
    )

    # 3c. POST /routes over HTTP with 20 zones made through the API (5 in the quick run)
    progress("POST /routes over HTTP with zones")
    h = http_routes(str(padded), str(cache_dir), n_zones=5 if quick else 20, n_pairs=20 if quick else 200)
    ms = [t * 1000 for t in h["route_s"]]
    http_note = (
        f"one keep-alive client, one worker, {h['zones']} zones (1-3 km discs) made through POST /zones; answers "
        f"{h['statuses']}, p50 {percentile(h['bytes'], 50) / 1000:,.0f} kB; the first route after the zones "
        f"{h['first_route_s']:.1f} s; target p50 <= 25 ms, p99 <= 100 ms"
    )
    for q in (50, 99):
        figures.append(
            figure(NAME, graph, "http", f"post_routes_zones_p{q}", "ms", percentile(ms, q), n=len(ms), notes=http_note)
        )

    # 4. routes, zone changes, memory
    progress("routes, zones and memory")
    r = _child("routes_child", str(padded), str(cache_dir), quick)
    figures.append(
        figure(
            NAME,
            graph,
            "cch",
            "router_route_p50",
            "ms",
            percentile(r["route_ms"], 50),
            n=len(r["route_ms"]),
            notes="Router.route, random OD pairs across the network",
        )
    )
    figures.append(
        figure(NAME, graph, "cch", "router_route_p99", "ms", percentile(r["route_ms"], 99), n=len(r["route_ms"]))
    )
    for label in ("0_zones", "20_zones"):
        ms = r[f"freight_{label}_ms"]
        figures.append(
            figure(
                NAME,
                graph,
                "cch",
                f"closed_loop_route_p50_{label}",
                "ms",
                percentile(ms, 50),
                n=len(ms),
                notes=f"closed_loop_route, zones of 1-3 km radius; choices {r[f'freight_{label}_choices']}",
            )
        )
        figures.append(
            figure(NAME, graph, "cch", f"closed_loop_route_p99_{label}", "ms", percentile(ms, 99), n=len(ms))
        )
    for label in ("created", "deleted"):
        ms = r[f"zone_{label}_ms"]
        if not ms:
            continue
        note = (
            "a 1-3 km sealed disc on the current route, 20 zones active; the first closed_loop_route with it"
            if label == "created"
            else "the first closed_loop_route after the new zone was deleted"
        )
        figures.append(
            figure(
                NAME, graph, "cch", f"zone_{label}_to_first_route_p50", "ms", percentile(ms, 50), n=len(ms), notes=note
            )
        )
        figures.append(figure(NAME, graph, "cch", f"zone_{label}_to_first_route_max", "ms", max(ms), n=len(ms)))
    for label in ("approved", "ended"):
        ms = r.get(f"closure_{label}_ms") or []
        if not ms:
            continue
        note = (
            f"a hard-barrier closure of {int(np.median(r['closure_arcs']))} arcs (median; five consecutive arcs of "
            "the current route and their reverse arcs), 20 zones active, after the memory figures; the first "
            "closed_loop_route with it"
            if label == "approved"
            else "the first closed_loop_route after the closure ended"
        )
        figures.append(
            figure(
                NAME,
                graph,
                "cch",
                f"closure_{label}_to_first_route_p50",
                "ms",
                percentile(ms, 50),
                n=len(ms),
                notes=note,
            )
        )
        figures.append(figure(NAME, graph, "cch", f"closure_{label}_to_first_route_max", "ms", max(ms), n=len(ms)))
    rss = r["rss_mb"]
    for key in ("router_ready", "after_snap_index", "after_20_zones", "after_50_zones", "after_churn"):
        notes = ""
        if key == "after_churn":
            notes = (
                f"{r['churn_cycles']} zones created and deleted one by one, a route after each "
                f"({r['seconds']['churn_total']:.0f} s); {100 * (rss['after_churn'] / rss['after_50_zones'] - 1):+.0f} % "
                "against after 50 zones"
            )
        if key == "after_50_zones":
            notes = f"{r['profile_50_zones']['metrics']} CCH metrics (the pool's and the base engine's)"
        figures.append(figure(NAME, graph, "cch", f"rss_{key}", "MB", rss[key], notes=notes))
    figures.append(
        figure(
            NAME,
            graph,
            "cch",
            "one_more_metric",
            "MB",
            r["metric_mb"],
            notes="one more pool metric (a fork of the base engine): its two customised uint32 vectors, "
            "the binding's uint32 weights and the engine's int64 weights",
        )
    )
    figures.append(
        figure(
            NAME,
            graph,
            "cch",
            "snap_index_build",
            "s",
            r["seconds"]["first_snap_index"],
            notes=f"grid index of the segments (int32 arrays, routing.segments), built on the first snap "
            f"(+{rss['after_snap_index'] - rss['router_ready']:,.0f} MB)",
        )
    )
    profile = r["profile_50_zones"]
    weights_mb = sum(profile["freight_weight_sets_mb"].values())
    figures.append(
        figure(
            NAME,
            graph,
            "freight",
            "freight_cached_weights_50_zones",
            "MB",
            weights_mb,
            notes=f"{len(profile['freight_weight_sets_mb'])} cached weight sets (free, avoid, penalised, "
            f"inside vehicle, penalty steps); zone sets {sum(profile['freight_zone_sets_mb'].values()):,.0f} MB",
        )
    )
    network_mb = sum(a["mb"] for a in profile["network_arrays_mb"].values())
    figures.append(
        figure(
            NAME,
            graph,
            "network",
            "network_arrays",
            "MB",
            network_mb,
            notes="the RoadNetwork's arrays (numeric ones memory-mapped from the cache); derived: "
            + ", ".join(f"{k} {v:,.0f} MB" for k, v in profile["network_derived_mb"].items()),
        )
    )
    # 5. the rest: station siting, a closure report, docking and drop points, the map, tiles
    progress("station siting, closure report, docking and drop points, map, tiles")
    rest = _child("rest_child", str(padded), str(cache_dir), quick)
    figures.extend(_rest_figures(graph, rest))
    figures[-1]["details"] = {
        "build": {k: v for k, v in built.items() if k != "lines"},
        "start": start,
        "routes": {k: v for k, v in r.items() if not k.endswith("_ms")},
        "rest": {k: v for k, v in rest.items() if k != "tile_s"},
    }
    return figures


def _rest_figures(graph: str, rest: dict) -> list[dict]:
    """The figures of :func:`rest_child`'s result."""
    med = lambda xs: percentile(xs, 50)  # noqa: E731
    out = [
        figure(
            NAME,
            graph,
            "cch",
            "stations_matrix_200x2000",
            "s",
            med(rest["matrix_s"]),
            n=200 * 2000,
            notes=f"routing.stations.travel_time_matrix, snapped points as bench_stations, median of "
            f"{len(rest['matrix_s'])}; {rest['matrix_unreached']} pairs unreached; no baseline (networkx is "
            "not run at this size); target <= 2 s",
        ),
        figure(
            NAME,
            graph,
            "p_median",
            "stations_p_median_p10",
            "s",
            rest["p_median_s"],
            baseline=rest["greedy_s"],
            baseline_engine="greedy-add heuristic",
            n=200 * 2000,
            notes=f"routing.stations.p_median(time_limit_s={rest['p_median_limit_s']:g}): search "
            f"{rest['p_median_search']}, gap {100 * (rest['p_median_gap'] or 0):.2f} % to the bound, objective "
            f"{rest['p_median_objective']:,.0f}; greedy {rest['greedy_objective']:,.0f} "
            f"({100 * (rest['greedy_objective'] / rest['p_median_objective'] - 1):+.2f} %); without a limit the "
            "exact CBC model ran > 10 min at 100k and was stopped; target <= 30 s",
        ),
        figure(
            NAME,
            graph,
            "cch",
            "closure_impact_report_median",
            "s",
            med(rest["closure_s"]),
            n=len(rest["closure_s"]),
            notes=f"bench_closures' scenario (10 hubs, 100 enterprises, 10 green channels, 200 corridors) + "
            f"routing.closures.analyse_impact with the pool metrics' sync; closures of {rest['closure_arcs']} arcs "
            f"(trunk ways G...) touching {rest['closure_corridors_touched']} corridors; CCH only: networkx is too "
            "slow at this size; target <= 1 s",
        ),
        figure(
            NAME,
            graph,
            "cch",
            "docking_points_k3_median",
            "s",
            med(rest["docking_s"]),
            n=len(rest["docking_s"]),
            notes=f"routing.docking.plan_docking_points, k = 3, sealed discs of "
            f"{', '.join(f'{r / 1000:.1f}' for r in rest['docking_radii_m'])} km, 20 demand nodes inside; "
            f"{rest['docking_skipped']} infeasible zones skipped",
        ),
        figure(
            NAME,
            graph,
            "cch",
            "drop_point_median",
            "s",
            med(rest["drop_point_s"]),
            n=len(rest["drop_point_s"]),
            notes=f"routing.droppoint.plan_drop_point, an enterprise point at a random node, 2 candidate "
            f"stations as origins, no gates (the synthetic file has none); {rest['drop_point_skipped']} skipped",
        ),
        figure(
            NAME,
            graph,
            "folium",
            "route_map_html_median",
            "s",
            med(rest["map_s"]),
            n=len(rest["map_s"]),
            notes=f"maps.views.route_map of a closed_loop_route ({rest['map_route_points']} points) over 20 "
            f"zones, get_root().render() as GET /routes/{{id}}/map; {rest['map_html_bytes'] / 1000:,.0f} kB; "
            f"first render {rest['map_first_s'] * 1000:.0f} ms (not counted)",
        ),
    ]
    if rest["tiles_archive"]:
        out.append(
            figure(
                NAME,
                graph,
                "pmtiles",
                "basemap_tile_p50",
                "ms",
                med(rest["tile_s"]) * 1e3,
                n=len(rest["tile_s"]),
                notes=f"maps.basemap.TileArchive.tile in process, {len(rest['tile_s'])} seeded tiles zooms 8-14 "
                f"({rest['tiles_found']} with data), archive {rest['tiles_archive_mb']:.1f} MB written by the build; "
                f"p99 {percentile(rest['tile_s'], 99) * 1e3:.2f} ms",
            )
        )
    out.append(
        figure(
            NAME,
            graph,
            "cch",
            "rest_peak_rss",
            "MB",
            rest["peak_mb"],
            notes="VmHWM of the child that ran the figures above (network, router, matrix, scenario, maps)",
        )
    )
    if not rest["tiles_archive"]:
        out[-1]["notes"] += "; basemap tiles skipped: no archive next to the network cache"
    return out


def run(quick: bool = False, sizes: Sequence[int] | None = None) -> list[dict]:
    def progress(message: str) -> None:
        print(f"[scale] {message}", file=sys.stderr, flush=True)

    figures: list[dict] = []
    for nodes in sizes or (QUICK_SIZES if quick else SIZES):
        figures.extend(_run_size(nodes, quick, progress))
    return figures


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.bench_scale [--quick] [--sizes NODES ...]``: the whole benchmark; ``--orders NODES [--rounds N]``: only the
    contraction orders on the padded file of ``NODES`` road nodes (its network cached in ``.cache/bench-scale``),
    the figures and each process's result as JSON."""
    import argparse

    from bench.common import print_figures
    from bench.synthetic_osm import synthetic_osm_file

    p = argparse.ArgumentParser(prog="bench.bench_scale")
    p.add_argument("--quick", action="store_true")
    p.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        metavar="NODES",
        help="road node counts to run (default: 500,000 and 3,000,000; --quick: 100,000)",
    )
    p.add_argument("--orders", type=int, metavar="NODES", help="compare the contraction orders only")
    p.add_argument("--rounds", type=int, default=1, help="alternated rounds of the order comparison")
    args = p.parse_args(argv)

    def progress(message: str) -> None:
        print(f"[scale] {message}", file=sys.stderr, flush=True)

    if args.orders is None:
        print_figures(run(quick=args.quick, sizes=args.sizes))
        return 0
    padded = synthetic_osm_file(args.orders, pad=True, progress=progress)
    SCALE_CACHE.mkdir(parents=True, exist_ok=True)
    results = compare_orders(padded, SCALE_CACHE, progress, rounds=args.rounds)
    print_figures(_order_figures(_graph(args.orders, results["metis"][0]["nodes"]), results))
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
