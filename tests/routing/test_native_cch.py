"""routing._cch, Baotong's binding of RoutingKit's CCH: answers against networkx on seeded random graphs,
the partial update against a fresh customisation, and its refusals (bad ids, updates under a live query,
a result read after its query ran again)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from routing import _cch
from routing.ordering import degree_order

INF = 2_147_483_647


def _graph(seed: int, n: int = 60, m: int = 200):
    rng = np.random.default_rng(seed)
    tail = rng.integers(0, n, m)
    head = rng.integers(0, n, m)
    keep = tail != head
    tail, head = tail[keep], head[keep]
    w = rng.integers(1, 50, tail.size)
    return n, tail, head, w


def _nx(n, tail, head, w):
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for t, h, c in zip(tail.tolist(), head.tolist(), w.tolist()):
        if c < INF and (not g.has_edge(t, h) or g[t][h]["w"] > c):
            g.add_edge(t, h, w=c)
    return g


def _build(n, tail, head, w):
    cch = _cch.CCH(degree_order(tail, head, n), tail, head, False)
    return cch, _cch.CCHMetric(cch, w)


@pytest.mark.parametrize("seed", range(5))
def test_distances_and_paths_equal_networkx(seed):
    n, tail, head, w = _graph(seed)
    _cch_, metric = _build(n, tail, head, w)
    g = _nx(n, tail, head, w)
    lengths = dict(nx.all_pairs_dijkstra_path_length(g, weight="w"))
    q = _cch.CCHQuery(metric)
    for s in range(0, n, 3):
        for t in range(0, n, 4):
            r = q.run(s, t)
            want = lengths[s].get(t)
            assert r.distance == want
            arcs = r.arc_path
            if want is None:
                assert arcs == []
            else:
                assert (arcs == [] and s == t) or (tail[arcs[0]] == s and head[arcs[-1]] == t)
                assert all(head[a] == tail[b] for a, b in zip(arcs, arcs[1:]))
                assert sum(int(w[a]) for a in arcs) == want
                assert list(r.arc_path_array) == arcs
            del r


@pytest.mark.parametrize("seed", range(5))
def test_multi_source_query_is_the_least_total_and_names_its_ends(seed):
    n, tail, head, w = _graph(seed)
    _c, metric = _build(n, tail, head, w)
    lengths = dict(nx.all_pairs_dijkstra_path_length(_nx(n, tail, head, w), weight="w"))
    rng = np.random.default_rng(seed + 100)
    q = _cch.CCHQuery(metric)
    for _ in range(40):
        src = [(int(a), int(b)) for a, b in zip(rng.integers(0, n, 2), rng.integers(0, 30, 2))]
        dst = [(int(a), int(b)) for a, b in zip(rng.integers(0, n, 2), rng.integers(0, 30, 2))]
        totals = [s0 + lengths[s][t] + t0 for s, s0 in src for t, t0 in dst if t in lengths[s]]
        r = q.run_multi(src, dst)
        assert r.distance == (min(totals) if totals else None)
        if totals:
            s, t = r.used_source, r.used_target
            assert min(c for x, c in src if x == s) + lengths[s][t] + min(c for x, c in dst if x == t) == r.distance
        del r


def test_partial_update_equals_a_fresh_customisation_and_matrix_calls_agree():
    n, tail, head, w = _graph(7, n=80, m=300)
    cch, metric = _build(n, tail, head, w)
    rng = np.random.default_rng(3)
    arcs = rng.choice(tail.size, 40, replace=False).astype(np.int64)
    new = w.copy()
    new[arcs[:20]] = INF
    new[arcs[20:]] = rng.integers(1, 200, 20)
    _cch.CCHMetricPartialUpdater(cch).apply_arrays(metric, arcs, new[arcs])
    fresh = _cch.CCHMetric(cch, new)
    assert np.array_equal(metric.weights, new)
    a, b = _cch.CCHQuery(metric), _cch.CCHQuery(fresh)
    lengths = dict(nx.all_pairs_dijkstra_path_length(_nx(n, tail, head, new), weight="w"))
    for s in range(n):
        for t in range(0, n, 5):
            ra, rb = a.run(s, t), b.run(s, t)
            assert ra.distance == rb.distance == lengths[s].get(t)
            del ra, rb
    del a, b
    targets = list(range(0, n, 7))
    rows = _cch.CCHOneToMany(metric, targets)
    cols = _cch.CCHManyToOne(metric, list(range(0, n, 3)))
    for s in range(0, n, 3):
        assert rows.distances_from(s) == [lengths[s].get(t) for t in targets]
    for t in targets:
        assert cols.distances_to(t) == [lengths[s].get(t) for s in range(0, n, 3)]
    forward, backward = fresh.customized()
    again = _cch.CCHMetric.from_customized(cch, new, forward, backward)
    q = _cch.CCHQuery(again)
    for s in range(0, n, 2):
        r = q.run(s, (s * 7) % n)
        assert r.distance == lengths[s].get((s * 7) % n)
        del r


def test_refusals():
    n, tail, head, w = _graph(1)
    cch, metric = _build(n, tail, head, w)
    with pytest.raises(ValueError, match="source node 999"):
        _cch.CCHQuery(metric).run(999, 0)
    with pytest.raises(ValueError, match="weights has 3 values"):
        _cch.CCHMetric(cch, [1, 2, 3])
    with pytest.raises(ValueError, match="out of range"):
        _cch.CCHMetricPartialUpdater(cch).apply_arrays(metric, [10**6], [1])
    with pytest.raises(ValueError, match="outside the order"):
        _cch.CCH([0, 1], [0], [5], False)
    q = _cch.CCHQuery(metric)
    first = q.run(0, 1)
    with pytest.raises(RuntimeError, match="while queries"):
        _cch.CCHMetricPartialUpdater(cch).apply_arrays(metric, [0], [1])
    with pytest.raises(RuntimeError, match="while queries"):
        metric.reset(w)
    q.run(1, 2)
    with pytest.raises(RuntimeError, match="run again"):
        _ = first.distance
    del first, q
    metric.reset(w)  # no query alive: allowed again


@pytest.mark.parametrize("seed", range(3))
def test_a_copied_metric_is_equal_and_independent(seed):
    n, tail, head, w = _graph(seed)
    cch, metric = _build(n, tail, head, w)
    copy = metric.copy()
    assert all(np.array_equal(a, b) for a, b in zip(metric.customized(), copy.customized()))
    changed = np.arange(0, tail.size, 7, dtype=np.uint32)
    _cch.CCHMetricPartialUpdater(cch).apply_arrays(copy, changed, np.full(changed.size, INF, dtype=np.uint32))
    w2 = w.copy()
    w2[changed] = INF
    fresh = _cch.CCHMetric(cch, w2)
    assert all(np.array_equal(a, b) for a, b in zip(fresh.customized(), copy.customized()))  # the copy changed
    untouched = _cch.CCHMetric(cch, w)
    assert all(np.array_equal(a, b) for a, b in zip(untouched.customized(), metric.customized()))  # not the original
    assert np.array_equal(copy.weights, w2) and np.array_equal(metric.weights, w)
    q = _cch.CCHQuery(metric)
    del metric  # the copy keeps nothing of the original alive
    assert _cch.CCHQuery(copy).run(0, 1).distance == _cch.CCHQuery(fresh).run(0, 1).distance
    del q


def _valid_path(tail, head, w, arcs, source, target) -> int:
    """The cost of ``arcs`` after checking that they chain from ``source`` to ``target``."""
    node = source
    for a in arcs:
        assert tail[a] == node
        node = head[a]
    assert node == target
    return int(sum(int(w[a]) for a in arcs))


@pytest.mark.parametrize("seed", range(4))
def test_a_query_unbound_and_bound_to_another_metric_answers_as_a_new_one(seed):
    n, tail, head, w = _graph(seed)
    cch, first = _build(n, tail, head, w)
    w2 = np.random.default_rng(seed + 7).integers(1, 90, tail.size)
    second = _cch.CCHMetric(cch, w2)
    lengths = [dict(nx.all_pairs_dijkstra_path_length(_nx(n, tail, head, x), weight="w")) for x in (w, w2)]
    q = _cch.CCHQuery(first)
    stale = q.run(0, 1)
    q.unbind()
    assert not q.bound
    with pytest.raises(RuntimeError, match="rebound"):
        _ = stale.distance
    with pytest.raises(RuntimeError, match="not bound"):
        q.run(0, 1)
    first.reset(w)  # an unbound query is no live query on the metric
    rng = np.random.default_rng(seed)
    for k in range(60):
        which = k % 2
        q.bind((first, second)[which])
        assert q.bound
        s, t = (int(x) for x in rng.integers(0, n, 2))
        r = q.run(s, t)
        assert r.distance == lengths[which][s].get(t)
        if r.distance is not None:
            assert _valid_path(tail, head, (w, w2)[which], r.arc_path, s, t) == r.distance
        del r
        q.unbind()
    other_cch, _other = _build(n, tail, head, w)
    with pytest.raises(ValueError, match="another hierarchy"):
        q.bind(_other)


@pytest.mark.parametrize("seed", range(3))
def test_query_matrix_equals_networkx_either_side_pinned(seed):
    n, tail, head, w = _graph(seed)
    _c, metric = _build(n, tail, head, w)
    lengths = dict(nx.all_pairs_dijkstra_path_length(_nx(n, tail, head, w), weight="w"))
    rng = np.random.default_rng(seed + 30)
    q = _cch.CCHQuery(metric)
    for ns, nt in ((3, 11), (11, 3), (5, 5), (1, 1)):
        src, dst = rng.integers(0, n, ns).tolist(), rng.integers(0, n, nt).tolist()
        q.run(int(src[0]), int(dst[-1]))  # the matrix starts from a query that ran
        m = q.matrix(src, dst)
        assert m.shape == (ns, nt) and m.dtype == np.uint32
        want = [[lengths[s].get(t, INF) for t in dst] for s in src]
        assert m.tolist() == want
        r = q.run(int(src[0]), int(dst[0]))  # and a query after it is exact again
        assert r.distance == lengths[src[0]].get(dst[0])
        del r
    assert q.matrix([], [1, 2]).shape == (0, 2)
    with pytest.raises(ValueError, match="target node 999"):
        q.matrix([0], [999])


@pytest.mark.parametrize("seed", range(4))
def test_route_exact_settles_near_ties_and_many_ends_in_one_search(seed):
    # weights 1..3 and costs with fractions near 0 and 1: the least total is often not the least rounded one
    n, tail, head, _w = _graph(seed + 40, n=40, m=150)
    w = np.random.default_rng(seed).integers(1, 4, tail.size)
    _c, metric = _build(n, tail, head, w)
    lengths = dict(nx.all_pairs_dijkstra_path_length(_nx(n, tail, head, w), weight="w"))
    rng = np.random.default_rng(seed + 90)
    q = _cch.CCHQuery(metric)
    t64, h64 = tail.astype(np.int64), head.astype(np.int64)
    for k in range(120):
        count = 20 if k % 3 == 0 else 2  # more than 16 ends takes the binding's map of repeated nodes
        fractions = rng.choice([0.01, 0.49, 0.5, 0.51, 0.99], size=2 * count)
        src = [(int(a), float(rng.integers(0, 3) + f)) for a, f in zip(rng.integers(0, n, count), fractions[:count])]
        dst = [(int(a), float(rng.integers(0, 3) + f)) for a, f in zip(rng.integers(0, n, count), fractions[count:])]
        src.append((src[0][0], src[0][1] / 2))  # a node given again, cheaper: its least cost counts
        totals = [s0 + lengths[s][t] + t0 for s, s0 in src for t, t0 in dst if t in lengths[s]]
        got = q.route_exact(src, dst, t64, h64, INF)
        if not totals:
            assert got is None
            continue
        total, cost, s_node, t_node, arcs = got
        assert total == pytest.approx(min(totals), abs=1e-9)
        assert _valid_path(tail, head, w, arcs.tolist(), s_node, t_node) == cost == lengths[s_node][t_node]
        packed = q.route_exact(src, dst, t64, h64, INF, False)  # the same search, the path left packed
        assert packed is not None and packed[:4] == got[:4] and packed[4].size == 0
        s0 = min(c for s, c in src if s == s_node)
        t0 = min(c for t, c in dst if t == t_node)
        assert s0 + cost + t0 == pytest.approx(total, abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_route_exact_is_the_least_fractional_total_with_a_valid_path(seed):
    n, tail, head, w = _graph(seed, n=50, m=170)
    _c, metric = _build(n, tail, head, w)
    lengths = dict(nx.all_pairs_dijkstra_path_length(_nx(n, tail, head, w), weight="w"))
    rng = np.random.default_rng(seed + 60)
    q = _cch.CCHQuery(metric)
    t64, h64 = tail.astype(np.int64), head.astype(np.int64)
    found_some = 0
    for k in range(150):
        # fractional costs, repeated nodes and (every fifth case) a node that is both a source and a target
        src = [(int(a), float(c)) for a, c in zip(rng.integers(0, n, 2), rng.uniform(0, 6, 2).round(2))]
        dst = [(int(a), float(c)) for a, c in zip(rng.integers(0, n, 2), rng.uniform(0, 6, 2).round(2))]
        if k % 5 == 0:
            dst[1] = (src[0][0], dst[1][1])
        if k % 7 == 0:
            src[1] = (src[0][0], src[1][1])
        totals = [s0 + lengths[s][t] + t0 for s, s0 in src for t, t0 in dst if t in lengths[s]]
        got = q.route_exact(src, dst, t64, h64, INF)
        if not totals:
            assert got is None
            continue
        found_some += 1
        total, cost, s_node, t_node, arcs = got
        assert total == pytest.approx(min(totals), abs=1e-9)
        assert _valid_path(tail, head, w, arcs.tolist(), s_node, t_node) == cost == lengths[s_node][t_node]
        assert any(
            s == s_node and t == t_node and s0 + cost + t0 == pytest.approx(total) for s, s0 in src for t, t0 in dst
        )
    assert found_some > 100
    with pytest.raises(ValueError, match="source cost -1"):
        q.route_exact([(0, -1.0)], [(1, 0.0)], t64, h64, INF)
    with pytest.raises(ValueError, match="target cost nan"):
        q.route_exact([(0, 0.0)], [(1, float("nan"))], t64, h64, INF)
    assert q.route_exact([], [(1, 0.0)], t64, h64, INF) is None
    q.unbind()
    with pytest.raises(RuntimeError, match="not bound"):
        q.route_exact([(0, 0.0)], [(1, 0.0)], t64, h64, INF)
