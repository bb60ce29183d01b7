"""A seeded, road-like synthetic network for scale benchmarks.

The real extracts in ``../shared/data`` are small (20k nodes); city-scale
figures need a bigger graph.  :func:`synthetic_network` builds a perturbed
grid around Jiaozuo (so the CCH's inertial-flow ordering sees real
coordinates): a fraction of the street segments is removed, some streets are
one-way, every 10th / 25th / 50th row and column is a faster arterial
(secondary / primary / trunk with a ``G``/``S`` ref) that is never removed,
and a few diagonal shortcuts are added.  Only the largest strongly connected
component is kept and the grid is sized so that at least ``nodes`` remain.
"""

from __future__ import annotations

import math

import numpy as np

from routing import roads
from routing.graph import largest_component
from routing.network import RoadNetwork, haversine_m

#: Grid origin (south-west corner) in WGS-84: Jiaozuo, Henan.
ORIGIN_LON, ORIGIN_LAT = 113.10, 35.15
SPACING_M = 90.0


def _arterial_class(index: np.ndarray) -> np.ndarray:
    """Highway class of a grid row/column by its index ('' = ordinary street)."""
    out = np.full(index.shape, "", dtype=object)
    out[index % 10 == 0] = "secondary"
    out[index % 25 == 0] = "primary"
    out[index % 50 == 0] = "trunk"
    return out


def _grid(side: int, rng: np.random.Generator, *, remove: float, oneway: float, diagonals: float):
    n = side * side
    r, c = np.divmod(np.arange(n), side)
    m_per_deg_lat = 111_320.0
    m_per_deg_lon = 111_320.0 * math.cos(math.radians(ORIGIN_LAT))
    jitter = rng.uniform(-0.2, 0.2, size=(2, n)) * SPACING_M
    lon = ORIGIN_LON + (c * SPACING_M + jitter[0]) / m_per_deg_lon
    lat = ORIGIN_LAT + (r * SPACING_M + jitter[1]) / m_per_deg_lat

    row_cls = _arterial_class(np.arange(side))
    col_cls = _arterial_class(np.arange(side))
    minor = np.array(["residential", "residential", "residential", "tertiary", "unclassified", "service"], dtype=object)

    segs_u, segs_v, segs_cls, segs_way = [], [], [], []
    # horizontal segments: (r, c) - (r, c+1), one OSM way per row
    rr, cc = np.meshgrid(np.arange(side), np.arange(side - 1), indexing="ij")
    u = (rr * side + cc).ravel()
    segs_u.append(u)
    segs_v.append(u + 1)
    segs_cls.append(row_cls[rr.ravel()])
    segs_way.append(1_000_000 + rr.ravel())
    # vertical segments: (r, c) - (r+1, c), one OSM way per column
    rr, cc = np.meshgrid(np.arange(side - 1), np.arange(side), indexing="ij")
    u = (rr * side + cc).ravel()
    segs_u.append(u)
    segs_v.append(u + side)
    segs_cls.append(col_cls[cc.ravel()])
    segs_way.append(2_000_000 + cc.ravel())
    u = np.concatenate(segs_u)
    v = np.concatenate(segs_v)
    cls = np.concatenate(segs_cls)
    way = np.concatenate(segs_way).astype(np.int64)

    arterial = cls != ""
    streets = np.nonzero(~arterial)[0]
    cls[streets] = minor[rng.integers(0, len(minor), size=streets.size)]
    keep = arterial | (rng.random(u.size) >= remove)
    # diagonal shortcuts (r, c) - (r+1, c+1) as residential streets
    cand = np.nonzero((r < side - 1) & (c < side - 1))[0]
    diag = cand[rng.random(cand.size) < diagonals]
    u = np.concatenate([u[keep], diag])
    v = np.concatenate([v[keep], diag + side + 1])
    cls = np.concatenate([cls[keep], np.full(diag.size, "residential", dtype=object)])
    way = np.concatenate([way[keep], 3_000_000 + np.arange(diag.size)])
    arterial = np.concatenate([arterial[keep], np.zeros(diag.size, dtype=bool)])

    # one-way streets (never arterials): keep one direction, chosen at random
    one = (~arterial) & (rng.random(u.size) < oneway)
    flip = one & (rng.random(u.size) < 0.5)
    fu = np.where(flip, v, u)
    fv = np.where(flip, u, v)
    two = ~one
    tail = np.concatenate([fu, v[two]])
    head = np.concatenate([fv, u[two]])
    arc_cls = np.concatenate([cls, cls[two]])
    arc_way = np.concatenate([way, way[two]])
    arc_oneway = np.concatenate([one, np.zeros(int(two.sum()), dtype=bool)])
    return lon, lat, tail.astype(np.int64), head.astype(np.int64), arc_cls, arc_way, arc_oneway


def synthetic_network(
    nodes: int = 250_000, *, seed: int = 20220501, remove: float = 0.08, oneway: float = 0.12, diagonals: float = 0.03
) -> RoadNetwork:
    """A strongly connected road-like :class:`RoadNetwork` with at least ``nodes`` nodes.

    Parameters
    ----------
    nodes
        The minimum node count after keeping the largest strongly connected component.
    seed
        Seeds every random choice: the same arguments give the same network.
    remove, oneway, diagonals
        Fractions of street segments removed, made one-way, and of grid cells
        given a diagonal shortcut.
    """
    if nodes < 4:
        raise ValueError(f"`nodes` was {nodes}; expected at least 4")
    side = max(2, math.ceil(math.sqrt(nodes / 0.97)))
    while True:
        rng = np.random.default_rng(seed)
        lon, lat, tail, head, cls, way, oneway_arc = _grid(side, rng, remove=remove, oneway=oneway, diagonals=diagonals)
        n = lon.size
        keep_nodes = largest_component(n, tail, head)
        if int(keep_nodes.sum()) >= nodes:
            break
        side += max(1, side // 50)
    keep_arcs = keep_nodes[tail] & keep_nodes[head]
    new_id = np.full(n, -1, dtype=np.int64)
    new_id[keep_nodes] = np.arange(int(keep_nodes.sum()))
    tail, head = new_id[tail[keep_arcs]], new_id[head[keep_arcs]]
    cls, way, oneway_arc = cls[keep_arcs], way[keep_arcs], oneway_arc[keep_arcs]
    lon, lat = lon[keep_nodes], lat[keep_nodes]

    length = np.maximum(haversine_m(lon[tail], lat[tail], lon[head], lat[head]), 0.01)
    speed = np.array([roads.TRUCK_SPEED_KPH[h] for h in cls], dtype=np.float64)
    m = tail.size
    ref = np.full(m, None, dtype=object)
    ref[cls == "trunk"] = "G107"
    ref[cls == "primary"] = "S233"
    ref[cls == "secondary"] = "X011"
    name = np.array(
        [
            None if h in ("residential", "service", "unclassified") else f"{h.title()} {w % 1_000_000}"
            for h, w in zip(cls, way)
        ],
        dtype=object,
    )
    grade = np.array([roads.road_grade(h, r) for h, r in zip(cls, ref)], dtype=object)
    nan = np.full(m, np.nan)
    net = RoadNetwork(
        source=f"synthetic:{nodes}:{seed}",
        node_osm_id=np.arange(1, lon.size + 1, dtype=np.int64),
        node_lon=lon.astype(np.float64),
        node_lat=lat.astype(np.float64),
        tail=tail,
        head=head,
        length_m=length,
        speed_kph=speed,
        highway=cls.astype(object),
        name=name,
        ref=ref,
        grade=grade,
        osm_way_id=way.astype(np.int64),
        oneway=oneway_arc.astype(bool),
        maxheight_m=nan.copy(),
        maxweight_t=nan.copy(),
        maxwidth_m=nan.copy(),
        hgv_no=np.zeros(m, dtype=bool),
    )
    net.build_info.update(raw_nodes=int(n), dropped_nodes=int(n - lon.size), grid_side=side, seed=seed)
    return net
