"""Docking / handover points (接驳点) of an emergency zone.

A docking point is the outside end of a road that crosses the zone boundary
(an arc with one end node inside the polygon and one outside).  It must be
reachable by an outside truck *without entering the zone*: on truck weights
with every zone arc forbidden (arcs touching an inside node or intersecting
the polygon), the outside node must lie in the largest strongly connected
component -- the outside network a truck comes from and returns to (or, when
reference nodes such as hubs are given, be reachable from and back to the
first of them).  ``k`` of the valid points are chosen by p-median on the
travel time *inside the zone* (weights restricted to the zone's own arcs)
from each docking point to the inside demand sites.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from geo.errors import InfeasibleError, InvalidInputError
from routing.engine import FORBIDDEN
from routing.graph import component_labels
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
    return shapely.contains_xy(polygon, network.node_lon, network.node_lat) | shapely.intersects_xy(
        polygon.boundary, network.node_lon, network.node_lat
    )


def zone_arcs(network, polygon, inside: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of the arcs that enter the zone: touching an inside node or crossing the polygon."""
    inside = inside_nodes(network, polygon) if inside is None else inside
    mask = inside[network.tail] | inside[network.head]
    mask[network.arcs_intersecting(polygon)] = True
    return mask


def outside_weights(weights: np.ndarray, zone_mask: np.ndarray) -> np.ndarray:
    w = weights.copy()
    w[zone_mask] = FORBIDDEN
    return w


def crossing_arcs(network, inside: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Arcs from an outside node to an inside node that trucks may use (entering the zone)."""
    tail_in, head_in = inside[network.tail], inside[network.head]
    return np.nonzero(~tail_in & head_in & (weights != FORBIDDEN))[0]


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
    poly = zone.geometry
    inside = inside_nodes(net, poly)
    if not inside.any():
        raise InfeasibleError(
            f"zone {zone.id!r} holds no road node of the network; no road crosses into it",
            zh=f"区域 {zone.id!r} 内没有路网节点；没有道路进入该区域",
        )
    truck = router.truck_weights
    zmask = zone_arcs(net, poly, inside)
    w_out = outside_weights(truck, zmask)
    labels = component_labels(net.node_count, net.tail, net.head, w_out != FORBIDDEN)
    outside_idx = np.nonzero(~inside)[0]
    if reference_nodes:
        ok_labels = {int(labels[int(reference_nodes[0])])}
        ref_what = f"reference node {int(reference_nodes[0])}"
    else:
        # every sizeable outside component counts: a zone may split the network (e.g. a valley) in two
        counts = np.bincount(labels[outside_idx])
        floor = max(MIN_COMPONENT_NODES, MIN_COMPONENT_SHARE * outside_idx.size)
        ok_labels = {int(c) for c in np.nonzero(counts >= floor)[0]}
        ref_what = f"any outside road component of at least {int(floor)} nodes"
    rejected: list[dict] = []
    by_node: dict[int, int] = {}
    for a in crossing_arcs(net, inside, truck):
        u = int(net.tail[a])
        if u in by_node:
            continue
        if int(labels[u]) not in ok_labels:
            if not any(r["node"] == u for r in rejected):
                rejected.append(
                    {
                        "node": u,
                        "point": [float(net.node_lon[u]), float(net.node_lat[u])],
                        "road": net.name[a],
                        "reason": f"not reachable from {ref_what} without entering the zone",
                    }
                )
            continue
        by_node[u] = int(a)
    if not by_node:
        raise InfeasibleError(
            f"no road crossing the boundary of zone {zone.id!r} is reachable from outside without "
            f"entering the zone ({len(rejected)} crossing point(s) rejected)",
            zh=f"区域 {zone.id!r} 边界上没有一处道路交叉点能从区外不进入该区域到达（{len(rejected)} 个交叉点被排除）",
        )
    cand_nodes = sorted(by_node)
    if k > len(cand_nodes):
        raise InfeasibleError(
            f"`k` was {k} but zone {zone.id!r} has only {len(cand_nodes)} valid docking point(s) "
            "where roads cross its boundary; lower k",
            zh=f"`k` 为 {k}，但区域 {zone.id!r} 边界上道路交叉处只有 {len(cand_nodes)} 个有效接驳点；请调小 k",
        )
    # inside-only weights: the zone's own arcs (including the crossing arcs) stay usable
    w_in = truck.copy()
    w_in[~zmask] = FORBIDDEN
    inside_demand = [d for d in demand if zone.contains(d.lon, d.lat)]
    if inside_demand:
        demand_source = f"{len(inside_demand)} demand site(s) inside the zone"
        targets_fn = "sites"
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
        targets_fn = "nodes"
    with router.pool.using(f"zone-inside:{zone.id}", w_in) as engine:
        src = [node_endpoint(n) for n in cand_nodes]
        if targets_fn == "sites":
            dst = [
                snap_endpoint(net, router.snap([d.lon, d.lat], field_name=f"demand {d.id}"), w_in, as_source=False)
                for d in inside_demand
            ]
        else:
            dst = [node_endpoint(int(d.id.split("-")[1])) for d in inside_demand]
        cost = travel_time_matrix(engine, src, dst)
    if not np.isfinite(cost).any():
        raise InfeasibleError(
            f"no inside demand of zone {zone.id!r} is reachable on the zone's own roads "
            f"from any of its {len(cand_nodes)} docking points",
            zh=f"区域 {zone.id!r} 的区内需求都无法从其 {len(cand_nodes)} 个接驳点经区内道路到达",
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
