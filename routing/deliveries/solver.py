"""The vehicle-routing solver: PyVRP's iterated local search with a time limit and a seed.

One :class:`SolverSettings` drives every solve -- the delivery planner's and
the VRPLIB runner's (:mod:`routing.deliveries.vrplib_runner`) -- so a figure
measured on the benchmark instances is a figure of the planner's solver.

Tuning (``bench/bench_deliveries.py`` measures it; single runs, seed 1, on a
shared 2-core machine whose load average was 1.5 to 7, gap to the best known
solution): at short time limits the number of local-search iterations counts
most, and a busy machine gives few.  Against PyVRP 0.14's defaults (50
granular neighbours, a late-acceptance history of 300, up to 25
perturbations): on the 1,000-customer VRPTW instance R1_10_1 at 60 s the
defaults gave 2.67 %, a history of 100 2.08 %, 20 neighbours 2.35 %, 30
neighbours with a history of 100 2.29 %.  20 neighbours trapped X-n101-k25
at 1.05 % for 10 s (0.02 % with 30 and a history of 100; the defaults reach
0.00 % to 0.25 %), and fewer perturbations (10) left X-n153-k22 a route above
the best known (2.54 % at 60 s against 0.75 % with the defaults and 0.68 %
with 30 neighbours and a history of 100).  So: 30 neighbours, a history of
100, PyVRP's perturbations.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from geo.errors import InvalidInputError

if TYPE_CHECKING:
    from pyvrp import Solution

#: The solver's defaults (see the module docstring).
DEFAULT_TIME_LIMIT_S = 10.0
DEFAULT_NUM_NEIGHBOURS = 30
DEFAULT_MAX_PERTURBATIONS = 25
DEFAULT_HISTORY_LENGTH = 100


@dataclass(frozen=True)
class SolverSettings:
    """How long and how the solver searches.

    ``time_limit_s`` is wall-clock time; ``seed`` seeds PyVRP's random stream
    (the same seed and the same machine speed give the same plan);
    ``num_neighbours`` is the size of the granular neighbourhood,
    ``max_perturbations`` the most clients one iteration perturbs and
    ``history_length`` the late-acceptance history of the search.
    """

    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    seed: int = 0
    num_neighbours: int = DEFAULT_NUM_NEIGHBOURS
    max_perturbations: int = DEFAULT_MAX_PERTURBATIONS
    history_length: int = DEFAULT_HISTORY_LENGTH

    def __post_init__(self) -> None:
        t = self.time_limit_s
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t <= 0 or t > 3600:
            raise InvalidInputError(
                f"`time_limit_s` was {t!r}; expected seconds in (0, 3600]",
                zh=f"`time_limit_s` 为 {t!r}；应为 (0, 3600] 秒",
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise InvalidInputError(
                f"`seed` was {self.seed!r}; expected an integer in 0..{2**32 - 1}",
                zh=f"`seed` 为 {self.seed!r}；应为 0..{2**32 - 1} 之间的整数",
            )
        for name in ("num_neighbours", "max_perturbations", "history_length"):
            k = getattr(self, name)
            if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 1000:
                raise InvalidInputError(
                    f"`{name}` was {k!r}; expected an integer in 1..1000",
                    zh=f"`{name}` 为 {k!r}；应为 1..1000 之间的整数",
                )

    def with_time_limit(self, seconds: float, seed: int | None = None) -> SolverSettings:
        """The same settings with another time limit (and seed)."""
        return replace(self, time_limit_s=seconds, seed=self.seed if seed is None else seed)

    def params(self):
        """PyVRP's ``SolveParams`` for these settings."""
        from pyvrp import IteratedLocalSearchParams, SolveParams
        from pyvrp.search import NeighbourhoodParams, PerturbationParams

        return SolveParams(
            ils=IteratedLocalSearchParams(history_length=self.history_length),
            neighbourhood=NeighbourhoodParams(num_neighbours=self.num_neighbours),
            perturbation=PerturbationParams(min_perturbations=1, max_perturbations=self.max_perturbations),
        )


@dataclass(frozen=True)
class SolveOutcome:
    """What one solve gave: PyVRP's best solution and how the search went."""

    solution: Solution
    cost: int
    feasible: bool
    iterations: int
    runtime_s: float


def solve_data(data, settings: SolverSettings) -> SolveOutcome:
    """Solve PyVRP ``ProblemData`` under ``settings`` (stops at the time limit)."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    started = time.perf_counter()
    if data.num_clients == 0:
        solution = pyvrp.Solution(data, [])
        return SolveOutcome(
            solution=solution, cost=0, feasible=True, iterations=0, runtime_s=time.perf_counter() - started
        )
    result = pyvrp.solve(
        data,
        stop=MaxRuntime(settings.time_limit_s),
        seed=settings.seed,
        collect_stats=False,
        display=False,
        params=settings.params(),
    )
    return SolveOutcome(
        solution=result.best,
        cost=int(result.cost()) if result.is_feasible() else -1,
        feasible=bool(result.is_feasible()),
        iterations=int(result.num_iterations),
        runtime_s=time.perf_counter() - started,
    )
