"""Two Python bindings of RoutingKit's CCH side by side: ``routingkit-cch`` (the engine's) and ``pyroutingkit``.

Same graphs, same seeded queries, same run: node to node with the path, a
query from two sources to two targets with initial distances (what a route
between two snapped points asks; pyroutingkit has no such call, so it runs one
query per source and target pair, as the engine did before), a 200 x 200
distance matrix, a partial update of one zone's arcs (~1 % of the arcs in a
disc, forbidden), building the hierarchy from scratch (nested-dissection order
by inertial flow + contraction), building it from a cached order (routingkit-cch
has no topology save/load: the engine keeps the order as a ``.npy``;
pyroutingkit loads its saved topology), and the peak memory of a build.
Every answer of one binding is checked against the other's.

``pyroutingkit`` is a test extra (``pip install -e '.[test]'``); without it the
benchmark reports routingkit-cch alone.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import PEAK_MEMORY_NOTES, figure, peak_memory, percentile

NAME = "cch_bindings"
SEED = 20220503
INF = 2_147_483_647


def _have_pyroutingkit() -> bool:
    try:
        import pyroutingkit  # noqa: F401
    except ImportError:
        return False
    return True


# ----------------------------------------------------------------------------------
# builds (also run in the peak-memory subprocess)
# ----------------------------------------------------------------------------------
def _setup(graph: str, synthetic_nodes: int, binding: str):
    from bench.bench_engine import load_graph

    net = load_graph(graph, synthetic_nodes)
    net.base_weights  # noqa: B018 -- computed before the measured build
    return net, binding


def _build(state):
    net, binding = state
    return build(binding, net)


def build(binding: str, net, order: np.ndarray | None = None):
    """The hierarchy and a customised metric of the base weights: ``(topology, metric)``."""
    w = net.base_weights
    if binding == "routingkit-cch":
        import routingkit_cch as rk

        tail, head = net.tail.tolist(), net.head.tolist()
        if order is None:
            order = np.asarray(
                rk.compute_order_inertial(net.node_count, tail, head, net.node_lat.tolist(), net.node_lon.tolist())
            )
        cch = rk.CCH(np.asarray(order).tolist(), tail, head, False)
        return cch, rk.CCHMetric(cch, w.tolist())
    import pyroutingkit as prk

    topo = prk.CCHTopology()
    topo.build(
        net.tail.astype(np.uint32),
        net.head.astype(np.uint32),
        net.node_lat.astype(np.float32),
        net.node_lon.astype(np.float32),
        net.node_count,
    )
    metric = prk.CCHMetric(topo)
    metric.customize(w.astype(np.uint32))
    return topo, metric


# ----------------------------------------------------------------------------------
def _ms(samples: list[float], q: float = 50) -> float:
    return percentile(samples, q) * 1000


def _graph_figures(graph: str, net, *, quick: bool, synthetic_nodes: int) -> list[dict]:
    import routingkit_cch as rk

    prk_ok = _have_pyroutingkit()
    out: list[dict] = []
    size = f"{net.node_count:,} nodes / {net.arc_count:,} arcs"

    def add(binding: str, metric: str, unit: str, value: float, base: float | None, notes: str, n=None):
        out.append(
            figure(
                NAME,
                graph,
                binding,
                metric,
                unit,
                value,
                baseline=base,
                baseline_engine="pyroutingkit" if base is not None else "networkx",
                n=n,
                notes=f"{notes}; {size}",
            )
        )

    # -- build, and build from the cached order ------------------------------------------------
    started = time.perf_counter()
    cch, metric = build("routingkit-cch", net)
    rk_build = time.perf_counter() - started
    started = time.perf_counter()
    order = np.asarray(
        rk.compute_order_inertial(
            net.node_count, net.tail.tolist(), net.head.tolist(), net.node_lat.tolist(), net.node_lon.tolist()
        ),
        dtype=np.int64,
    )
    rk_order = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "order.npy"
        np.save(path, order)
        started = time.perf_counter()
        cached = np.load(path)
        cch, metric = build("routingkit-cch", net, cached)
        rk_cached = time.perf_counter() - started
        if prk_ok:
            started = time.perf_counter()
            topo, pmetric = build("pyroutingkit", net)
            prk_build = time.perf_counter() - started
            (Path(tmp) / "prk").mkdir()
            topo.save(str(Path(tmp) / "prk"))
            import pyroutingkit as prk

            started = time.perf_counter()
            loaded = prk.CCHTopology()
            loaded.load(str(Path(tmp) / "prk"))
            again = prk.CCHMetric(loaded)
            again.customize(net.base_weights.astype(np.uint32))
            prk_cached = time.perf_counter() - started
            del again, loaded
    add(
        "routingkit-cch",
        "build",
        "s",
        rk_build,
        prk_build if prk_ok else None,
        f"inertial-flow order ({rk_order:.2f} s of it alone) + contraction + customisation",
    )
    add(
        "routingkit-cch",
        "build_from_cached_order",
        "s",
        rk_cached,
        prk_cached if prk_ok else None,
        "order read from a .npy, contraction + customisation (pyroutingkit: topology load + customisation)",
    )
    if prk_ok:
        add("pyroutingkit", "build", "s", prk_build, None, "CCHTopology.build + customize")
        add("pyroutingkit", "build_from_cached_order", "s", prk_cached, None, "CCHTopology.load + customize")

    # -- peak memory ---------------------------------------------------------------------------
    mem = {
        b: peak_memory("bench.bench_cch_bindings:_setup", "bench.bench_cch_bindings:_build", graph, synthetic_nodes, b)
        for b in (["routingkit-cch"] + (["pyroutingkit"] if prk_ok else []))
    }
    add(
        "routingkit-cch",
        "build_peak_memory",
        "MB",
        mem["routingkit-cch"]["delta_mb"],
        mem["pyroutingkit"]["delta_mb"] if prk_ok else None,
        PEAK_MEMORY_NOTES,
    )
    if prk_ok:
        add("pyroutingkit", "build_peak_memory", "MB", mem["pyroutingkit"]["delta_mb"], None, PEAK_MEMORY_NOTES)

    # -- node to node with the path ----------------------------------------------------------------
    rng = np.random.default_rng(SEED)
    n_pairs = 200 if quick else 2000
    pairs = rng.integers(0, net.node_count, size=(n_pairs, 2)).tolist()
    query: Any = rk.CCHQuery(metric)  # dropped (None) before the partial updates below
    tail = net.tail

    def rk_route(s, t):
        r = query.run(s, t)
        d, arcs = r.distance, r.arc_path
        del r
        nodes = [s] + net.head[arcs].tolist() if arcs else [s]
        return d, nodes, arcs

    times: dict[str, list[float]] = {"routingkit-cch": [], "pyroutingkit": []}
    answers: dict[str, list] = {"routingkit-cch": [], "pyroutingkit": []}
    for s, t in pairs:
        started = time.perf_counter()
        d, nodes, arcs = rk_route(s, t)
        times["routingkit-cch"].append(time.perf_counter() - started)
        answers["routingkit-cch"].append((INF if d is None else d, list(arcs)))
        if prk_ok:
            started = time.perf_counter()
            c, nodes, arcs = pmetric.query(s, t)
            times["pyroutingkit"].append(time.perf_counter() - started)
            answers["pyroutingkit"].append((int(c), list(arcs)))
    if prk_ok and [c for c, _ in answers["routingkit-cch"]] != [c for c, _ in answers["pyroutingkit"]]:
        raise RuntimeError(f"node-to-node costs differ between the bindings on {graph}")
    for s, t in pairs[:100]:  # every path valid: chains from s to t, arc weights add up
        d, nodes, arcs = rk_route(s, t)
        w = net.base_weights
        if arcs and (
            nodes[0] != s
            or nodes[-1] != t
            or int(w[arcs].sum()) != d
            or not (tail[arcs[1:]] == net.head[arcs[:-1]]).all()
        ):
            raise RuntimeError(f"routingkit-cch path {s}->{t} on {graph} does not validate")
    for q in (50, 99):
        base = _ms(times["pyroutingkit"], q) if prk_ok else None
        add(
            "routingkit-cch",
            f"query_with_path_p{q}",
            "ms",
            _ms(times["routingkit-cch"], q),
            base,
            "CCHQuery.run, distance and arc path (nodes from the arcs' heads)",
            n=n_pairs,
        )
        if prk_ok:
            assert base is not None  # measured when the second binding is installed
            add(
                "pyroutingkit",
                f"query_with_path_p{q}",
                "ms",
                base,
                None,
                "CCHMetric.query (cost, nodes, arcs)",
                n=n_pairs,
            )

    # -- two sources, two targets, initial distances ---------------------------------------------
    reverse = net.reverse_arc
    two_way = np.flatnonzero(reverse >= 0)
    ends = []
    for _ in range(n_pairs):
        a, b = (int(v) for v in rng.choice(two_way, 2))
        f, g = float(rng.uniform(0.1, 0.9)), float(rng.uniform(0.1, 0.9))
        wa, wb = int(net.base_weights[a]), int(net.base_weights[b])
        ends.append(
            (
                [(int(net.head[a]), int((1 - f) * wa)), (int(net.tail[a]), int(f * wa))],
                [(int(net.tail[b]), int(g * wb)), (int(net.head[b]), int((1 - g) * wb))],
            )
        )
    multi: dict[str, list[float]] = {"routingkit-cch": [], "pyroutingkit": []}
    for src, dst in ends:
        started = time.perf_counter()
        r = query.run_multi(src, dst)
        got, arcs = r.distance, r.arc_path
        del r
        multi["routingkit-cch"].append(time.perf_counter() - started)
        if prk_ok:
            started = time.perf_counter()
            best = INF
            for s, s0 in src:
                for t, t0 in dst:
                    c, _, p_arcs = pmetric.query(s, t)
                    if c < INF and s0 + c + t0 < best:
                        best = s0 + c + t0
            multi["pyroutingkit"].append(time.perf_counter() - started)
            if (INF if got is None else got) != best:
                raise RuntimeError(f"two-by-two query on {graph}: {got} against {best} from four queries")
    add(
        "routingkit-cch",
        "two_by_two_query_p50",
        "ms",
        _ms(multi["routingkit-cch"]),
        _ms(multi["pyroutingkit"]) if prk_ok else None,
        "2 sources x 2 targets with integer initial distances, distance and arc path: one CCHQuery.run_multi "
        "(pyroutingkit: one query per pair, the cheapest kept)",
        n=n_pairs,
    )

    # -- 200 x 200 matrix ------------------------------------------------------------------------------
    side = 50 if quick else 200
    nodes = rng.choice(net.node_count, 2 * side, replace=False)
    src, dst = nodes[:side].tolist(), nodes[side:].tolist()
    reps = []
    for _ in range(3):
        started = time.perf_counter()
        one = rk.CCHOneToMany(metric, dst)
        m_rk = np.array([[INF if v is None else v for v in one.distances_from(s)] for s in src])
        del one
        reps.append(time.perf_counter() - started)
    rk_m = float(np.median(reps))
    if prk_ok:
        reps = []
        for _ in range(3):
            started = time.perf_counter()
            m_prk = np.asarray(
                pmetric.distances_many_to_many(np.array(src, dtype=np.uint32), np.array(dst, dtype=np.uint32))
            )
            reps.append(time.perf_counter() - started)
        prk_m = float(np.median(reps))
        if not np.array_equal(np.minimum(m_rk, INF), np.minimum(m_prk.astype(np.int64), INF)):
            raise RuntimeError(f"{side}x{side} matrices differ between the bindings on {graph}")
    add(
        "routingkit-cch",
        f"matrix_{side}x{side}",
        "s",
        rk_m,
        prk_m if prk_ok else None,
        "CCHOneToMany pinned to the targets, one distances_from per source; median of 3",
        n=side * side,
    )
    if prk_ok:
        add(
            "pyroutingkit",
            f"matrix_{side}x{side}",
            "s",
            prk_m,
            None,
            "distances_many_to_many; median of 3",
            n=side * side,
        )

    # -- partial update of a zone's arcs ----------------------------------------------------------------
    from bench.bench_engine import disc_arcs

    zones = [disc_arcs(net, np.random.default_rng(SEED + k)) for k in range(3)]
    query = None  # the binding wants no query object alive during updates
    upd = rk.CCHMetricPartialUpdater(cch)
    rk_t, prk_t = [], []
    for arcs in zones:
        started = time.perf_counter()
        upd.apply(metric, {int(a): INF for a in arcs})
        rk_t.append(time.perf_counter() - started)
        upd.apply(metric, {int(a): int(net.base_weights[a]) for a in arcs})
        if prk_ok:
            started = time.perf_counter()
            pmetric.update_weights(arcs.astype(np.uint32), np.full(arcs.size, INF, dtype=np.uint32))
            prk_t.append(time.perf_counter() - started)
            pmetric.update_weights(arcs.astype(np.uint32), net.base_weights[arcs].astype(np.uint32))
    note = f"forbid the {zones[0].size:,} arcs of a disc (~1 % of arcs); median of {len(zones)}"
    add(
        "routingkit-cch",
        "partial_update",
        "s",
        float(np.median(rk_t)),
        float(np.median(prk_t)) if prk_ok else None,
        f"CCHMetricPartialUpdater.apply; {note}",
    )
    if prk_ok:
        add("pyroutingkit", "partial_update", "s", float(np.median(prk_t)), None, f"update_weights; {note}")

    # -- does the native work let other Python threads run? ----------------------------------------------
    weights = net.base_weights.tolist()
    del upd  # thread-bound: the worker thread makes its own

    def partial_updates() -> None:
        updater = rk.CCHMetricPartialUpdater(cch)
        for arcs in zones:
            for ws in ([INF] * arcs.size, net.base_weights[arcs].tolist()):
                updater.apply(metric, dict(zip(arcs.tolist(), ws, strict=True)))

    pause_partial = _longest_pause(partial_updates)
    pause_full = _longest_pause(lambda: metric.reset(weights))
    pause_note = (
        "the longest gap between the ticks of a Python thread that sleeps 1 ms in a loop while another thread "
        f"runs CCHMetricPartialUpdater.apply (forbid and restore {len(zones)} discs); baseline: the same during "
        "CCHMetric.reset (a full customisation). A gap as long as the update means the call holds the GIL"
    )
    out.append(
        figure(
            NAME,
            graph,
            "routingkit-cch",
            "longest_pause_of_another_thread",
            "s",
            pause_partial,
            baseline=pause_full,
            baseline_engine="routingkit-cch CCHMetric.reset",
            notes=f"{pause_note}; {size}",
        )
    )

    # -- the engine's own binding (routing._cch) on the same order, the same updates ---------------------
    from routing import _cch

    own_cch = _cch.CCH(order, net.tail, net.head, False)
    own_metric = _cch.CCHMetric(own_cch, net.base_weights)
    own_t = []

    def own_updates() -> None:
        updater = _cch.CCHMetricPartialUpdater(own_cch)
        for arcs in zones:
            started = time.perf_counter()
            updater.apply_arrays(own_metric, arcs, np.full(arcs.size, INF))
            own_t.append(time.perf_counter() - started)
            updater.apply_arrays(own_metric, arcs, net.base_weights[arcs])

    pause_own = _longest_pause(own_updates)
    check = _cch.CCHQuery(own_metric)
    pairs = np.random.default_rng(SEED + 9).integers(0, net.node_count, size=(50, 2)).tolist()
    ref = rk.CCHQuery(metric)
    for s, t in pairs:  # the same distances as routingkit-cch's after the same updates
        own_r, ref_r = check.run(s, t), ref.run(s, t)
        if own_r.distance != ref_r.distance:
            raise RuntimeError(
                f"routing._cch and routingkit-cch disagree from {s} to {t}: {own_r.distance} vs {ref_r.distance}"
            )
        del own_r, ref_r
    del check, ref
    out.append(
        figure(
            NAME,
            graph,
            "routing._cch",
            "longest_pause_of_another_thread",
            "s",
            pause_own,
            baseline=pause_partial,
            baseline_engine="routingkit-cch CCHMetricPartialUpdater.apply",
            notes=f"the same measurement during routing._cch's CCHMetricPartialUpdater.apply_arrays (Baotong's binding, "
            f"routing/native/cch.cpp, same order, same updates); its partial update alone "
            f"{float(np.median(own_t)):.4f} s median of {len(own_t)}; distances equal to routingkit-cch's on 50 pairs; {size}",
        )
    )
    return out


def _longest_pause(work) -> float:
    """The longest gap (s) between the ticks of this thread, sleeping 1 ms per tick, while ``work`` runs in
    another thread: about the tick if ``work`` releases the GIL, as long as ``work`` if it holds it."""
    import threading

    finished = threading.Event()

    def run() -> None:
        try:
            work()
        finally:
            finished.set()

    worker = threading.Thread(target=run, name="bench-native-work")
    longest, last = 0.0, time.perf_counter()
    worker.start()
    while True:  # at least one tick, however short the work
        time.sleep(0.001)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
        if finished.is_set():
            break
    worker.join()
    return longest


def run(quick: bool = False) -> list[dict]:
    """Figures of both bindings on Andorra and the synthetic network (``quick``: fewer pairs, 20k nodes)."""
    from bench.bench_engine import load_graph

    synthetic_nodes = 20_000 if quick else 250_000
    figures: list[dict] = []
    for graph in ("andorra", f"synthetic-{synthetic_nodes // 1000}k"):
        net = load_graph(graph, synthetic_nodes)
        print(f"   {graph}: {net.node_count:,} nodes", flush=True)
        figures.extend(_graph_figures(graph, net, quick=quick, synthetic_nodes=synthetic_nodes))
    return figures


if __name__ == "__main__":
    from bench.common import print_figures

    print_figures(run())
