"""The one place where delivery planning touches the road network, the engine and the freight rule.

Every call into ``routing.freight``, ``routing.router``, ``routing.docking``,
``routing.engine`` and ``geo.zones`` that the planner makes is in this module,
so a change of those modules' layout is fixed here alone.

Costs of a pair of points (``a`` to ``b``, both snapped to the network)
    A snapped point is left through the head of its arc (and of the reverse
    arc, on a two-way segment) with the rest of that arc's weight, and reached
    through the tail of its arc with the part of the weight up to the point;
    two points on one segment may also drive along it.  That is how
    :func:`routing.freight.closed_loop_route` prices a pair, so for ``n``
    points one many-to-many call over their (at most ``2n``) end nodes gives
    every pair's cost as the least ``end cost + matrix[s, t] + end cost`` over
    the end options (:meth:`RoadCosts.pair_matrix`), costs in deciseconds as
    the engine's integer weights.

The closed-loop cost of an outside truck's pair (:meth:`RoadCosts.truck_matrix`)
    With the freight weights of the zone set, vehicle and closures (``free``:
    truck limits and closures; ``avoid``: also every arc meeting a
    sealed/controlled zone forbidden), two matrices ``F`` (free) and ``A``
    (avoid) are computed.  Where ``A[a, b] <= max_detour_ratio * F[a, b]`` the
    rule takes the avoiding route and its time is ``A[a, b]`` exactly (the
    avoid weights are the free weights on the arcs left).  Otherwise the truck
    passes through on the penalty ladder, whose time is not a matrix entry
    (``T + K * I`` mixes time and time inside).  A matrix per ladder step
    gives the least cost ``C(K)``; where ``C`` is linear around a step (its
    value lies on the chord of the neighbouring steps) the time inside ``I``
    is the slope and ``T = C(K) - K * I`` is exact.  Only the other pairs'
    paths are unpacked, step by step down the ladder as the rule does (a step
    skipped unpacked when the concavity bound already breaks the cap); the
    time under the free weights is the pair's cost -- what
    ``closed_loop_route(...).costs["chosen"]`` answers for that pair (see
    :meth:`RoadCosts._ladder`).  Unreachable pairs are ``inf``.

The inside vehicles' costs (:meth:`RoadCosts.inside_matrix`)
    On the zone's own roads: the arcs that touch a node inside the zone or
    cross its boundary (:func:`routing.docking.zone_arcs`), plus the segments
    the docking point and the zone's stops are snapped to, under the freight
    inside-vehicle weights (closures only) -- with the truck limits added when
    the inside vehicle type gives dimensions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely

from geo.errors import InvalidInputError, NoRouteError
from geo.zones import Zone
from routing import docking
from routing.engine import FORBIDDEN
from routing.freight import DEFAULT_MAX_DETOUR_RATIO, PENALTY_STEPS, FreightRoute, closed_loop_route, freight_index
from routing.network import WEIGHT_UNIT_S, Snap
from routing.router import Router, Vehicle, vehicle_key

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_MAX_DETOUR_RATIO",
    "PENALTY_STEPS",
    "WEIGHT_UNIT_S",
    "FreightRoute",
    "InsidePath",
    "RoadCosts",
    "Router",
    "Snap",
    "Vehicle",
    "Zone",
    "vehicle_key",
]


@dataclass(frozen=True)
class InsidePath:
    """An inside vehicle's drive between two points on the zone's own roads."""

    length_m: float
    travel_time_ds: float
    coordinates: tuple[tuple[float, float], ...]


class RoadCosts:
    """Snapping, travel-time matrices and legs for one delivery problem (zones, closures, departure)."""

    def __init__(
        self,
        router: Router,
        zones: list[Zone],
        *,
        departure: datetime | None,
        closed_arcs=None,
        max_detour_ratio: float = DEFAULT_MAX_DETOUR_RATIO,
    ):
        self.router = router
        self.network = router.network
        self.active = [z for z in zones if z.active_at(departure)]
        self.nostop = [z for z in self.active if z.no_stop]
        self.departure = departure
        self.closed_arcs = (
            None if closed_arcs is None or len(closed_arcs) == 0 else np.asarray(closed_arcs, dtype=np.int64)
        )
        self.max_detour_ratio = max_detour_ratio
        self.index = freight_index(router)
        self.zone_set = self.index.zone_set(self.active)
        self._tree = shapely.STRtree([z.geometry for z in self.nostop]) if self.nostop else None
        self.ladder_pairs = 0  # truck pairs on the penalty ladder
        self.paths_unpacked = 0  # of which paths had to be unpacked (a step's cost not linear in K)

    # -- points ------------------------------------------------------------------------
    def snap(self, points, names: list[str]) -> list[Snap]:
        """Snap ``[lon, lat]`` points (errors name the point, see :meth:`Router.snap_many`)."""
        return self.router.snap_many([list(p) for p in points], field_names=names)

    def zone_of(self, snaps: list[Snap]) -> list[Zone | None]:
        """The sealed/controlled zone each point lies in (its given or snapped position), as
        :func:`routing.freight.closed_loop_route` decides it: a sealed zone first, then the earliest listed."""
        if self._tree is None or not snaps:
            return [None] * len(snaps)
        pts = shapely.points([c for s in snaps for c in ([s.lon, s.lat], [s.snapped_lon, s.snapped_lat])])
        hit = self._tree.query(pts, predicate="covered_by")
        found: list[set[int]] = [set() for _ in snaps]
        for p, z in zip(hit[0].tolist(), hit[1].tolist()):
            found[p // 2].add(z)
        return [self.nostop[min(c, key=lambda i: (self.nostop[i].risk != "sealed", i))] if c else None for c in found]

    # -- weights -----------------------------------------------------------------------
    def freight_weights(self, vehicle: Vehicle | None):
        """The freight weights (``free``, ``avoid``, ``penalised``, ``inside_vehicle``) for this vehicle."""
        return self.index.weights(self.zone_set, vehicle, self.closed_arcs)

    def inside_weights(self, zone: Zone, vehicle: Vehicle | None, snaps: list[Snap]) -> np.ndarray:
        """Read-only weights of the zone's own roads for an inside vehicle (see the module docstring)."""
        w = self.freight_weights(None).inside_vehicle
        if vehicle is not None and vehicle != Vehicle():  # a vehicle with a dimension given
            w = self.router.vehicle_weights(vehicle, w)
        mask = docking.zone_arcs(self.network, zone.geometry)
        for s in snaps:
            mask[s.arc] = True
            if s.reverse_arc >= 0:
                mask[s.reverse_arc] = True
        out = np.where(mask, w, FORBIDDEN).astype(w.dtype)
        out.flags.writeable = False
        return out

    # -- matrices ------------------------------------------------------------------------
    def _ends(
        self, snap: Snap, weights: np.ndarray, *, as_source: bool, at_nodes: bool = False
    ) -> list[tuple[int, float, int, float]]:
        """``(node, end cost, arc, fraction of the arc driven)`` options to leave or reach a snapped point.

        With ``at_nodes``, a point standing on a node is also left and reached
        at that node itself (arc ``-1``): a docking point for the inside vehicles.
        """
        net = self.network
        out = []
        if at_nodes and snap.fraction >= 1 - 1e-12:
            out.append((net.head.item(snap.arc), 0.0, -1, 0.0))
        elif at_nodes and snap.fraction <= 1e-12:
            out.append((net.tail.item(snap.arc), 0.0, -1, 0.0))
        a, r, f = snap.arc, snap.reverse_arc, snap.fraction
        wa = weights.item(a)
        if wa != FORBIDDEN:
            out.append((net.head.item(a), (1 - f) * wa, a, 1 - f) if as_source else (net.tail.item(a), f * wa, a, f))
        if r >= 0:
            wr = weights.item(r)
            if wr != FORBIDDEN:
                out.append(
                    (net.head.item(r), f * wr, r, f) if as_source else (net.tail.item(r), (1 - f) * wr, r, 1 - f)
                )
        return out

    @staticmethod
    def _same_arc(o: Snap, d: Snap, weights: np.ndarray) -> tuple[float, int, float] | None:
        """``(cost, arc, fraction)`` of driving along the one segment both points lie on, if possible."""
        if o.arc != d.arc:
            return None
        best = None
        if weights[o.arc] != FORBIDDEN and d.fraction >= o.fraction:
            best = ((d.fraction - o.fraction) * weights[o.arc], o.arc, d.fraction - o.fraction)
        if o.reverse_arc >= 0 and weights[o.reverse_arc] != FORBIDDEN and o.fraction >= d.fraction:
            c = (o.fraction - d.fraction) * weights[o.reverse_arc]
            if best is None or c < best[0]:
                best = (c, o.reverse_arc, o.fraction - d.fraction)
        return best

    def pair_matrix(
        self, sources: list[Snap], targets: list[Snap], weights: np.ndarray, role: str, *, at_nodes: bool = False
    ) -> np.ndarray:
        """``[len(sources), len(targets)]`` least costs (deciseconds, ``inf`` where unreachable) with one
        many-to-many engine call over the points' end nodes (see the module docstring; ``at_nodes`` as in
        :meth:`_ends`)."""
        src = [self._ends(s, weights, as_source=True, at_nodes=at_nodes) for s in sources]
        dst = [self._ends(t, weights, as_source=False, at_nodes=at_nodes) for t in targets]
        s_nodes = sorted({o[0] for opts in src for o in opts})
        t_nodes = sorted({o[0] for opts in dst for o in opts})
        out = np.full((len(sources), len(targets)), np.inf)
        if s_nodes and t_nodes:
            with self.router.pool.using(role, weights) as engine:
                raw = engine.matrix(s_nodes, t_nodes)
            s_at = {n: k for k, n in enumerate(s_nodes)}
            t_at = {n: k for k, n in enumerate(t_nodes)}
            for a in range(3):
                rows = [i for i, opts in enumerate(src) if len(opts) > a]
                if not rows:
                    continue
                r_idx = np.array([s_at[src[i][a][0]] for i in rows])
                r_cost = np.array([src[i][a][1] for i in rows])
                for b in range(3):
                    cols = [j for j, opts in enumerate(dst) if len(opts) > b]
                    if not cols:
                        continue
                    c_idx = np.array([t_at[dst[j][b][0]] for j in cols])
                    c_cost = np.array([dst[j][b][1] for j in cols])
                    # the same order of additions as the freight rule's: (matrix + source end) + target end
                    cand = raw[r_idx][:, c_idx] + r_cost[:, None] + c_cost[None, :]
                    block = out[np.ix_(rows, cols)]
                    out[np.ix_(rows, cols)] = np.minimum(block, cand)
        by_arc: dict[int, list[int]] = {}
        for j, t in enumerate(targets):
            by_arc.setdefault(t.arc, []).append(j)
        for i, s in enumerate(sources):
            for j in by_arc.get(s.arc, ()):
                direct = self._same_arc(s, targets[j], weights)
                if direct is not None and direct[0] <= out[i, j]:
                    out[i, j] = float(direct[0])
        return out

    def truck_matrix(self, points: list, snaps: list[Snap], vehicle: Vehicle | None) -> tuple[np.ndarray, dict]:
        """The closed-loop travel time (deciseconds) of every ordered pair of outside points for one truck.

        Returns the matrix (``inf`` where no legal route exists, 0 on the
        diagonal) and what each pair's cost came from (``avoid``/``free`` from
        the matrices, ``ladder`` from an unpacked path; see the module docstring).
        """
        w = self.freight_weights(vehicle)
        key = vehicle_key(vehicle)
        free = self.pair_matrix(snaps, snaps, w.free, f"deliveries-free:{key}")
        avoid = self.pair_matrix(snaps, snaps, w.avoid, f"deliveries-avoid:{key}")
        cap = self.max_detour_ratio * free * (1 + 1e-12)
        fits = avoid <= cap
        out = np.where(fits, avoid, np.inf)
        ladder = [(i, j) for i, j in np.argwhere(~fits & np.isfinite(free)).tolist() if i != j]
        if ladder:
            times = self._ladder(snaps, w, key, ladder, free, cap)
            rows, cols = np.array(ladder).T
            out[rows, cols] = times
        self.ladder_pairs += len(ladder)
        np.fill_diagonal(out, 0.0)
        return out, {"pairs": len(snaps) ** 2, "ladder": len(ladder)}

    def _ladder(
        self, snaps: list[Snap], w, key: str, pairs: list[tuple[int, int]], free: np.ndarray, cap: np.ndarray
    ) -> np.ndarray:
        """The penalty-ladder time (deciseconds) of each pair, as :func:`routing.freight.closed_loop_route`
        chooses it for a one-leg trip: the first step ``K`` of :data:`PENALTY_STEPS` whose route takes at most
        the cap under the free weights; with no step fitting, the fastest route (``free``).

        The least cost ``C(K) = min over routes of T + K * I`` is concave in ``K``; the many-to-many matrices
        give it at every step, at 0 (``free``) and at twice the top step.  Where ``C(K)`` lies on the chord
        between the neighbouring steps ``K' < K < K''``, ``C`` is linear there and every route optimal at ``K``
        has ``I = (C(K'') - C(K')) / (K'' - K')``, so its time ``T = C(K) - K * I`` is exact without a path;
        failing that, the same test between ``K - 1`` and ``K + 1`` (two more matrices).
        Elsewhere a step is skipped unpacked when the bound ``C(K) - K (C(K) - C(K')) / (K - K')`` already
        exceeds the cap, and otherwise the route is unpacked and timed.

        Arc weights capped at the engine's maximum keep ``C`` concave (each arc's ``min(T + K * I, cap)`` is),
        so the chord test still proves linearity; it needs only that no arc is capped at ``K`` itself, where
        the optimal routes' costs are then ``T + K * I`` near ``K`` on both sides.  The bound, as the freight
        rule has it, is used only where no arc is capped at ``K`` or ``K'``."""
        todo = list(range(len(pairs)))
        out = np.array([free[i, j] for i, j in pairs])
        costs: dict[int, np.ndarray] = {0: free}
        steps = PENALTY_STEPS
        top = 2 * steps[0]

        def matrix(k: int) -> np.ndarray:
            if k not in costs:
                # the steps keep a metric each; the other penalties share one (their weights differ only on
                # the zones' arcs: a partial update)
                role = f"deliveries-ladder{k}:{key}" if k in steps else f"deliveries-near:{key}"
                costs[k] = self.pair_matrix(snaps, snaps, w.with_penalty(k), role)
            return costs[k]

        def on_chord(i: int, j: int, lo: int, k: int, up: int) -> float | None:
            """``T`` at ``K = k`` if ``C`` is linear on ``[lo, up]`` for the pair, else ``None``."""
            c_lo, c_k, c_up = matrix(lo)[i, j], matrix(k)[i, j], matrix(up)[i, j]
            slope = (c_up - c_lo) / (up - lo)
            if abs(c_k - (c_lo + (k - lo) * slope)) <= 1e-6 + 1e-12 * abs(c_k):
                return c_k - k * slope
            return None

        for step, k in enumerate(steps):
            if not todo:
                break
            upper = steps[step - 1] if step > 0 else top
            lower = steps[step + 1] if step + 1 < len(steps) else 0
            linear = not w.capped(k)
            bound = step > 0 and step + 1 < len(steps) and not (w.capped(k) or w.capped(lower))
            try_now, left = [], []
            for n in todo:
                i, j = pairs[n]
                c = cap[i, j]
                if linear:
                    # linear between the neighbouring steps, or else at least between K - 1 and K + 1
                    t = on_chord(i, j, lower, k, upper)
                    if t is None:
                        t = on_chord(i, j, k - 1, k, k + 1)
                    if t is not None:
                        if t <= c:
                            out[n] = t
                        else:
                            left.append(n)
                        continue
                if bound:
                    c_k, c_lo = matrix(k)[i, j], matrix(lower)[i, j]
                    if c_k - k * (c_k - c_lo) / (k - lower) > c + 1e-6 * max(1.0, c):
                        left.append(n)
                        continue
                try_now.append(n)
            if try_now:
                weights = w.with_penalty(k)
                rows = sorted({pairs[n][0] for n in try_now})
                cols = sorted({pairs[n][1] for n in try_now})
                src = {i: self._ends(snaps[i], weights, as_source=True) for i in rows}
                dst = {j: self._ends(snaps[j], weights, as_source=False) for j in cols}
                s_nodes = sorted({o[0] for opts in src.values() for o in opts})
                t_nodes = sorted({o[0] for opts in dst.values() for o in opts})
                with self.router.pool.using(f"deliveries-ladder{k}:{key}", weights) as engine:
                    # one many-to-many call prices every end option; then one path per pair is unpacked
                    raw = engine.matrix(s_nodes, t_nodes).tolist() if s_nodes and t_nodes else []
                    s_at = {v: q for q, v in enumerate(s_nodes)}
                    t_at = {v: q for q, v in enumerate(t_nodes)}
                    self.paths_unpacked += len(try_now)
                    for n in try_now:
                        i, j = pairs[n]
                        t = self._path_time(
                            engine, snaps[i], snaps[j], weights, w.free, src[i], dst[j], raw, s_at, t_at
                        )
                        if t is not None and t <= cap[i, j]:
                            out[n] = t
                        else:
                            left.append(n)
            todo = sorted(left)
        return out

    def _path_time(
        self,
        engine,
        a: Snap,
        b: Snap,
        weights: np.ndarray,
        free: np.ndarray,
        src: list,
        dst: list,
        raw: list,
        s_at: dict,
        t_at: dict,
    ) -> float | None:
        """The free-weight time of the cheapest path from ``a`` to ``b`` under ``weights`` (``engine`` carries
        them; ``raw[s_at[u]][t_at[v]]`` is its cost between end nodes), picked as the freight rule picks it:
        the first cheapest pair of end options, the along-segment drive when it is no dearer."""
        cost, pick = np.inf, None
        for s in src:
            row = raw[s_at[s[0]]]
            for t in dst:
                c = row[t_at[t[0]]] + s[1] + t[1]
                if c < cost:
                    cost, pick = float(c), (s, t)
        direct = self._same_arc(a, b, weights)
        if direct is not None and direct[0] <= cost:
            return float(direct[2] * free[direct[1]])
        if pick is None:
            return None
        s, t = pick
        path = engine.route(s[0], t[0])
        if path is None:
            return None
        arcs = np.empty(len(path.arcs) + 2, dtype=np.int64)
        arcs[0], arcs[-1] = s[2], t[2]
        arcs[1:-1] = np.fromiter(path.arcs, dtype=np.int64, count=len(path.arcs))
        fracs = np.ones(arcs.size)
        fracs[0], fracs[-1] = s[3], t[3]
        keep = fracs > 0
        arcs, fracs = arcs[keep], fracs[keep]
        return float((fracs * free[arcs]).sum()) if arcs.size else 0.0

    def inside_matrix(self, snaps: list[Snap], weights: np.ndarray, role: str) -> np.ndarray:
        """Inside-vehicle travel times (deciseconds) between the points on ``weights`` (:meth:`inside_weights`)."""
        out = self.pair_matrix(snaps, snaps, weights, role, at_nodes=True)
        np.fill_diagonal(out, 0.0)
        return out

    # -- legs ----------------------------------------------------------------------------
    def truck_leg(self, origin, destination, vehicle: Vehicle | None) -> FreightRoute:
        """The closed-loop route of one truck leg between two outside points (``[lon, lat]``).

        Raises
        ------
        NoRouteError
            If no legal truck route joins them.
        """
        return closed_loop_route(
            self.router,
            list(origin),
            list(destination),
            zones=self.active,
            vehicle=vehicle,
            departure=None,
            max_detour_ratio=self.max_detour_ratio,
            closed_arcs=self.closed_arcs,
        )

    def freight_docking_point(self, origin, stop, vehicle: Vehicle | None) -> list[float] | None:
        """The docking point :func:`routing.freight.closed_loop_route`'s transshipment chooses for a truck from
        ``origin`` delivering to ``stop`` inside a zone (``None`` if it hands over nowhere)."""
        try:
            route = self.truck_leg(origin, stop, vehicle)
        except NoRouteError:
            return None
        trans = route.transshipment
        return None if trans is None else [float(v) for v in trans.docking_point]

    def inside_path(self, a: Snap, b: Snap, weights: np.ndarray, role: str) -> InsidePath:
        """The cheapest inside-vehicle drive from ``a`` to ``b`` on ``weights`` (one path unpacked).

        Raises
        ------
        NoRouteError
            If the points are not connected on the zone's own roads.
        """
        net = self.network
        src = self._ends(a, weights, as_source=True, at_nodes=True)
        dst = self._ends(b, weights, as_source=False, at_nodes=True)
        best = None
        if src and dst:
            with self.router.pool.using(role, weights) as engine:
                m = engine.matrix([s[0] for s in src], [t[0] for t in dst]).tolist()
            for s, row in zip(src, m):
                for t, c in zip(dst, row):
                    c = c + s[1] + t[1]
                    if best is None or c < best[0]:
                        best = (c, s, t)
        direct = self._same_arc(a, b, weights)
        if direct is not None and (best is None or direct[0] <= best[0]):
            arcs, fracs, nodes, cost = [direct[1]], [direct[2]], [], float(direct[0])
        elif best is None or not np.isfinite(best[0]):
            raise NoRouteError(
                f"no inside-vehicle route from {[a.lon, a.lat]} to {[b.lon, b.lat]} on the zone's roads",
                zh=f"在区域内道路上，区内车辆无法从 {[a.lon, a.lat]} 到达 {[b.lon, b.lat]}",
            )
        else:
            cost, s, t = best
            with self.router.pool.using(role, weights) as engine:
                path = engine.route(s[0], t[0])
            nodes = list(path.nodes) if path is not None else [s[0]]
            inner = list(path.arcs) if path is not None else []
            arcs = [s[2], *inner, t[2]]
            fracs = [s[3], *([1.0] * len(inner)), t[3]]
            keep = [k for k, arc in enumerate(arcs) if arc >= 0]  # a node end drives no partial arc
            arcs, fracs = [arcs[k] for k in keep], [fracs[k] for k in keep]
        arcs_a = np.asarray(arcs, dtype=np.int64)
        fracs_a = np.asarray(fracs, dtype=float)
        length = float((fracs_a * net.length_m[arcs_a]).sum()) if arcs_a.size else 0.0
        coords = [(a.snapped_lon, a.snapped_lat)]
        coords += [(float(net.node_lon[n]), float(net.node_lat[n])) for n in nodes]
        coords.append((b.snapped_lon, b.snapped_lat))
        dedup = [coords[0]] + [c for p, c in zip(coords[:-1], coords[1:]) if c != p]
        if len(dedup) == 1:
            dedup.append(dedup[0])
        return InsidePath(length_m=length, travel_time_ds=float(cost), coordinates=tuple(dedup))


def check_finite_point(point, field_name: str) -> tuple[float, float]:
    """``point`` as a ``(lon, lat)`` tuple of floats.

    Raises
    ------
    InvalidInputError
        If it is not two finite WGS-84 numbers.
    """
    if not isinstance(point, list | tuple | np.ndarray) or len(point) != 2:
        raise InvalidInputError(
            f"`{field_name}` was {point!r}; expected [lon, lat]", zh=f"`{field_name}` 为 {point!r}；应为 [经度, 纬度]"
        )
    try:
        lon, lat = float(point[0]), float(point[1])
    except (TypeError, ValueError) as err:
        raise InvalidInputError(
            f"`{field_name}` was {point!r}; expected [lon, lat] numbers",
            zh=f"`{field_name}` 为 {point!r}；应为 [经度, 纬度] 两个数值",
        ) from err
    if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInputError(
            f"`{field_name}` was {point!r}; expected WGS-84 [lon, lat] (lon in -180..180, lat in -90..90)",
            zh=f"`{field_name}` 为 {point!r}；应为 WGS-84 [经度, 纬度]（经度 -180..180，纬度 -90..90）",
        )
    return lon, lat
