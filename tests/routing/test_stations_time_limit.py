"""Station siting under a time limit: the best plan found with its gap to a proven lower bound."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from geo.errors import InvalidInputError
from routing import stations as st


def problem(seed: int, n_cand: int, n_dem: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cand, dem = rng.uniform(0, 1, (n_cand, 2)), rng.uniform(0, 1, (n_dem, 2))
    cost = np.linalg.norm(cand[:, None, :] - dem[None, :, :], axis=2) * 3600
    return cost, rng.uniform(0.5, 2.0, n_dem)


def brute_force(cost: np.ndarray, w: np.ndarray, p: int) -> float:
    return min(float((w * cost[list(c)].min(axis=0)).sum()) for c in itertools.combinations(range(len(cost)), p))


def test_a_reached_limit_answers_the_best_found_with_its_gap():
    cost, w = problem(5, 305, 1510)  # the size that ran for minutes without a limit
    res = st.p_median(cost, 5, weights=w, time_limit_s=0.001)
    assert res.search == "time_limit" and len(res.chosen) == 5
    assert res.bound is not None and 0 < res.bound < res.objective
    assert res.gap == pytest.approx((res.objective - res.bound) / res.objective) and 0 < res.gap < 1
    assert any("time limit of 0.001 s reached" in n for n in res.notes)
    # with more time the Lagrangian bound tightens and swaps improve the plan: never worse
    more = st.p_median(cost, 5, weights=w, time_limit_s=5)
    assert more.objective <= res.objective + 1e-6 and more.gap <= res.gap
    if more.search == "heuristic":  # it stopped early, and says why
        assert any("too large to solve within the time limit of 5 s" in n for n in more.notes)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_small_problems_under_a_limit_are_solved_to_optimality(seed):
    cost, w = problem(seed, 9, 40)
    optimum = brute_force(cost, w, 3)
    res = st.p_median(cost, 3, weights=w, time_limit_s=30)
    assert res.search == "optimal" and res.gap == 0.0
    assert res.objective == pytest.approx(optimum)
    assert st.p_median(cost, 3, weights=w).objective == pytest.approx(optimum)  # the exact model agrees


@pytest.mark.parametrize("seed", [4, 5, 6, 7])
def test_the_lagrangian_bound_never_exceeds_the_optimum(seed):
    cost, w = problem(seed, 10, 60)
    optimum = brute_force(cost, w, 2)
    bound = st._lagrangian_bound(cost, w, 2, [], upper=optimum * 1.2, deadline=None)
    assert bound <= optimum * (1 + 1e-9)
    assert bound >= 0.8 * optimum  # and it is a useful bound, not the trivial one


def test_fixed_sites_stay_open_under_a_limit():
    cost, w = problem(8, 30, 200)
    res = st.p_median(cost, 4, weights=w, fixed=[3, 17], time_limit_s=0.001)
    assert {3, 17} <= set(res.chosen) and len(res.chosen) == 4


def test_a_bad_time_limit_is_refused():
    cost, w = problem(9, 5, 10)
    for bad in (0, -1, float("nan")):
        with pytest.raises(InvalidInputError, match="time_limit_s"):
            st.p_median(cost, 2, weights=w, time_limit_s=bad)
