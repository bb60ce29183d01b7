"""Point-to-point truck routing between [lon, lat] points: geometry, lengths, one-ways, vehicle limits."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from geo.errors import InvalidInputError, NoRouteError, OffNetworkError
from routing.engine import FORBIDDEN, CCHEngine, NetworkxEngine
from routing.network import WEIGHT_UNIT_S, RoadNetwork, haversine_m
from routing.router import Router, Vehicle


# ----------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------
def point_on_arc(net: RoadNetwork, arc: int, fraction: float, offset_m: float = 0.0) -> list[float]:
    """``[lon, lat]`` at ``fraction`` along ``arc`` (and ``offset_m`` to its left)."""
    x, y = net.node_xy
    a = np.array([x[net.tail[arc]], y[net.tail[arc]]])
    b = np.array([x[net.head[arc]], y[net.head[arc]]])
    d = (b - a) / np.linalg.norm(b - a)
    p = a + fraction * (b - a) + offset_m * np.array([-d[1], d[0]])
    lon, lat = net.projection.inverse(p[0], p[1])
    return [float(lon), float(lat)]


def geometry_length_m(net: RoadNetwork, coordinates: list[list[float]]) -> float:
    c = np.asarray(coordinates)
    x, y = net.projection.forward(c[:, 0], c[:, 1])
    return float(np.hypot(np.diff(x), np.diff(y)).sum())


def check_plan(router: Router, plan) -> None:
    net = router.network
    arcs = plan.arcs.tolist()
    assert arcs
    for a, b in zip(arcs[:-1], arcs[1:]):
        assert net.head[a] == net.tail[b]  # the arcs chain
    assert plan.coordinates[0] == pytest.approx([plan.origin.snapped_lon, plan.origin.snapped_lat], abs=1e-9)
    assert plan.coordinates[-1] == pytest.approx([plan.destination.snapped_lon, plan.destination.snapped_lat], abs=1e-9)
    if plan.length_m > 1:
        assert plan.length_m == pytest.approx(geometry_length_m(net, plan.coordinates), rel=0.01)
    # time: the arcs in the middle are driven in full, the two ends in part
    middle = float(net.travel_time_s[arcs[1:-1]].sum()) if len(arcs) > 2 else 0.0
    assert middle - 1e-6 <= plan.travel_time_s <= middle + net.travel_time_s[[arcs[0], arcs[-1]]].sum() + 1e-6
    # the same fraction of each end arc for length and time
    parts = plan.length_m - (float(net.length_m[arcs[1:-1]].sum()) if len(arcs) > 2 else 0.0)
    assert parts >= -1e-6
    # the integer cost is the travel time up to the deci-second rounding of each arc
    assert abs(plan.cost - plan.travel_time_s) <= WEIGHT_UNIT_S * (len(arcs) + 1)
    # the legs partition the route
    assert [a for leg in plan.legs for a in leg.arcs.tolist()] == list(arcs)
    assert sum(leg.length_m for leg in plan.legs) == pytest.approx(plan.length_m)
    assert sum(leg.travel_time_s for leg in plan.legs) == pytest.approx(plan.travel_time_s)
    if plan.nodes:
        assert plan.nodes[0] == net.tail[arcs[0]] or plan.nodes[0] == net.head[arcs[0]]


def ends(net: RoadNetwork, snap, weights, *, as_source: bool):
    """``(node, initial_cost)`` ways out of (into) a snapped point, worked out independently of the router."""
    out = []
    a, f = snap.arc, snap.fraction
    r = int(net.reverse_arc[a])
    if weights[a] != FORBIDDEN:
        out.append((int(net.head[a]), (1 - f) * weights[a]) if as_source else (int(net.tail[a]), f * weights[a]))
    if r >= 0 and weights[r] != FORBIDDEN:
        out.append((int(net.tail[a]), f * weights[r]) if as_source else (int(net.head[a]), (1 - f) * weights[r]))
    return out


# ----------------------------------------------------------------------------------
# Real networks
# ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def andorra_reference(andorra_router):
    net = andorra_router.network
    return NetworkxEngine(net.tail, net.head, net.node_count, andorra_router.truck_weights)


def test_routes_between_points_on_andorra(andorra_router, andorra_reference):
    router, net = andorra_router, andorra_router.network
    rng = np.random.default_rng(42)
    long_arcs = np.nonzero(net.length_m > 60)[0]
    w = router.truck_weights
    for _ in range(15):
        oa, da = (int(a) for a in rng.choice(long_arcs, size=2, replace=False))
        origin = point_on_arc(net, oa, float(rng.uniform(0.2, 0.8)), offset_m=4.0)
        destination = point_on_arc(net, da, float(rng.uniform(0.2, 0.8)), offset_m=-4.0)
        plan = router.route(origin, destination)
        assert plan.origin.distance_m <= 4.01 and plan.destination.distance_m <= 4.01
        check_plan(router, plan)
        # optimal: no cheaper way exists between the snapped points (networkx over every end pair)
        best = andorra_reference.route_multi(
            ends(net, plan.origin, w, as_source=True), ends(net, plan.destination, w, as_source=False)
        )
        assert plan.cost == pytest.approx(best[0] * WEIGHT_UNIT_S, abs=1e-6) or plan.nodes == []
        assert plan.length_m > 0 and plan.travel_time_s > 0
        assert {leg.kind for leg in plan.legs} <= {"origin", "transit", "destination"}


def test_route_in_both_directions_on_monaco(monaco_router):
    router, net = monaco_router, monaco_router.network
    rng = np.random.default_rng(8)
    arcs = np.nonzero(net.length_m > 40)[0]
    for _ in range(8):
        oa, da = (int(a) for a in rng.choice(arcs, size=2, replace=False))
        o, d = point_on_arc(net, oa, 0.5), point_on_arc(net, da, 0.5)
        there, back = router.route(o, d), router.route(d, o)
        check_plan(router, there)
        check_plan(router, back)


def _two_way_arc(net, min_length_m=150.0) -> int:
    rev = net.reverse_arc
    ok = np.nonzero((rev >= 0) & (net.length_m > min_length_m) & ~net.hgv_no)[0]
    return int(ok[0])


def test_same_segment_routes_both_ways(andorra_router):
    router, net = andorra_router, andorra_router.network
    arc = _two_way_arc(net)
    rev = int(net.reverse_arc[arc])
    o, d = point_on_arc(net, arc, 0.2), point_on_arc(net, arc, 0.7)
    forward = router.route(o, d)
    check_plan(router, forward)
    assert forward.arcs in ([arc], [rev])
    assert forward.length_m == pytest.approx(0.5 * net.length_m[arc], rel=0.01)
    assert len(forward.coordinates) == 2
    assert forward.nodes == []
    backward = router.route(d, o)
    check_plan(router, backward)
    assert len(backward.arcs) == 1
    assert backward.length_m == pytest.approx(0.5 * net.length_m[arc], rel=0.01)
    # the direction of travel is right: the snapped arc's direction points from o to d
    first = backward.arcs[0]
    assert net.head[first] in (net.head[arc], net.tail[arc])
    same = router.route(o, o)
    assert same.length_m == pytest.approx(0.0, abs=0.01)
    assert len(same.coordinates) == 2


def test_one_way_streets_are_not_driven_backwards(monaco_router):
    router, net = monaco_router, monaco_router.network
    one_way = np.nonzero((net.reverse_arc < 0) & (net.length_m > 80) & ~np.isin(net.highway, ["motorway"]))[0]
    assert one_way.size > 0
    checked = 0
    for arc in one_way[:20].tolist():
        o, d = point_on_arc(net, arc, 0.8), point_on_arc(net, arc, 0.2)  # against the arrow
        snap_o, snap_d = router.snap(o), router.snap(d)
        if snap_o.arc != arc or snap_d.arc != arc:
            continue  # a coincident segment got the snap; not this test's subject
        plan = router.route(o, d)
        check_plan(router, plan)
        assert plan.arcs[0] == arc and plan.arcs[-1] == arc  # leave forwards, come back round
        assert plan.length_m > 0.6 * net.length_m[arc]
        with_arrow = router.route(d, o)
        assert with_arrow.arcs.tolist() == [arc]
        assert with_arrow.length_m == pytest.approx(0.6 * net.length_m[arc], rel=0.01)
        checked += 1
    assert checked >= 3


def test_off_network_and_bad_points(andorra_router):
    net = andorra_router.network
    left, bottom, right, top = net.bbox
    inside = point_on_arc(net, 10, 0.5)
    with pytest.raises(OffNetworkError, match="`origin`"):
        andorra_router.route([left - 0.2, bottom - 0.2], inside)
    with pytest.raises(OffNetworkError, match="`destination`"):
        andorra_router.route(inside, [right + 0.2, top + 0.2])
    for bad in ([1.5], "1.5,42.5", None, [float("nan"), 42.5], [1.5, 95.0], (1, 2, 3)):
        with pytest.raises(InvalidInputError):
            andorra_router.route(bad, inside)


# ----------------------------------------------------------------------------------
# Vehicle limits on tiny synthetic networks
# ----------------------------------------------------------------------------------
def tiny_network(nodes: list[tuple[float, float]], segments: list[dict]) -> RoadNetwork:
    """A two-way :class:`RoadNetwork` from ``(lon, lat)`` nodes and segment dicts ``{u, v, ...limits}``."""
    tail, head, seg_of = [], [], []
    for i, s in enumerate(segments):
        tail += [s["u"], s["v"]]
        head += [s["v"], s["u"]]
        seg_of += [i, i]
    tail, head, seg_of = np.array(tail), np.array(head), np.array(seg_of)
    lon = np.array([n[0] for n in nodes])
    lat = np.array([n[1] for n in nodes])
    m = tail.size

    def per_arc(key, default, dtype):
        return np.array([segments[i].get(key, default) for i in seg_of], dtype=dtype)

    return RoadNetwork(
        source="tiny",
        node_osm_id=np.arange(1, len(nodes) + 1, dtype=np.int64),
        node_lon=lon,
        node_lat=lat,
        tail=tail.astype(np.int64),
        head=head.astype(np.int64),
        length_m=haversine_m(lon[tail], lat[tail], lon[head], lat[head]),
        speed_kph=np.full(m, 40.0),
        highway=per_arc("highway", "tertiary", object),
        name=np.full(m, None, dtype=object),
        ref=np.full(m, None, dtype=object),
        grade=np.full(m, "township", dtype=object),
        osm_way_id=(100 + seg_of).astype(np.int64),
        oneway=np.zeros(m, dtype=bool),
        maxheight_m=per_arc("maxheight", np.nan, np.float64),
        maxweight_t=per_arc("maxweight", np.nan, np.float64),
        maxwidth_m=per_arc("maxwidth", np.nan, np.float64),
        hgv_no=per_arc("hgv_no", False, bool),
    )


LINE = [(113.200, 35.200), (113.203, 35.200), (113.206, 35.200), (113.209, 35.200)]


def line_router(**limits) -> Router:
    """0 - 1 - 2 - 3 in a line; the only way from 0 to 3 crosses segment 1-2, which has ``limits``."""
    net = tiny_network(LINE, [{"u": 0, "v": 1}, {"u": 1, "v": 2, **limits}, {"u": 2, "v": 3}])
    return Router(net, engine="cch")


ORIGIN = [113.2015, 35.2001]  # beside segment 0-1
DESTINATION = [113.2075, 35.1999]  # beside segment 2-3


def test_tiny_line_routes_without_limits():
    router = line_router()
    plan = router.route(ORIGIN, DESTINATION)
    check_plan(router, plan)
    # network lengths are great-circle (haversine), the check projects: the same within 0.5 %
    assert plan.length_m == pytest.approx(geometry_length_m(router.network, plan.coordinates), rel=5e-3)


@pytest.mark.parametrize(
    ("limits", "vehicle", "word"),
    [
        ({"maxheight": 3.0}, Vehicle(height_m=4.0), "maxheight"),
        ({"maxweight": 10.0}, Vehicle(weight_t=20.0), "maxweight"),
        ({"maxwidth": 2.2}, Vehicle(width_m=2.5), "maxwidth"),
        ({"hgv_no": True}, None, "hgv=no"),
        ({"hgv_no": True}, Vehicle(height_m=2.0), "hgv=no"),
    ],
)
def test_a_blocking_vehicle_limit_is_named(limits, vehicle, word):
    router = line_router(**limits)
    with pytest.raises(NoRouteError) as info:
        router.route(ORIGIN, DESTINATION, vehicle=vehicle)
    assert word in str(info.value)


@pytest.mark.parametrize(
    ("limits", "vehicle"),
    [
        ({"maxheight": 3.0}, Vehicle(height_m=2.8)),
        ({"maxheight": 3.0}, Vehicle(weight_t=40.0)),  # height not given: not checked
        ({"maxweight": 10.0}, Vehicle(weight_t=7.5)),
        ({"maxwidth": 2.2}, Vehicle(width_m=2.0)),
    ],
)
def test_a_vehicle_within_the_limits_passes(limits, vehicle):
    router = line_router(**limits)
    plan = router.route(ORIGIN, DESTINATION, vehicle=vehicle)
    check_plan(router, plan)


def test_a_tall_truck_detours_around_a_low_bridge():
    #   0 - 1 = 2 - 3   (1 = 2: a low bridge, 3.0 m)
    #       |   |
    #       4 - 5       (a longer way round)
    nodes = LINE + [(113.203, 35.198), (113.206, 35.198)]
    net = tiny_network(
        nodes,
        [
            {"u": 0, "v": 1},
            {"u": 1, "v": 2, "maxheight": 3.0},
            {"u": 2, "v": 3},
            {"u": 1, "v": 4},
            {"u": 4, "v": 5},
            {"u": 5, "v": 2},
        ],
    )
    router = Router(net, engine="cch")
    low = router.route(ORIGIN, DESTINATION, vehicle=Vehicle(height_m=2.5))
    tall = router.route(ORIGIN, DESTINATION, vehicle=Vehicle(height_m=4.0))
    check_plan(router, low)
    check_plan(router, tall)
    bridge = set(np.nonzero(~np.isnan(net.maxheight_m))[0].tolist())
    assert bridge & set(low.arcs)
    assert not bridge & set(tall.arcs)
    assert tall.length_m > low.length_m


def test_no_road_at_all_between_islands():
    nodes = LINE + [(113.220, 35.200), (113.223, 35.200)]
    net = tiny_network(nodes, [{"u": 0, "v": 1}, {"u": 1, "v": 2}, {"u": 2, "v": 3}, {"u": 4, "v": 5}])
    router = Router(net, engine="scipy")
    with pytest.raises(NoRouteError, match="no road route"):
        router.route(ORIGIN, [113.2215, 35.2001])


@pytest.mark.parametrize("bad", [{"height_m": -1.0}, {"weight_t": 0.0}, {"width_m": float("nan")}, {"height_m": 150.0}])
def test_vehicle_validation(bad):
    with pytest.raises(InvalidInputError, match="vehicle"):
        Vehicle(**bad)


@pytest.mark.parametrize("engine", ["cch", "scipy", "networkx"])
def test_every_engine_gives_the_same_route(engine):
    nodes = LINE + [(113.203, 35.198), (113.206, 35.198)]
    net = tiny_network(
        nodes,
        [
            {"u": 0, "v": 1},
            {"u": 1, "v": 2, "maxheight": 3.0},
            {"u": 2, "v": 3},
            {"u": 1, "v": 4},
            {"u": 4, "v": 5},
            {"u": 5, "v": 2},
        ],
    )
    reference = Router(net, engine="networkx").route(ORIGIN, DESTINATION, vehicle=Vehicle(height_m=4.0))
    plan = Router(net, engine=engine).route(ORIGIN, DESTINATION, vehicle=Vehicle(height_m=4.0))
    assert plan.arcs.tolist() == reference.arcs.tolist()
    assert math.isclose(plan.length_m, reference.length_m)


def test_metric_pool_syncs_weights_and_releases_its_lock():
    router = line_router()
    pool = router.pool
    w = router.truck_weights.copy()
    w[2] = FORBIDDEN  # one direction of segment 1-2
    with pool.using("t", w) as engine:
        assert np.array_equal(engine.weights, w)
        held = pool.get("t")[1]
        assert held.locked()
    assert not held.locked()
    # an error inside the block releases the metric too
    with pytest.raises(RuntimeError), pool.using("t", w):
        raise RuntimeError("boom")
    assert not held.locked()
    # a writeable array is compared every time: a change in place is seen
    w[2] = 5
    with pool.using("t", w) as engine:
        assert engine.weights[2] == 5
    # a read-only array is trusted by identity
    ro = w.copy()
    ro.flags.writeable = False
    with pool.using("t", ro) as engine:
        assert np.array_equal(engine.weights, ro)


def test_metric_pool_changes_hold_one_metric_per_slot_and_leave_no_thread_behind():
    router = line_router()
    pool = router.pool
    threads = threading.active_count()
    for slot, arc in (("a", 2), ("b", 3)):
        w = router.truck_weights.copy()
        w[arc] = FORBIDDEN
        with pool.using(slot, w):
            pass
    assert threading.active_count() == threads  # nothing catches up in the background any more
    for slot, arc in (("a", 2), ("b", 3)):
        engine = pool.get(slot)[0]
        assert isinstance(engine, CCHEngine)
        assert engine._live.weights[arc] == FORBIDDEN
        assert not hasattr(engine, "_spare")


@pytest.mark.parametrize("which", ["andorra", "monaco"])
def test_route_between_snapped_points_equals_the_best_single_query(which, request):
    """One multi-source query per route: the same cost as the best of one engine query per end pair (and
    the one-segment drive), with a valid path -- mid-arc, at arc ends, on one-way arcs, on the same arc."""
    from routing.paths import same_arc_cost, snap_ends

    router = request.getfixturevalue(f"{which}_router")
    net = router.network
    engine = router.base_engine.fork()
    w = router.truck_weights
    rng = np.random.default_rng(99)
    one_way = np.flatnonzero(net.reverse_arc < 0)
    cases = {"mid": 0, "end": 0, "one_way": 0, "same_arc": 0}
    for k in range(2000):
        arcs = [int(a) for a in rng.integers(net.arc_count, size=2)]
        if k % 4 == 1:
            arcs[0] = int(rng.choice(one_way))
        if k % 8 == 3:
            arcs[1] = arcs[0]
        fr = [float(v) for v in rng.uniform(0, 1, 2)]
        if k % 5 == 2:
            fr = [float(rng.integers(0, 2)), float(rng.integers(0, 2))]
        o, d = (router.snap(point_on_arc(net, a, f)) for a, f in zip(arcs, fr))
        cases["one_way"] += int(o.reverse_arc < 0)
        cases["same_arc"] += int(o.arc == d.arc)
        cases["end" if o.fraction in (0.0, 1.0) or d.fraction in (0.0, 1.0) else "mid"] += 1
        expected = same_arc_cost(o, d, w)
        for s, s0 in snap_ends(net, o, w, as_source=True):
            for t, t0 in snap_ends(net, d, w, as_source=False):
                found = engine.route(s, t)
                if found is not None and (expected is None or s0 + found.cost + t0 < expected):
                    expected = s0 + found.cost + t0
        cost, path = router.route_between(o, d, w)
        assert cost == pytest.approx(expected, rel=1e-12, abs=1e-9)
        if path is not None:
            assert engine.validate_path(path, path.nodes[0], path.nodes[-1])
            plan = router.assemble(o, d, path, cost)
            if plan.arcs.size:
                check_plan(router, plan)
    assert min(cases.values()) > 20, cases
