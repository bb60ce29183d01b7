"""Shortest-path engines: tiny hand-built graphs, then the real extracts against networkx."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import shapely

from geo.errors import InvalidInputError
from routing.engine import (
    FORBIDDEN,
    FULL_CUSTOMIZE_ABOVE,
    MAX_ARC_WEIGHT,
    CCHEngine,
    NetworkxEngine,
    PathResult,
    ScipyEngine,
    check_weights,
    make_engine,
)

ENGINE_CLASSES = [CCHEngine, ScipyEngine, NetworkxEngine]

# A tiny network (arc id: tail -> head, weight):
#   0: 0->1 10   1: 1->0 10   2: 1->2 10   3: 2->1 10
#   4: 0->2 30   5: 0->2 15   (parallel arcs: 5 is cheaper)
#   6: 2->3 5    7: 3->0 40   (one-way streets)
#   8: 4->5 7    (an island: 4 and 5 are unreachable from 0..3)
TAIL = [0, 1, 1, 2, 0, 0, 2, 3, 4]
HEAD = [1, 0, 2, 1, 2, 2, 3, 0, 5]
WEIGHTS = [10, 10, 10, 10, 30, 15, 5, 40, 7]
NODES = 6
LON = [116.30, 116.31, 116.32, 116.33, 116.40, 116.41]
LAT = [39.90, 39.91, 39.90, 39.91, 39.95, 39.95]


def make(cls, weights=WEIGHTS, tail=TAIL, head=HEAD, nodes=NODES):
    return cls(np.array(tail), np.array(head), nodes, np.array(weights), lon=LON[:nodes], lat=LAT[:nodes])


@pytest.fixture(params=ENGINE_CLASSES, ids=lambda c: c.name)
def engine(request):
    return make(request.param)


# ----------------------------------------------------------------------------------
# Tiny graphs, every engine
# ----------------------------------------------------------------------------------
def test_shortest_path_and_validate(engine):
    found = engine.route(0, 2)
    assert found == PathResult(cost=15, nodes=[0, 2], arcs=[5])
    assert engine.validate_path(found, 0, 2)
    assert engine.distance(0, 1) == 10
    assert engine.route(1, 3) == PathResult(cost=15, nodes=[1, 2, 3], arcs=[2, 6])


def test_one_way_streets(engine):
    assert engine.route(2, 3).cost == 5
    back = engine.route(3, 2)  # 3->0->2: the one-way 2->3 may not be driven backwards
    assert back == PathResult(cost=55, nodes=[3, 0, 2], arcs=[7, 5])
    assert engine.validate_path(back, 3, 2)


def test_parallel_arcs_cheapest_wins_whatever_its_position(engine):
    assert engine.route(0, 2).arcs == [5]  # the second, cheaper of two parallel arcs
    engine.update([4], [12])  # now the first one is cheaper
    found = engine.route(0, 2)
    assert found == PathResult(cost=12, nodes=[0, 2], arcs=[4])
    assert engine.validate_path(found, 0, 2)
    engine.update([4, 5], [40, 40])  # both dearer than the way round
    assert engine.route(0, 2) == PathResult(cost=20, nodes=[0, 1, 2], arcs=[0, 2])


def test_unreachable_is_none(engine):
    assert engine.route(0, 4) is None
    assert engine.route(0, 5) is None
    assert engine.route(5, 4) is None
    assert engine.distance(2, 5) is None
    assert engine.route(4, 5).cost == 7


def test_source_equals_target_costs_zero(engine):
    for n in range(NODES):
        found = engine.route(n, n)
        assert found == PathResult(cost=0, nodes=[n], arcs=[])
        assert engine.validate_path(found, n, n)


def test_forbid_penalise_restore_take_effect_on_next_query(engine):
    engine.forbid([5])
    assert engine.route(0, 2) == PathResult(cost=20, nodes=[0, 1, 2], arcs=[0, 2])
    engine.forbid([0])
    assert engine.route(0, 2) == PathResult(cost=30, nodes=[0, 2], arcs=[4])
    engine.forbid([4])
    assert engine.route(0, 2) is None
    assert engine.route(0, 3) is None
    assert int(engine.weights[4]) == FORBIDDEN
    engine.restore([0])
    assert engine.route(0, 2).cost == 20
    engine.restore()
    assert engine.route(0, 2).cost == 15
    np.testing.assert_array_equal(engine.weights, WEIGHTS)
    engine.penalise([5], 2.0)  # 30: now the way round (20) is cheaper
    assert int(engine.weights[5]) == 30
    assert engine.route(0, 2).arcs == [0, 2]
    engine.penalise([5], 2.0)  # relative to the base weight, not compounding
    assert int(engine.weights[5]) == 30
    engine.penalise([5], 1.0)
    assert engine.route(0, 2).arcs == [5]
    engine.forbid([])  # an empty change is fine
    assert engine.route(0, 2).cost == 15


def test_set_weights_replaces_everything(engine):
    engine.set_weights([1] * len(WEIGHTS))
    assert engine.route(3, 2).cost == 2
    engine.set_weights(np.array(WEIGHTS, dtype=np.float64))  # integral floats are accepted
    assert engine.route(3, 2).cost == 55


def test_weights_are_read_only(engine):
    with pytest.raises(ValueError):
        engine.weights[0] = 1
    np.testing.assert_array_equal(engine.base_weights, WEIGHTS)


@pytest.mark.parametrize("bad", [-1, NODES, 10**9, "x", None, 1.5])
def test_out_of_range_node_ids_raise(engine, bad):
    with pytest.raises(InvalidInputError):
        engine.route(bad, 0)
    with pytest.raises(InvalidInputError):
        engine.route(0, bad)
    with pytest.raises(InvalidInputError):
        engine.matrix([0, bad], [1])
    with pytest.raises(InvalidInputError):
        engine.matrix([0], [bad])


@pytest.mark.parametrize("bad_arc", [-1, len(TAIL), 10**6])
def test_out_of_range_arc_ids_raise(engine, bad_arc):
    for change in (
        lambda: engine.forbid([bad_arc]),
        lambda: engine.penalise([bad_arc], 2),
        lambda: engine.restore([bad_arc]),
        lambda: engine.update([bad_arc], [3]),
    ):
        with pytest.raises(InvalidInputError):
            change()
    assert engine.route(0, 2).cost == 15  # nothing changed


@pytest.mark.parametrize(
    "bad",
    [-5, 0, MAX_ARC_WEIGHT + 1, 2.5, float("nan"), float("inf")],
    ids=["negative", "zero", "above-max", "non-integral", "nan", "inf"],
)
def test_bad_weights_raise(bad):
    weights = list(WEIGHTS)
    weights[3] = bad
    for cls in ENGINE_CLASSES:
        with pytest.raises(InvalidInputError, match="weight"):
            make(cls, weights=np.array(weights))
        e = make(cls)
        with pytest.raises(InvalidInputError):
            e.set_weights(np.array(weights))
        with pytest.raises(InvalidInputError):
            e.update([3], [bad])
        np.testing.assert_array_equal(e.weights, WEIGHTS)  # a refused change leaves the metric alone


def test_update_needs_one_weight_per_arc(engine):
    with pytest.raises(InvalidInputError):
        engine.update([1, 2], [3, 4, 5])
    engine.update([1, 2], [3, 4])
    engine.update([1, 2], 6)  # one weight for all
    assert engine.weights[1] == engine.weights[2] == 6


def test_check_weights_edges():
    np.testing.assert_array_equal(check_weights([1, MAX_ARC_WEIGHT, FORBIDDEN], 3), [1, MAX_ARC_WEIGHT, FORBIDDEN])
    with pytest.raises(InvalidInputError, match="shape"):
        check_weights([1, 2], 3)
    with pytest.raises(InvalidInputError, match="integers"):
        check_weights(np.array(["a", "b"]), 2)


@pytest.mark.parametrize("cls", ENGINE_CLASSES, ids=lambda c: c.name)
def test_bad_topology_raises(cls):
    with pytest.raises(InvalidInputError):
        cls(np.array([0, 1]), np.array([1]), 2, np.array([1, 1]))
    with pytest.raises(InvalidInputError):
        cls(np.array([0, 2]), np.array([1, 0]), 2, np.array([1, 1]))
    with pytest.raises(InvalidInputError):
        cls(np.array([0, -1]), np.array([1, 0]), 2, np.array([1, 1]))


def test_penalise_factor_must_be_at_least_one(engine):
    for factor in (0.5, -2, float("nan"), float("inf")):
        with pytest.raises(InvalidInputError, match="factor"):
            engine.penalise([5], factor)


def test_penalise_caps_at_max_weight(engine):
    engine.penalise([5], 1e12)
    assert int(engine.weights[5]) == MAX_ARC_WEIGHT
    assert engine.route(0, 2).arcs == [0, 2]


def test_matrix_with_inf_for_unreachable(engine):
    got = engine.matrix([0, 3, 4], [2, 3, 5, 0])
    expected = np.array(
        [
            [15, 20, np.inf, 0],
            [55, 0, np.inf, 40],
            [np.inf, np.inf, 7, np.inf],
        ]
    )
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)
    assert engine.matrix([], [1, 2]).shape == (0, 2)
    assert engine.matrix([1, 2], []).shape == (2, 0)
    engine.forbid([5, 4])
    np.testing.assert_array_equal(engine.matrix([0], [2]), [[20]])


def test_route_multi_adds_initial_costs(engine):
    total, path = engine.route_multi([(0, 3.0), (1, 1.0)], [(2, 0.5), (3, 0.0)])
    assert total == pytest.approx(11.5)
    assert path == PathResult(cost=10, nodes=[1, 2], arcs=[2])
    # a large initial cost moves the choice to the other source
    total, path = engine.route_multi([(0, 0.0), (1, 100.0)], [(2, 0.0)])
    assert (total, path.nodes) == (15, [0, 2])
    assert engine.route_multi([(4, 0.0)], [(0, 0.0), (2, 1.0)]) is None
    assert engine.route_multi([], [(0, 0.0)]) is None


def test_validate_path_rejects_wrong_paths(engine):
    good = engine.route(1, 3)
    assert engine.validate_path(good, 1, 3)
    assert not engine.validate_path(good, 0, 3)  # wrong start
    assert not engine.validate_path(good, 1, 2)  # wrong end
    assert not engine.validate_path(PathResult(16, good.nodes, good.arcs), 1, 3)  # wrong cost
    assert not engine.validate_path(PathResult(15, [1, 2, 3], [3, 6]), 1, 3)  # arc 3 runs 2->1
    assert not engine.validate_path(PathResult(15, [1, 2, 3], [2]), 1, 3)  # an arc missing
    assert not engine.validate_path(PathResult(0, [], []), 1, 1)
    engine.forbid([6])
    assert not engine.validate_path(good, 1, 3)  # uses a forbidden arc now


def test_make_engine_unknown_name():
    with pytest.raises(InvalidInputError, match="engine"):
        make_engine("dijkstra", None)


# ----------------------------------------------------------------------------------
# CCH specifics
# ----------------------------------------------------------------------------------
def test_cch_fork_shares_topology_with_own_weights():
    base = make(CCHEngine)
    fork = base.fork()
    assert fork.topology is base.topology
    fork.forbid([5])
    assert fork.route(0, 2).cost == 20
    assert base.route(0, 2).cost == 15
    other = base.fork(np.array(WEIGHTS) * 2)
    assert other.route(0, 2).cost == 30


def test_cch_change_is_made_on_a_copy_and_the_old_metric_answers_as_before():
    e = make(CCHEngine)
    before = e._live
    e.forbid([5])
    assert e._live is not before and before.weights[5] == WEIGHTS[5] and e._live.weights[5] == FORBIDDEN
    query = before.native.take_query()  # a query that began on the old metric finishes on it
    assert query.run(0, 2).distance == 15
    before.native.give_query(query)
    assert e.route(0, 2) == PathResult(cost=20, nodes=[0, 1, 2], arcs=[0, 2])
    e.penalise([0, 2], 3)
    e.restore([5])
    e.restore()
    assert e.route(0, 2).cost == 15
    live = e._live
    e.restore()  # no change: the same metric stays
    assert e._live is live


def test_cch_engines_of_equal_weights_share_one_metric_and_part_on_a_change():
    base = make(CCHEngine)
    fork = base.fork()
    assert fork._live is base._live  # a fork costs no metric until its weights differ
    fork.forbid([5])
    assert fork._live is not base._live and base._live.weights[5] == WEIGHTS[5]
    assert fork.route(0, 2).cost == 20 and base.route(0, 2).cost == 15
    other = base.fork(np.array(WEIGHTS) * 2)
    assert other._live is not base._live and other.route(0, 2).cost == 30
    other.set_weights(fork.weights)  # back at another engine's weights: that engine's metric
    assert other._live is fork._live and other.route(0, 2).cost == 20
    fork.restore()  # fork parts again; other keeps the metric it shares
    assert fork._live is base._live and other._live.weights[5] == FORBIDDEN and other.route(0, 2).cost == 20
    assert base.route(0, 2).cost == 15


def test_engines_sharing_a_metric_answer_from_many_threads_at_once():
    net_tail, net_head = np.array(TAIL * 40), np.array(HEAD * 40)  # the same shape forty times over
    offset = np.repeat(np.arange(40) * NODES, len(TAIL))
    tail, head = net_tail + offset, net_head + offset
    weights = np.tile(np.array(WEIGHTS), 40)
    base = CCHEngine(tail, head, 40 * NODES, weights)
    engines = [base, base.fork(), base.fork()]
    assert engines[1]._live is base._live is engines[2]._live
    errors: list[object] = []

    def work(k: int) -> None:
        rng = np.random.default_rng(k)
        for s in rng.integers(0, 40, 300).tolist():
            found = engines[k % 3].route(s * NODES, s * NODES + 2)
            if found is None or found.cost != 15:
                errors.append((k, s, found))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_check_weights_keeps_a_frozen_vector_and_copies_anything_writable():
    frozen = np.array(WEIGHTS, dtype=np.int64)
    frozen.flags.writeable = False
    assert check_weights(frozen, len(WEIGHTS)) is frozen
    writable = np.array(WEIGHTS, dtype=np.int64)
    assert check_weights(writable, len(WEIGHTS)) is not writable
    view = writable.view()  # read-only itself, but its owner can still write the values
    view.flags.writeable = False
    got = check_weights(view, len(WEIGHTS))
    assert got is not view and not np.shares_memory(got, writable)
    assert check_weights(frozen.astype(np.int32), len(WEIGHTS)).dtype == np.int64


def test_cch_topology_cache_is_saved_and_reused(tmp_path):
    first = CCHEngine(np.array(TAIL), np.array(HEAD), NODES, np.array(WEIGHTS), lon=LON, lat=LAT, topology_dir=tmp_path)
    assert (tmp_path / "cch").is_dir()
    again = CCHEngine(np.array(TAIL), np.array(HEAD), NODES, np.array(WEIGHTS), lon=LON, lat=LAT, topology_dir=tmp_path)
    for s in range(NODES):
        for t in range(NODES):
            assert again.route(s, t) == first.route(s, t)
    # a cache for another graph (different sizes) is not used
    tail, head = TAIL + [5], HEAD + [0]
    other = CCHEngine(
        np.array(tail), np.array(head), NODES, np.array(WEIGHTS + [3]), lon=LON, lat=LAT, topology_dir=tmp_path
    )
    assert other.route(5, 0) == PathResult(cost=3, nodes=[5, 0], arcs=[9])


def test_cch_without_coordinates_still_routes():
    e = CCHEngine(np.array(TAIL), np.array(HEAD), NODES, np.array(WEIGHTS))
    assert e.route(3, 2).cost == 55


def test_cch_concurrent_queries_and_changes_stay_consistent():
    """Queries racing with weight changes see either the old or the new metric, never a torn one."""
    e = make(CCHEngine)
    allowed = {15, 20}
    errors: list[object] = []
    stop = threading.Event()

    def query():
        while not stop.is_set():
            found = e.route(0, 2)
            if found is None or found.cost not in allowed or not found.nodes[0] == 0:
                errors.append(found)

    threads = [threading.Thread(target=query) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(300):
        if i % 2:
            e.forbid([5])
        else:
            e.restore()
    stop.set()
    for t in threads:
        t.join()
    assert errors == []


# ----------------------------------------------------------------------------------
# The synthetic benchmark graph (small): strongly connected, CCH == networkx
# ----------------------------------------------------------------------------------
def test_synthetic_graph_small_is_strongly_connected_and_cch_matches_networkx():
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from bench.synthetic import synthetic_network

    net = synthetic_network(2000, seed=7)
    assert net.node_count >= 2000
    n = net.node_count
    mat = coo_matrix((np.ones(net.arc_count), (net.tail, net.head)), shape=(n, n))
    assert connected_components(mat, directed=True, connection="strong")[0] == 1
    assert (net.length_m > 0).all() and (net.speed_kph > 0).all()
    again = synthetic_network(2000, seed=7)
    np.testing.assert_array_equal(again.tail, net.tail)  # seeded
    np.testing.assert_array_equal(again.node_lon, net.node_lon)

    cch = make_engine("cch", net)
    ref = make_engine("networkx", net)
    rng = np.random.default_rng(11)
    pairs = rng.integers(0, n, size=(200, 2))
    for s, t in pairs.tolist():
        a, b = cch.route(s, t), ref.route(s, t)
        assert a.cost == b.cost
        assert cch.validate_path(a, s, t)
    # more changes than FULL_CUSTOMIZE_ABOVE take the full re-customisation branch
    arcs = rng.choice(net.arc_count, size=FULL_CUSTOMIZE_ABOVE + 500, replace=False)
    cch.forbid(arcs)
    ref.forbid(arcs)
    for s, t in pairs[:100].tolist():
        a, b = cch.route(s, t), ref.route(s, t)
        assert (a is None) == (b is None)
        if a is not None:
            assert a.cost == b.cost and cch.validate_path(a, s, t)
    cch.restore()
    ref.restore()
    s, t = pairs[0].tolist()
    assert cch.route(s, t).cost == ref.route(s, t).cost


def test_cch_large_compact_change_uses_a_partial_update_and_stays_exact(monkeypatch):
    """A zone of > FULL_CUSTOMIZE_ABOVE arcs in one area takes the partial path; scattered arcs the full one."""
    from bench.synthetic import synthetic_network
    from routing import engine as engine_mod

    net = synthetic_network(15_000, seed=3)
    cch = make_engine("cch", net)
    ref = make_engine("scipy", net)  # exact, and quick to re-weight
    x, y = net.node_xy
    centre = int(np.argmin((x - np.median(x)) ** 2 + (y - np.median(y)) ** 2))
    d2 = (x[net.tail] - x[centre]) ** 2 + (y[net.tail] - y[centre]) ** 2
    disk = np.argsort(d2)[: FULL_CUSTOMIZE_ABOVE + 200]
    scattered = np.random.default_rng(4).choice(net.arc_count, size=disk.size, replace=False)
    assert disk.size <= engine_mod.PARTIAL_MAX_FRACTION * net.arc_count
    assert cch._is_compact(disk) and not cch._is_compact(scattered)
    assert cch.fork()._is_compact(disk)

    calls: list[tuple[str, int]] = []
    real_updated, real_native = engine_mod._Metric.updated, engine_mod._Native.__init__

    def updated(self, changed, target):  # a partial update of a copy of the live metric
        calls.append(("partial", changed.size))
        return real_updated(self, changed, target)

    def native(self, topology, weights):  # a metric of the new weights: saved or customised
        calls.append(("full", weights.size))
        real_native(self, topology, weights)

    monkeypatch.setattr(engine_mod._Metric, "updated", updated)
    monkeypatch.setattr(engine_mod._Native, "__init__", native)
    pairs = np.random.default_rng(5).integers(0, net.node_count, size=(60, 2)).tolist()

    def agree(arcs):
        ref.set_weights(cch.weights)
        np.testing.assert_array_equal(ref.weights[arcs], FORBIDDEN)
        for s, t in pairs:
            a, b = cch.route(s, t), ref.route(s, t)
            assert (a is None) == (b is None)
            if a is not None:
                assert a.cost == b.cost and cch.validate_path(a, s, t)

    cch.forbid(disk)  # one compact change: one partial update (of a copy), nothing in the background
    assert calls == [("partial", disk.size)]
    agree(disk)
    cch.restore()
    calls.clear()
    cch.forbid(scattered)  # as many scattered arcs: a metric of the new weights
    assert calls == [("full", net.arc_count)]
    agree(scattered)
    cch.restore()
    agree(np.array([], dtype=np.int64))


# ----------------------------------------------------------------------------------
# Real extracts: every engine agrees with networkx
# ----------------------------------------------------------------------------------
class RealEngines:
    def __init__(self, name, net, router):
        self.name = name
        self.net = net
        self.engines = {
            "cch": router.base_engine.fork(),  # shares the session's topology
            "scipy": make_engine("scipy", net),
            "networkx": make_engine("networkx", net),
        }
        rng = np.random.default_rng(20220501)
        self.pairs = rng.integers(0, net.node_count, size=(500, 2)).tolist()
        self.rng = rng

    def costs(self, name):
        e = self.engines[name]
        out = []
        for s, t in self.pairs:
            found = e.route(s, t)
            if found is not None:
                assert e.validate_path(found, s, t), (name, s, t)
                # the general check against the reference's weights too
                assert self.engines["networkx"].validate_path(found, s, t), (name, s, t)
            out.append(None if found is None else found.cost)
        return out

    def each(self, change):
        for e in self.engines.values():
            change(e)


@pytest.fixture(scope="module", params=["andorra", "monaco"])
def real(request):
    net = request.getfixturevalue(f"{request.param}_network")
    router = request.getfixturevalue(f"{request.param}_router")
    return RealEngines(request.param, net, router)


def _zone(net, centre: int, radius_m: float):
    """A WGS-84 disk of ``radius_m`` around a node, built in the network's projection."""
    x, y = net.node_xy
    disk = shapely.Point(float(x[centre]), float(y[centre])).buffer(radius_m)
    return net.projection.inverse_geom(disk)


def test_real_engines_agree_with_networkx_then_after_zone_changes(real):
    net = real.net
    ref = real.costs("networkx")
    assert sum(c is None for c in ref) == 0  # the kept network is strongly connected
    assert real.costs("cch") == ref
    assert real.costs("scipy") == ref

    # forbid a 600 m disk around a node on a main road, penalise 3x another disk far from it
    main = np.nonzero(np.isin(net.highway, ["trunk", "primary", "secondary"]))[0]
    rng = np.random.default_rng(5)
    centre = int(net.tail[rng.choice(main)])
    x, y = net.node_xy
    far = np.nonzero(np.hypot(x[net.tail[main]] - x[centre], y[net.tail[main]] - y[centre]) > 2500)[0]
    other = int(net.tail[main[rng.choice(far)]])
    forbidden = net.arcs_intersecting(_zone(net, centre, 600))
    penalised = np.setdiff1d(net.arcs_intersecting(_zone(net, other, 600)), forbidden)
    assert forbidden.size > 10 and penalised.size > 10
    rev = net.reverse_arc[forbidden]
    assert np.isin(rev[rev >= 0], forbidden).all()  # both directions of a segment
    try:
        real.each(lambda e: e.forbid(forbidden))
        real.each(lambda e: e.penalise(penalised, 3))
        for e in real.engines.values():
            np.testing.assert_array_equal(e.weights[forbidden], FORBIDDEN)
            np.testing.assert_array_equal(e.weights[penalised], net.base_weights[penalised] * 3)
        changed = real.costs("networkx")
        assert changed != ref  # the zones bite
        assert real.costs("cch") == changed
        assert real.costs("scipy") == changed
    finally:
        real.each(lambda e: e.restore())
    s, t = real.pairs[0]
    assert real.engines["cch"].route(s, t).cost == ref[0]


def test_real_matrix_matches_networkx(real):
    rng = np.random.default_rng(3)
    nodes = rng.choice(real.net.node_count, size=40, replace=False)
    src, dst = nodes[:20], nodes[20:]
    expected = real.engines["networkx"].matrix(src, dst)
    assert np.isfinite(expected).all()
    np.testing.assert_array_equal(real.engines["cch"].matrix(src, dst), expected)
    np.testing.assert_array_equal(real.engines["scipy"].matrix(src, dst), expected)
    # and the matrix agrees with single queries
    cch = real.engines["cch"]
    for i in range(0, 20, 5):
        assert expected[i, i] == cch.distance(int(src[i]), int(dst[i]))


# ----------------------------------------------------------------------------------
# Several sources and targets with initial costs: one query against the single queries
# ----------------------------------------------------------------------------------
def _check_multi(engine, reference, sources, targets) -> None:
    """``engine.route_multi`` equals the best of one ``reference.route`` per pair, with a valid path."""
    expected = None
    for s, s0 in sources:
        for t, t0 in targets:
            found = reference.route(s, t)
            if found is not None and (expected is None or s0 + found.cost + t0 < expected):
                expected = s0 + found.cost + t0
    got = engine.route_multi(sources, targets)
    dist = engine.distance_multi(sources, targets)
    # the cost-only search answers the same route as the one with the path: total, cost and ends
    with_path, cost_only = engine.route_multi_nodes(sources, targets), engine.cost_multi_nodes(sources, targets)
    assert (cost_only is None) == (with_path is None) and (cost_only is None or cost_only == with_path[:4])
    if expected is None:
        assert got is None and dist is None
        return
    total, path = got
    assert total == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert dist[0] == pytest.approx(expected, rel=1e-12, abs=1e-9)
    s, t = path.nodes[0], path.nodes[-1]
    assert engine.validate_path(path, s, t)
    s0 = min(c for n, c in sources if n == s)
    t0 = min(c for n, c in targets if n == t)
    assert s0 + path.cost + t0 == pytest.approx(total, rel=1e-12, abs=1e-9)
    # the pair distance_multi names achieves its total
    _, ds, dt = dist
    pair = reference.route(ds, dt)
    assert pair is not None and min(c for n, c in sources if n == ds) + pair.cost + min(
        c for n, c in targets if n == dt
    ) == pytest.approx(dist[0], rel=1e-12, abs=1e-9)


def _random_ends(rng, net, weights):
    """Up to two sources and two targets as a snapped point offers them: the two ends of a random arc
    (or one, on a one-way arc) with fractional, integral or zero initial costs."""
    out = []
    for _ in range(2):
        arc = int(rng.integers(net.arc_count))
        rev = int(net.reverse_arc[arc])
        kind = rng.integers(4)
        f = float(rng.uniform(0, 1)) if kind < 2 else float(rng.integers(0, 2))  # mid-arc or at an arc end
        wa = int(weights[arc])
        ends = [(int(net.head[arc]), (1 - f) * wa), (int(net.tail[arc]), f * wa)]
        if kind == 1:
            ends = [(n, float(np.floor(c))) for n, c in ends]  # integral initial costs
        out.append(ends if rev >= 0 else ends[:1])
    return out


@pytest.mark.parametrize("which", ["andorra", "monaco"])
def test_cch_multi_source_query_equals_the_single_queries(which, request):
    net = request.getfixturevalue(f"{which}_network")
    router = request.getfixturevalue(f"{which}_router")
    cch = router.base_engine.fork()
    rng = np.random.default_rng(20260601)
    w = net.base_weights
    for _ in range(2500):
        sources, targets = _random_ends(rng, net, w)
        _check_multi(cch, cch, sources, targets)
    # a source node that is also a target, and a pair of equal nodes with costs that tie
    n = int(rng.integers(net.node_count))
    _check_multi(cch, cch, [(n, 0.5), (int(net.head[0]), 0.25)], [(n, 0.25)])
    _check_multi(cch, cch, [(n, 0.0)], [(n, 0.0)])


@pytest.mark.parametrize("cls", ENGINE_CLASSES, ids=lambda c: c.name)
def test_multi_source_query_on_a_tiny_graph_every_engine(cls):
    engine, reference = make(cls), make(NetworkxEngine)
    rng = np.random.default_rng(3)
    for _ in range(300):
        k, m = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        sources = [(int(rng.integers(NODES)), float(rng.choice([0.0, 1.0, rng.uniform(0, 20)]))) for _ in range(k)]
        targets = [(int(rng.integers(NODES)), float(rng.choice([0.0, 2.0, rng.uniform(0, 20)]))) for _ in range(m)]
        _check_multi(engine, reference, sources, targets)


@pytest.mark.parametrize("cls", [ScipyEngine, NetworkxEngine], ids=lambda c: c.name)
def test_reference_engines_multi_source_query_on_monaco(cls, monaco_network):
    net = monaco_network
    engine, cch = make_engine(cls.name, net), make_engine("cch", net)
    rng = np.random.default_rng(11)
    for _ in range(40):
        sources, targets = _random_ends(rng, net, net.base_weights)
        _check_multi(engine, cch, sources, targets)


@pytest.mark.parametrize("bad", [[(0, -1.0)], [(0, float("nan"))], [(0, float("inf"))], [(99, 0.0)], [(0,)], [5]])
def test_multi_source_query_validates_its_ends(engine, bad):
    for call in (engine.route_multi, engine.distance_multi):
        with pytest.raises(InvalidInputError):
            call(bad, [(1, 0.0)])
        with pytest.raises(InvalidInputError):
            call([(1, 0.0)], bad)


def test_cch_queries_are_kept_unbound_and_reused_across_metrics():
    e = make(CCHEngine)
    pool = e.topology.queries
    assert e.route(0, 2) == PathResult(cost=15, nodes=[0, 2], arcs=[5])
    assert len(pool) == 1
    kept = pool._free[0]
    assert not kept.bound  # a kept query holds no metric: it blocks no update and keeps no old metric alive
    e.forbid([5])  # a new metric; the kept query serves it
    assert e.route(0, 2) == PathResult(cost=20, nodes=[0, 1, 2], arcs=[0, 2]) and pool._free == [kept]
    assert e.distance(0, 2) == 20 and e.distance_multi([(0, 0.5)], [(2, 0.0), (1, 2.0)]) == (12.5, 0, 1)
    assert e.matrix([0, 1], [2, 4]).tolist() == [[20.0, np.inf], [10.0, np.inf]] and pool._free == [kept]
    other = make(CCHEngine)  # another hierarchy has its own pool
    assert other.topology.queries is not pool and other.route(0, 2).cost == 15


def test_cch_query_pool_keeps_at_most_its_size_under_threads():
    e = make(CCHEngine)
    pool = e.topology.queries
    pool.keep = 2
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def work():
        try:
            start.wait()
            for _ in range(200):
                assert e.route(0, 2).cost == 15
                assert e.matrix([0], [2]).tolist() == [[15.0]]
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert 1 <= len(pool) <= 2 and not any(q.bound for q in pool._free)
