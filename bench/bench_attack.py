"""Checkpoint verifications while the service is attacked: a planner posting hostile polygons and six anonymous
clients looping ``GET /map``, against a quiet baseline in the same run and on the same server.

``baotong serve --workers 2`` (SQLite) runs as a subprocess over the Andorra extract with 341 seeded zones
(so the city map is heavy).  One client verifies passes one after another, first alone for ``DURATION_S``
seconds (the baseline), then for as long again while the attack runs: six threads fetching ``/map`` in a
loop and one posting self-crossing zones (seeded random rings of 300 vertices, refused before any repair,
and of 24 vertices, repaired within bounds) in a loop.  It prints verification p50/p99 of both phases and
their ratio, and what the attackers got: the ``/map`` page's size and the time of its first (uncached)
render, and each loop's page view.  A map that loads its layers by viewport (the page links
``map-layers.js``) is viewed as a browser does: the page, then each public layer for the whole network at
zoom 13; the figures then count the layers' bytes and time with the page's.
``python -m bench.bench_attack [--quick] [--zones N]``.
"""

from __future__ import annotations

import argparse
import random
import threading
import time

import httpx

from bench.bench_load import _prepare
from bench.common import SHARED_DATA, figure, percentile, print_figures, served

NAME = "attack"
DURATION_S = 30.0
MAP_CLIENTS = 6
ZONES = 341
SEED = 20261201
#: The public layers a viewport map loads (services.layers.PUBLIC_LAYERS), and the zoom it views them at.
PUBLIC_LAYERS = ("zones-sealed", "zones-controlled", "zones-precaution", "closures")
VIEW_ZOOM = 13


def _square(rng: random.Random) -> dict:
    lon, lat = 1.45 + rng.random() * 0.25, 42.44 + rng.random() * 0.18
    ring = [[lon, lat], [lon + 0.003, lat], [lon + 0.003, lat + 0.003], [lon, lat + 0.003], [lon, lat]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"risk": rng.choice(["sealed", "controlled", "precaution"])},
    }


def _tangle(rng: random.Random, n: int) -> dict:
    ring = [[1.50 + rng.random() * 0.05, 42.49 + rng.random() * 0.04] for _ in range(n)]
    ring.append(ring[0])
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": {"risk": "sealed"}}


def _verify_for(base: str, token: str, pass_tokens: list[str], checkpoint, seconds: float) -> list[float]:
    """Sequential verifications for ``seconds``: each one's latency (s)."""
    out = []
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=120) as c:
        end, i = time.monotonic() + seconds, 0
        while time.monotonic() < end:
            body = {"token": pass_tokens[i % len(pass_tokens)], "checkpoint": checkpoint, "plate": "豫H·77777"}
            started = time.perf_counter()
            r = c.post("/passes/verify", json=body, headers=h)
            out.append(time.perf_counter() - started)
            if r.status_code != 200:
                raise RuntimeError(f"verification answered {r.status_code}: {r.text[:300]}")
            i += 1
    return out


def _view_map(c: httpx.Client, bbox: str) -> tuple[int, int]:
    """One anonymous view of the city map as a browser makes it: the page, then (a map loaded by viewport)
    its public layers over ``bbox``.  The page's bytes and the layers' bytes."""
    page = c.get("/map")
    assert page.status_code == 200, page.status_code
    layer_bytes = 0
    if "map-layers.js" in page.text:
        for layer in PUBLIC_LAYERS:
            r = c.get(f"/map/layers/{layer}", params={"bbox": bbox, "zoom": VIEW_ZOOM, "lang": "zh"})
            assert r.status_code == 200, (layer, r.status_code, r.text[:200])
            layer_bytes += len(r.content)
    return len(page.content), layer_bytes


def run(quick: bool = False, zones: int = ZONES) -> list[dict]:
    duration = 8.0 if quick else DURATION_S
    rng = random.Random(SEED)
    with served(str(SHARED_DATA / "andorra.osm.pbf"), workers=2) as (base, tokens):
        pass_tokens, checkpoint = _prepare(base, tokens)
        planner = {"Authorization": f"Bearer {tokens['planner']}"}
        with httpx.Client(base_url=base, timeout=300) as c:
            left, bottom, right, top = c.get("/network").json()["bbox"]
            bbox = f"{left},{bottom},{right},{top}"
            for _ in range(zones):
                assert c.post("/zones", json=_square(rng), headers=planner).status_code == 201
            started = time.perf_counter()
            map_bytes, layer_bytes = _view_map(c, bbox)  # the first view renders the page
            first_view_s = time.perf_counter() - started

        quiet = _verify_for(base, tokens["checkpoint"], pass_tokens, checkpoint, duration)

        stop = threading.Event()
        maps: list[float] = []
        hostile: dict[int, int] = {}
        lock = threading.Lock()

        def map_loop() -> None:
            with httpx.Client(base_url=base, timeout=300) as c:
                while not stop.is_set():
                    started = time.perf_counter()
                    _view_map(c, bbox)
                    with lock:
                        maps.append(time.perf_counter() - started)

        def hostile_loop() -> None:
            local = random.Random(SEED + 1)
            with httpx.Client(base_url=base, timeout=300) as c:
                while not stop.is_set():
                    body = _tangle(local, local.choice([300, 24]))
                    r = c.post("/zones", json=body, headers=planner)
                    with lock:
                        hostile[r.status_code] = hostile.get(r.status_code, 0) + 1

        threads = [threading.Thread(target=map_loop) for _ in range(MAP_CLIENTS)]
        threads.append(threading.Thread(target=hostile_loop))
        for t in threads:
            t.start()
        time.sleep(1.0)  # the attack is under way
        attacked = _verify_for(base, tokens["checkpoint"], pass_tokens, checkpoint, duration)
        stop.set()
        for t in threads:
            t.join(timeout=600)

    note = (
        f"2 workers, SQLite, {zones} zones (/map {map_bytes / 1e6:.3f} MB, its layers {layer_bytes / 1e6:.3f} MB); "
        f"one sequential verifier, {duration:.0f} s per phase; attack: {MAP_CLIENTS} /map loops ({len(maps)} views, "
        f"median {percentile(maps, 50):.2f} s) and "
        f"one planner posting self-crossing zones (answers {dict(sorted(hostile.items()))}); clients share the 2 cores"
    )
    out = []
    for phase, xs in (("quiet", quiet), ("attacked", attacked)):
        for q in (50, 99):
            out.append(
                figure(
                    NAME,
                    f"andorra/{phase}",
                    "http-2-workers",
                    f"POST /passes/verify p{q}",
                    "ms",
                    percentile(xs, q) * 1000,
                    baseline=percentile(quiet, q) * 1000 if phase == "attacked" else None,
                    baseline_engine="quiet",
                    n=len(xs),
                    notes=note,
                )
            )
    out.append(
        figure(
            NAME,
            "andorra/attacked",
            "http-2-workers",
            "GET /map view median",
            "s",
            percentile(maps, 50),
            n=len(maps),
            notes=note,
        )
    )
    out += [
        figure(NAME, "andorra/quiet", "http-2-workers", "GET /map bytes", "B", map_bytes, n=1, notes=note),
        figure(NAME, "andorra/quiet", "http-2-workers", "GET /map layers bytes", "B", layer_bytes, n=1, notes=note),
        figure(NAME, "andorra/quiet", "http-2-workers", "GET /map first view", "s", first_view_s, n=1, notes=note),
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="8 s per phase instead of 30")
    parser.add_argument("--zones", type=int, default=ZONES, help=f"zones seeded before the run (default {ZONES})")
    args = parser.parse_args()
    figures = run(quick=args.quick, zones=args.zones)
    print_figures(figures)
    for f in figures:
        print(f"{f['graph']:<18} {f['metric']:<28} {f['value']:>9.2f} {f['unit']}  (n={f['n']})")


if __name__ == "__main__":
    main()
