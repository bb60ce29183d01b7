"""The route-choice rule (free / avoid within the cap / penalty ladder) against networkx."""

from __future__ import annotations

import numpy as np
import pytest

from routing.engine import FORBIDDEN, MAX_ARC_WEIGHT
from routing.freight import PENALTY_STEPS, closed_loop_route
from routing.freight.choice import best, cheapest, penalty_ladder, time_within
from routing.freight.crossings import stop_zones
from tests.routing.freight.support import (
    NOW,
    covers_any,
    footprint,
    graph,
    od_pairs,
    random_zones,
    reference_cost,
    reference_path_sums,
)


@pytest.mark.parametrize("which,seed,n_zones,pairs", [("andorra", 7, 12, 14), ("monaco", 11, 8, 14)])
def test_route_choice_matches_networkx(which, seed, n_zones, pairs, request):
    router = request.getfixturevalue(f"{which}_router")
    net = router.network
    rng = np.random.default_rng(seed)
    zones = random_zones(net, rng, n_zones)
    mask, inside = footprint(net, zones)
    free_w = router.vehicle_weights(None)
    avoid_w = free_w.copy()
    avoid_w[mask] = FORBIDDEN
    ok = free_w < FORBIDDEN
    G_free, G_avoid = graph(net, free_w), graph(net, avoid_w)
    seen = {"avoid_or_free": 0, "min_inside": 0}
    for o_pt, d_pt in od_pairs(net, rng, pairs * 3):
        if seen["avoid_or_free"] + seen["min_inside"] >= pairs:
            break
        o, d = router.snap(o_pt), router.snap(d_pt)
        if (
            covers_any(zones, *o_pt)
            or covers_any(zones, *d_pt)
            or covers_any(zones, o.snapped_lon, o.snapped_lat)
            or covers_any(zones, d.snapped_lon, d.snapped_lat)
        ):
            continue
        if o.arc in (d.arc, d.reverse_arc):
            continue
        route = closed_loop_route(router, o_pt, d_pt, zones=zones, departure=NOW)
        ref_free = reference_cost(net, G_free, free_w, o, d)
        assert ref_free == pytest.approx(route.costs["free"], rel=1e-9)
        ref_avoid = reference_cost(net, G_avoid, avoid_w, o, d)
        if ref_avoid is not None and ref_avoid <= 1.3 * ref_free:
            # (b) an avoiding route within the ratio exists: the answer avoids the zones, same time
            seen["avoid_or_free"] += 1
            assert route.choice in ("free", "avoid")
            assert not mask[route.arcs].any()
            assert route.costs["chosen"] == pytest.approx(ref_avoid, rel=1e-9)
            assert route.zones_crossed == [] or all(c.risk == "precaution" for c in route.zones_crossed)
        else:
            # (c) otherwise the truck passes through: the documented penalty ladder, checked against networkx.
            # The chosen K's route is optimal for T + K*I, fits the detour cap, and every larger K's
            # optimum (networkx) would break the cap.
            seen["min_inside"] += 1
            assert route.choice == "min_inside"
            cap = 1.3 * ref_free * (1 + 1e-9)
            k = route.costs["penalty"]
            assert route.costs["chosen"] <= cap
            if k:
                rule_k = free_w.copy()
                rule_k[ok] = np.minimum(free_w[ok] + k * inside[ok], MAX_ARC_WEIGHT)
                ref = reference_path_sums(net, rule_k, o, d, [])
                assert route.costs["rule"] == pytest.approx(ref[0], rel=1e-9)
            for bigger in [s for s in PENALTY_STEPS if s > (k or 0)]:
                rule_b = free_w.copy()
                rule_b[ok] = np.minimum(free_w[ok] + bigger * inside[ok], MAX_ARC_WEIGHT)
                _, (t_b,) = reference_path_sums(net, rule_b, o, d, [free_w])
                assert t_b > 1.3 * ref_free * (1 - 1e-9), (bigger, t_b, ref_free)
            # passing through never takes longer inside than the fastest route does
            _, (free_inside,) = reference_path_sums(net, free_w, o, d, [inside])
            assert route.costs["inside"] <= free_inside + 1e-6
            assert "passes through" in route.explanation
    assert seen["avoid_or_free"] > 0 and seen["min_inside"] > 0, seen


def test_ladder_skips_only_steps_that_cannot_fit(andorra_router):
    """The penalty ladder's concavity bound skips unpacking steps, and never changes the answer: the same
    step, cost and time as unpacking and timing every step in turn."""
    router = andorra_router
    net = router.network
    rng = np.random.default_rng(29)
    zones = random_zones(net, rng, 50)
    index = router.freight_index
    zs = index.zone_set(zones)
    w = index.weights(zs, None, None)
    compared = skipped = 0
    for o_pt, d_pt in od_pairs(net, rng, 400):
        stops = router.snap_many([o_pt, d_pt], field_names=["o", "d"])
        if any(stop_zones(zs, stops)) or stops[0].arc in (stops[1].arc, stops[1].reverse_arc):
            continue
        free = cheapest(router, *stops, w.free, w.slot("free"))[0]
        for ratio in (1.02, 1.3):
            cap = ratio * free * (1 + 1e-12)
            naive = None
            for k in PENALTY_STEPS:  # every step unpacked and timed, in order
                found = [best(router, *stops, w.with_penalty(k), w.penalty_slot(k))]
                fits, _, time = time_within(net, stops, found, w.free, cap)
                if fits:
                    naive = (k, found[0][0], time)
                    break
            ladder = penalty_ladder(router, w, stops, cap)
            assert (None if ladder.found is None else (ladder.penalty, ladder.found[0][0], ladder.time)) == naive
            tried = PENALTY_STEPS.index(ladder.penalty) + 1 if ladder.penalty else len(PENALTY_STEPS)
            assert set(ladder.unpacked) <= set(PENALTY_STEPS[:tried])
            assert ladder.unpacked[:1] == PENALTY_STEPS[:1]  # the first step is always unpacked
            skipped += tried - len(ladder.unpacked)
            compared += 1
    assert compared >= 200
    assert skipped > 0  # the bound does fire on real streets
