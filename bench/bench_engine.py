"""Shortest-path engines (CCH, scipy) against the networkx baseline, in one run.

Graphs: the Andorra and Monaco extracts (``../shared/data``, built with
``routing.network.load_or_build`` into ``.cache/bench-networks``) and a
seeded synthetic road-like graph of 250,000+ nodes (``bench.synthetic``).

For each graph and engine: preprocessing time and peak memory, query
p50 / p99 over seeded OD pairs (path included), a many-to-many matrix, and
the time for a zone change (forbid every arc in a disk holding ~1 % of the
arcs) to be live, i.e. ``engine.forbid(arcs)`` until the first query returns.
Every engine's answers are checked against networkx on the pairs both ran;
a mismatch fails the benchmark.  Targets (reported, not asserted): CCH query
p50 <= 0.2 ms on Andorra and >= 100x networkx there; a zone change live in
<= 1 s on the 250,000-node graph.
"""

from __future__ import annotations

import time

import numpy as np

from bench.common import (
    NETWORK_CACHE,
    PEAK_MEMORY_NOTES,
    SHARED_DATA,
    figure,
    peak_memory,
    percentile,
)
from routing.engine import FORBIDDEN

NAME = "engine"
SEED = 20220501
ZONE_FRACTION = 0.01


# ----------------------------------------------------------------------------------
# Inputs (also used by the peak-memory subprocess)
# ----------------------------------------------------------------------------------
def load_graph(graph: str, synthetic_nodes: int = 250_000):
    """The :class:`~routing.network.RoadNetwork` called ``graph`` (``andorra``, ``monaco``, ``synthetic-*``)."""
    if graph.startswith("synthetic"):
        from bench.synthetic import synthetic_network

        return synthetic_network(synthetic_nodes, seed=SEED)
    from routing.network import load_or_build

    net, _ = load_or_build(str(SHARED_DATA / f"{graph}.osm.pbf"), NETWORK_CACHE, progress=lambda m: None)
    return net


def build_engine(name: str, net):
    """A fresh engine (for CCH: topology build + customisation, no topology cache)."""
    from routing.engine import CCHEngine, NetworkxEngine, ScipyEngine

    w = net.base_weights
    if name == "cch":
        return CCHEngine(net.tail, net.head, net.node_count, w, lon=net.node_lon, lat=net.node_lat)
    cls = {"scipy": ScipyEngine, "networkx": NetworkxEngine}[name]
    return cls(net.tail, net.head, net.node_count, w)


def _mem_setup(graph: str, synthetic_nodes: int, engine: str):
    net = load_graph(graph, synthetic_nodes)
    net.base_weights  # noqa: B018 -- computed before the measured build
    return net, engine


def _mem_build(state):
    net, engine = state
    return build_engine(engine, net)


# ----------------------------------------------------------------------------------
def _time_queries(engine, pairs: np.ndarray) -> tuple[list[float], list[int | None]]:
    samples, costs = [], []
    route = engine.route
    for s, t in pairs.tolist():
        started = time.perf_counter()
        found = route(s, t)
        samples.append(time.perf_counter() - started)
        costs.append(None if found is None else found.cost)
    return samples, costs


def disc_arcs(net, rng: np.random.Generator, fraction: float = ZONE_FRACTION) -> np.ndarray:
    """Arcs whose midpoint lies in a disk (around a random node) holding ``fraction`` of all arcs."""
    x, y = net.node_xy
    mx = (x[net.tail] + x[net.head]) / 2
    my = (y[net.tail] + y[net.head]) / 2
    # a centre away from the border, so the disk is a full contiguous area
    cx0, cy0 = np.median(x), np.median(y)
    near = np.nonzero((x - cx0) ** 2 + (y - cy0) ** 2 <= np.quantile((x - cx0) ** 2 + (y - cy0) ** 2, 0.5))[0]
    c = int(rng.choice(near))
    d2 = (mx - x[c]) ** 2 + (my - y[c]) ** 2
    k = max(1, int(round(fraction * net.arc_count)))
    return np.sort(np.argpartition(d2, k - 1)[:k])


def _check_equal(what: str, graph: str, got: list, ref: list) -> None:
    bad = [i for i, (a, b) in enumerate(zip(got, ref)) if a != b]
    if bad:
        i = bad[0]
        raise RuntimeError(
            f"{what} on {graph}: {len(bad)} of {len(ref)} costs differ from networkx "
            f"(first at pair {i}: {got[i]} vs {ref[i]})"
        )


def _graph_figures(graph: str, net, *, quick: bool, synthetic_nodes: int) -> list[dict]:
    big = graph.startswith("synthetic")
    n_pairs = 100 if quick else 1000
    n_slow = (50 if quick else 100) if big else n_pairs  # pairs for networkx and scipy
    side = 50 if quick else 200
    side_slow = (10 if quick else 20) if big else side  # matrix sources for networkx and scipy
    out: list[dict] = []
    add = out.append
    size = f"{net.node_count:,} nodes / {net.arc_count:,} arcs"
    print(f"   {graph}: {size}", flush=True)

    # -- preprocessing ------------------------------------------------------------
    engines, prep = {}, {}
    for name in ("networkx", "scipy", "cch"):
        started = time.perf_counter()
        engines[name] = build_engine(name, net)
        prep[name] = time.perf_counter() - started
    cch = engines["cch"]
    from routing import _cch

    started = time.perf_counter()
    _cch.CCHMetric(cch.topology.cch, net.base_weights)
    customise = time.perf_counter() - started
    started = time.perf_counter()
    cch.fork()  # the base weights' metric is kept: a fork copies its customised vectors
    from_saved = time.perf_counter() - started
    for name, what in (
        ("cch", "CCH build (routingkit-cch: inertial-flow order + contraction) + customisation"),
        ("scipy", "CSR matrix of the cheapest parallel arcs"),
        ("networkx", "DiGraph of the cheapest parallel arcs"),
    ):
        add(
            figure(
                NAME,
                graph,
                name,
                "preprocess",
                "s",
                prep[name],
                baseline=None if name == "networkx" else prep["networkx"],
                notes=f"{what}; {size}",
            )
        )
    add(
        figure(
            NAME,
            graph,
            "cch",
            "customise",
            "s",
            customise,
            baseline=prep["networkx"],
            notes="one full customisation on an existing topology (a new metric)",
        )
    )
    add(
        figure(
            NAME,
            graph,
            "cch",
            "metric_from_saved",
            "s",
            from_saved,
            baseline=customise,
            baseline_engine="cch customisation",
            notes="a new engine of the base weights (CCHEngine.fork): the kept metric's vectors copied, no customisation",
        )
    )

    # -- peak memory ----------------------------------------------------------------
    mem = {}
    for name in ("networkx", "scipy", "cch"):
        mem[name] = peak_memory(
            "bench.bench_engine:_mem_setup", "bench.bench_engine:_mem_build", graph, synthetic_nodes, name
        )
    for name in ("cch", "scipy", "networkx"):
        m = mem[name]
        add(
            figure(
                NAME,
                graph,
                name,
                "preprocess_peak_memory",
                "MB",
                m["delta_mb"],
                baseline=None if name == "networkx" else mem["networkx"]["delta_mb"],
                notes=f"{PEAK_MEMORY_NOTES}; process peak {m['peak_mb']:,.0f} MB"
                f"{'' if m['reset_ok'] else ' (peak reset unavailable: delta vs earlier peak)'}",
            )
        )

    # -- queries --------------------------------------------------------------------
    rng = np.random.default_rng(SEED)
    pairs = rng.integers(0, net.node_count, size=(n_pairs, 2))
    times, costs = {}, {}
    for name in ("cch", "scipy", "networkx"):
        sel = pairs if name == "cch" else pairs[:n_slow]
        times[name], costs[name] = _time_queries(engines[name], sel)
    _check_equal("cch queries", graph, costs["cch"][:n_slow], costs["networkx"])
    _check_equal("scipy queries", graph, costs["scipy"], costs["networkx"])
    # every CCH path must be a valid path of its cost (networkx validate_path style)
    for s, t in pairs[:50].tolist():
        found = cch.route(s, t)
        if found is None or not cch.validate_path(found, s, t):
            raise RuntimeError(f"CCH path {s}->{t} on {graph} does not validate")
    slow_note = (
        (
            f"networkx and scipy on the first {n_slow} of the {n_pairs} pairs (too slow for all on "
            f"{net.node_count:,} nodes)"
        )
        if n_slow < n_pairs
        else "same pairs for every engine"
    )
    for q in (50, 99):
        nx_ms = percentile(times["networkx"], q) * 1000
        for name in ("cch", "scipy"):
            note = f"route() with the node and arc path; seeded OD pairs; {slow_note}"
            if name == "cch" and graph == "andorra" and q == 50:
                p50 = percentile(times[name], q) * 1000
                met = p50 <= 0.2 and nx_ms / p50 >= 100
                note += f"; target <= 0.2 ms and >= 100x networkx: {'met' if met else 'NOT met'}"
            add(
                figure(
                    NAME,
                    graph,
                    name,
                    f"query_p{q}",
                    "ms",
                    percentile(times[name], q) * 1000,
                    baseline=nx_ms,
                    n=len(times[name]),
                    notes=note,
                )
            )
        add(
            figure(
                NAME,
                graph,
                "networkx",
                f"query_p{q}",
                "ms",
                nx_ms,
                n=len(times["networkx"]),
                notes="nx.bidirectional_dijkstra on a DiGraph",
            )
        )

    # -- Router.route: coordinates to a route with geometry, against the node-to-node query -------------
    if not big:
        add(_route_figure(graph, net, percentile(times["cch"], 50) * 1000, n_pairs=100 if quick else 500))

    # -- many-to-many matrix -------------------------------------------------------------
    nodes = rng.choice(net.node_count, size=2 * side, replace=False)
    src, dst = nodes[:side], nodes[side:]
    reps = []
    for _ in range(3):
        started = time.perf_counter()
        m_cch = cch.matrix(src, dst)
        reps.append(time.perf_counter() - started)
    cch_s = float(np.median(reps))
    slow = {}
    for name in ("scipy", "networkx"):
        started = time.perf_counter()
        m = engines[name].matrix(src[:side_slow], dst)
        elapsed = time.perf_counter() - started
        slow[name] = elapsed * side / side_slow
        if not np.array_equal(m, m_cch[:side_slow]):
            raise RuntimeError(f"{name} matrix on {graph} differs from the CCH matrix")
    scale_note = (
        f"; networkx and scipy ran {side_slow} of the {side} sources, scaled x{side // side_slow}"
        if side_slow < side
        else ""
    )
    add(
        figure(
            NAME,
            graph,
            "cch",
            f"matrix_{side}x{side}",
            "s",
            cch_s,
            baseline=slow["networkx"],
            n=side * side,
            notes=f"CCHQuery.matrix (a reused query): the targets pinned, one sweep per source, median of 3{scale_note}",
        )
    )
    add(
        figure(
            NAME,
            graph,
            "scipy",
            f"matrix_{side}x{side}",
            "s",
            slow["scipy"],
            baseline=slow["networkx"],
            n=side * side,
            notes=f"one multi-source csgraph.dijkstra call{scale_note}",
        )
    )
    add(
        figure(
            NAME,
            graph,
            "networkx",
            f"matrix_{side}x{side}",
            "s",
            slow["networkx"],
            n=side * side,
            notes=f"{side} nx.single_source_dijkstra_path_length{scale_note}",
        )
    )

    # -- zone change ----------------------------------------------------------------------
    zrng = np.random.default_rng(SEED + 1)
    zones = [disc_arcs(net, zrng) for _ in range(4)]
    s, t = (int(v) for v in pairs[0])

    def change(engine, arcs) -> float:
        started = time.perf_counter()
        engine.forbid(arcs)
        engine.route(s, t)
        return time.perf_counter() - started

    live = {}
    for name in ("networkx", "scipy"):
        live[name] = change(engines[name], zones[0])
    cch_first = change(cch, zones[0])
    after = [cch.route(s, t), engines["networkx"].route(s, t)]
    if (after[0] is None) != (after[1] is None) or (after[0] and after[0].cost != after[1].cost):
        raise RuntimeError(f"after the zone change on {graph} CCH and networkx disagree: {after}")
    for name in ("networkx", "scipy"):
        engines[name].restore()
    cch.restore()
    again = []
    for arcs in zones[1:]:
        again.append(change(cch, arcs))
        cch.restore()
    zone_note = f"forbid {zones[0].size:,} arcs in a disk (~{ZONE_FRACTION:.0%} of arcs), then one route()"

    def target(seconds: float) -> str:
        return f"; target <= 1 s: {'met' if seconds <= 1 else 'NOT met'}" if big else ""

    add(
        figure(
            NAME,
            graph,
            "cch",
            "zone_change_first",
            "s",
            cch_first,
            baseline=live["networkx"],
            n=1,
            notes=f"{zone_note}; the first change after start-up (a partial update of a copy of the live metric){target(cch_first)}",
        )
    )
    warm = float(np.median(again))
    add(
        figure(
            NAME,
            graph,
            "cch",
            "zone_change",
            "s",
            warm,
            baseline=live["networkx"],
            n=len(again),
            notes=f"{zone_note}; median of {len(again)} further zones{target(warm)}",
        )
    )
    add(
        figure(
            NAME,
            graph,
            "scipy",
            "zone_change",
            "s",
            live["scipy"],
            baseline=live["networkx"],
            n=1,
            notes=f"{zone_note}; CSR rebuild",
        )
    )
    add(
        figure(
            NAME,
            graph,
            "networkx",
            "zone_change",
            "s",
            live["networkx"],
            n=1,
            notes=f"{zone_note}; NetworkxEngine rebuilds its DiGraph",
        )
    )
    return out


def _route_figure(graph: str, net, node_p50_ms: float, *, n_pairs: int) -> dict:
    """``Router.route`` p50 between seeded points beside random arcs (snapping, one multi-source query,
    geometry and legs), with the node-to-node CCH query p50 of the same run as the baseline.  Every
    answer is checked against networkx over the snapped ends (cost) and as a path (validate_path)."""
    from routing.engine import NetworkxEngine
    from routing.paths import same_arc_cost, snap_ends
    from routing.router import Router

    router = Router(net, engine="cch")
    rng = np.random.default_rng(SEED + 2)
    x, y = net.node_xy
    long_arcs = np.flatnonzero(net.length_m > 20)
    points = []
    for arc in rng.choice(long_arcs, size=2 * (n_pairs + 50)).tolist():
        f, off = float(rng.uniform(0.1, 0.9)), float(rng.uniform(-8, 8))
        ax, ay, bx, by = x[net.tail[arc]], y[net.tail[arc]], x[net.head[arc]], y[net.head[arc]]
        norm = max(float(np.hypot(bx - ax, by - ay)), 1e-9)
        px, py = ax + f * (bx - ax) - off * (by - ay) / norm, ay + f * (by - ay) + off * (bx - ax) / norm
        lon, lat = net.projection.inverse(px, py)
        points.append([float(lon), float(lat)])
    pairs = list(zip(points[0::2], points[1::2]))
    for o, d in pairs[n_pairs:]:  # warm-up on other pairs
        router.route(o, d)
    samples, plans = [], []
    for o, d in pairs[:n_pairs]:
        started = time.perf_counter()
        plans.append(router.route(o, d))
        samples.append(time.perf_counter() - started)
    reference = NetworkxEngine(net.tail, net.head, net.node_count, router.truck_weights)
    w = router.truck_weights
    for plan in plans:
        o_snap, d_snap = plan.origin, plan.destination
        best = same_arc_cost(o_snap, d_snap, w)
        found = reference.route_multi(
            snap_ends(net, o_snap, w, as_source=True), snap_ends(net, d_snap, w, as_source=False)
        )
        if found is not None and (best is None or found[0] < best):
            best = found[0]
        if best is None:
            raise RuntimeError(f"Router.route on {graph} found a route networkx does not")
        if abs(plan.cost / 0.1 - best) > 1e-6 * max(1.0, best):
            raise RuntimeError(f"Router.route on {graph} costs {plan.cost / 0.1} against networkx {best}")
        arcs = plan.arcs
        if arcs.size and not ((net.head[arcs[:-1]] == net.tail[arcs[1:]]).all() and (w[arcs] != FORBIDDEN).all()):
            raise RuntimeError(f"Router.route on {graph} gave an invalid path")
    p50 = percentile(samples, 50) * 1000
    ratio = p50 / node_p50_ms
    return figure(
        NAME,
        graph,
        "cch",
        "route_coordinates_p50",
        "ms",
        p50,
        baseline=node_p50_ms,
        baseline_engine="cch node-to-node query with path",
        n=n_pairs,
        notes=f"Router.route between two [lon, lat] points (snap, one multi-source query, geometry, legs) "
        f"= {ratio:.1f} x the node-to-node query; target <= 2 x: {'met' if ratio <= 2 else 'NOT met'}; "
        f"p99 {percentile(samples, 99) * 1000:.3f} ms; every answer equal to networkx over the "
        "snapped ends, every path valid",
    )


def run(quick: bool = False) -> list[dict]:
    """All figures of the engine benchmark (``quick``: 100 pairs, 50x50, synthetic 20k nodes)."""
    synthetic_nodes = 20_000 if quick else 250_000
    graphs = ["andorra", "monaco", f"synthetic-{synthetic_nodes // 1000}k"]
    figures: list[dict] = []
    for graph in graphs:
        started = time.perf_counter()
        net = load_graph(graph, synthetic_nodes)
        load_s = time.perf_counter() - started
        figures.append(
            figure(
                NAME,
                graph,
                "-",
                "network_load",
                "s",
                load_s,
                n=net.node_count,
                notes=f"{net.node_count:,} nodes, {net.arc_count:,} arcs; "
                + ("generated" if graph.startswith("synthetic") else "load_or_build (cached)"),
            )
        )
        figures.extend(_graph_figures(graph, net, quick=quick, synthetic_nodes=synthetic_nodes))
        print(f"   {graph} done in {time.perf_counter() - started:,.1f} s", flush=True)
    return figures


__all__ = ["NAME", "build_engine", "disc_arcs", "load_graph", "run"]
