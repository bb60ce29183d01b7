"""The closed-loop route's fast paths answer exactly what the rule's building blocks answer step by step.

The reference here is the route choice written with the building blocks of
:mod:`routing.freight.choice` (one cost query per weight vector, the chosen
pairs' paths unpacked as :class:`~routing.engine.PathResult`, each ladder step
timed by :func:`time_within`), the drive assembled by :func:`concat`, its legs
split by :func:`routing.paths.split_legs` and its passages through zones found
by :func:`cut_crossings` (every part, partial parts cut with the polygons).
:func:`closed_loop_route` must give the same route bit for bit: choice, costs,
arcs, coordinates, legs and crossings.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo.errors import NoRouteError
from routing.freight import PENALTY_STEPS, closed_loop_route, compiled
from routing.freight.choice import avoid_apart, best, cheapest, concat, path_of, time_within
from routing.freight.crossings import cut_crossings, stop_zones, zone_crossings
from routing.freight.weights import INSIDE_FACTOR
from routing.paths import split_legs
from tests.routing.freight.support import NOW, disc_zone, od_pairs, random_zones


def reference_choice(router, w, stops, *, cap):
    """The rule with the building blocks: ``(choice, found, avoid_cost, penalty)``, ``found`` the chosen
    ``(cost, path)`` per pair (rule 3's steps unpacked as the bound allows, see ``penalty_ladder``)."""
    pairs = list(zip(stops[:-1], stops[1:]))
    try:
        avoid = [cheapest(router, a, b, w.avoid, w.slot("avoid")) for a, b in pairs]
        avoid_cost = sum(c for c, _ in avoid)
    except NoRouteError:
        avoid_cost = None
    if avoid_cost is not None and avoid_cost <= cap:
        return "avoid", [(c, path_of(router, w.avoid, w.slot("avoid"), ends)) for c, ends in avoid], avoid_cost, None
    costs = {}

    def cheapest_at(k):
        if k not in costs:
            costs[k] = [cheapest(router, a, b, w.with_penalty(k), w.penalty_slot(k)) for a, b in pairs]
        return costs[k]

    for i, k in enumerate(PENALTY_STEPS):
        lower = PENALTY_STEPS[i + 1] if i + 1 < len(PENALTY_STEPS) else None
        if i > 0 and lower is not None and not (w.capped(k) or w.capped(lower)):
            c_k, c_lo = sum(c for c, _ in cheapest_at(k)), sum(c for c, _ in cheapest_at(lower))
            if c_k - k * (c_k - c_lo) / (k - lower) > cap + 1e-6 * max(1.0, cap):
                continue
        weights, slot = w.with_penalty(k), w.penalty_slot(k)
        if k in costs:
            found = [(c, path_of(router, weights, slot, ends)) for c, ends in costs[k]]
        else:
            found = [best(router, a, b, weights, slot) for a, b in pairs]
            costs[k] = [(c, None) for c, _ in found]
        if time_within(router.network, stops, found, w.free, cap)[0]:
            return "min_inside", found, avoid_cost, k
    return "min_inside", [best(router, a, b, w.free, w.slot("free")) for a, b in pairs], avoid_cost, 0


def joined(legs) -> np.ndarray:
    """The legs' coordinates end to end (a leg's first point dropped where it repeats the last one's)."""
    rows = [leg.coordinates for leg in legs]
    out = [rows[0]] + [c[1:] if (c[0] == p[-1]).all() else c for p, c in zip(rows[:-1], rows[1:])]
    return np.concatenate(out)


def assert_same_crossings(got, want):
    assert [vars(c) for c in got] == [vars(c) for c in want]


@pytest.mark.parametrize(
    "which,seed,n_zones,ratio", [("andorra", 5, 50, 1.3), ("andorra", 6, 50, 1.05), ("monaco", 8, 12, 1.3)]
)
def test_closed_loop_route_is_the_rule_step_by_step(which, seed, n_zones, ratio, request):
    router = request.getfixturevalue(f"{which}_router")
    net = router.network
    rng = np.random.default_rng(seed)
    zones = random_zones(net, rng, n_zones)
    index = router.freight_index
    zs = index.zone_set(zones)
    w = index.weights(zs, None, None)
    seen = {"free": 0, "avoid": 0, "min_inside": 0}
    steps = set()
    # node-exact stops, and stops a few metres off a node (snapped part-way along an arc)
    points = [
        (o, d) if k % 2 else ([o[0] + 4e-5, o[1] - 3e-5], [d[0] - 3e-5, d[1] + 4e-5])
        for k, (o, d) in enumerate(od_pairs(net, rng, 240))
    ]
    for k, (o_pt, d_pt) in enumerate(points):
        waypoints = [points[(k + 1) % len(points)][0]] if k % 4 == 3 else []
        field_names = ["o", "d", *(f"w{i}" for i in range(len(waypoints)))]
        snaps = router.snap_many([o_pt, d_pt, *waypoints], field_names=field_names)
        if any(stop_zones(zs, snaps)):
            continue  # stops in zones are handed over: not this comparison
        try:
            route = closed_loop_route(
                router, o_pt, d_pt, zones=zones, waypoints=waypoints, departure=NOW, max_detour_ratio=ratio
            )
        except NoRouteError:
            continue
        stops = [snaps[0], *snaps[2:], snaps[1]]
        pairs = list(zip(stops[:-1], stops[1:]))
        free_cost = sum(cheapest(router, a, b, w.free, w.slot("free"))[0] for a, b in pairs)
        assert route.costs["free"] == free_cost
        choice, found, avoid_cost, penalty = reference_choice(router, w, stops, cap=ratio * free_cost * (1 + 1e-12))
        if choice == "avoid" and abs(avoid_cost - free_cost) <= 1e-6 * max(1.0, free_cost):
            choice = "free"
        assert (route.choice, route.costs["avoid"], route.costs["penalty"]) == (choice, avoid_cost, penalty)
        seen[choice] += 1
        steps.add(penalty)
        drive = concat(net, stops, found)
        assert np.array_equal(route.arcs, drive.arcs)
        assert route.costs["rule"] == float(drive.cost)
        assert route.costs["chosen"] == float((drive.fracs * w.free[drive.arcs]).sum())
        assert route.costs["inside"] == float((drive.fracs * zs.inside_ds[drive.arcs]).sum())
        legs = split_legs(router.main_road_mask, drive.arcs, drive.points, drive.part_len(net), drive.part_time(net))
        assert [(leg.kind, leg.length_m, leg.travel_time_s) for leg in route.legs] == [
            (leg.kind, leg.length_m, leg.travel_time_s) for leg in legs
        ]
        for got, want in zip(route.legs, legs):
            assert np.array_equal(got.arcs, want.arcs) and np.array_equal(got.coordinates, want.coordinates)
        assert np.array_equal(route.coordinates, joined(legs))
        assert route.truck_travel_time_s == float(drive.part_time(net).sum())
        assert_same_crossings(route.zones_crossed, cut_crossings(index, zs, drive))
    assert seen["min_inside"] > 0 and seen["free"] + seen["avoid"] > 0, seen
    if which == "andorra":
        assert len(steps - {INSIDE_FACTOR}) > 0, steps  # some routes took a lower step of the ladder


def test_crossing_runs_compiled_as_written_and_as_cut(andorra_router):
    """The compiled pass over a drive's parts, its Python reading and the general way agree, with zones
    apart and with overlapping zones (parts that meet two zones)."""
    router = andorra_router
    net = router.network
    rng = np.random.default_rng(41)
    index = router.freight_index
    apart = random_zones(net, rng, 30)
    nodes = rng.choice(net.node_count, 12, replace=False)
    overlapping = [
        disc_zone(net, int(n), r, zid=f"o{k}-{r}", risk=("sealed", "controlled", "precaution")[k % 3])
        for k, n in enumerate(nodes)
        for r in (250.0, 600.0)
    ]
    multi = 0
    for zones in (apart, overlapping):
        zs = index.zone_set(zones)
        w = index.weights(zs, None, None)
        az = zs.arc_zone
        for o_pt, d_pt in list(od_pairs(net, rng, 60)):
            stops = router.snap_many([o_pt, d_pt], field_names=["o", "d"])
            try:
                found = [best(router, *stops, w.free, w.slot("free"))]
            except NoRouteError:
                continue
            drive = concat(net, stops, found)
            args = (drive.arcs, drive.fracs, az.count, az.indptr, az.zone)
            fast = compiled.crossing_runs(*args)
            plain = compiled.crossing_runs.py_func(*args)
            assert fast[0] == plain[0] and all(np.array_equal(a, b) for a, b in zip(fast[1:], plain[1:]))
            assert_same_crossings(zone_crossings(index, zs, drive), cut_crossings(index, zs, drive))
            multi += int((az.count[drive.arcs] > 1).any())
            # every part taken whole: the compiled pass answers, and still as the general way does
            whole = concat(net, stops, found)
            whole.fracs[:] = 1.0
            assert compiled.crossing_runs(whole.arcs, whole.fracs, az.count, az.indptr, az.zone)[0] != compiled.PARTIAL
            assert_same_crossings(zone_crossings(index, zs, whole), cut_crossings(index, zs, whole))
    assert multi > 0  # the overlapping zones did put parts in two zones at once


def test_cover_grid_never_rules_out_a_covered_point(andorra_router):
    """A point a no-stop zone covers (inside, on its boundary, at its vertices and bounds' corners) is
    never ruled out by the zone set's grid; points far from every zone are."""
    router = andorra_router
    net = router.network
    rng = np.random.default_rng(43)
    zones = random_zones(net, rng, 40, risks=("sealed", "controlled", "precaution"))
    zs = router.freight_index.zone_set(zones)
    grid = zs.cover_grid
    assert grid is not None
    nostop = [z.geometry for z in zs.nostop]
    candidates = [shapely.get_coordinates(g.exterior) for g in nostop]
    candidates += [np.array([[b[0], b[1]], [b[2], b[3]], [b[0], b[3]], [b[2], b[1]]]) for b in shapely.bounds(nostop)]
    left, bottom, right, top = net.bbox
    candidates.append(np.column_stack([rng.uniform(left, right, 4000), rng.uniform(bottom, top, 4000)]))
    pts = np.concatenate(candidates)
    covered = np.zeros(len(pts), dtype=bool)
    hit = zs.tree_wgs.query(shapely.points(pts), predicate="covered_by")
    covered[hit[0]] = True
    may = np.array([grid.may_cover(lon, lat) for lon, lat in pts.tolist()])
    assert covered.sum() > 100
    assert not (covered & ~may).any()
    assert (~may).sum() > 1000  # the grid does rule points out


def test_avoid_apart_only_where_no_avoiding_route_exists(andorra_router):
    """Stops in different weak components of the avoiding arcs have no avoiding route (the cost query
    finds none); the check fires on real streets with many zones."""
    router = andorra_router
    net = router.network
    rng = np.random.default_rng(47)
    zones = random_zones(net, rng, 50)
    zs = router.freight_index.zone_set(zones)
    w = router.freight_index.weights(zs, None, None)
    apart = joined_pairs = 0
    for o_pt, d_pt in list(od_pairs(net, rng, 150)):
        a, b = router.snap_many([o_pt, d_pt], field_names=["o", "d"])
        try:
            cheapest(router, a, b, w.avoid, w.slot("avoid"))
            reachable = True
        except NoRouteError:
            reachable = False
        if avoid_apart(router, w, a, b):
            assert not reachable
            apart += 1
        joined_pairs += reachable
    assert apart > 0 and joined_pairs > 0, (apart, joined_pairs)
