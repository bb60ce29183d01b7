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
