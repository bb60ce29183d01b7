"""From snapped points and engine paths to driven parts, geometry and legs.

A route starts and ends at points snapped part-way along arcs
(:class:`~routing.network.Snap`).  This module holds the pieces every router
shares (:class:`~routing.router.Router` and closed-loop freight routing alike):

* :func:`snap_ends` -- the ``(node, initial_cost)`` ways out of (into) a snapped
  point that an engine's multi-source query takes; :func:`same_arc_cost` -- the
  cost of staying on the one segment two points share;
* :func:`path_parts` -- the arcs and fractions of arcs driven from one snapped
  point to another along an engine path; :func:`drive_along` -- the same as a
  :class:`Drive` with its vertices;
* :func:`dedupe` and :func:`split_legs` -- the route's coordinates and its
  ``origin`` / ``transit`` / ``destination`` legs.

Geometry stays in numpy arrays (``[n, 2]`` lon, lat rows and int64 arc ids);
an outer layer formats it once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from routing.engine import FORBIDDEN
from routing.network import RoadNetwork, Snap


@dataclass
class Leg:
    """A part of a route: ``kind`` is ``origin``, ``transit``, ``destination`` or ``inside``.

    ``arcs`` is an int64 array of arc ids and ``coordinates`` a float ``[n, 2]``
    array of ``[lon, lat]`` rows (no consecutive repeats, at least two rows).
    Both may be views shared with the route and other legs: treat them as
    read-only.  Geometry stays in arrays until an outer layer formats it.
    """

    kind: str
    arcs: np.ndarray
    coordinates: np.ndarray
    length_m: float
    travel_time_s: float
    note: str | None = None


# ----------------------------------------------------------------------------------
# snapped points as engine sources and targets
# ----------------------------------------------------------------------------------
def snap_ends(net: RoadNetwork, snap: Snap, weights: np.ndarray, *, as_source: bool) -> list[tuple[int, float]]:
    """``(node, initial_cost)`` options to leave (``as_source``) or reach a snapped point under ``weights``.

    Leaving, the truck drives the rest of the snapped arc to its head, or (on a
    two-way segment) back along the reverse arc; arriving, it drives the first
    part of the arc from its tail, or the last part of the reverse arc.
    Forbidden arcs offer no option, but a point exactly at an end of its arc is at that node: the
    node itself is an option at no cost (a stop snapped onto a closed arc at a junction still
    leaves and arrives by the junction's other roads).
    """
    out = []
    a, r, f = snap.arc, snap.reverse_arc, snap.fraction
    wa = weights.item(a)  # Python numbers: cheaper than numpy scalars on this per-query path
    if wa != FORBIDDEN:
        out.append((net.head.item(a), (1 - f) * wa) if as_source else (net.tail.item(a), f * wa))
    if r >= 0:
        wr = weights.item(r)
        if wr != FORBIDDEN:
            # the reverse arc runs head(a) -> tail(a); the point is at (1 - f) along it
            out.append((net.head.item(r), f * wr) if as_source else (net.tail.item(r), (1 - f) * wr))
    if f <= 0.0 or f >= 1.0:
        node = net.tail.item(a) if f <= 0.0 else net.head.item(a)
        if all(n != node or c != 0.0 for n, c in out):
            out.append((node, 0.0))
    return out


def same_arc_cost(o: Snap, d: Snap, weights: np.ndarray) -> float | None:
    """Cost of driving from ``o`` to ``d`` along the one segment both lie on, or ``None`` if they
    do not share a segment or the direction needed is forbidden."""
    if o.arc != d.arc:
        return None
    options = []
    if weights[o.arc] != FORBIDDEN and d.fraction >= o.fraction:
        options.append((d.fraction - o.fraction) * weights[o.arc])
    if o.reverse_arc >= 0 and weights[o.reverse_arc] != FORBIDDEN and o.fraction >= d.fraction:
        options.append((o.fraction - d.fraction) * weights[o.reverse_arc])
    return min(options) if options else None


# ----------------------------------------------------------------------------------
# driven parts
# ----------------------------------------------------------------------------------
def arc_into(net: RoadNetwork, o: Snap, first_node: int) -> tuple[int, float]:
    """The partial arc from the snapped origin to the first node of the path, and the fraction driven."""
    if int(net.head[o.arc]) == first_node:
        return o.arc, 1 - o.fraction
    if o.reverse_arc >= 0 and int(net.head[o.reverse_arc]) == first_node:
        return o.reverse_arc, o.fraction
    return o.arc, 0.0


def arc_from(net: RoadNetwork, d: Snap, last_node: int) -> tuple[int, float]:
    """The partial arc from the last node of the path to the snapped destination, and the fraction driven."""
    if int(net.tail[d.arc]) == last_node:
        return d.arc, d.fraction
    if d.reverse_arc >= 0 and int(net.tail[d.reverse_arc]) == last_node:
        return d.reverse_arc, 1 - d.fraction
    return d.arc, 0.0


def path_parts(net: RoadNetwork, o: Snap, d: Snap, path) -> tuple[np.ndarray, np.ndarray]:
    """The arcs and fractions driven from ``o`` to ``d`` along an engine path.

    ``path`` is a :class:`~routing.engine.PathResult` between an end node of
    ``o``'s arc and one of ``d``'s, or ``None`` for a drive along the one segment
    both points lie on.  Parts of zero length are dropped (two points at the
    same place give no part at all).
    """
    if path is None:
        if o.arc == d.arc and d.fraction == o.fraction:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        arc = o.arc if d.fraction >= o.fraction else o.reverse_arc
        return np.array([arc], dtype=np.int64), np.array([abs(d.fraction - o.fraction)])
    first, f0 = arc_into(net, o, path.nodes[0])
    last, f1 = arc_from(net, d, path.nodes[-1])
    n = len(path.arcs)
    arcs = np.empty(n + 2, dtype=np.int64)
    arcs[0], arcs[-1] = first, last
    arcs[1:-1] = np.fromiter(path.arcs, dtype=np.int64, count=n)  # faster than assigning the list itself
    fracs = np.ones(n + 2)
    fracs[0], fracs[-1] = f0, f1
    if f0 > 0 and f1 > 0:
        return arcs, fracs
    keep = fracs > 0
    return arcs[keep], fracs[keep]


@dataclass
class Drive:
    """A driven path as parts: ``points[k]`` -> ``points[k+1]`` is ``fracs[k]`` of arc ``arcs[k]``."""

    arcs: np.ndarray
    fracs: np.ndarray
    points: np.ndarray  # [len(arcs) + 1, 2] lon, lat
    cost: float  # weight units
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    @staticmethod
    def empty(lon: float, lat: float) -> Drive:
        """A drive that stays at one point."""
        return Drive(np.zeros(0, dtype=np.int64), np.zeros(0), np.array([[lon, lat]]), 0.0)

    def part_len(self, net: RoadNetwork) -> np.ndarray:
        """Metres driven on each part (remembered: a drive belongs to one network)."""
        if "len" not in self._memo:
            self._memo["len"] = self.fracs * net.length_m[self.arcs]
        return self._memo["len"]

    def part_time(self, net: RoadNetwork) -> np.ndarray:
        """Seconds driven on each part (remembered: a drive belongs to one network)."""
        if "time" not in self._memo:
            self._memo["time"] = self.fracs * net.travel_time_s[self.arcs]
        return self._memo["time"]

    def then(self, other: Drive) -> Drive:
        """This drive followed by ``other`` (which starts where this one ends)."""
        return Drive(
            np.concatenate([self.arcs, other.arcs]),
            np.concatenate([self.fracs, other.fracs]),
            np.concatenate([self.points, other.points[1:]]),
            self.cost + other.cost,
        )

    def leg(self, kind: str, net: RoadNetwork, note: str | None = None) -> Leg:
        """The whole drive as one :class:`Leg`."""
        return Leg(
            kind=kind,
            arcs=self.arcs,
            coordinates=dedupe(self.points),
            length_m=float(self.part_len(net).sum()),
            travel_time_s=float(self.part_time(net).sum()),
            note=note,
        )


def drive_along(
    net: RoadNetwork, o: Snap, d: Snap, path, cost: float, parts: tuple[np.ndarray, np.ndarray] | None = None
) -> Drive:
    """The :class:`Drive` from ``o`` to ``d`` along an engine path (see :func:`path_parts`; ``parts``
    when already known).  Its vertices are the snapped origin, the head of every part but the
    last, and the snapped destination."""
    arcs, fracs = path_parts(net, o, d, path) if parts is None else parts
    if arcs.size == 0:
        return Drive.empty(o.snapped_lon, o.snapped_lat)
    heads = net.head[arcs[:-1]]
    points = np.empty((arcs.size + 1, 2))
    points[0] = o.snapped_lon, o.snapped_lat
    points[1:-1, 0] = net.node_lon[heads]
    points[1:-1, 1] = net.node_lat[heads]
    points[-1] = d.snapped_lon, d.snapped_lat
    return Drive(arcs, fracs, points, float(cost))


def node_snap(net: RoadNetwork, node: int, arc: int, fraction: float) -> Snap:
    """A :class:`~routing.network.Snap` standing exactly on ``node`` (an end of ``arc``)."""
    lon, lat = float(net.node_lon[node]), float(net.node_lat[node])
    return Snap(
        lon=lon,
        lat=lat,
        arc=int(arc),
        reverse_arc=int(net.reverse_arc[arc]),
        fraction=fraction,
        distance_m=0.0,
        snapped_lon=lon,
        snapped_lat=lat,
    )


# ----------------------------------------------------------------------------------
# coordinates and legs
# ----------------------------------------------------------------------------------
def dedupe(points: np.ndarray) -> np.ndarray:
    """``points`` (``[n, 2]`` lon, lat) without consecutive repeats, at least two rows (a point twice);
    ``points`` itself when nothing repeats, and no rows for no points."""
    return _dedupe_range(points, _steps(points), 0, len(points) - 1)


def _steps(points: np.ndarray) -> np.ndarray:
    """``steps[k]``: whether point ``k + 1`` differs from point ``k`` by more than 1e-9 (degrees)."""
    if len(points) < 2:
        return np.zeros(0, dtype=bool)
    return np.asarray((np.abs(np.diff(points, axis=0)) > 1e-9).any(axis=1))


def _dedupe_range(points: np.ndarray, steps: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """:func:`dedupe` of ``points[lo:hi + 1]`` given ``steps = _steps(points)`` (a view when nothing repeats)."""
    if hi < lo:
        return points[:0]
    window = steps[lo:hi]
    if window.all():
        out = points[lo : hi + 1]
    else:
        keep = np.ones(hi - lo + 1, dtype=bool)
        keep[1:] = window
        out = points[lo : hi + 1][keep]
    if len(out) == 1:
        out = np.repeat(out, 2, axis=0)
    return out


def split_legs(
    main: np.ndarray,
    arcs: np.ndarray,
    points: np.ndarray,
    part_len: np.ndarray,
    part_time: np.ndarray,
    *,
    steps: np.ndarray | None = None,
) -> list[Leg]:
    """Split a route into ``origin`` (to the first main road), ``transit`` and ``destination`` legs.

    ``main`` flags main-road arcs (:data:`~routing.router.MAIN_ROAD_CLASSES`);
    ``points[k]`` is where part ``k`` starts and ``points[k + 1]`` where it ends.
    A route with no main road is one ``transit`` leg, a route with no part has
    no leg.  Legs' arcs and coordinates are views of ``arcs`` and ``points``
    where nothing repeats (a leg starts where the previous one ended).
    ``steps`` is :func:`route_steps` of ``points`` when already known.
    """
    if arcs.size == 0:
        return []
    idx = np.flatnonzero(main[arcs])
    if idx.size == 0:
        ranges = [("transit", 0, len(arcs))]
    else:
        first, last = int(idx[0]), int(idx[-1])
        ranges = [
            (kind, lo, hi)
            for kind, lo, hi in (
                ("origin", 0, first),
                ("transit", first, last + 1),
                ("destination", last + 1, len(arcs)),
            )
            if hi > lo
        ]
    steps = _steps(points) if steps is None else steps
    starts = [lo for _, lo, _ in ranges]
    lengths = np.add.reduceat(part_len, starts).tolist()  # one call per quantity, not one per leg
    times = np.add.reduceat(part_time, starts).tolist()
    return [
        Leg(
            kind=kind,
            arcs=arcs[lo:hi],
            coordinates=_dedupe_range(points, steps, lo, hi),
            length_m=length,
            travel_time_s=time,
        )
        for (kind, lo, hi), length, time in zip(ranges, lengths, times)
    ]


def split_legs_known(
    arcs: np.ndarray,
    points: np.ndarray,
    part_len: np.ndarray,
    part_time: np.ndarray,
    steps: np.ndarray,
    repeats: np.ndarray,
    first_main: int,
    last_main: int,
) -> list[Leg]:
    """:func:`split_legs` given what :func:`routing.kernels.drive_parts` already found: the first and
    last main-road parts (-1 for none) and the running count of repeated points (a leg with none
    is a view of ``points``, with no array call to find that out)."""
    n = arcs.size
    if n == 0:
        return []
    if first_main < 0:
        ranges = [("transit", 0, n)]
    else:
        ranges = [
            (kind, lo, hi)
            for kind, lo, hi in (
                ("origin", 0, first_main),
                ("transit", first_main, last_main + 1),
                ("destination", last_main + 1, n),
            )
            if hi > lo
        ]
    starts = [lo for _, lo, _ in ranges]
    lengths = np.add.reduceat(part_len, starts).tolist()
    times = np.add.reduceat(part_time, starts).tolist()
    return [
        Leg(
            kind=kind,
            arcs=arcs[lo:hi],
            coordinates=points[lo : hi + 1]
            if repeats.item(hi) == repeats.item(lo)
            else _dedupe_range(points, steps, lo, hi),
            length_m=length,
            travel_time_s=time,
        )
        for (kind, lo, hi), length, time in zip(ranges, lengths, times)
    ]


def legs_of_parts(
    arcs: np.ndarray,
    points: np.ndarray,
    b0: int,
    b1: int,
    sums: list[float],
    steps: np.ndarray | None,
) -> list[Leg]:
    """:func:`split_legs` given what :func:`routing.kernels.route_parts` already found: the legs' bounds
    (parts ``[0, b0)``, ``[b0, b1)``, ``[b1, n)``), their metres and seconds (``sums``: six numbers,
    two per range) and the points' :func:`route_steps` (``None`` when no point repeats its
    predecessor: every leg's coordinates are then a view of ``points``, with no array call)."""
    n = arcs.size
    legs = []
    for kind, lo, hi, k in (("origin", 0, b0, 0), ("transit", b0, b1, 2), ("destination", b1, n, 4)):
        if hi > lo:
            legs.append(
                Leg(
                    kind=kind,
                    arcs=arcs[lo:hi],
                    coordinates=points[lo : hi + 1] if steps is None else _dedupe_range(points, steps, lo, hi),
                    length_m=sums[k],
                    travel_time_s=sums[k + 1],
                )
            )
    return legs


def route_steps(points: np.ndarray) -> np.ndarray:
    """Which consecutive ``points`` differ (see :func:`dedupe_steps`): computed once, shared by
    :func:`dedupe_steps` and :func:`split_legs`."""
    return _steps(points)


def dedupe_steps(points: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """:func:`dedupe` of ``points`` given their :func:`route_steps`."""
    return _dedupe_range(points, steps, 0, len(points) - 1)
