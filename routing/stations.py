"""Transfer-station siting (中转站): p-median, maximal covering and set covering.

Costs are network travel times in seconds from the engine's many-to-many
matrix under truck weights -- never straight-line distances.  A point snapped
mid-arc is reached through either end of its segment with the partial-arc
time added (both directions are kept as separate matrix rows/columns and the
minimum is taken), exactly as :meth:`routing.router.Router.route_between`
prices a query; two points on the same segment use the along-segment time.

Maximal covering and set covering are PySAL ``spopt`` (``MCLP``, ``LSCP``)
built with ``from_cost_matrix`` on that matrix (rows = demand, columns =
candidates, as spopt expects) and solved by PuLP/CBC.  The p-median is our
own exact PuLP model (near-far cost allocation, Church 2018): spopt's
``PMedian`` creates one variable and one opening constraint per
candidate-demand pair and took 486 s for 200 x 2,000 in ``bench_stations``;
the near-far model needs a few nearest candidates per demand point and proves
optimality.  Neither takes ``inf``: an unreachable pair gets a big-M cost
(:func:`big_m`) larger than any real cost (and than every service time), so
it is never chosen as an assignment and never counts as covered; a demand
point that no candidate reaches at all is left out of the p-median and
reported as unserved.  Fixed-open (existing) sites are forced open.  Feasibility is checked
before solving and every error names the constraint and its numbers.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from geo.errors import InfeasibleError, InvalidInputError
from geo.i18n import Text, format_duration, risk_zh
from routing.engine import FORBIDDEN
from routing.network import WEIGHT_UNIT_S, Snap

logger = logging.getLogger(__name__)

MODELS = ("p_median", "mclp", "lscp")
#: Largest problem accepted (candidates x demand points).
MAX_PAIRS = 2_000_000


# ----------------------------------------------------------------------------------
# Network travel-time matrices
# ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """A point on the network as ``(node, offset_s)`` options (a snapped point or a node)."""

    options: tuple[tuple[int, float], ...]
    snap: Snap | None = None


def node_endpoint(node: int) -> Endpoint:
    return Endpoint(options=((int(node), 0.0),))


def snap_endpoint(network, snap: Snap, weights: np.ndarray, *, as_source: bool) -> Endpoint:
    """Options to leave (``as_source``) or reach a snapped point: each end of its segment plus the partial-arc time."""
    a, r, f = snap.arc, snap.reverse_arc, snap.fraction
    opts: list[tuple[int, float]] = []
    if weights[a] != FORBIDDEN:
        opts.append(
            (int(network.head[a]), (1 - f) * weights[a]) if as_source else (int(network.tail[a]), f * weights[a])
        )
    if r >= 0 and weights[r] != FORBIDDEN:
        opts.append(
            (int(network.head[r]), f * weights[r]) if as_source else (int(network.tail[r]), (1 - f) * weights[r])
        )
    return Endpoint(options=tuple((n, float(c) * WEIGHT_UNIT_S) for n, c in opts), snap=snap)


def _same_arc_s(o: Snap, d: Snap, weights: np.ndarray) -> float | None:
    if o.arc != d.arc:
        return None
    best = None
    if weights[o.arc] != FORBIDDEN and d.fraction >= o.fraction:
        best = (d.fraction - o.fraction) * weights[o.arc]
    if o.reverse_arc >= 0 and weights[o.reverse_arc] != FORBIDDEN and o.fraction >= d.fraction:
        c = (o.fraction - d.fraction) * weights[o.reverse_arc]
        best = c if best is None else min(best, c)
    return None if best is None else float(best) * WEIGHT_UNIT_S


def travel_time_matrix(
    engine, sources: Sequence[Endpoint], targets: Sequence[Endpoint], weights: np.ndarray | None = None
) -> np.ndarray:
    """Travel time in seconds ``[len(sources), len(targets)]`` (``inf`` where unreachable).

    ``engine`` must carry ``weights`` live (e.g. a ``MetricPool.using`` block);
    ``weights`` is only needed for the same-segment case of two snapped points.
    """
    src_nodes, src_rows, src_off = [n for e in sources for n, _ in e.options], [], []
    for i, e in enumerate(sources):
        for _, c in e.options:
            src_rows.append(i)
            src_off.append(c)
    dst_nodes, dst_cols, dst_off = [n for e in targets for n, _ in e.options], [], []
    for j, e in enumerate(targets):
        for _, c in e.options:
            dst_cols.append(j)
            dst_off.append(c)
    out = np.full((len(sources), len(targets)), np.inf)
    if src_nodes and dst_nodes:
        # unique nodes keep the native query small
        us, s_inv = np.unique(np.asarray(src_nodes), return_inverse=True)
        ut, t_inv = np.unique(np.asarray(dst_nodes), return_inverse=True)
        raw = engine.matrix(us.tolist(), ut.tolist()) * WEIGHT_UNIT_S  # [us, ut]
        full = raw[s_inv][:, t_inv] + np.asarray(src_off)[:, None] + np.asarray(dst_off)[None, :]
        # min over the options of each source row, then of each target column
        rows = np.asarray(src_rows)
        cols = np.asarray(dst_cols)
        by_row = np.full((len(sources), full.shape[1]), np.inf)
        np.minimum.at(by_row, rows, full)
        out_t = np.full((len(targets), len(sources)), np.inf)
        np.minimum.at(out_t, cols, by_row.T)
        out = out_t.T.copy()
    if weights is not None:
        by_segment: dict[int, list[int]] = {}
        for j, t in enumerate(targets):
            if t.snap is not None:
                by_segment.setdefault(
                    min(t.snap.arc, t.snap.reverse_arc) if t.snap.reverse_arc >= 0 else t.snap.arc, []
                ).append(j)
        for i, s in enumerate(sources):
            if s.snap is None:
                continue
            key = min(s.snap.arc, s.snap.reverse_arc) if s.snap.reverse_arc >= 0 else s.snap.arc
            for j in by_segment.get(key, ()):
                t_snap = targets[j].snap
                assert t_snap is not None  # by_segment holds snapped targets only
                direct = _same_arc_s(s.snap, t_snap if t_snap.arc == s.snap.arc else _flip(t_snap), weights)
                if direct is not None and direct < out[i, j]:
                    out[i, j] = direct
    return out


def _flip(s: Snap) -> Snap:
    """The same point seen from the reverse arc of its segment."""
    return Snap(
        lon=s.lon,
        lat=s.lat,
        arc=s.reverse_arc,
        reverse_arc=s.arc,
        fraction=1 - s.fraction,
        distance_m=s.distance_m,
        snapped_lon=s.snapped_lon,
        snapped_lat=s.snapped_lat,
    )


# ----------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SitingResult:
    """A solved siting problem; indices refer to the cost matrix ``[candidates, demand]``."""

    model: str
    chosen: tuple[int, ...]
    #: for each demand point the candidate serving it (nearest chosen by travel time), or -1
    assignment: tuple[int, ...]
    #: travel time (s) from the assigned candidate, ``inf`` when unserved
    assigned_time_s: tuple[float, ...]
    objective: float
    objective_unit: str
    covered: tuple[bool, ...] = ()
    unserved: tuple[int, ...] = ()
    solve_s: float = 0.0
    status: str = "Optimal"
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: ``"optimal"``; ``"time_limit"``: the limit stopped the search; ``"heuristic"``: the exact model is too
    #: large for the limit.  Unless optimal, ``objective`` is the best found and ``gap`` says how good it is.
    search: str = "optimal"
    #: a proven bound on the objective (p-median: lower bound) and the relative gap to it (0 when optimal)
    bound: float | None = None
    gap: float | None = None
    time_limit_s: float | None = None


def big_m(cost: np.ndarray, service_time_s: float | None = None) -> float:
    """A cost larger than every finite cost (and the service time): the stand-in for ``inf`` in spopt."""
    finite = cost[np.isfinite(cost)]
    top = float(finite.max()) if finite.size else 1.0
    if service_time_s is not None:
        top = max(top, float(service_time_s))
    return 10.0 * top + 1e6


def _check_common(
    cost: np.ndarray, weights: np.ndarray | None, fixed: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim != 2 or cost.shape[0] == 0 or cost.shape[1] == 0:
        raise InvalidInputError(
            f"the cost matrix has shape {cost.shape}; expected [candidates >= 1, demand points >= 1]",
            zh=f"成本矩阵的形状为 {cost.shape}；应为 [候选点 >= 1, 需求点 >= 1]",
        )
    if cost.size > MAX_PAIRS:
        raise InvalidInputError(
            f"{cost.shape[0]} candidates x {cost.shape[1]} demand points = {cost.size:,} pairs; "
            f"the limit is {MAX_PAIRS:,}",
            zh=f"{cost.shape[0]} 个候选点 × {cost.shape[1]} 个需求点 = {cost.size:,} 对；上限为 {MAX_PAIRS:,} 对",
        )
    if np.any(np.isnan(cost)) or np.any(cost < 0):
        raise InvalidInputError(
            "the cost matrix holds NaN or negative travel times", zh="成本矩阵中有 NaN 或负的行驶时间"
        )
    w = np.ones(cost.shape[1]) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (cost.shape[1],) or np.any(~np.isfinite(w)) or np.any(w < 0):
        raise InvalidInputError(
            f"demand weights must be {cost.shape[1]} finite numbers >= 0",
            zh=f"需求权重必须是 {cost.shape[1]} 个不小于 0 的有限数",
        )
    fixed = sorted({int(f) for f in fixed})
    if fixed and (fixed[0] < 0 or fixed[-1] >= cost.shape[0]):
        raise InvalidInputError(
            f"fixed-open candidate indices {fixed} out of range 0..{cost.shape[0] - 1}",
            zh=f"固定开放的候选点下标 {fixed} 超出范围 0..{cost.shape[0] - 1}",
        )
    return cost, w, fixed


def _check_p(p: int, n_cand: int, fixed: list[int]) -> None:
    if not isinstance(p, int | np.integer) or p < 1:
        raise InvalidInputError(f"`p` was {p!r}; expected an integer >= 1", zh=f"`p` 为 {p!r}；应为不小于 1 的整数")
    if p > n_cand:
        raise InfeasibleError(
            f"`p` was {p} but only {n_cand} usable candidate site(s) remain; "
            f"lower p to at most {n_cand} or add candidates",
            zh=f"`p` 为 {p}，但只剩 {n_cand} 个可用的候选站点；请把 p 调低到至多 {n_cand}，或增加候选站点",
        )
    if len(fixed) > p:
        raise InfeasibleError(
            f"{len(fixed)} existing sites are fixed open but `p` is {p}; raise p to at least {len(fixed)}",
            zh=f"有 {len(fixed)} 个现有站点固定开放，但 `p` 为 {p}；请把 p 调高到至少 {len(fixed)}",
        )


def _check_service(service_time_s) -> float:
    if service_time_s is None or not np.isfinite(service_time_s) or service_time_s <= 0:
        raise InvalidInputError(
            f"`service_time_s` was {service_time_s!r}; expected a positive number of seconds",
            zh=f"`service_time_s` 为 {service_time_s!r}；应为正的秒数",
        )
    return float(service_time_s)


def _solver(solver):
    if solver is not None:
        return solver
    import pulp

    return pulp.PULP_CBC_CMD(msg=False)


def _predefined(n: int, fixed: list[int]) -> np.ndarray | None:
    if not fixed:
        return None
    arr = np.zeros(n, dtype=int)
    arr[fixed] = 1
    return arr


def _search_of(model_obj) -> str:
    """``"optimal"``, or ``"time_limit"`` when the MILP solver stopped at its time limit with a feasible solution."""
    import pulp

    problem = getattr(model_obj, "problem", None)
    status = getattr(problem, "sol_status", pulp.LpSolutionOptimal)
    return "optimal" if status == pulp.LpSolutionOptimal else "time_limit"


def _chosen(model_obj) -> list[int]:
    return [j for j, v in enumerate(model_obj.fac_vars) if v.value() is not None and v.value() > 0.5]


def _assign_nearest(cost: np.ndarray, chosen: list[int]) -> tuple[list[int], list[float]]:
    sub = cost[chosen]  # [chosen, demand]
    best = np.argmin(sub, axis=0)
    times = sub[best, np.arange(cost.shape[1])]
    assign = [int(chosen[b]) if np.isfinite(t) else -1 for b, t in zip(best, times)]
    return assign, [float(t) for t in times]


def _p_median_near_far(
    cost: np.ndarray,
    w: np.ndarray,
    p: int,
    fixed: list[int],
    solver,
    k0: int | None = None,
    *,
    deadline: float | None = None,
) -> tuple[list[int], int]:
    """Exact p-median by near-far cost allocation (Church 2018), as PuLP/CBC models.

    Each demand point may be assigned to its ``K_i`` nearest candidates or to a
    "far" variable priced at its ``(K_i + 1)``-th nearest cost -- a lower bound on
    any farther assignment.  When no far variable is used the solution is optimal
    for the full problem; otherwise ``K_i`` doubles where it was used and the model
    is solved again.  ``cost`` is ``[candidates, demand]``, finite.  With a ``deadline``
    (``time.perf_counter()``) each round's solver gets the time left, and a round that
    cannot finish by then raises :class:`TimeoutError`.  The first near
    set holds ``1.5 * candidates / p`` (at least 8): on the 200 x 2,000 benchmark it
    needs one round, where starting from 8 needed seven and took 2.6 times longer.
    """
    import pulp

    n_cand, n_dem = cost.shape
    if k0 is None:
        k0 = max(8, int(np.ceil(1.5 * n_cand / p)))
    order = np.argsort(cost, axis=0, kind="stable")  # [rank, demand] -> candidate
    ranked = np.take_along_axis(cost, order, axis=0)
    k = np.full(n_dem, min(k0, n_cand))
    for rounds in range(1, 64):
        prob = pulp.LpProblem("p_median_near_far", pulp.LpMinimize)
        y = [pulp.LpVariable(f"y{j}", cat="Binary") for j in range(n_cand)]
        terms, far = [], []
        for i in range(n_dem):
            ki = int(k[i])
            xs = [pulp.LpVariable(f"x{i}_{r}", lowBound=0, upBound=1) for r in range(ki)]
            parts = [(xs[r], float(w[i] * ranked[r, i])) for r in range(ki)]
            g = None
            if ki < n_cand:
                g = pulp.LpVariable(f"g{i}", lowBound=0, upBound=1)
                parts.append((g, float(w[i] * ranked[ki, i])))
            far.append(g)
            terms.extend(parts)
            prob += pulp.lpSum(xs) + (g if g is not None else 0) == 1, f"assign{i}"
            for r in range(ki):
                prob += xs[r] <= y[int(order[r, i])], f"open{i}_{r}"
        prob += pulp.LpAffineExpression(terms)
        prob += pulp.lpSum(y) == p, "p"
        for j in fixed:
            prob += y[j] == 1, f"fixed{j}"
        if deadline is not None:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError("the time limit was reached building the model")
            solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=max(1, int(left)))
        prob.solve(solver)
        if deadline is not None and (prob.sol_status != pulp.LpSolutionOptimal or time.perf_counter() > deadline):
            raise TimeoutError("the solver stopped at the time limit")
        if pulp.LpStatus[prob.status] != "Optimal":
            raise InfeasibleError(
                f"the p-median solver ended with status {pulp.LpStatus[prob.status]!r}",
                zh=f"p-中位求解器结束时的状态为 {pulp.LpStatus[prob.status]!r}",
            )
        used = [i for i, g in enumerate(far) if g is not None and (g.value() or 0) > 1e-7]
        if not used:
            return [j for j in range(n_cand) if (y[j].value() or 0) > 0.5], rounds
        for i in used:
            k[i] = min(n_cand, 2 * int(k[i]))
    raise InfeasibleError(
        "the near-far p-median did not converge", zh="近远 p-中位模型未收敛"
    )  # pragma: no cover - k doubles to n_cand


#: With a time limit, the exact p-median runs only when its near-far model has at most this many assignment
#: variables (building a larger PuLP model alone can take longer than the limit).
EXACT_MAX_VARS = 50_000


def _weighted_cost(cost: np.ndarray, w: np.ndarray, chosen: Sequence[int]) -> float:
    return float((w * cost[list(chosen)].min(axis=0)).sum())


def _greedy_interchange(cost: np.ndarray, w: np.ndarray, p: int, fixed: list[int], deadline: float | None) -> list[int]:
    """A good p-median by greedy addition, then swaps (Teitz and Bart) while one improves and time remains."""
    n_cand = cost.shape[0]
    chosen = list(fixed)
    best = cost[chosen].min(axis=0) if chosen else np.full(cost.shape[1], np.inf)
    while len(chosen) < p:
        totals = (w * np.minimum(best[None, :], cost)).sum(axis=1)
        totals[chosen] = np.inf
        j = int(np.argmin(totals))
        chosen.append(j)
        best = np.minimum(best, cost[j])
    current = _weighted_cost(cost, w, chosen)
    improved = True
    while improved and (deadline is None or time.perf_counter() < deadline):
        improved = False
        sub = cost[chosen]
        order = np.argsort(sub, axis=0)
        first = sub[order[0], np.arange(sub.shape[1])]
        second = sub[order[1], np.arange(sub.shape[1])] if len(chosen) > 1 else np.full(sub.shape[1], np.inf)
        for j_in in range(n_cand):
            if j_in in chosen:
                continue
            c_in = cost[j_in]
            for k, j_out in enumerate(chosen):
                if j_out in fixed:
                    continue
                served = order[0] == k
                after = np.where(served, np.minimum(c_in, second), np.minimum(c_in, first))
                total = float((w * after).sum())
                if total < current - 1e-9 * max(1.0, abs(current)):
                    chosen[k], current, improved = j_in, total, True
                    break
            if improved:
                break
    return sorted(chosen)


def _lagrangian_bound(
    cost: np.ndarray, w: np.ndarray, p: int, fixed: list[int], upper: float, deadline: float | None, rounds: int = 300
) -> float:
    """A lower bound on the p-median's weighted cost: the Lagrangian relaxation of the assignment constraints,
    maximised by subgradient steps (Beasley 1993) for at most ``rounds`` steps or until ``deadline``."""
    wc = w[None, :] * cost  # [candidates, demand]
    lam = wc.min(axis=0).copy()
    best_bound, step = float(lam.sum()) if not fixed else 0.0, 2.0
    others = np.ones(cost.shape[0], dtype=bool)
    others[fixed] = False
    for _ in range(rounds):
        if deadline is not None and time.perf_counter() >= deadline:
            break
        reduced = np.minimum(0.0, wc - lam[None, :])  # [candidates, demand]
        rho = reduced.sum(axis=1)
        pick = list(fixed)
        free = p - len(pick)
        if free > 0:
            idx = np.flatnonzero(others)
            pick += [int(j) for j in idx[np.argsort(rho[idx], kind="stable")[:free]]]
        bound = float(lam.sum() + rho[pick].sum())
        if bound > best_bound:
            best_bound = bound
        # subgradient: 1 - (times demand i is assigned to an opened candidate)
        g = 1.0 - (reduced[pick] < 0).sum(axis=0)
        norm = float((g * g).sum())
        if norm == 0:
            break  # the relaxation's solution is feasible: the bound is tight
        lam = np.maximum(0.0, lam + step * (upper - bound) / norm * g)
        step *= 0.98
    return best_bound


def p_median(
    cost, p: int, *, weights=None, fixed: Sequence[int] = (), solver=None, time_limit_s: float | None = None
) -> SitingResult:
    """Choose ``p`` candidates minimising the demand-weighted travel time to the nearest chosen one.

    ``cost`` is ``[candidates, demand]`` in seconds (``inf`` = unreachable).
    Demand points that no candidate reaches are left out and listed in ``unserved``.

    Without ``time_limit_s`` the near-far model is solved to optimality.  With it, a greedy-and-swap
    solution and a Lagrangian lower bound come first; the exact model then runs in the time left (when
    it is small enough to build in time: :data:`EXACT_MAX_VARS`).  If the limit stops the search the
    answer is the best solution found, with ``search`` ``"time_limit"`` (``"heuristic"`` when the exact
    model is too large to try), the ``bound`` and the ``gap``.

    Raises
    ------
    InvalidInputError
        For a malformed matrix, weights or ``p``.
    InfeasibleError
        If ``p`` exceeds the candidates, fewer than ``p`` are fixed open, or no demand point is reachable.
    """
    cost, w, fixed = _check_common(cost, weights, fixed)
    n_cand, n_dem = cost.shape
    _check_p(p, n_cand, fixed)
    if time_limit_s is not None and not (np.isfinite(time_limit_s) and time_limit_s > 0):
        raise InvalidInputError(
            f"`time_limit_s` was {time_limit_s!r}; expected a positive number of seconds",
            zh=f"`time_limit_s` 为 {time_limit_s!r}；应为正的秒数",
        )
    reach = np.isfinite(cost).any(axis=0)
    if not reach.any():
        raise InfeasibleError(
            f"none of the {n_dem} demand points is reachable by truck from any of the {n_cand} candidates",
            zh=f"{n_dem} 个需求点都无法由货车从 {n_cand} 个候选点中的任何一个到达",
        )
    keep = np.nonzero(reach)[0]
    sub = cost[:, keep]
    finite = np.where(np.isfinite(sub), sub, big_m(sub))
    wk = w[keep]
    started = time.perf_counter()
    notes: list[str] = []
    search, bound = "optimal", None
    if time_limit_s is None:
        chosen, rounds = _p_median_near_far(finite, wk, int(p), fixed, _solver(solver))
        notes.append(
            Text(f"near-far formulation solved in {rounds} round(s)", zh=f"近远分解模型经 {rounds} 轮求得最优")
        )
    else:
        deadline = started + float(time_limit_s)
        chosen = _greedy_interchange(finite, wk, int(p), fixed, deadline)
        upper = _weighted_cost(finite, wk, chosen)
        bound = _lagrangian_bound(finite, wk, int(p), fixed, upper, deadline)
        k0 = max(8, int(np.ceil(1.5 * n_cand / p)))
        proven = bound >= upper * (1 - 1e-9)
        if proven:
            notes.append(
                Text(
                    "greedy-and-swap solution proven optimal by the Lagrangian bound",
                    zh="贪心加交换的解经拉格朗日下界证明为最优",
                )
            )
        elif n_dem * min(k0, n_cand) <= EXACT_MAX_VARS and time.perf_counter() < deadline:
            try:
                exact, rounds = _p_median_near_far(finite, wk, int(p), fixed, solver, deadline=deadline)
            except TimeoutError:
                search = "time_limit"
            else:
                chosen, proven = exact, True
                notes.append(
                    Text(f"near-far formulation solved in {rounds} round(s)", zh=f"近远分解模型经 {rounds} 轮求得最优")
                )
        elif time.perf_counter() < deadline:
            search = "heuristic"
            notes.append(
                Text(
                    f"the exact model ({n_dem * min(k0, n_cand):,} assignment variables) is too large to solve within "
                    f"the time limit of {time_limit_s:g} s: the best solution found (greedy and swaps), with its gap "
                    "to the Lagrangian lower bound",
                    zh=f"精确模型（{n_dem * min(k0, n_cand):,} 个分配变量）无法在 {format_duration(time_limit_s)} 的时限内"
                    "求解：给出找到的最好方案（贪心加交换）及其与拉格朗日下界的差距",
                )
            )
        else:
            search = "time_limit"
        if search == "time_limit":
            notes.append(
                Text(
                    f"time limit of {time_limit_s:g} s reached: the best solution found (greedy and swaps), "
                    "with its gap to the Lagrangian lower bound",
                    zh=f"已达 {format_duration(time_limit_s)} 的时限：给出找到的最好方案（贪心加交换）及其与拉格朗日下界的差距",
                )
            )
    assign, times = _assign_nearest(cost, chosen)
    objective = float(sum(w[i] * times[i] for i in keep))
    if search == "optimal":
        bound = objective
    gap = 0.0 if search == "optimal" else max(0.0, (objective - float(bound or 0.0)) / objective) if objective else 0.0
    if not reach.all():
        left = int((~reach).sum())
        notes.append(
            Text(
                f"{left} demand point(s) unreachable by truck from every candidate were left out",
                zh=f"{left} 个需求点从所有候选点都无法由货车到达，未计入",
            )
        )
    return SitingResult(
        model="p_median",
        chosen=tuple(chosen),
        assignment=tuple(assign),
        assigned_time_s=tuple(times),
        objective=objective,
        objective_unit="demand-weighted travel time (s)",
        covered=tuple(bool(np.isfinite(t)) for t in times),
        unserved=tuple(int(i) for i in np.nonzero(~reach)[0]),
        solve_s=time.perf_counter() - started,
        notes=tuple(notes),
        search=search,
        bound=bound,
        gap=gap,
        time_limit_s=time_limit_s,
    )


def mclp(cost, p: int, service_time_s: float, *, weights=None, fixed: Sequence[int] = (), solver=None) -> SitingResult:
    """Choose ``p`` candidates maximising the demand weight reached within ``service_time_s``.

    Raises
    ------
    InvalidInputError, InfeasibleError
        As :func:`p_median`.
    """
    cost, w, fixed = _check_common(cost, weights, fixed)
    n_cand, n_dem = cost.shape
    _check_p(p, n_cand, fixed)
    service = _check_service(service_time_s)
    m = big_m(cost, service)
    from spopt.locate import MCLP

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MCLP.from_cost_matrix(
            np.where(np.isfinite(cost), cost, m).T,
            w,
            service,
            p_facilities=int(p),
            predefined_facilities_arr=_predefined(n_cand, fixed),
        )
        model.solve(_solver(solver), results=False)
    chosen = _chosen(model)
    assign, times = _assign_nearest(cost, chosen)
    covered = [t <= service for t in times]
    objective = float(sum(w[i] for i in range(n_dem) if covered[i]))
    unreachable = np.nonzero(~np.isfinite(cost).any(axis=0))[0]
    return SitingResult(
        model="mclp",
        chosen=tuple(chosen),
        assignment=tuple(assign),
        assigned_time_s=tuple(times),
        objective=objective,
        objective_unit=f"demand weight within {service:g} s",
        covered=tuple(covered),
        unserved=tuple(int(i) for i in unreachable),
        solve_s=time.perf_counter() - started,
        search=_search_of(model),
    )


def lscp(
    cost, service_time_s: float, *, demand_ids: Sequence[str] | None = None, fixed: Sequence[int] = (), solver=None
) -> SitingResult:
    """The fewest candidates such that every demand point is within ``service_time_s`` of one.

    Raises
    ------
    InfeasibleError
        If some demand point is farther than ``service_time_s`` from every candidate
        (the message names it and its best time).
    """
    cost, _, fixed = _check_common(cost, None, fixed)
    n_cand, n_dem = cost.shape
    service = _check_service(service_time_s)
    best = cost.min(axis=0)
    bad = np.nonzero(best > service)[0]
    if bad.size:
        names = [demand_ids[int(i)] if demand_ids is not None else f"#{i}" for i in bad]
        first = bad[0]
        best_txt = "unreachable by truck" if not np.isfinite(best[first]) else f"{best[first]:.0f} s away at best"
        raise InfeasibleError(
            f"no covering within service_time_s={service:g} s exists: demand point {names[0]!r} is {best_txt} "
            f"from every candidate"
            + (f" ({len(bad)} demand points uncoverable: {names[:10]})" if bad.size > 1 else "")
            + "; raise service_time_s or add candidates",
            zh=f"在服务时间 {format_duration(service, 'zh')} 内无法覆盖：需求点 {names[0]!r} "
            + (
                "货车无法到达"
                if not np.isfinite(best[first])
                else f"距最近的候选点也要 {format_duration(float(best[first]), 'zh')}"
            )
            + (f"（{len(bad)} 个需求点无法覆盖：{names[:10]}）" if bad.size > 1 else "")
            + "；请加大 service_time_s 或增加候选点",
        )
    m = big_m(cost, service)
    from spopt.locate import LSCP

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSCP.from_cost_matrix(
            np.where(np.isfinite(cost), cost, m).T, service, predefined_facilities_arr=_predefined(n_cand, fixed)
        )
        model.solve(_solver(solver), results=False)
    chosen = _chosen(model)
    assign, times = _assign_nearest(cost, chosen)
    return SitingResult(
        model="lscp",
        chosen=tuple(chosen),
        assignment=tuple(assign),
        assigned_time_s=tuple(times),
        objective=float(len(chosen)),
        objective_unit="sites opened",
        covered=tuple(t <= service for t in times),
        solve_s=time.perf_counter() - started,
        search=_search_of(model),
    )


def solve(
    model: str,
    cost,
    *,
    p: int | None = None,
    service_time_s: float | None = None,
    weights=None,
    fixed: Sequence[int] = (),
    demand_ids: Sequence[str] | None = None,
    solver=None,
    time_limit_s: float | None = None,
) -> SitingResult:
    """Dispatch to :func:`p_median`, :func:`mclp` or :func:`lscp` by name (``time_limit_s``: p-median's search
    limit, and the MILP solver's for the covering models)."""
    if time_limit_s is not None and solver is None and model != "p_median":
        import pulp

        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=max(1, int(time_limit_s)))
    if model == "p_median":
        if p is None:
            raise InvalidInputError("`p` is required for model 'p_median'", zh="模型 'p_median' 需要 `p`")
        return p_median(cost, p, weights=weights, fixed=fixed, solver=solver, time_limit_s=time_limit_s)
    if model == "mclp":
        if p is None:
            raise InvalidInputError("`p` is required for model 'mclp'", zh="模型 'mclp' 需要 `p`")
        return mclp(cost, p, _check_service(service_time_s), weights=weights, fixed=fixed, solver=solver)
    if model == "lscp":
        return lscp(cost, _check_service(service_time_s), demand_ids=demand_ids, fixed=fixed, solver=solver)
    raise InvalidInputError(
        f"`model` was {model!r}; expected one of {list(MODELS)}", zh=f"`model` 为 {model!r}；应为 {list(MODELS)} 之一"
    )


# ----------------------------------------------------------------------------------
# Candidates and the whole siting run
# ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A possible station: a stored site or an OSM area (``source`` ``site`` / ``osm``)."""

    id: str
    name: str
    lon: float
    lat: float
    kind: str = "candidate_station"
    source: str = "site"
    fixed: bool = False


@dataclass(frozen=True)
class Demand:
    id: str
    name: str
    lon: float
    lat: float
    weight: float = 1.0


@dataclass(frozen=True)
class StationPlan:
    """The answer of :func:`plan_stations`."""

    result: SitingResult
    candidates: tuple[Candidate, ...]
    demand: tuple[Demand, ...]
    excluded: tuple[dict, ...]
    cost: np.ndarray
    candidate_snaps: tuple[Snap, ...]
    demand_snaps: tuple[Snap, ...]
    matrix_s: float


def osm_candidates(
    pbf_path: str | Path, *, bbox=None, max_count: int = 20, min_parking_m2: float = 5000.0
) -> list[Candidate]:
    """Candidate areas from an OSM ``.pbf``: ``landuse=industrial|logistics`` and large ``amenity=parking``.

    Largest areas first, at most ``max_count``; each is represented by a point inside it.
    Reading the file is the slow part; it happens once per file version, bbox and
    parking threshold in a process.

    Raises
    ------
    InvalidInputError
        If the file is not a ``.pbf`` that pyrosm can read.
    """
    path = Path(pbf_path)
    if not path.name.endswith(".pbf") or not path.exists():
        raise InvalidInputError(
            f"OSM candidates need the network source to be a .osm.pbf file; it is {str(path)!r}",
            zh=f"OSM 候选点要求路网来源为 .osm.pbf 文件；当前为 {str(path)!r}",
        )
    stat = path.stat()
    ranked = _osm_candidate_areas(
        str(path.resolve()), stat.st_mtime_ns, stat.st_size, tuple(bbox) if bbox else None, float(min_parking_m2)
    )
    return list(ranked[: max(0, int(max_count))])


@lru_cache(maxsize=8)
def _osm_candidate_areas(
    path: str, _mtime_ns: int, _size: int, bbox: tuple | None, min_parking_m2: float
) -> tuple[Candidate, ...]:
    """Every OSM candidate area of a file, largest first (cached; the file's version is in the key)."""
    from pyrosm import OSM

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = OSM(path, bounding_box=list(bbox) if bbox else None)
        frames = []
        lu = osm.get_landuse(custom_filter={"landuse": ["industrial", "logistics"]})
        if lu is not None and len(lu):
            frames.append(("landuse", lu))
        pk = osm.get_data_by_custom_criteria(
            custom_filter={"amenity": ["parking"]},
            filter_type="keep",
            keep_nodes=False,
            keep_ways=True,
            keep_relations=True,
        )
        if pk is not None and len(pk):
            frames.append(("parking", pk))
    from geo.projection import LocalProjection

    items = []
    for what, df in frames:
        for row in df.itertuples():
            geom = row.geometry
            if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
                continue
            c = geom.representative_point()
            proj = LocalProjection(round(c.x, 6), round(c.y, 6))
            area = float(proj.forward_geom(geom).area)
            if what == "parking" and area < min_parking_m2:
                continue
            label = getattr(row, "landuse", None) if what == "landuse" else "parking"
            items.append(
                (
                    area,
                    Candidate(
                        id=f"osm-{row.osm_type}-{row.id}",
                        name=f"OSM {label} {row.id}",
                        lon=float(c.x),
                        lat=float(c.y),
                        kind=f"osm_{label}",
                        source="osm",
                    ),
                )
            )
    items.sort(key=lambda t: -t[0])
    return tuple(c for _, c in items)


def _exclusion(c: Candidate, reason: Text) -> dict:
    """A candidate left out, with why: ``reason`` (English) and ``reason_zh`` (its Chinese twin, kept when
    the plan is stored)."""
    return {"id": c.id, "name": c.name, "reason": reason, "reason_zh": reason.zh}


def plan_stations(
    router,
    candidates: Sequence[Candidate],
    demand: Sequence[Demand],
    *,
    model: str,
    p: int | None = None,
    service_time_s: float | None = None,
    zones: Sequence = (),
    when=None,
    solver=None,
    time_limit_s: float | None = None,
) -> StationPlan:
    """Site stations among ``candidates`` to serve ``demand`` on the router's truck network.

    Candidates inside a sealed or controlled zone active at ``when``, off the network,
    on a road closed to trucks, or reaching none of the demand points are excluded
    (each with its reason in ``excluded``).

    Raises
    ------
    InvalidInputError
        For bad parameters, no candidates or no demand.
    InfeasibleError
        As :func:`solve`.
    """
    from geo.errors import OffNetworkError

    if model not in MODELS:
        raise InvalidInputError(
            f"`model` was {model!r}; expected one of {list(MODELS)}",
            zh=f"`model` 为 {model!r}；应为 {list(MODELS)} 之一",
        )
    if not candidates:
        raise InvalidInputError(
            "no candidate sites: store candidate_station or hub_logistics sites, or pass candidate ids",
            zh="没有候选站点：请保存 candidate_station（候选中转站）或 hub_logistics（物流枢纽）站点，或传入候选 id",
        )
    if not demand:
        raise InvalidInputError(
            "no demand points: store enterprise or demand sites, or pass demand ids",
            zh="没有需求点：请保存 enterprise（企业）或 demand（需求）站点，或传入需求 id",
        )
    net = router.network
    weights = router.truck_weights
    blocking = [z for z in zones if z.no_stop and z.active_at(when)]
    excluded: list[dict] = []
    kept: list[Candidate] = []
    snaps: list[Snap] = []
    for c in candidates:
        zone = next((z for z in blocking if z.contains(c.lon, c.lat)), None)
        if zone is not None:
            excluded.append(
                _exclusion(
                    c,
                    Text(
                        f"inside {zone.risk} zone {zone.id!r} ({zone.name})",
                        zh=f"位于{risk_zh(zone.risk)} {zone.id!r}（{zone.name}）内",
                    ),
                )
            )
            continue
        try:
            s = router.snap([c.lon, c.lat], field_name=f"candidate {c.id}")
        except OffNetworkError as err:
            excluded.append(
                _exclusion(c, Text(f"off the truck network: {err}", zh=f"不在货车路网上：{err.text('zh')}"))
            )
            continue
        if weights[s.arc] == FORBIDDEN and (s.reverse_arc < 0 or weights[s.reverse_arc] == FORBIDDEN):
            road = net.name[s.arc] or net.highway[s.arc]
            excluded.append(
                _exclusion(
                    c,
                    Text(
                        f"its nearest road ({road}) is closed to trucks (hgv=no)",
                        zh=f"其最近的道路（{road}）禁止货车通行（hgv=no）",
                    ),
                )
            )
            continue
        kept.append(c)
        snaps.append(s)
    demand_snaps = [router.snap([d.lon, d.lat], field_name=f"demand {d.id}") for d in demand]
    started = time.perf_counter()
    with router.pool.using("truck", weights) as engine:
        src = [snap_endpoint(net, s, weights, as_source=True) for s in snaps]
        dst = [snap_endpoint(net, s, weights, as_source=False) for s in demand_snaps]
        cost = travel_time_matrix(engine, src, dst, weights)
    matrix_s = time.perf_counter() - started
    reach = np.isfinite(cost).any(axis=1) if len(kept) else np.zeros(0, dtype=bool)
    final = [i for i in range(len(kept)) if reach[i]]
    for i in range(len(kept)):
        if not reach[i]:
            excluded.append(
                _exclusion(
                    kept[i],
                    Text(
                        f"not truck-reachable: reaches none of the {len(demand)} demand points",
                        zh=f"货车不可达：{len(demand)} 个需求点一个也到达不了",
                    ),
                )
            )
    if not final:
        raise InfeasibleError(
            f"all {len(candidates)} candidate sites were excluded: "
            + "; ".join(f"{e['id']}: {e['reason']}" for e in excluded[:5]),
            zh=f"全部 {len(candidates)} 个候选站点都被排除："
            + "；".join(f"{e['id']}：{e['reason_zh']}" for e in excluded[:5]),
        )
    kept = [kept[i] for i in final]
    snaps = [snaps[i] for i in final]
    cost = cost[final]
    fixed = [i for i, c in enumerate(kept) if c.fixed]
    result = solve(
        model,
        cost,
        p=p,
        service_time_s=service_time_s,
        weights=[d.weight for d in demand],
        fixed=fixed,
        demand_ids=[d.id for d in demand],
        solver=solver,
        time_limit_s=time_limit_s,
    )
    logger.info(
        "sited %s: %d of %d candidates for %d demand points (matrix %.2f s, solve %.2f s)",
        model,
        len(result.chosen),
        len(kept),
        len(demand),
        matrix_s,
        result.solve_s,
    )
    return StationPlan(
        result=result,
        candidates=tuple(kept),
        demand=tuple(demand),
        excluded=tuple(excluded),
        cost=cost,
        candidate_snaps=tuple(snaps),
        demand_snaps=tuple(demand_snaps),
        matrix_s=matrix_s,
    )
