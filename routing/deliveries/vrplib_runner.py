"""Solve a VRPLIB instance (CVRP or VRPTW) with the delivery planner's solver settings.

The instance is read with PyVRP's reader (the ``vrplib`` package underneath)
with the rounding its benchmark family uses: CVRP (the X set of Uchoa et al.)
rounds Euclidean distances to the nearest integer; VRPTW (Solomon, Gehring &
Homberger) uses the DIMACS convention, distances scaled by 10 and truncated,
so costs are reported divided by 10 again.  When a ``.sol`` file lies beside
the instance its ``Cost`` line is the best known solution and the gap is
``100 * (cost - best) / best``.

The command ``baotong plan deliveries --vrplib FILE --time-limit S [--seed N]``
is ``print(solve_vrplib(FILE, time_limit_s=S, seed=N).summary())``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from geo.errors import InvalidInputError
from routing.deliveries.solver import SolverSettings, solve_data

if TYPE_CHECKING:
    from pyvrp import ProblemData

#: Problem types read, and the rounding (PyVRP ``round_func``) and cost scale of each.
ROUNDING = {"CVRP": ("round", 1), "VRPTW": ("dimacs", 10)}


@dataclass(frozen=True)
class VrplibResult:
    """One solve of a VRPLIB instance: cost in the instance's units, gap to the best known in percent."""

    instance: str
    problem_type: str
    clients: int
    cost: float | None  # None when no feasible solution was found
    best_known: float | None
    gap_pct: float | None
    routes: tuple[tuple[int, ...], ...]  # client numbers as in the file (depot = 0)
    time_limit_s: float
    seed: int
    runtime_s: float
    iterations: int

    def summary(self) -> str:
        """One line for people: instance, cost, best known and gap."""
        cost = "no feasible solution" if self.cost is None else f"cost {self.cost:,.1f}"
        best = "" if self.best_known is None else f", best known {self.best_known:,.1f}"
        gap = "" if self.gap_pct is None else f", gap {self.gap_pct:.2f} %"
        return (
            f"{self.instance} ({self.problem_type}, {self.clients} clients): {cost}{best}{gap}; "
            f"{len(self.routes)} routes, {self.iterations:,} iterations in {self.runtime_s:.1f} s "
            f"(limit {self.time_limit_s:g} s, seed {self.seed})"
        )


def problem_type(path: Path) -> str:
    """The ``TYPE`` of a VRPLIB instance file.

    Raises
    ------
    InvalidInputError
        If the file is missing, has no ``TYPE`` line, or is of a type not read here.
    """
    if not path.is_file():
        raise InvalidInputError(f"VRPLIB file {str(path)!r} does not exist", zh=f"VRPLIB 文件 {str(path)!r} 不存在")
    with path.open() as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key.strip().upper() == "TYPE":
                kind = value.strip().upper()
                if kind not in ROUNDING:
                    raise InvalidInputError(
                        f"VRPLIB file {str(path)!r} is of TYPE {kind!r}; expected one of {sorted(ROUNDING)}",
                        zh=f"VRPLIB 文件 {str(path)!r} 的 TYPE 为 {kind!r}；应为 {sorted(ROUNDING)} 之一",
                    )
                return kind
            if key.strip().upper().endswith("_SECTION"):
                break
    raise InvalidInputError(
        f"VRPLIB file {str(path)!r} has no TYPE line; expected TYPE : CVRP or VRPTW",
        zh=f"VRPLIB 文件 {str(path)!r} 没有 TYPE 行；应为 TYPE : CVRP 或 VRPTW",
    )


def read_instance(path) -> tuple[ProblemData, str, int]:
    """``(PyVRP ProblemData, problem type, cost scale)`` of a VRPLIB instance (see the module docstring)."""
    import pyvrp

    path = Path(path)
    kind = problem_type(path)
    round_func, scale = ROUNDING[kind]
    try:
        data = pyvrp.read(path, round_func=round_func)
    except (ValueError, KeyError, IndexError) as err:
        raise InvalidInputError(
            f"VRPLIB file {str(path)!r} could not be read: {err}", zh=f"无法读取 VRPLIB 文件 {str(path)!r}：{err}"
        ) from err
    return data, kind, scale


def best_known(path) -> float | None:
    """The cost of the ``.sol`` file beside an instance, if there is one."""
    import vrplib

    sol = Path(path).with_suffix(".sol")
    if not sol.is_file():
        return None
    cost = vrplib.read_solution(str(sol)).get("cost")
    return None if cost is None else float(cost)


def solve_vrplib(path, *, time_limit_s: float, seed: int = 0, settings: SolverSettings | None = None) -> VrplibResult:
    """Solve the VRPLIB instance at ``path`` with the planner's solver settings (time limit and seed given).

    Raises
    ------
    InvalidInputError
        If the file is missing or unreadable, or the time limit or seed is bad.
    """
    settings = (settings or SolverSettings()).with_time_limit(time_limit_s, seed)
    data, kind, scale = read_instance(path)
    out = solve_data(data, settings)
    routes = (
        tuple(tuple(int(data.client(a.idx).location) for a in r if a.is_client()) for r in out.solution.routes())
        if out.feasible
        else ()
    )
    cost = out.cost / scale if out.feasible else None
    best = best_known(path)
    gap = None if cost is None or not best else 100.0 * (cost - best) / best
    return VrplibResult(
        instance=Path(path).stem,
        problem_type=kind,
        clients=int(data.num_clients),
        cost=cost,
        best_known=best,
        gap_pct=gap,
        routes=routes,
        time_limit_s=float(time_limit_s),
        seed=int(seed),
        runtime_s=out.runtime_s,
        iterations=out.iterations,
    )
