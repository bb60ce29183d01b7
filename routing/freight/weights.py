"""The weight vectors of the route-choice rule (free, avoid, ``T + K * I``, inside vehicle).

See :mod:`routing.freight` for the rule.  All vectors are integer deciseconds
per arc (:data:`~routing.engine.FORBIDDEN` removes an arc) and read-only: one
:class:`Weights` serves every query of a zone set, vehicle and closure set,
and the router's metric pool trusts a read-only array by identity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from routing.engine import FORBIDDEN, MAX_ARC_WEIGHT

#: The largest ``K`` of the route-choice rule ``T + K * I`` (deciseconds): lexicographic in practice.
INSIDE_FACTOR = 1 << 14
#: The penalties tried, most inside-averse first, until a route fits the detour cap.
PENALTY_STEPS = (INSIDE_FACTOR, 1 << 10, 1 << 7, 1 << 5, 1 << 3, 2)
DEFAULT_MAX_DETOUR_RATIO = 1.3


@dataclass
class Weights:
    """The rule's weight vectors for one zone set, vehicle and set of closed arcs.

    ``free``: the vehicle's legal weights; ``avoid``: ``free`` with every arc
    that meets a no-stop zone forbidden; ``penalised``: ``T + INSIDE_FACTOR * I`` (made on first use);
    ``inside_vehicle``: the base weights with the closures (an inside vehicle
    has no truck limits); ``inside_ds``: ``I``, deciseconds inside per arc.
    """

    free: np.ndarray
    avoid: np.ndarray
    inside_vehicle: np.ndarray
    vehicle_key: str  # see routing.router.vehicle_key: names the metric slots of this vehicle
    inside_ds: np.ndarray | None = None  # for the penalised weights, made on demand
    _steps: dict = field(default_factory=dict)
    _capped: dict = field(default_factory=dict)
    _avoid_parts: list = field(default_factory=list)

    def avoid_parts(self, tail: np.ndarray, head: np.ndarray, node_count: int) -> np.ndarray:
        """The weakly connected component of every node in the graph of the arcs :attr:`avoid` allows
        (cached): no route that avoids the zones joins nodes of two different components."""
        if not self._avoid_parts:
            from routing import kernels

            self._avoid_parts.append(kernels.weak_components(tail, head, self.avoid != FORBIDDEN, node_count))
        return self._avoid_parts[0]

    def capped(self, k: int) -> bool:
        """Whether ``T + k * I`` exceeds ``MAX_ARC_WEIGHT`` on some usable arc (so it was capped there)."""
        if k not in self._capped:
            assert self.inside_ds is not None, "the ladder's lower steps need inside_ds"
            usable = self.free != FORBIDDEN
            self._capped[k] = bool(
                (
                    self.free[usable].astype(np.int64) + k * self.inside_ds[usable].astype(np.int64) > MAX_ARC_WEIGHT
                ).any()
            )
        return self._capped[k]

    @property
    def penalised(self) -> np.ndarray:
        """``T + INSIDE_FACTOR * I``: :meth:`with_penalty` of the first step, made on first use (most routes
        never need it, and a province's vector is 60 MB)."""
        return self.with_penalty(INSIDE_FACTOR)

    def with_penalty(self, k: int) -> np.ndarray:
        """``T + k * I`` (capped) on usable arcs, made once per ``k``; ``k = INSIDE_FACTOR`` is :attr:`penalised`."""
        if k not in self._steps:
            assert self.inside_ds is not None, "the ladder's lower steps need inside_ds"
            usable = self.free != FORBIDDEN
            w = self.free.copy()
            w[usable] = np.minimum(self.free[usable] + k * self.inside_ds[usable].astype(np.int64), MAX_ARC_WEIGHT)
            w.flags.writeable = False
            self._steps[k] = w
        return self._steps[k]

    def slot(self, kind: str) -> str:
        """The metric slot of one weight vector of this vehicle: ``kind`` is ``free``, ``avoid``,
        ``inside`` (``K = INSIDE_FACTOR``), ``insideveh`` (the inside vehicle) or ``dock``."""
        return f"freight-{kind}:{self.vehicle_key}"

    def penalty_slot(self, k: int) -> str:
        """The metric slot of the weights ``T + k * I`` (:meth:`with_penalty`)."""
        return self.slot("inside") if k == INSIDE_FACTOR else f"freight-inside{k}:{self.vehicle_key}"
