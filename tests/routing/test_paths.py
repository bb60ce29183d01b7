"""Snapped ends, driven parts, coordinates and legs (routing.paths), shared by Router and freight routing."""

from __future__ import annotations

import numpy as np
import pytest

from routing.engine import FORBIDDEN
from routing.freight.choice import time_within
from routing.paths import dedupe, path_parts, same_arc_cost, snap_ends, split_legs
from tests.routing.freight.support import at_x, tiny_line_router
from tests.routing.test_router import ends as reference_ends


def naivededupe(points: np.ndarray) -> list[list[float]]:
    out = [list(points[0])]
    for prev, p in zip(points[:-1], points[1:]):
        if np.any(np.abs(p - prev) > 1e-9):
            out.append(list(p))
    return out if len(out) > 1 else out + [list(out[0])]


def test_dedupe_drops_consecutive_repeats_only():
    pts = np.array([[1.0, 2.0], [1.0, 2.0], [1.0 + 1e-10, 2.0], [1.5, 2.0], [1.0, 2.0], [1.5, 2.5], [1.5, 2.5]])
    assert dedupe(pts).tolist() == naivededupe(pts) == [[1.0, 2.0], [1.5, 2.0], [1.0, 2.0], [1.5, 2.5]]
    assert dedupe(pts[:1]).tolist() == [[1.0, 2.0], [1.0, 2.0]]  # one point: twice, a valid line
    assert dedupe(pts[:3]).tolist() == [[1.0, 2.0], [1.0, 2.0]]
    assert dedupe(np.zeros((0, 2))).shape == (0, 2)
    assert dedupe(pts[3:5]).base is pts  # nothing repeats: a view, not a copy


def test_split_legs_coordinates_match_a_dedupe_of_each_leg():
    rng = np.random.default_rng(3)
    arcs = np.arange(12)
    points = rng.uniform(0, 1, (13, 2))
    points[4] = points[3]  # a repeat inside the origin leg
    points[6] = points[5]  # a repeat at the start of the transit leg
    main = np.zeros(12, dtype=bool)
    main[5:9] = True
    part_len = rng.uniform(1, 2, 12)
    part_time = rng.uniform(1, 2, 12)
    legs = split_legs(main, arcs, points, part_len, part_time)
    assert [(leg.kind, leg.arcs.tolist()) for leg in legs] == [
        ("origin", list(range(5))),
        ("transit", list(range(5, 9))),
        ("destination", list(range(9, 12))),
    ]
    for leg, (lo, hi) in zip(legs, [(0, 5), (5, 9), (9, 12)]):
        assert leg.coordinates.tolist() == dedupe(points[lo : hi + 1]).tolist() == naivededupe(points[lo : hi + 1])
        assert leg.length_m == pytest.approx(part_len[lo:hi].sum())
        assert leg.travel_time_s == pytest.approx(part_time[lo:hi].sum())
    # a leg whose points all coincide is still a two-point line
    same = np.repeat(points[:1], 13, axis=0)
    (only,) = split_legs(np.zeros(12, dtype=bool), arcs, same, part_len, part_time)
    assert only.coordinates.tolist() == [list(points[0]), list(points[0])]


def test_snap_ends_and_same_arc_cost_on_a_tiny_line():
    router = tiny_line_router()
    net = router.network
    x, _ = net.node_xy
    w = router.truck_weights.copy()
    o, d = router.snap(at_x(net, x[1] + 30)), router.snap(at_x(net, x[1] + 200))
    for snap in (o, d):
        for as_source in (True, False):
            got, ref = snap_ends(net, snap, w, as_source=as_source), reference_ends(net, snap, w, as_source=as_source)
            assert [n for n, _ in got] == [n for n, _ in ref]
            assert [c for _, c in got] == pytest.approx([float(c) for _, c in ref])
    # both on segment 1-2: the way along it costs the fraction between them, in the direction of travel
    assert o.arc == d.arc or o.arc == d.reverse_arc
    f_o = o.fraction if o.arc == d.arc else 1 - o.fraction
    assert same_arc_cost(o, d, w) == pytest.approx(abs(d.fraction - f_o) * w[d.arc])
    forward = d.arc if d.fraction >= f_o else d.reverse_arc
    w[forward] = FORBIDDEN  # that direction closed: no way along the segment, one end fewer each
    assert same_arc_cost(router.snap(at_x(net, x[1] + 30)), d, w) is None
    assert len(snap_ends(net, o, w, as_source=True)) == 1
    assert same_arc_cost(o, router.snap(at_x(net, x[3] - 30)), w) is None  # not on one segment


def test_a_point_at_a_node_leaves_and_arrives_by_the_node_even_on_a_closed_arc():
    router = tiny_line_router()
    net = router.network
    w = router.truck_weights.copy()
    o = router.snap(at_x(net, float(net.node_xy[0][1])))  # exactly at node 1
    at = int(net.tail[o.arc]) if o.fraction <= 0.0 else int(net.head[o.arc])
    assert o.fraction in (0.0, 1.0) and at == 1
    w[o.arc] = FORBIDDEN
    if o.reverse_arc >= 0:
        w[o.reverse_arc] = FORBIDDEN
    for as_source in (True, False):
        assert snap_ends(net, o, w, as_source=as_source) == [(1, 0.0)]


def test_parts_mirror_the_router_assembly():
    router = tiny_line_router()
    net = router.network
    x, _ = net.node_xy
    weights = router.truck_weights
    cases = [((x[0] + x[1]) / 2, x[3] - 30), (x[3] - 30, x[0] + 10), (x[1] + 10, x[1] + 90), (x[1] + 90, x[1] + 10)]
    for a_x, b_x in cases:
        o, d = router.snap(at_x(net, a_x)), router.snap(at_x(net, b_x))
        cost, path = router.route_between(o, d, weights)
        arcs, fracs = path_parts(net, o, d, path)
        plan = router.assemble(o, d, path, cost)
        assert arcs.tolist() == plan.arcs.tolist()
        assert float((fracs * net.length_m[arcs]).sum()) == pytest.approx(plan.length_m, rel=1e-12)
        assert float((fracs * weights[arcs]).sum()) == pytest.approx(cost, rel=1e-12)
        # the detour cap check of the penalty ladder: at the cost it fits, just below it does not
        fits, parts, time = time_within(net, [o, d], [(cost, path)], weights, cost * (1 + 1e-12))
        assert fits and parts[0][0].tolist() == arcs.tolist() and time == pytest.approx(cost, rel=1e-12)
        assert not time_within(net, [o, d], [(cost, path)], weights, cost * (1 - 1e-6))[0]
