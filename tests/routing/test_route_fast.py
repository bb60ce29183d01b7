"""The per-request path of ``Router.route`` against the pieces it replaces.

* the multi-source query (:meth:`CCHEngine.route_multi_nodes`) against the single queries from every
  source to every target, on thousands of seeded pairs of snapped points per network, including points
  on one-way arcs, both points on one arc in both orders and points at arc ends;
* snapping against the way it was done before (grid search through the list of tuples, numpy arrays
  for the snapped points and one projection call per coordinate);
* the compiled driven-parts kernel against its Python reading and against ``path_parts`` /
  ``drive_along`` / ``split_legs`` (its sums against numpy's to the last bit), and ``Router.plan``
  against ``route_between`` + ``assemble``.
"""

from __future__ import annotations

import numpy as np
import pytest

from routing import kernels
from routing.engine import FORBIDDEN, PathResult
from routing.network import RoadNetwork, Snap
from routing.paths import node_snap, same_arc_cost, snap_ends, split_legs
from routing.router import Router

SEED = 20261202
NETWORKS = ["monaco_network", "andorra_network"]


@pytest.fixture(scope="module", params=NETWORKS)
def router(request) -> Router:
    return Router(request.getfixturevalue(request.param), engine="cch")


def _snap_on(net: RoadNetwork, arc: int, f: float) -> Snap:
    """A snap ``f`` along ``arc`` (its snapped position interpolated in lon/lat: only the arc and
    fraction matter to the engine)."""
    t, h = int(net.tail[arc]), int(net.head[arc])
    lon = float(net.node_lon[t] + f * (net.node_lon[h] - net.node_lon[t]))
    lat = float(net.node_lat[t] + f * (net.node_lat[h] - net.node_lat[t]))
    return Snap(lon, lat, int(arc), int(net.reverse_arc[arc]), float(f), 0.0, lon, lat)


def _cases(net: RoadNetwork, rng: np.random.Generator, n: int) -> list[tuple[Snap, Snap]]:
    """Seeded pairs of snaps: random arcs and fractions, a share on one-way arcs, at arc ends
    (fraction 0 and 1) and on the same arc in both orders."""
    oneway = np.flatnonzero(net.reverse_arc < 0)
    assert oneway.size, "the network has one-way arcs"
    out = []
    for k in range(n):
        kind = k % 5
        pool = oneway if kind == 1 else None
        a, b = (int(rng.choice(pool)) if pool is not None else int(rng.integers(net.arc_count)) for _ in range(2))
        fa, fb = float(rng.uniform()), float(rng.uniform())
        if kind == 2:  # arc ends
            fa, fb = float(rng.integers(2)), float(rng.integers(2))
        if kind == 3:  # one arc, both orders
            b = a
        out.append((_snap_on(net, a, fa), _snap_on(net, b, fb)))
        if kind == 3:
            out.append((_snap_on(net, a, fb), _snap_on(net, a, fa)))
    return out


def _valid(net: RoadNetwork, w: np.ndarray, source: int, target: int, arcs: np.ndarray, cost: int) -> bool:
    if arcs.size == 0:
        return source == target and cost == 0
    return bool(
        net.tail[arcs[0]] == source
        and net.head[arcs[-1]] == target
        and (net.head[arcs[:-1]] == net.tail[arcs[1:]]).all()
        and (w[arcs] != FORBIDDEN).all()
        and int(w[arcs].sum()) == cost
    )


def test_multi_source_query_equals_the_single_queries(router):
    net = router.network
    w = router.truck_weights
    rng = np.random.default_rng(SEED)
    cases = _cases(net, rng, 2500)
    checked = found_some = 0
    with router.pool.using("truck", w) as engine:
        for o, d in cases:
            src, dst = snap_ends(net, o, w, as_source=True), snap_ends(net, d, w, as_source=False)
            single = [s0 + c + t0 for s, s0 in src for t, t0 in dst if (c := engine.distance(s, t)) is not None]
            got = engine.route_multi_nodes(src, dst)
            if not single:
                assert got is None
                continue
            assert got is not None
            total, cost, s, t, arcs = got
            assert total == pytest.approx(min(single), rel=1e-12, abs=1e-9)
            assert _valid(net, w, s, t, arcs, cost)
            # the total is the chosen ends' initial costs plus the path
            assert any(
                abs(s0 + cost + t0 - total) <= 1e-9 * max(1.0, total)
                for ss, s0 in src
                if ss == s
                for tt, t0 in dst
                if tt == t
            )
            # and it matches route_multi (the node list variant)
            total2, path = engine.route_multi(src, dst)
            assert total2 == total and path.arcs == arcs.tolist() and path.nodes[0] == s
            checked += 1
            found_some += arcs.size > 0
    assert checked > 2000 and found_some > 1000


def _old_snap_many(net: RoadNetwork, points) -> list[Snap]:
    """Snapping as it was done before (the reference): the list-of-tuples grid search, numpy arrays for
    the snapped points, one projection call per coordinate."""
    grid, _lines, arcs = net._segment_index()
    fwd = net.projection.forward
    xy = [(float(px), float(py)) for px, py in (fwd(lon, lat) for lon, lat in points)]
    nearest = grid.nearest_many(xy)
    seg = np.array([n[0] for n in nearest], dtype=np.int64)
    frac = np.array([n[2] for n in nearest], dtype=np.float64)
    found = arcs[seg]
    ax, ay, bx, by = grid.ends(seg)
    inv = net.projection.inverse
    snapped = [inv(float(v), float(u)) for v, u in zip(ax + frac * (bx - ax), ay + frac * (by - ay))]
    reverse = net.reverse_arc[found].tolist()
    return [
        Snap(float(p[0]), float(p[1]), a, r, f, n[1], float(s[0]), float(s[1]))
        for p, a, r, f, n, s in zip(points, found.tolist(), reverse, frac.tolist(), nearest, snapped)
    ]


@pytest.mark.parametrize("fixture", NETWORKS)
def test_snapping_equals_the_old_snapping(fixture, request):
    net = request.getfixturevalue(fixture)
    rng = np.random.default_rng(SEED + 1)
    left, bottom, right, top = net.bbox
    pts = [
        (float(rng.uniform(left, right)), float(rng.uniform(bottom, top))) for _ in range(3000)
    ]  # anywhere in the bbox: on roads, between them, far from them
    # and points right on nodes and arc midpoints (ties between segments)
    nodes = rng.integers(net.node_count, size=300)
    pts += [(float(net.node_lon[n]), float(net.node_lat[n])) for n in nodes.tolist()]
    arcs = rng.integers(net.arc_count, size=300)
    pts += [
        (
            float((net.node_lon[net.tail[a]] + net.node_lon[net.head[a]]) / 2),
            float((net.node_lat[net.tail[a]] + net.node_lat[net.head[a]]) / 2),
        )
        for a in arcs.tolist()
    ]
    for k in range(0, len(pts), 3):  # in groups of one to three, as routes ask
        group = pts[k : k + 1 + k % 3]
        assert net.snap_many(group, max_snap_m=1e9) == _old_snap_many(net, group)


def _reference_parts(net, o, d, path_arcs, s, t, main):
    """``path_parts`` / ``drive_along`` / ``split_legs`` on the same path (the numpy reading)."""
    from routing.paths import drive_along, route_steps

    nodes = [s, *net.head[path_arcs].tolist()] if path_arcs.size else [s]
    path = PathResult(0, nodes, path_arcs.tolist())
    drive = drive_along(net, o, d, path, 0.0)
    steps = route_steps(drive.points)
    legs = split_legs(main, drive.arcs, drive.points, drive.part_len(net), drive.part_time(net), steps=steps)
    return drive, steps, legs


def test_compiled_parts_equal_the_numpy_reading_and_the_python_kernel(router):
    net = router.network
    w = router.truck_weights
    main = router.main_road_mask
    rng = np.random.default_rng(SEED + 2)
    compared = 0
    with router.pool.using("truck", w) as engine:
        for o, d in _cases(net, rng, 600):
            got = engine.route_multi_nodes(snap_ends(net, o, w, as_source=True), snap_ends(net, d, w, as_source=False))
            if got is None:
                continue
            _total, _cost, s, t, path = got
            args = (
                path, s, t,
                o.arc, o.reverse_arc, o.fraction, o.snapped_lon, o.snapped_lat,
                d.arc, d.reverse_arc, d.fraction, d.snapped_lon, d.snapped_lat,
                net.tail, net.head, net.node_lon, net.node_lat, net.length_m, net.travel_time_s, main,
            )  # fmt: skip
            compiled = kernels.route_parts(*args)
            python = kernels.route_parts.py_func(*args)
            for a, b in zip(compiled, python):
                assert np.array_equal(a, b)
            ints, points, sums = compiled
            k = points.shape[0] - 1
            repeats, b0, b1 = ints[:3].tolist()
            arcs, nodes = ints[3 : 3 + k], ints[3 + k :]
            drive, ref_steps, ref_legs = _reference_parts(net, o, d, path, s, t, main)
            assert np.array_equal(arcs, drive.arcs) and np.array_equal(points, drive.points)
            assert nodes.tolist() == [s, *net.head[path].tolist()]
            if arcs.size:
                assert repeats == int((~ref_steps).sum())
                # the sums are numpy's to the last bit: the route's, then each leg's
                assert sums[0] == drive.part_len(net).sum() and sums[1] == drive.part_time(net).sum()
                bounds = {"origin": (0, b0, 2), "transit": (b0, b1, 4), "destination": (b1, arcs.size, 6)}
                assert [leg.kind for leg in ref_legs] == [k for k, (lo, hi, _) in bounds.items() if hi > lo]
                for leg in ref_legs:
                    lo, hi, slot = bounds[leg.kind]
                    assert np.array_equal(leg.arcs, arcs[lo:hi])
                    assert (sums[slot], sums[slot + 1]) == (leg.length_m, leg.travel_time_s)
            compared += 1
    assert compared > 400


def test_pairwise_sum_is_numpys_sum():
    rng = np.random.default_rng(SEED + 6)
    for _ in range(3000):
        n = int(rng.integers(0, 2500))
        a = rng.uniform(0, 1000, n) * rng.uniform(0, 1, n)
        assert kernels.pairwise_sum(a, 0, n) == a.sum()
        if n >= 2:  # np.add.reduceat over a range: its first value, then the rest added pairwise
            lo, hi = sorted(rng.choice(n, size=2, replace=False).tolist())
            assert a[lo] + kernels.pairwise_sum(a, lo + 1, hi - lo - 1) == np.add.reduceat(a, [lo, hi])[0]
            assert kernels.pairwise_sum(a, lo, hi - lo) == a[lo:hi].sum()


def _assert_plan_equals_route_between_then_assemble(router, cases) -> int:
    """Compare ``Router.plan`` with ``route_between`` + ``assemble`` on ``cases``; how many had a route."""
    w = router.truck_weights
    compared = 0
    for o, d in cases:
        try:
            expected = router.assemble(o, d, *reversed(router.route_between(o, d, w, slot="truck")))
        except Exception as err:  # no route: plan says so the same way
            with pytest.raises(type(err)):
                router.plan(o, d, w, slot="truck")
            continue
        got = router.plan(o, d, w, slot="truck")
        assert got.cost == expected.cost
        assert np.array_equal(got.arcs, expected.arcs)
        assert np.array_equal(got.coordinates, expected.coordinates)
        assert got.length_m == expected.length_m and got.travel_time_s == expected.travel_time_s
        assert got.nodes == expected.nodes
        assert [(leg.kind, leg.length_m, leg.travel_time_s) for leg in got.legs] == [
            (leg.kind, leg.length_m, leg.travel_time_s) for leg in expected.legs
        ]
        for a, b in zip(got.legs, expected.legs):
            assert np.array_equal(a.arcs, b.arcs) and np.array_equal(a.coordinates, b.coordinates)
        compared += 1
    return compared


def test_plan_equals_route_between_then_assemble(router):
    rng = np.random.default_rng(SEED + 3)
    assert _assert_plan_equals_route_between_then_assemble(router, _cases(router.network, rng, 400)) > 300


def test_plan_with_repeated_vertices_equals_route_between_then_assemble(router):
    """Points a hair from an arc's end (a part of non-zero length whose ends are one vertex to 1e-9
    degrees): the route's and the legs' coordinates drop the repeat as before."""
    net = router.network
    rng = np.random.default_rng(SEED + 7)
    cases = [
        (_snap_on(net, a, 1 - 1e-12), _snap_on(net, b, 1e-12))
        for a, b in rng.integers(net.arc_count, size=(150, 2)).tolist()
    ]
    assert _assert_plan_equals_route_between_then_assemble(router, cases) > 100
    w = router.truck_weights
    repeated = 0
    for o, d in cases:
        try:
            plan = router.plan(o, d, w, slot="truck")
        except Exception:
            continue
        repeated += len(plan.coordinates) < len(plan.arcs) + 1
    assert repeated > 50


def test_route_answers_equal_networkx_over_the_snapped_ends(monaco_network):
    from routing.engine import NetworkxEngine

    net = monaco_network
    router = Router(net, engine="cch")
    reference = NetworkxEngine(net.tail, net.head, net.node_count, router.truck_weights)
    w = router.truck_weights
    rng = np.random.default_rng(SEED + 4)
    left, bottom, right, top = net.bbox
    for _ in range(150):
        o = [float(rng.uniform(left, right)), float(rng.uniform(bottom, top))]
        d = [float(rng.uniform(left, right)), float(rng.uniform(bottom, top))]
        try:
            plan = router.route(o, d)
        except Exception:
            continue
        best = same_arc_cost(plan.origin, plan.destination, w)
        found = reference.route_multi(
            snap_ends(net, plan.origin, w, as_source=True), snap_ends(net, plan.destination, w, as_source=False)
        )
        if found is not None and (best is None or found[0] < best):
            best = found[0]
        assert best is not None
        assert plan.cost / 0.1 == pytest.approx(best, rel=1e-9)
        arcs = plan.arcs
        assert (net.head[arcs[:-1]] == net.tail[arcs[1:]]).all() and (w[arcs] != FORBIDDEN).all()


def test_node_snap_stops_route_at_junctions(monaco_network):
    """Stops exactly at arc ends (fraction 0 or 1) route from and to the junction itself."""
    net = monaco_network
    router = Router(net, engine="cch")
    w = router.truck_weights
    rng = np.random.default_rng(SEED + 5)
    for a, b in rng.integers(net.arc_count, size=(100, 2)).tolist():
        o = node_snap(net, int(net.head[a]), a, 1.0)
        d = node_snap(net, int(net.tail[b]), b, 0.0)
        try:
            plan = router.plan(o, d, w, slot="truck")
        except Exception:
            continue
        with router.pool.using("truck", w) as engine:
            direct = engine.distance(int(net.head[a]), int(net.tail[b]))
        assert direct is not None and plan.cost / 0.1 == pytest.approx(direct, rel=1e-12)
