"""Station siting: optimality against brute force, feasibility errors, network costs on Andorra."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely

from geo.errors import InfeasibleError, InvalidInputError
from geo.zones import Zone
from routing import stations as st
from routing.engine import ScipyEngine
from routing.network import WEIGHT_UNIT_S


def random_cost(seed: int, n_cand: int = 7, n_dem: int = 12, inf_share: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cost = rng.uniform(10, 600, (n_cand, n_dem)).round(1)
    cost[rng.random(cost.shape) < inf_share] = np.inf
    return cost, rng.integers(1, 6, n_dem).astype(float)


def brute_p_median(cost, w, p, fixed=()):
    reach = np.isfinite(cost).any(axis=0)
    best = None
    for comb in itertools.combinations(range(cost.shape[0]), p):
        if not set(fixed) <= set(comb):
            continue
        value = float((w[reach] * cost[list(comb)][:, reach].min(axis=0)).sum())
        best = value if best is None else min(best, value)
    return best


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("p", [1, 2, 3])
def test_p_median_equals_brute_force(seed, p):
    cost, w = random_cost(seed)
    res = st.p_median(cost, p, weights=w)
    assert len(res.chosen) == p
    assert res.objective == pytest.approx(brute_p_median(cost, w, p), rel=1e-9)
    # the assignment is the nearest chosen site and its times add up to the objective
    for i, (a, t) in enumerate(zip(res.assignment, res.assigned_time_s)):
        assert a in res.chosen and t == cost[list(res.chosen), i].min()


def test_p_median_fixed_open_sites():
    cost, w = random_cost(11)
    res = st.p_median(cost, 3, weights=w, fixed=[4, 6])
    assert {4, 6} <= set(res.chosen)
    assert res.objective == pytest.approx(brute_p_median(cost, w, 3, fixed=(4, 6)), rel=1e-9)


def test_p_median_flags_unreachable_demand():
    cost, w = random_cost(3, inf_share=0.0)
    cost[:, 5] = np.inf
    res = st.p_median(cost, 2, weights=w)
    assert res.unserved == (5,) and res.assignment[5] == -1
    assert res.objective == pytest.approx(brute_p_median(cost, w, 2))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("p", [1, 2])
def test_mclp_equals_brute_force_and_coverage_rechecked(seed, p):
    cost, w = random_cost(seed)
    service = 150.0
    res = st.mclp(cost, p, service, weights=w)
    best = max(
        float(w[(cost[list(c)] <= service).any(axis=0)].sum()) for c in itertools.combinations(range(cost.shape[0]), p)
    )
    assert res.objective == pytest.approx(best)
    # every coverage claim re-checked against the matrix
    for i, cov in enumerate(res.covered):
        assert cov == bool((cost[list(res.chosen), i] <= service).any())


@pytest.mark.parametrize("seed", range(4))
def test_lscp_equals_brute_force(seed):
    cost, _ = random_cost(seed, inf_share=0.05)
    service = float(cost.min(axis=0).max())  # the tightest feasible service time
    res = st.lscp(cost, service)
    smallest = next(
        k
        for k in range(1, cost.shape[0] + 1)
        if any((cost[list(c)] <= service).any(axis=0).all() for c in itertools.combinations(range(cost.shape[0]), k))
    )
    assert len(res.chosen) == smallest == res.objective
    assert all((cost[list(res.chosen), i] <= service).any() for i in range(cost.shape[1]))


def test_feasibility_errors_name_the_numbers():
    cost, w = random_cost(1)
    with pytest.raises(InfeasibleError, match="`p` was 8 but only 7"):
        st.p_median(cost, 8, weights=w)
    with pytest.raises(InfeasibleError, match="3 existing sites are fixed open but `p` is 2"):
        st.p_median(cost, 2, weights=w, fixed=[0, 1, 2])
    cost[:, 4] = np.maximum(cost[:, 4], 900)
    cost[2, 4] = 700.0
    with pytest.raises(InfeasibleError, match=r"demand point 'd4' is 700 s away at best"):
        st.lscp(cost, 600, demand_ids=[f"d{i}" for i in range(cost.shape[1])])
    with pytest.raises(InvalidInputError, match="service_time_s"):
        st.mclp(cost, 1, -5, weights=w)
    with pytest.raises(InvalidInputError, match="model"):
        st.solve("k_means", cost, p=1)


# ----------------------------------------------------------------------------------
# Real streets
# ----------------------------------------------------------------------------------
CANDS = [(1.5218, 42.5063), (1.5340, 42.5080), (1.4910, 42.4630), (1.5800, 42.5350), (1.5150, 42.5450)]
DEMS = [
    (1.5230, 42.5100),
    (1.5300, 42.5070),
    (1.4950, 42.4700),
    (1.5700, 42.5300),
    (1.5120, 42.5400),
    (1.5330, 42.5560),
    (1.5010, 42.4990),
    (1.5450, 42.5120),
]


def test_matrix_matches_point_to_point_routes(andorra_router):
    r = andorra_router
    w = r.truck_weights
    snaps_o = [r.snap(list(p)) for p in CANDS]
    snaps_d = [r.snap(list(p)) for p in DEMS]
    with r.pool.using("truck", w) as engine:
        m = st.travel_time_matrix(
            engine,
            [st.snap_endpoint(r.network, s, w, as_source=True) for s in snaps_o],
            [st.snap_endpoint(r.network, s, w, as_source=False) for s in snaps_d],
            w,
        )
    for i, o in enumerate(snaps_o):
        for j, d in enumerate(snaps_d):
            cost, _ = r.route_between(o, d, w, slot="truck")
            assert m[i, j] == pytest.approx(cost * WEIGHT_UNIT_S, abs=1e-6)
    # node-to-node part against the scipy reference engine
    ref = ScipyEngine(r.network.tail, r.network.head, r.network.node_count, w)
    nodes = [int(r.network.head[s.arc]) for s in snaps_o]
    with r.pool.using("truck", w) as engine:
        np.testing.assert_allclose(engine.matrix(nodes, nodes), ref.matrix(nodes, nodes))


def test_plan_stations_on_andorra(andorra_router):
    r = andorra_router
    cands = [st.Candidate(id=f"c{i}", name=f"c{i}", lon=x, lat=y) for i, (x, y) in enumerate(CANDS)]
    cands.append(st.Candidate(id="far", name="far", lon=1.45, lat=42.9))  # outside the network
    dem = [st.Demand(id=f"d{i}", name=f"d{i}", lon=x, lat=y, weight=1 + i % 3) for i, (x, y) in enumerate(DEMS)]
    zone = Zone(id="z", name="Z", risk="sealed", geometry=shapely.box(1.515, 42.503, 1.525, 42.511))
    plan = st.plan_stations(r, cands, dem, model="mclp", p=2, service_time_s=400, zones=[zone])
    reasons = {e["id"]: e["reason"] for e in plan.excluded}
    assert "sealed" in reasons["c0"] and "off the truck network" in reasons["far"]
    ids = [c.id for c in plan.candidates]
    assert "c0" not in ids
    res = plan.result
    w = r.truck_weights
    for j in res.chosen:
        c = plan.candidates[j]
        assert not zone.geometry.contains(shapely.Point(c.lon, c.lat))
    for i, d in enumerate(plan.demand_snaps):
        a = res.assignment[i]
        if a < 0:
            continue
        # chosen sites are truck-reachable: the reported time is a real truck route
        cost, _ = r.route_between(plan.candidate_snaps[a], d, w, slot="truck")
        assert cost * WEIGHT_UNIT_S == pytest.approx(res.assigned_time_s[i], abs=1e-6)
        assert res.covered[i] == (res.assigned_time_s[i] <= 400)
    best = max(
        float(sum(dm.weight for k, dm in enumerate(dem) if (plan.cost[list(c), k] <= 400).any()))
        for c in itertools.combinations(range(len(plan.candidates)), 2)
    )
    assert res.objective == pytest.approx(best)


def test_osm_candidates_capped(shared_data):
    found = st.osm_candidates(shared_data / "andorra.osm.pbf", max_count=4)
    assert 1 <= len(found) <= 4 and all(c.source == "osm" for c in found)
    with pytest.raises(InvalidInputError, match=".pbf"):
        st.osm_candidates(shared_data / "shanghai-huangpu.osm")


@pytest.mark.parametrize("seed", range(3))
def test_near_far_rounds_stay_exact(seed):
    """More candidates than the first near set, and a start of one nearest: far variables force extra rounds."""
    cost, w = random_cost(seed, n_cand=12, n_dem=30, inf_share=0.0)
    import pulp

    chosen, rounds = st._p_median_near_far(cost, w, 3, [], pulp.PULP_CBC_CMD(msg=False), k0=1)
    assert rounds > 1
    value = float((w * cost[chosen].min(axis=0)).sum())
    assert value == pytest.approx(brute_p_median(cost, w, 3), rel=1e-9)
    res = st.p_median(cost, 3, weights=w, fixed=[5])
    assert 5 in res.chosen and res.objective == pytest.approx(brute_p_median(cost, w, 3, fixed=(5,)), rel=1e-9)
