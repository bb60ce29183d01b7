"""Docking / handover points (接驳点) of an emergency zone: one definition, for planning and routing.

A valid docking point (:func:`docking_candidates`) is a road node *outside* the
zone at the outside end of a road crossing its boundary into the zone (an arc
from it to a node inside or on the polygon) that an inside vehicle may drive,
and that an outside truck reaches *without entering the zone*: on truck
weights with every zone arc forbidden (arcs touching an inside node or
intersecting the polygon, :func:`zone_arcs`), it is reached from a sizeable
outside strongly connected component (or the largest) -- the outside network
trucks come from -- or, when reference nodes such as hubs are given, from the
first one's.  For a pickup out of the zone it is the same with the directions
turned round: the end of a crossing out of the zone, from which the truck
reaches that network.  The inside vehicle drives on the zone's own roads
(:func:`inside_road_weights`: the zone arcs, plus the segments the points it
serves are snapped to), and off them only where they do not connect (each
second off them weighs :data:`OFF_ZONE_FACTOR` seconds).

The planner (:func:`plan_docking_points`, ``POST /zones/{id}/docking-points``)
chooses ``k`` valid points by p-median on the inside vehicle's travel time
from each to the inside demand sites; closed-loop routing's transshipment
(:mod:`routing.freight.transship`) hands over only at a valid point (of
those, the one with the fastest whole chain), so every point routing uses is
one the planner accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from geo import prepared
from geo.errors import InfeasibleError, InvalidInputError
from routing.engine import FORBIDDEN, MAX_ARC_WEIGHT
from routing.graph import component_labels
from routing.network import Snap
from routing.stations import Demand, node_endpoint, p_median, snap_endpoint, travel_time_matrix

#: at most this many inside road nodes stand in for demand when the zone holds no demand site
MAX_NODE_DEMAND = 300
#: an outside strongly connected component counts as "the outside network" from this size
MIN_COMPONENT_NODES = 20
MIN_COMPONENT_SHARE = 0.01


@dataclass(frozen=True)
class DockingPoint:
    node: int
    lon: float
    lat: float
    #: the boundary-crossing arc (outside node -> inside node)
    arc: int
    road: str | None
    ref: str | None
    highway: str
    served: tuple[str, ...]
    served_weight: float
    mean_time_s: float | None


@dataclass(frozen=True)
class DockingPlan:
    zone_id: str
    points: tuple[DockingPoint, ...]
    candidates: int
    candidate_nodes: tuple[int, ...]
    rejected: tuple[dict, ...]
    demand_source: str
    objective: float
    unserved: tuple[str, ...]


def inside_nodes(network, polygon) -> np.ndarray:
    """Boolean mask of the nodes inside (or on) a WGS-84 polygon."""
    return prepared.contains_xy(polygon, network.node_lon, network.node_lat) | prepared.intersects_xy(
        polygon.boundary, network.node_lon, network.node_lat
    )


def zone_arcs(network, polygon, inside: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the arcs that enter the zone: touching an inside node or crossing the polygon."""
    inside = inside_nodes(network, polygon) if inside is None else inside
    mask = inside[network.tail] | inside[network.head]
    mask[network.arcs_intersecting(polygon)] = True
    return mask


#: An inside vehicle's weight off the zone's own roads, times its weight on them: it leaves them only where
#: they do not connect a docking point with a stop (a road of the zone cut by its boundary), and briefly.
OFF_ZONE_FACTOR = 1 << 10


def inside_road_mask(zone_mask: np.ndarray, snaps: Sequence[Snap] = ()) -> np.ndarray:
    """The zone's own roads (``zone_mask``) and the segments ``snaps`` lie on (both directions)."""
    mask = zone_mask.copy()
    for s in snaps:
        mask[s.arc] = True
        if s.reverse_arc >= 0:
            mask[s.reverse_arc] = True
    return mask


def inside_road_weights(weights: np.ndarray, zone_mask: np.ndarray, snaps: Sequence[Snap] = ()) -> np.ndarray:
    """The inside vehicle's weights: ``weights`` on the zone's own roads and the segments ``snaps`` lie on
    (:func:`inside_road_mask`), :data:`OFF_ZONE_FACTOR` times them (at most ``MAX_ARC_WEIGHT``) elsewhere;
    forbidden stays forbidden.  Read-only."""
    mask = inside_road_mask(zone_mask, snaps)
    w = np.asarray(weights, dtype=np.int64)
    off = np.where(w == FORBIDDEN, FORBIDDEN, np.minimum(w * OFF_ZONE_FACTOR, MAX_ARC_WEIGHT))
    out = np.where(mask, w, off).astype(weights.dtype)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class DockingCandidates:
    """The valid docking points of one zone for one pair of weight vectors (see the module docstring).

    ``nodes`` (sorted) are the docking points of a handover *into* the zone, ``arcs[i]`` the crossing
    arc from ``nodes[i]`` into it; ``pickup_nodes`` / ``pickup_arcs`` those of a pickup *out of* the
    zone (the crossing arc out of the zone to the point).  ``rejected`` are the crossing points into the
    zone that the truck cannot reach without entering it.
    """

    zone_id: str
    inside: np.ndarray  # bool per node: inside or on the zone polygon
    zone_mask: np.ndarray  # bool per arc: the zone's own roads (:func:`zone_arcs`)
    nodes: np.ndarray
    arcs: np.ndarray
    pickup_nodes: np.ndarray
    pickup_arcs: np.ndarray
    rejected: tuple[dict, ...]

    def accepts(self, node: int, *, end: str = "destination") -> bool:
        """Whether ``node`` is a valid docking point of the zone for a stop inside it at ``end`` of a trip
        (``destination``: goods handed over into the zone; ``origin``: picked up out of it)."""
        nodes = self.nodes if end == "destination" else self.pickup_nodes
        i = int(np.searchsorted(nodes, node))
        return i < nodes.size and int(nodes[i]) == int(node)

    def crossing_arc(self, node: int, *, end: str = "destination") -> int:
        """The crossing arc at a valid docking point ``node`` (see :meth:`accepts`)."""
        nodes, arcs = (self.nodes, self.arcs) if end == "destination" else (self.pickup_nodes, self.pickup_arcs)
        return int(arcs[int(np.searchsorted(nodes, node))])


def _first_per_node(ends: np.ndarray, arcs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One ``(node, arc)`` per distinct node of ``ends`` (its lowest arc id), sorted by node."""
    order = np.lexsort((arcs, ends))
    ends, arcs = ends[order], arcs[order]
    first = np.ones(ends.size, dtype=bool)
    first[1:] = ends[1:] != ends[:-1]
    return ends[first].astype(np.int64), arcs[first].astype(np.int64)


def _reached(node_count: int, tail: np.ndarray, head: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Boolean mask of the nodes reached from any of ``seeds`` along the arcs ``tail -> head``."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    # a virtual source (node ``node_count``) with an arc to every seed
    t = np.concatenate([tail, np.full(seeds.size, node_count)])
    h = np.concatenate([head, seeds])
    g = csr_matrix((np.ones(t.size, dtype=np.int8), (t, h)), shape=(node_count + 1, node_count + 1))
    order = breadth_first_order(g, node_count, directed=True, return_predecessors=False)
    out = np.zeros(node_count + 1, dtype=bool)
    out[order] = True
    return out[:node_count]


def docking_candidates(
    network,
    zone,
    truck_weights: np.ndarray,
    inside_weights: np.ndarray,
    *,
    reference_nodes: Sequence[int] = (),
) -> DockingCandidates:
    """The valid docking points of ``zone``: outside ends of boundary crossings the inside vehicle may drive
    (``inside_weights``) that a truck on ``truck_weights`` reaches from (for a pickup: leaves to) the
    outside network without entering the zone -- every sizeable outside strongly connected component and
    the largest, with the zone's arcs forbidden, or the first reference node's.  No error: a zone may
    have none."""
    net = network
    inside = inside_nodes(net, zone.geometry)
    zmask = zone_arcs(net, zone.geometry, inside)
    t_in, h_in = inside[net.tail], inside[net.head]
    usable = inside_weights != FORBIDDEN
    entering = np.nonzero(~t_in & h_in & usable)[0]
    leaving = np.nonzero(t_in & ~h_in & usable)[0]
    into_nodes, into_arcs = _first_per_node(net.tail[entering], entering)
    out_nodes, out_arcs = _first_per_node(net.head[leaving], leaving)
    empty = np.zeros(0, dtype=np.int64)
    if into_nodes.size == 0 and out_nodes.size == 0:
        return DockingCandidates(zone.id, inside, zmask, empty, empty, empty, empty, ())
    w_out = outside_weights(truck_weights, zmask)
    ok_arc = w_out != FORBIDDEN
    labels = component_labels(net.node_count, net.tail, net.head, ok_arc)
    if reference_nodes:
        ok_labels = np.array([int(labels[int(reference_nodes[0])])])
        ref_what = f"reference node {int(reference_nodes[0])}"
    else:
        # every sizeable outside component counts (a zone may split the network, e.g. a valley, in two),
        # and the largest always does (a small network's outside may be smaller than the floor)
        outside_idx = np.nonzero(~inside)[0]
        counts = np.bincount(labels[outside_idx])
        floor = max(MIN_COMPONENT_NODES, MIN_COMPONENT_SHARE * outside_idx.size)
        ok_labels = np.union1d(np.nonzero(counts >= floor)[0], [int(np.argmax(counts))])
        ref_what = f"any outside road component of at least {int(floor)} nodes"
    seeds = np.nonzero(np.isin(labels, ok_labels) & ~inside)[0]
    tail, head = net.tail[ok_arc], net.head[ok_arc]
    reached = _reached(net.node_count, tail, head, seeds)  # the truck comes from the outside network
    leaves = _reached(net.node_count, head, tail, seeds)  # ... and goes back to it
    ok = reached[into_nodes]
    rejected = tuple(
        {
            "node": int(u),
            "point": [float(net.node_lon[u]), float(net.node_lat[u])],
            "road": net.name[a],
            "reason": f"not reachable from {ref_what} without entering the zone",
        }
        for u, a in zip(into_nodes[~ok].tolist(), into_arcs[~ok].tolist())
    )
    out_ok = leaves[out_nodes]
    return DockingCandidates(
        zone.id, inside, zmask, into_nodes[ok], into_arcs[ok], out_nodes[out_ok], out_arcs[out_ok], rejected
    )


def outside_weights(weights: np.ndarray, zone_mask: np.ndarray) -> np.ndarray:
    w = weights.copy()
    w[zone_mask] = FORBIDDEN
    return w


def crossing_arcs(network, inside: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Arcs from an outside node to an inside node that trucks may use (entering the zone)."""
    tail_in, head_in = inside[network.tail], inside[network.head]
    return np.nonzero(~tail_in & head_in & (weights != FORBIDDEN))[0]


def snap_on_side(router, zone, points: Sequence[Sequence[float]], field_names: list[str]) -> list[Snap]:
    """``points`` snapped as closed-loop routing snaps a trip's stops (:func:`routing.freight.snapping.snap_stops`):
    on their side of the zone's boundary when a road there lies within the snap limit."""
    from routing.freight.snapping import snap_stops

    zs = router.freight_index.zone_set([zone])
    return snap_stops(router, zs, list(points), field_names=field_names)[0]


def plan_docking_points(
    router,
    zone,
    k: int,
    *,
    demand: Sequence[Demand] = (),
    reference_nodes: Sequence[int] = (),
    seed: int = 0,
    solver=None,
) -> DockingPlan:
    """Choose ``k`` docking points for ``zone`` serving its inside demand.

    Raises
    ------
    InvalidInputError
        If ``k`` < 1.
    InfeasibleError
        If no road crossing the boundary is reachable from outside without entering
        the zone, or ``k`` exceeds the number of valid crossing points.
    """
    if not isinstance(k, int) or k < 1:
        raise InvalidInputError(f"`k` was {k!r}; expected an integer >= 1", zh=f"`k` 为 {k!r}；应为不小于 1 的整数")
    net = router.network
    inside = inside_nodes(net, zone.geometry)
    if not inside.any():
        raise InfeasibleError(
            f"zone {zone.id!r} holds no road node of the network; no road crosses into it",
            zh=f"区域 {zone.id!r} 内没有路网节点；没有道路进入该区域",
        )
    # the inside vehicle's weights: the network's own (an inside vehicle is no truck), on the zone's roads
    base = net.base_weights
    cands = docking_candidates(net, zone, router.truck_weights, base, reference_nodes=reference_nodes)
    rejected = list(cands.rejected)
    if cands.nodes.size == 0:
        raise InfeasibleError(
            f"no road crossing the boundary of zone {zone.id!r} is reachable from outside without "
            f"entering the zone ({len(rejected)} crossing point(s) rejected)",
            zh=f"区域 {zone.id!r} 边界上没有一处道路交叉点能从区外不进入该区域到达（{len(rejected)} 个交叉点被排除）",
        )
    cand_nodes = cands.nodes.tolist()
    by_node = dict(zip(cand_nodes, cands.arcs.tolist()))
    if k > len(cand_nodes):
        raise InfeasibleError(
            f"`k` was {k} but zone {zone.id!r} has only {len(cand_nodes)} valid docking point(s) "
            "where roads cross its boundary; lower k",
            zh=f"`k` 为 {k}，但区域 {zone.id!r} 边界上道路交叉处只有 {len(cand_nodes)} 个有效接驳点；请调小 k",
        )
    inside_demand = [d for d in demand if zone.contains(d.lon, d.lat)]
    snaps: list[Snap] = []
    if inside_demand:
        demand_source = f"{len(inside_demand)} demand site(s) inside the zone"
        # snapped as a route's stop is: on the zone's side of its boundary when a road there is near enough
        snaps = snap_on_side(
            router, zone, [[d.lon, d.lat] for d in inside_demand], [f"demand {d.id}" for d in inside_demand]
        )
    else:
        nodes = np.nonzero(inside)[0]
        if nodes.size > MAX_NODE_DEMAND:
            nodes = np.sort(np.random.default_rng(seed).choice(nodes, MAX_NODE_DEMAND, replace=False))
        inside_demand = [
            Demand(
                id=f"node-{int(n)}", name=f"road node {int(n)}", lon=float(net.node_lon[n]), lat=float(net.node_lat[n])
            )
            for n in nodes
        ]
        demand_source = f"{len(inside_demand)} road node(s) inside the zone (no demand site inside)"
    w_in = inside_road_weights(base, cands.zone_mask, snaps)
    with router.pool.using(f"zone-inside:{zone.id}", w_in) as engine:
        src = [node_endpoint(n) for n in cand_nodes]
        if snaps:
            dst = [snap_endpoint(net, s, w_in, as_source=False) for s in snaps]
        else:
            dst = [node_endpoint(int(d.id.split("-")[1])) for d in inside_demand]
        cost = travel_time_matrix(engine, src, dst)
    if not np.isfinite(cost).any():
        raise InfeasibleError(
            f"no inside demand of zone {zone.id!r} is reachable by an inside vehicle "
            f"from any of its {len(cand_nodes)} docking points",
            zh=f"区域 {zone.id!r} 的 {len(cand_nodes)} 个接驳点均无法由区内车辆到达区内任何需求点",
        )
    result = p_median(cost, k, weights=[d.weight for d in inside_demand], solver=solver)
    points = []
    for j in result.chosen:
        node = cand_nodes[j]
        arc = by_node[node]
        served = [i for i, a in enumerate(result.assignment) if a == j]
        times = [result.assigned_time_s[i] for i in served]
        points.append(
            DockingPoint(
                node=node,
                lon=float(net.node_lon[node]),
                lat=float(net.node_lat[node]),
                arc=arc,
                road=net.name[arc],
                ref=net.ref[arc],
                highway=str(net.highway[arc]),
                served=tuple(inside_demand[i].id for i in served),
                served_weight=float(sum(inside_demand[i].weight for i in served)),
                mean_time_s=float(np.mean(times)) if times else None,
            )
        )
    return DockingPlan(
        zone_id=zone.id,
        points=tuple(points),
        candidates=len(cand_nodes),
        candidate_nodes=tuple(cand_nodes),
        rejected=tuple(rejected),
        demand_source=demand_source,
        objective=result.objective,
        unserved=tuple(inside_demand[i].id for i in result.unserved),
    )
