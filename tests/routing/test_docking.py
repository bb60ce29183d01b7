"""Docking points of a zone on Andorra, checked with the networkx reference router."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely

from geo.errors import InfeasibleError, InvalidInputError
from geo.zones import Zone
from routing.docking import inside_nodes, plan_docking_points, zone_arcs
from routing.engine import FORBIDDEN, NetworkxEngine, ScipyEngine
from routing.network import WEIGHT_UNIT_S
from routing.stations import Demand

BOX = (1.515, 42.503, 1.525, 42.511)
INSIDE = [(1.5190, 42.5060), (1.5218, 42.5063), (1.5230, 42.5100), (1.5170, 42.5090), (1.5240, 42.5045)]
#: Encamp (north-east) and Sant Julia de Loria (south): the zone splits the valley road network in two
OUTSIDE = [(1.5800, 42.5350), (1.4910, 42.4630)]


@pytest.fixture(scope="module")
def zone():
    return Zone(id="z1", name="centre", risk="sealed", geometry=shapely.box(*BOX))


@pytest.fixture(scope="module")
def demand():
    return [Demand(id=f"d{i}", name=f"d{i}", lon=x, lat=y, weight=1 + i) for i, (x, y) in enumerate(INSIDE)]


@pytest.fixture(scope="module")
def plan(andorra_router, zone, demand):
    return plan_docking_points(andorra_router, zone, 2, demand=demand)


def test_docking_points_outside_and_reachable_without_entering(andorra_router, zone, plan):
    net = andorra_router.network
    inside = inside_nodes(net, zone.geometry)
    banned = zone_arcs(net, zone.geometry, inside)
    w = andorra_router.truck_weights.copy()
    w[banned] = FORBIDDEN
    ref = NetworkxEngine(net.tail, net.head, net.node_count, w)
    starts = [net.nearest_node(*p) for p in OUTSIDE]
    assert len(plan.points) == 2
    for p in plan.points:
        assert not zone.geometry.covers(shapely.Point(p.lon, p.lat))
        assert not inside[p.node]
        # the crossing arc goes from the docking point into the zone
        assert net.tail[p.arc] == p.node and inside[net.head[p.arc]]
        trips = [(ref.route(s, p.node), ref.route(p.node, s)) for s in starts]
        trips = [t for t in trips if t[0] is not None and t[1] is not None]
        assert trips, f"docking point {p.node} is reachable from no outside town without entering the zone"
        for path in trips[0]:
            assert ref.validate_path(path, path.nodes[0], path.nodes[-1])
            assert not inside[path.nodes].any() and not banned[path.arcs].any()


def test_choice_equals_brute_force_on_inside_times(andorra_router, zone, demand, plan):
    net = andorra_router.network
    r = andorra_router
    banned = zone_arcs(net, zone.geometry)
    w_in = r.truck_weights.copy()
    w_in[~banned] = FORBIDDEN
    ref = ScipyEngine(net.tail, net.head, net.node_count, w_in)
    cands = list(plan.candidate_nodes)
    snaps = [r.snap([d.lon, d.lat]) for d in demand]
    # time from each docking node to each demand point, entering the demand's segment at either end
    cost = np.full((len(cands), len(demand)), np.inf)
    for j, s in enumerate(snaps):
        ends = []
        if w_in[s.arc] != FORBIDDEN:
            ends.append((int(net.tail[s.arc]), s.fraction * w_in[s.arc]))
        if s.reverse_arc >= 0 and w_in[s.reverse_arc] != FORBIDDEN:
            ends.append((int(net.tail[s.reverse_arc]), (1 - s.fraction) * w_in[s.reverse_arc]))
        for node, off in ends:
            cost[:, j] = np.minimum(cost[:, j], ref.matrix(cands, [node])[:, 0] + off)
    cost *= WEIGHT_UNIT_S
    wts = np.array([d.weight for d in demand])
    reach = np.isfinite(cost).any(axis=0)
    best = min(
        float((wts[reach] * cost[list(c)][:, reach].min(axis=0)).sum())
        for c in itertools.combinations(range(len(cands)), 2)
    )
    assert plan.objective == pytest.approx(best, rel=1e-9)
    assert sum(len(p.served) for p in plan.points) == int(reach.sum())


def test_bad_k_and_empty_zone(andorra_router, zone, plan):
    with pytest.raises(InfeasibleError, match=f"only {plan.candidates} valid docking point"):
        plan_docking_points(andorra_router, zone, plan.candidates + 1)
    with pytest.raises(InvalidInputError, match="`k`"):
        plan_docking_points(andorra_router, zone, 0)
    empty = Zone(id="z0", name="lake", risk="sealed", geometry=shapely.box(1.4201, 42.4361, 1.4203, 42.4363))
    with pytest.raises(InfeasibleError, match="no road node"):
        plan_docking_points(andorra_router, empty, 1)


def test_without_demand_sites_road_nodes_stand_in(andorra_router, zone):
    p = plan_docking_points(andorra_router, zone, 1)
    assert "road node" in p.demand_source and len(p.points) == 1
