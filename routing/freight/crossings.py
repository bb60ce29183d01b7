"""Where a route meets zones: its passages through each active zone, and the zone each stop lies in."""

from __future__ import annotations

import numpy as np
import shapely

from geo.zones import Zone
from routing.freight import compiled
from routing.freight.results import ZoneCrossing
from routing.freight.zones import FreightIndex, ZoneSet, first_last_points
from routing.network import RoadNetwork, Snap
from routing.paths import Drive


def zone_crossings(index: FreightIndex, zs: ZoneSet, drive: Drive) -> list[ZoneCrossing]:
    """Every passage of a drive through an active zone, with entry, exit and time inside.

    A passage is a maximal run of route parts that have a positive length
    inside the zone; ``time_inside_s`` prorates each part's travel time by the
    share of its length inside (constant speed along an arc).

    Whole arcs read their length inside, entry and exit from the zone set's
    :class:`ArcZoneTable` (measured once per zone), their passages found in one
    compiled pass (:func:`routing.freight.compiled.crossing_runs`); only the
    partial arcs at the stops are cut with the zone polygon
    (:func:`cut_crossings`).
    """
    az = zs.arc_zone
    if zs.tree_xy is None or az is None or drive.arcs.size == 0:
        return []
    status, rows, first, last, order = compiled.crossing_runs(drive.arcs, drive.fracs, az.count, az.indptr, az.zone)
    if status == compiled.NO_HIT:
        return []
    if status == compiled.PARTIAL:
        return cut_crossings(index, zs, drive)
    # whole arcs only: every value is the zone set's table's (sums per passage as the general case takes them)
    times = np.add.reduceat(az.time_s[rows], first)[order]
    lengths = np.add.reduceat(az.inside_m[rows], first)[order]
    head, tail = rows[first[order]], rows[last[order]]
    zones = zs.zones
    return [
        ZoneCrossing(
            zone_id=zones[i].id,
            name=zones[i].name,
            risk=zones[i].risk,
            entry=en,
            exit=ex,
            time_inside_s=t,
            length_inside_m=length,
        )
        for i, en, ex, t, length in zip(
            az.zone[head].tolist(),
            az.entry[head].tolist(),
            az.exit[tail].tolist(),
            times.tolist(),
            lengths.tolist(),
        )
    ]


def cut_crossings(index: FreightIndex, zs: ZoneSet, drive: Drive) -> list[ZoneCrossing]:
    """:func:`zone_crossings` the general way, for any drive: the table's rows of every part, the partial
    parts cut with their zones' polygons here (:func:`zone_crossings` takes this way when a partial part
    meets a zone, and answers the same for the others in one compiled pass)."""
    az = zs.arc_zone
    if zs.tree_xy is None or az is None or drive.arcs.size == 0:
        return []
    net = index.network
    arcs = drive.arcs
    count = az.count[arcs]
    hit = np.flatnonzero(count)
    if hit.size == 0:
        return []
    # one row per (part, zone) that the part's arc runs through, in driving order
    n_hit = count[hit].astype(np.int64)
    lo = az.indptr[arcs[hit]]
    single = int(n_hit.sum()) == hit.size  # one zone per part (zones apart)
    if single:
        part, row = hit, lo
    else:
        part = np.repeat(hit, n_hit)
        row = np.repeat(lo - (np.cumsum(n_hit) - n_hit), n_hit) + np.arange(part.size)
    zone_i = az.zone[row]
    # values of row k are table[idx[k]]: the zone set's own tables, or per-row copies where partial parts are cut
    idx, inside_t, time_t, entry_t, exit_t = row, az.inside_m, az.time_s, az.entry, az.exit
    partial = np.flatnonzero(drive.fracs[part] < 1.0 - 1e-12)
    if partial.size:  # a part of an arc: cut it (a part of an arc outside the zone is outside too)
        inside_t, time_t, entry_t, exit_t = az.inside_m[row], az.time_s[row], az.entry[row], az.exit[row]
        _cut_partial(
            net,
            zs,
            drive,
            part[partial],
            zone_i[partial],
            rows=partial,
            inside=inside_t,
            time_s=time_t,
            entry=entry_t,
            exit_=exit_t,
        )
        idx = np.flatnonzero(inside_t > 1e-6)
        if idx.size < part.size:
            part, zone_i = part[idx], zone_i[idx]
            if part.size == 0:
                return []
    if not single:  # group each zone's rows, in driving order within a zone
        order = np.lexsort((part, zone_i))
        part, zone_i, idx = part[order], zone_i[order], idx[order]
    start = np.ones(part.size, dtype=bool)
    start[1:] = (zone_i[1:] != zone_i[:-1]) | (part[1:] != part[:-1] + 1)
    first = np.flatnonzero(start)
    last = np.empty_like(first)
    last[:-1] = first[1:] - 1
    last[-1] = part.size - 1
    times = np.add.reduceat(time_t[idx], first)
    lengths = np.add.reduceat(inside_t[idx], first)
    if not single:  # in driving order, then by zone
        runs = np.lexsort((zone_i[first], part[first]))
        first, last, times, lengths = first[runs], last[runs], times[runs], lengths[runs]
    zones = zs.zones
    return [
        ZoneCrossing(
            zone_id=zones[i].id,
            name=zones[i].name,
            risk=zones[i].risk,
            entry=en,
            exit=ex,
            time_inside_s=t,
            length_inside_m=length,
        )
        for i, en, ex, t, length in zip(
            zone_i[first].tolist(),
            entry_t[idx[first]].tolist(),
            exit_t[idx[last]].tolist(),
            times.tolist(),
            lengths.tolist(),
        )
    ]


def _cut_partial(
    net: RoadNetwork,
    zs: ZoneSet,
    drive: Drive,
    parts: np.ndarray,
    zones: np.ndarray,
    *,
    rows: np.ndarray,
    inside: np.ndarray,
    time_s: np.ndarray,
    entry: np.ndarray,
    exit_: np.ndarray,
) -> None:
    """Measure partial parts against their zones and write the results into ``rows`` of the arrays.

    ``time_s`` is the part's travel time prorated by its planar share inside.
    """
    ends = drive.points[np.concatenate([parts, parts + 1])]
    x, y = net.projection.forward(ends[:, 0], ends[:, 1])
    xy = np.column_stack([np.asarray(x, dtype=float).reshape(-1), np.asarray(y, dtype=float).reshape(-1)])
    p0, p1 = xy[: parts.size], xy[parts.size :]
    cut = shapely.intersection(shapely.linestrings(np.stack([p0, p1], axis=1)), zs.polys_xy[zones])
    inside[rows] = cut_m = shapely.length(cut)
    part_xy = np.hypot(p1[:, 0] - p0[:, 0], p1[:, 1] - p0[:, 1])
    part_time = drive.fracs[parts] * net.travel_time_s[drive.arcs[parts]]
    time_s[rows] = np.minimum(1.0, cut_m / np.maximum(part_xy, 1e-12)) * part_time
    first, last = first_last_points(cut, p0)
    pts = np.concatenate([first, last])
    missing = np.isnan(pts[:, 0])
    pts[missing] = np.concatenate([p0, p0])[missing]  # touching only: the part start
    lon, lat = net.projection.inverse(pts[:, 0], pts[:, 1])
    ll = np.column_stack([np.asarray(lon, dtype=float).reshape(-1), np.asarray(lat, dtype=float).reshape(-1)])
    entry[rows], exit_[rows] = ll[: parts.size], ll[parts.size :]


def stop_zones(zs: ZoneSet, stops: list[Snap]) -> list[Zone | None]:
    """The sealed/controlled zone each stop lies in (its given or its snapped position), or ``None``;
    one tree query for all of them."""
    if zs.tree_wgs is None or not stops:
        return [None] * len(stops)
    pts = shapely.points([c for s in stops for c in ([s.lon, s.lat], [s.snapped_lon, s.snapped_lat])])
    hit = zs.tree_wgs.query(pts, predicate="covered_by")
    found: list[set[int]] = [set() for _ in stops]
    for p, z in zip(hit[0].tolist(), hit[1].tolist()):
        found[p // 2].add(z)
    # prefer a sealed zone, then the earliest listed
    return [zs.nostop[min(c, key=lambda i: (zs.nostop[i].risk != "sealed", i))] if c else None for c in found]
