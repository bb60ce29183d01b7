"""Closure impact report on Andorra: CCH (MetricPool roles) against networkx, in the same run.

Scenario (seeded, generated in code): 10 hubs, 100 whitelist enterprises,
10 green channels (hub to hub routes) and 200 stored corridors standing in for
valid passes (routes between random nodes); one hard-barrier closure on a
busy CG- trunk way (several closures in turn, so the "after" metric is
re-synced each time). The timed unit is the full report of
``routing.closures.analyse_impact`` -- enterprises and hubs cut off, green
channel and corridor detours, the bridge check and the 20 x 20 OD sample --
plus, for CCH, syncing the two pool metrics to the closure's weights (what
``POST /closures`` does). networkx runs the same function on
``NetworkxEngine`` (graph built beforehand, not timed). Target: <= 1 s.
"""

from __future__ import annotations

import time

import numpy as np

from bench.common import NETWORK_CACHE, SHARED_DATA, figure
from routing import closures as C
from routing.engine import FORBIDDEN, NetworkxEngine
from routing.network import WEIGHT_UNIT_S

NAME = "closures"
GRAPH = "andorra"


def scenario(router, seed: int = 11, *, ref_prefix: str = "CG-"):
    """Hubs, enterprises, green channels, corridors and candidate closures (all seeded); the closures
    are the ways whose ``ref`` starts with ``ref_prefix`` (Andorra's trunk roads by default) most used
    by the corridors."""
    net = router.network
    rng = np.random.default_rng(seed)
    w = router.truck_weights
    usable = w != FORBIDDEN
    nodes = C.od_sample(net, usable, n=min(net.node_count, 4000), seed=seed)
    hubs = [C.Place(f"hub-{i}", f"hub {i}", int(n)) for i, n in enumerate(rng.choice(nodes, 10, replace=False))]
    ents = [C.Place(f"ent-{i}", f"enterprise {i}", int(n)) for i, n in enumerate(rng.choice(nodes, 100, replace=False))]
    engine = router.base_engine.fork(w)

    def corridor(cid: str, kind: str, s: int, t: int) -> C.Corridor | None:
        found = engine.route(int(s), int(t))
        if found is None or not found.arcs:
            return None
        return C.Corridor(cid, kind, np.asarray(found.arcs, dtype=np.int64), found.cost * WEIGHT_UNIT_S)

    channels: list[C.Corridor] = []
    while len(channels) < 10:
        a, b = rng.choice(len(hubs), 2, replace=False)
        c = corridor(f"green-{len(channels)}", "green_channel", hubs[a].node, hubs[b].node)
        if c is not None:
            channels.append(c)
    corridors: list[C.Corridor] = []
    while len(corridors) < 200:
        s, t = rng.choice(nodes, 2, replace=False)
        c = corridor(f"pass-{len(corridors)}", "pass", s, t)
        if c is not None:
            corridors.append(c)
    # closures: the trunk ways (CG-) most used by the corridors
    use = np.bincount(np.concatenate([c.arcs for c in corridors]), minlength=net.arc_count)
    ways: dict[int, int] = {}
    for a in np.argsort(-use)[:2000].tolist():
        if str(net.ref[a] or "").startswith(ref_prefix) and use[a] > 0:
            ways.setdefault(int(net.osm_way_id[a]), 0)
            ways[int(net.osm_way_id[a])] += int(use[a])
    closures = [C.match_ways(net, [w_]).arcs for w_, _ in sorted(ways.items(), key=lambda kv: -kv[1])[:5]]
    return hubs, ents, channels, corridors, closures


def impact_report(router, base, arcs, kw: dict) -> dict:
    """:func:`routing.closures.analyse_impact` of closing ``arcs`` (hard barrier) against ``base``, on two
    pool metrics synced to the weights before and after (``kw``: the scenario's places and corridors)."""
    net = router.network
    after = C.closure_weights(net, base, arcs, "hard_barrier")
    with router.pool.using("bench-closure:before", base) as b, router.pool.using("bench-closure:after", after) as a:
        return C.analyse_impact(net, b, a, arcs, **kw)


def run(quick: bool = False) -> list[dict]:
    from routing.network import load_or_build
    from routing.router import Router

    net, folder = load_or_build(str(SHARED_DATA / f"{GRAPH}.osm.pbf"), NETWORK_CACHE, progress=lambda m: None)
    router = Router(net, engine="cch", cache_dir=folder)
    hubs, ents, channels, corridors, closures = scenario(router)
    if quick:
        closures = closures[:2]
    base = router.truck_weights
    kw = {"enterprises": ents, "hubs": hubs, "green_channels": channels, "corridors": corridors}

    def cch_report(arcs):
        return impact_report(router, base, arcs, kw)

    cch_report(closures[-1])  # warm the two pool metrics (first customisation)
    cch_s, reports = [], []
    for arcs in closures:
        t = time.perf_counter()
        reports.append(cch_report(arcs))
        cch_s.append(time.perf_counter() - t)

    nx_before = NetworkxEngine(net.tail, net.head, net.node_count, base)
    nx_runs = closures[:1] if quick else closures[:2]
    nx_s, same = [], []
    for k, arcs in enumerate(nx_runs):
        nx_after = NetworkxEngine(
            net.tail, net.head, net.node_count, C.closure_weights(net, base, arcs, "hard_barrier")
        )
        t = time.perf_counter()
        ref = C.analyse_impact(net, nx_before, nx_after, arcs, **kw)
        nx_s.append(time.perf_counter() - t)
        same.append(ref == reports[k])

    value, baseline = float(np.median(cch_s)), float(np.median(nx_s))
    touched = [len(r["corridors"]) for r in reports]
    notes = (
        f"{len(hubs)} hubs, {len(ents)} whitelist enterprises, {len(channels)} green channels, "
        f"{len(corridors)} pass corridors; closures of {[int(a.size) for a in closures]} arcs touching "
        f"{touched} corridors; CCH includes syncing both pool metrics; networkx reports identical: {all(same)}; "
        f"target <= 1 s"
    )
    return [
        figure(NAME, GRAPH, "cch", "impact_report_median", "s", value, baseline=baseline, n=len(cch_s), notes=notes),
        figure(
            NAME,
            GRAPH,
            "cch",
            "impact_report_max",
            "s",
            float(np.max(cch_s)),
            baseline=float(np.max(nx_s)),
            n=len(cch_s),
            notes=f"networkx runs: {len(nx_s)}",
        ),
    ]


if __name__ == "__main__":  # pragma: no cover
    for f in run(quick=True):
        print(f)
