"""Seeded delivery scenarios on a real road network (for ``bench_deliveries`` and the planner's tests).

A scenario puts ``zones`` sealed zones (discs of 350-600 m around random
road nodes, kept apart), ``stops`` drops on random nodes of the truck
network's main component (a few metres off the road, a share of them inside
the zones, half with a two-hour window), one or two logistics hubs outside
the zones, outside trucks at the hubs and two inside vehicles per zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import shapely

from geo.zones import Zone
from routing.deliveries import DeliveryProblem, Depot, Stop, VehicleType
from routing.router import Vehicle

TZ = timezone(timedelta(hours=8))
START = datetime(2026, 12, 1, 7, 0, tzinfo=TZ)
SHIFT_H = 10


def main_nodes(router) -> np.ndarray:
    """Nodes of the truck network's largest strongly connected component."""
    from routing.engine import FORBIDDEN
    from routing.graph import component_labels

    net = router.network
    labels = component_labels(net.node_count, net.tail, net.head, router.truck_weights != FORBIDDEN)
    return np.nonzero(labels == np.argmax(np.bincount(labels)))[0]


def scenario(
    router,
    *,
    seed: int,
    stops: int,
    zones: int,
    trucks: int,
    inside_per_zone: int = 2,
    inside_share: float = 0.15,
    windows: bool = True,
    hubs: int = 1,
    truck_capacity: int | None = None,
    vehicle: Vehicle | None = None,
    max_duration_s: float | None = None,
) -> DeliveryProblem:
    """A seeded :class:`DeliveryProblem` on the router's network (see the module docstring)."""
    net = router.network
    rng = np.random.default_rng(seed)
    main = main_nodes(router)
    x, y = net.node_xy
    centres: list[int] = []
    polys = []
    tries = 0
    while len(centres) < zones and tries < 1000:
        tries += 1
        c = int(rng.choice(main))
        r = float(rng.uniform(350, 600))
        if any(np.hypot(x[c] - x[o], y[c] - y[o]) < 1800 for o in centres):
            continue
        centres.append(c)
        polys.append(shapely.Point(float(x[c]), float(y[c])).buffer(r, quad_segs=8))
    zone_list = [
        Zone(id=f"z{k + 1}", name=f"封控区 {k + 1}", risk="sealed", geometry=net.projection.inverse_geom(p))
        for k, p in enumerate(polys)
    ]
    union = shapely.union_all(polys) if polys else shapely.Polygon()
    shapely.prepare(union)
    far = shapely.buffer(union, 150)  # stops and hubs outside keep clear of the boundary
    shapely.prepare(far)
    inside_nodes = np.concatenate(
        [_zone_core(router, z, p) for z, p in zip(zone_list, polys)] + [np.zeros(0, dtype=np.int64)]
    )
    outside_nodes = main[~shapely.contains_xy(far, x[main], y[main])]
    n_in = min(int(round(stops * inside_share)), inside_nodes.size) if zones else 0
    picked = list(rng.choice(inside_nodes, n_in, replace=False)) if n_in else []
    picked += list(rng.choice(outside_nodes, stops - n_in, replace=False))
    hub_nodes = rng.choice(outside_nodes, hubs, replace=False)
    depots = [
        Depot(id=f"hub{k + 1}", point=_near(net, rng, int(n), 0.0), kind="logistics_hub")
        for k, n in enumerate(hub_nodes)
    ]
    stop_list = []
    for k, n in enumerate(picked):
        window = None
        if windows and rng.random() < 0.5:
            open_h = float(rng.uniform(1, SHIFT_H - 3))
            window = (START + timedelta(hours=open_h), START + timedelta(hours=open_h + 2))
        stop_list.append(
            Stop(
                id=f"s{k + 1}",
                point=_near(net, rng, int(n), 8.0),
                demand=int(rng.integers(1, 6)),
                service_time_s=float(rng.integers(60, 301)),
                window=window,
            )
        )
    total = sum(s.demand for s in stop_list)
    cap = truck_capacity or max(10, int(np.ceil(1.6 * total / max(1, trucks))))
    per_hub = [trucks // hubs + (1 if k < trucks % hubs else 0) for k in range(hubs)]
    fleet = [
        VehicleType(
            id=f"truck{k + 1}",
            capacity=cap,
            count=c,
            shift_start=START,
            shift_end=START + timedelta(hours=SHIFT_H),
            depot_id=depots[k].id,
            max_duration_s=max_duration_s,
            vehicle=vehicle,
        )
        for k, c in enumerate(per_hub)
        if c
    ]
    for z in zone_list:
        fleet.append(
            VehicleType(
                id=f"van-{z.id}",
                capacity=max(10, cap // 2),
                count=inside_per_zone,
                shift_start=START,
                shift_end=START + timedelta(hours=SHIFT_H),
                zone_id=z.id,
            )
        )
    return DeliveryProblem(depots=tuple(depots), stops=tuple(stop_list), fleet=tuple(fleet), zones=tuple(zone_list))


def _zone_core(router, zone: Zone, poly_xy) -> np.ndarray:
    """The inside nodes of a zone's largest strongly connected piece of its own roads (an inside vehicle
    reaches them from the roads entering the zone)."""
    from routing import docking
    from routing.engine import FORBIDDEN
    from routing.graph import component_labels

    net = router.network
    x, y = net.node_xy
    w = router.truck_weights.copy()
    w[~docking.zone_arcs(net, zone.geometry)] = FORBIDDEN
    labels = component_labels(net.node_count, net.tail, net.head, w != FORBIDDEN)
    inside = np.nonzero(shapely.contains_xy(poly_xy, x, y))[0]
    if inside.size == 0:
        return inside
    core = np.bincount(labels[inside]).argmax()
    return inside[labels[inside] == core]


def _near(net, rng, node: int, jitter_m: float) -> tuple[float, float]:
    x, y = net.node_xy
    px = float(x[node]) + float(rng.uniform(-jitter_m, jitter_m))
    py = float(y[node]) + float(rng.uniform(-jitter_m, jitter_m))
    lon, lat = net.projection.inverse(px, py)
    return float(lon), float(lat)
