"""Route choice: free, avoid within the detour cap, or the penalty ladder -- and the explanation.

See :mod:`routing.freight` for the rule.  :func:`choose_route` applies it to a
list of stops and returns a :class:`RouteChoice`; :func:`penalty_ladder` is
rule 3 on its own; :func:`explain_choice` words the decision.  The building
blocks :func:`cheapest`, :func:`best`, :func:`path_of` and :func:`time_within`
are public so that tests can run the rule step by step.  The rule itself asks
the same queries but takes a path as arc ids and turns it into a :data:`Piece`
in one compiled pass (:func:`best_piece`), asks for costs alone where no path may
be needed (:func:`cheapest`: the ladder's bounds, the free route's cost; the
search's path left packed), and skips the avoid query where :func:`avoid_apart`
already knows its answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.errors import NoRouteError
from geo.i18n import Text, format_duration
from routing import kernels
from routing.engine import FORBIDDEN, PathResult
from routing.freight.weights import INSIDE_FACTOR, PENALTY_STEPS, Weights
from routing.freight.zones import ZoneSet
from routing.network import WEIGHT_UNIT_S, RoadNetwork, Snap
from routing.paths import Drive, drive_along, path_parts, same_arc_cost, snap_ends
from routing.router import Router, Vehicle

#: ``(cost, path)`` of one pair of consecutive stops; ``path`` is ``None`` along one segment (or not unpacked).
Found = tuple[float, PathResult | None]
#: What :func:`routing.kernels.drive_parts` answers for the path of one pair of consecutive stops:
#: ``(arcs, fracs, points, part_len, part_time, steps, repeats, first_main, last_main)``.
Piece = tuple


@dataclass(frozen=True)
class Ladder:
    """What :func:`penalty_ladder` found.

    ``penalty`` is the first step of :data:`PENALTY_STEPS` whose route fits the
    cap (``None`` if none does); ``found``, ``parts`` and ``time`` are that
    route's per-pair ``(cost, path)``, per-pair arcs and fractions, and its time
    under the free weights.  ``unpacked`` lists the steps whose paths were
    unpacked and timed, in order (the others were skipped by the bound).
    """

    penalty: int | None
    found: list[Found] | None
    parts: list[tuple[np.ndarray, np.ndarray]] | None
    time: float | None
    unpacked: tuple[int, ...]
    pieces: list[Piece | None] | None = None


@dataclass(frozen=True)
class RouteChoice:
    """The decision of :func:`choose_route` for one list of stops.

    ``choice`` is ``free``, ``avoid`` or ``min_inside``; ``found`` the chosen
    ``(cost, path)`` per pair of consecutive stops; ``free_cost`` and
    ``avoid_cost`` the rule's costs (deciseconds; ``avoid_cost`` ``None`` when
    not computed or no avoiding route exists); ``penalty`` the ``K`` taken
    (``INSIDE_FACTOR`` for a closed-loop delivery, ``0`` when no ladder step
    fits, ``None`` for ``free`` / ``avoid``); ``cap`` the detour cap;
    ``parts`` and ``time`` the chosen paths' parts and time when already known,
    ``pieces`` their :data:`Piece` per pair (``None`` for a pair along one segment).
    """

    choice: str
    found: list[Found]
    free_cost: float
    avoid_cost: float | None
    penalty: int | None
    cap: float
    parts: list[tuple[np.ndarray, np.ndarray]] | None = None
    time: float | None = None
    unpacked: tuple[int, ...] = ()
    pieces: list[Piece | None] | None = None

    def drive(self, net: RoadNetwork, stops: list[Snap]) -> Drive:
        """The chosen drive through ``stops`` (its parts' lengths and times already known for one
        pair whose :data:`Piece` is)."""
        piece = self.single_piece
        if piece is not None:
            arcs, fracs, points, part_len, part_time = piece[:5]
            cost = self.found[0][0]
            return Drive(arcs, fracs, points, float(cost), {"len": part_len, "time": part_time})
        return concat(net, stops, self.found, self.parts)

    @property
    def single_piece(self) -> Piece | None:
        """The one pair's :data:`Piece` of a drive between two stops whose path was unpacked, else ``None``."""
        if self.pieces is None or len(self.pieces) != 1 or self.pieces[0] is None:
            return None
        return self.pieces[0]


# ----------------------------------------------------------------------------------
# building blocks
# ----------------------------------------------------------------------------------
def cheapest(router: Router, a: Snap, b: Snap, weights: np.ndarray, slot: str) -> tuple[float, tuple[int, int] | None]:
    """The cost from ``a`` to ``b`` under ``weights`` and the ``(source, target)`` nodes of the engine path
    that achieves it (``None`` when the way stays on the one segment both points lie on).

    The same ends and costs as :meth:`Router.route_between` and :func:`best_piece`: the same multi-source
    search, its path left packed (:meth:`Engine.cost_multi_nodes`): the ladder's bounds and the free
    route's cost need no path, and unpacking is about half of a search on a city's network.

    Raises
    ------
    NoRouteError
        If the points are not connected under these weights.
    """
    net = router.network
    direct = same_arc_cost(a, b, weights)
    src = snap_ends(net, a, weights, as_source=True)
    dst = snap_ends(net, b, weights, as_source=False)
    found = None
    if src and dst:
        with router.pool.using(slot, weights) as engine:
            found = engine.cost_multi_nodes(src, dst)
    if direct is not None and (found is None or direct <= found[0]):
        return float(direct), None
    if found is None:
        raise NoRouteError(
            f"no truck route from {[a.lon, a.lat]} to {[b.lon, b.lat]} on the current network",
            zh=f"在当前路网上没有从 {[a.lon, a.lat]} 到 {[b.lon, b.lat]} 的货车路线",
        )
    return float(found[0]), (found[2], found[3])


def path_of(router: Router, weights: np.ndarray, slot: str, ends: tuple[int, int] | None) -> PathResult | None:
    """The engine path between the nodes :func:`cheapest` picked (``None`` stays on one segment)."""
    if ends is None:
        return None
    with router.pool.using(slot, weights) as engine:
        return engine.route(*ends)


def best(router: Router, a: Snap, b: Snap, weights: np.ndarray, slot: str, *, want_path: bool = True) -> Found:
    """Like :meth:`Router.route_between` (same ends, same costs, same metric slots): :func:`cheapest`,
    then only the chosen pair's path is unpacked (not at all without ``want_path``).

    Raises
    ------
    NoRouteError
        If the points are not connected under these weights.
    """
    if want_path:  # one multi-source query answers the cost and unpacks the chosen pair's path
        cost, path = router.route_between(a, b, weights, slot=slot)
        return float(cost), path
    return cheapest(router, a, b, weights, slot)[0], None


def piece_of(router: Router, a: Snap, b: Snap, path: np.ndarray, s_node: int, t_node: int) -> Piece:
    """The :data:`Piece` of an engine path (``path``: its arc ids from node ``s_node`` to ``t_node``)
    from ``a`` to ``b``: the same parts, vertices, lengths and times as :func:`path_parts`,
    :func:`drive_along` and :class:`Drive` find, in one compiled pass."""
    net = router.network
    return kernels.drive_parts(
        path,
        s_node,
        t_node,
        a.arc,
        a.reverse_arc,
        a.fraction,
        a.snapped_lon,
        a.snapped_lat,
        b.arc,
        b.reverse_arc,
        b.fraction,
        b.snapped_lon,
        b.snapped_lat,
        net.tail,
        net.head,
        net.node_lon,
        net.node_lat,
        net.length_m,
        net.travel_time_s,
        router.main_road_mask,
    )


def best_piece(router: Router, a: Snap, b: Snap, weights: np.ndarray, slot: str) -> tuple[float, Piece | None]:
    """:func:`best` with the path: the same query, ends and cost as :meth:`Router.route_between`, the path
    as a :data:`Piece` (``None`` when the way stays on the one segment both points lie on).

    Raises
    ------
    NoRouteError
        If the points are not connected under these weights.
    """
    net = router.network
    direct = same_arc_cost(a, b, weights)
    src = snap_ends(net, a, weights, as_source=True)
    dst = snap_ends(net, b, weights, as_source=False)
    with router.pool.using(slot, weights) as engine:
        found = engine.route_multi_nodes(src, dst)
    if direct is not None and (found is None or direct <= found[0]):
        return float(direct), None
    if found is None:
        raise NoRouteError(
            f"no truck route from {[a.lon, a.lat]} to {[b.lon, b.lat]} on the current network",
            zh=f"在当前路网上没有从 {[a.lon, a.lat]} 到 {[b.lon, b.lat]} 的货车路线",
        )
    total, _cost, s_node, t_node, arcs = found
    return float(total), piece_of(router, a, b, arcs, s_node, t_node)


def piece_parts(net: RoadNetwork, a: Snap, b: Snap, piece: Piece | None) -> tuple[np.ndarray, np.ndarray]:
    """The arcs and fractions of a pair's :data:`Piece` (along the one segment: :func:`path_parts`)."""
    return path_parts(net, a, b, None) if piece is None else (piece[0], piece[1])


def avoid_apart(router: Router, w: Weights, a: Snap, b: Snap) -> bool:
    """Whether no route avoiding the zones can join ``a`` to ``b``, known without a query: every way out of
    ``a`` and into ``b`` under ``w.avoid`` (:func:`snap_ends`) lies in a different weakly connected
    component of the arcs it allows (:meth:`Weights.avoid_parts`), and the two do not share a segment.
    ``False`` says nothing: :func:`cheapest` answers."""
    net = router.network
    if same_arc_cost(a, b, w.avoid) is not None:
        return False
    parts = w.avoid_parts(net.tail, net.head, net.node_count)
    out = {parts.item(n) for n, _ in snap_ends(net, a, w.avoid, as_source=True)}
    return not any(parts.item(n) in out for n, _ in snap_ends(net, b, w.avoid, as_source=False))


def route_or_explain(
    router: Router, a: Snap, b: Snap, weights: np.ndarray, slot: str, vehicle: Vehicle | None, closed_arcs=None
) -> Found:
    """:meth:`Router.route_between`, or a :class:`NoRouteError` that names the limit blocking the trip.

    Raises
    ------
    NoRouteError
        If the points are not connected; the message names the vehicle limit or the closures.
    """
    try:
        return router.route_between(a, b, weights, slot=slot)
    except NoRouteError as err:
        net = router.network
        base = net.base_weights.copy()
        if closed_arcs is not None and len(closed_arcs):
            base[np.asarray(closed_arcs, dtype=np.int64)] = FORBIDDEN
        raise NoRouteError(router.explain_no_route(a, b, vehicle, base)) from err


def concat(net: RoadNetwork, stops: list[Snap], found: list[Found], parts: list | None = None) -> Drive:
    """The drive through ``stops`` along the ``found`` ``(cost, path)`` of each pair (``parts`` if known)."""
    drive = None
    for k, ((a, b), (cost, path)) in enumerate(zip(zip(stops[:-1], stops[1:]), found)):
        part = drive_along(net, a, b, path, cost, None if parts is None else parts[k])
        drive = part if drive is None else drive.then(part)
    assert drive is not None, "a drive joins at least two stops"
    return drive


def time_within(
    net: RoadNetwork, stops: list[Snap], found: list[Found], free: np.ndarray, cap: float
) -> tuple[bool, list[tuple[np.ndarray, np.ndarray]], float]:
    """Whether the ``found`` paths through ``stops`` take at most ``cap`` under ``free``; their parts and time."""
    parts = [path_parts(net, a, b, path) for (a, b), (_, path) in zip(zip(stops[:-1], stops[1:]), found)]
    fits, time = parts_within(parts, free, cap)
    return fits, parts, time


def parts_within(parts: list[tuple[np.ndarray, np.ndarray]], free: np.ndarray, cap: float) -> tuple[bool, float]:
    """Whether the drive of ``parts`` (arcs and fractions per pair) takes at most ``cap`` under ``free``,
    and its time."""
    arcs, fracs = (
        parts[0] if len(parts) == 1 else (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
    )
    time = float((fracs * free[arcs]).sum()) if arcs.size else 0.0
    return arcs.size == 0 or time <= cap, time


# ----------------------------------------------------------------------------------
# the rule
# ----------------------------------------------------------------------------------
def penalty_ladder(router: Router, w: Weights, stops: list[Snap], cap: float) -> Ladder:
    """Rule 3: the first of :data:`PENALTY_STEPS` whose route takes at most ``cap`` under the free weights.

    The first step's paths are always unpacked and timed.  A later step ``k``
    is skipped without unpacking when a lower bound on its time already
    exceeds the cap: the least cost ``C(k) = min over routes of T + k * I`` is
    concave in ``k``, so any route optimal at ``k`` has ``I <= (C(k) - C(k')) /
    (k - k')`` for the next smaller step ``k'``, hence ``T = C(k) - k * I >=
    C(k) - k * (C(k) - C(k')) / (k - k')``.  The bound only holds while no arc
    weight is capped at ``MAX_ARC_WEIGHT`` (checked per step); otherwise, and
    for the last step, the paths are unpacked.  Costs come from the engine's
    multi-source distance call (no path unpacked), each step's once.
    """
    net = router.network
    pairs = list(zip(stops[:-1], stops[1:]))
    costs: dict[int, list] = {}
    unpacked: list[int] = []

    def cheapest_at(k: int) -> list:
        if k not in costs:
            costs[k] = [cheapest(router, a, b, w.with_penalty(k), w.penalty_slot(k)) for a, b in pairs]
        return costs[k]

    for i, k in enumerate(PENALTY_STEPS):
        lower = PENALTY_STEPS[i + 1] if i + 1 < len(PENALTY_STEPS) else None
        if i > 0 and lower is not None and not (w.capped(k) or w.capped(lower)):
            c_k = sum(c for c, _ in cheapest_at(k))
            c_lo = sum(c for c, _ in cheapest_at(lower))
            if c_k - k * (c_k - c_lo) / (k - lower) > cap + 1e-6 * max(1.0, cap):
                continue
        unpacked.append(k)
        # one query per pair answers the cost and the path (the same search as the bound's, if it ran: the
        # same cost, the path unpacked this time)
        weights, slot = w.with_penalty(k), w.penalty_slot(k)
        got = [best_piece(router, a, b, weights, slot) for a, b in pairs]
        costs[k] = [(c, None) for c, _ in got]
        pieces = [p for _, p in got]
        parts = [piece_parts(net, a, b, p) for (a, b), p in zip(pairs, pieces)]
        fits, time = parts_within(parts, w.free, cap)
        if fits:
            return Ladder(k, [(c, None) for c, _ in got], parts, time, tuple(unpacked), pieces)
    return Ladder(None, None, None, None, tuple(unpacked))


def choose_route(
    router: Router,
    w: Weights,
    stops: list[Snap],
    *,
    zones_in_way: bool,
    closed_loop: bool,
    max_detour_ratio: float,
    vehicle: Vehicle | None = None,
    closed_arcs=None,
) -> RouteChoice:
    """Apply the route-choice rule to the truck's ``stops`` (see :mod:`routing.freight`).

    ``zones_in_way`` says whether any arc meets a sealed/controlled zone (no:
    the fastest route is the answer); ``closed_loop`` takes ``K =
    INSIDE_FACTOR`` with no cap (a whitelist delivery that must enter a zone).

    Raises
    ------
    NoRouteError
        If two consecutive stops are not connected for this vehicle; the message names the limit.
    """
    pairs = list(zip(stops[:-1], stops[1:]))
    free_slot = w.slot("free")
    net = router.network
    free_found: list[tuple[float, Piece | None]] = []
    for a, b in pairs:
        try:
            if zones_in_way:  # the cost only: the free path is taken only when the ladder finds nothing
                free_found.append((cheapest(router, a, b, w.free, free_slot)[0], None))
            else:
                free_found.append(best_piece(router, a, b, w.free, free_slot))
        except NoRouteError:
            # route_between fails the same way; route_or_explain re-raises naming the blocking limit
            route_or_explain(router, a, b, w.free, free_slot, vehicle, closed_arcs)
            raise
    free_cost = sum(c for c, _ in free_found)
    cap = max_detour_ratio * free_cost * (1 + 1e-12)

    def chosen(choice: str, got: list[tuple[float, Piece | None]], avoid_cost, penalty, unpacked=()) -> RouteChoice:
        pieces = [p for _, p in got]
        parts = [piece_parts(net, a, b, p) for (a, b), p in zip(pairs, pieces)]
        return RouteChoice(
            choice,
            [(c, None) for c, _ in got],
            free_cost,
            avoid_cost,
            penalty,
            cap,
            parts,
            None,
            unpacked,
            pieces,
        )

    if not zones_in_way:
        return chosen("free", free_found, None, None)
    if closed_loop:
        found = [best_piece(router, a, b, w.penalised, w.slot("inside")) for a, b in pairs]
        return chosen("min_inside", found, None, INSIDE_FACTOR)
    avoid_cost = None
    if not any(avoid_apart(router, w, a, b) for a, b in pairs):  # else no avoiding route: no query asks
        try:  # one search per pair answers the cost and the path (used when the avoiding route is taken)
            avoid = [best_piece(router, a, b, w.avoid, w.slot("avoid")) for a, b in pairs]
            avoid_cost = sum(c for c, _ in avoid)
        except NoRouteError:
            avoid_cost = None
    if avoid_cost is not None and avoid_cost <= cap:
        choice = "free" if abs(avoid_cost - free_cost) <= 1e-6 * max(1.0, free_cost) else "avoid"
        return chosen(choice, avoid, avoid_cost, None)
    ladder = penalty_ladder(router, w, stops, cap)
    if ladder.penalty is None:  # nothing on the ladder fits: the fastest route
        found = [best_piece(router, a, b, w.free, free_slot) for a, b in pairs]
        return chosen("min_inside", found, avoid_cost, 0, ladder.unpacked)
    assert ladder.found is not None  # a step that fits has its paths
    return RouteChoice(
        "min_inside",
        ladder.found,
        free_cost,
        avoid_cost,
        ladder.penalty,
        cap,
        ladder.parts,
        ladder.time,
        ladder.unpacked,
        ladder.pieces,
    )


def explain_choice(
    rc: RouteChoice, zs: ZoneSet, *, inside_cost: float, closed_loop: bool, max_detour_ratio: float
) -> tuple[Text, list[str]]:
    """The explanation of a :class:`RouteChoice` for people, and the warnings it brings (:class:`Text`).

    ``inside_cost`` is the chosen drive's time inside sealed/controlled zones (deciseconds).
    """
    warnings: list[str] = []
    free_cost, avoid_cost = rc.free_cost, rc.avoid_cost
    if rc.choice == "free":
        names = ", ".join(sorted({z.id for z in zs.nostop}))
        explanation = Text(
            "The fastest legal truck route meets no sealed or controlled zone"
            + (f" (active no-stop zones: {names})." if zs.nostop else "."),
            zh="最快的合法货车路线不经过任何封控区或管控区" + (f"（生效的禁停区域：{names}）。" if zs.nostop else "。"),
        )
    elif rc.choice == "avoid":
        assert avoid_cost is not None  # an avoiding route was found
        explanation = Text(
            f"The fastest route crosses sealed/controlled zones; a route avoiding them exists at "
            f"{avoid_cost * WEIGHT_UNIT_S:.0f} s against {free_cost * WEIGHT_UNIT_S:.0f} s "
            f"(ratio {avoid_cost / max(free_cost, 1e-9):.2f} <= max_detour_ratio {max_detour_ratio}), "
            "so it is taken.",
            zh=f"最快路线穿过封控区/管控区；存在一条避开它们的路线，用时 {format_duration(avoid_cost * WEIGHT_UNIT_S)}，"
            f"最快路线用时 {format_duration(free_cost * WEIGHT_UNIT_S)}（比值 {avoid_cost / max(free_cost, 1e-9):.2f} "
            f"<= max_detour_ratio {max_detour_ratio}），因此采用避开的路线。",
        )
    else:
        if closed_loop:
            why = Text(
                "the trip is a closed-loop delivery to or from a whitelist enterprise inside a zone",
                zh="本次行程是往返区域内白名单企业的闭环配送",
            )
        elif avoid_cost is None:
            why = Text("no route avoids the sealed/controlled zones", zh="没有避开封控区/管控区的路线")
        else:
            why = Text(
                f"the avoiding route takes {avoid_cost * WEIGHT_UNIT_S:.0f} s, more than max_detour_ratio "
                f"{max_detour_ratio} x the fastest {free_cost * WEIGHT_UNIT_S:.0f} s",
                zh=f"避开的路线用时 {format_duration(avoid_cost * WEIGHT_UNIT_S)}，超过最快路线 "
                f"{format_duration(free_cost * WEIGHT_UNIT_S)} 的 max_detour_ratio {max_detour_ratio} 倍",
            )
        if closed_loop:
            how = Text(
                f"so the route minimises time inside those zones first and total time second "
                f"(cost = time + {INSIDE_FACTOR} x time inside)",
                zh=f"因此路线先使区内时间最短、再使总时间最短（代价 = 时间 + {INSIDE_FACTOR} × 区内时间）",
            )
        else:
            how = Text(
                f"so the truck passes through on the route that minimises time + {rc.penalty} x time inside, "
                f"the largest penalty whose route stays within max_detour_ratio {max_detour_ratio} x the "
                "fastest time",
                zh=f"因此货车沿使 时间 + {rc.penalty} × 区内时间 最小的路线穿过，这是路线仍在最快时间的 "
                f"max_detour_ratio {max_detour_ratio} 倍以内的最大惩罚系数",
            )
        explanation = Text(
            f"Passing through is allowed, stopping is not: {why}, {how}.",
            zh=f"允许穿行，不允许停靠：{why.zh}，{how.zh}。",
        )
        if inside_cost > 0:
            warnings.append(
                Text(
                    f"the route passes through sealed/controlled zones ({inside_cost * WEIGHT_UNIT_S:.0f} s "
                    "inside): do not stop inside them",
                    zh=f"路线穿过封控区/管控区（区内 {format_duration(inside_cost * WEIGHT_UNIT_S)}）：不得在区内停靠",
                )
            )
        else:
            explanation += Text(
                " The least-inside route found avoids them after all.",
                zh="找到的区内时间最短的路线最终还是避开了它们。",
            )
    return explanation, warnings
