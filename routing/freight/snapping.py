"""Snapping a trip's stops without carrying them across a zone boundary.

A stop is snapped to the nearest road point on the *same side* of every
sealed/controlled zone boundary as the given coordinate, within the snap
limit: a point given outside every zone stays outside, one given inside a
zone stays inside that zone (and no other).  Only when no road on that side
lies within the limit is the nearest road point taken, and the answer says
that snapping moved the stop into (or out of) the zone.

The side test is the zone set's tree of no-stop zones (the same "covered by"
test as :func:`~routing.freight.crossings.stop_zones`): one query for the
given and nearest snapped points of every stop, and, only for a stop whose
nearest road lies across a boundary, one query over the snapped points of the
few segments within the limit (:meth:`~routing.network.RoadNetwork.snap_options`).
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely

from geo.i18n import RISK_ZH, Text
from geo.zones import Zone
from routing.freight.zones import ZoneSet
from routing.network import Snap
from routing.router import Router


@dataclass(frozen=True)
class StopSnap:
    """How one stop was snapped: ``distance_m`` from the given point to the road, and whether snapping
    carried it across a sealed/controlled zone boundary (``moved`` ``"into"`` or ``"out_of"`` ``zone_id``;
    ``None`` when it stayed on its side)."""

    stop: str  # "origin", "destination", "waypoints[i]"
    given: list[float]
    snapped: list[float]
    distance_m: float
    moved: str | None = None
    zone_id: str | None = None
    risk: str | None = None


def _cover_sets(zs: ZoneSet, points: list[tuple[float, float]]) -> list[frozenset[int]]:
    """The no-stop zones (indices into ``zs.nostop``) that cover each ``(lon, lat)``: one tree query."""
    grid = zs.cover_grid
    if zs.tree_wgs is None or grid is None or not points:
        return [frozenset()] * len(points)
    near = [k for k, (lon, lat) in enumerate(points) if grid.may_cover(lon, lat)]  # the others: in no zone
    if not near:
        return [frozenset()] * len(points)
    found: list[set[int]] = [set() for _ in points]
    hit = zs.tree_wgs.query(shapely.points([points[k] for k in near]), predicate="covered_by")
    for p, z in zip(hit[0].tolist(), hit[1].tolist()):
        found[near[p]].add(z)
    return [frozenset(f) for f in found]


def _same_side(router: Router, zs: ZoneSet, snap: Snap, side: frozenset[int]) -> Snap | None:
    """The nearest road point within the snap limit whose covering no-stop zones are ``side``, or ``None``."""
    options = router.network.snap_options(snap.lon, snap.lat, max_snap_m=router.max_snap_m)
    sets = _cover_sets(zs, [(s.snapped_lon, s.snapped_lat) for s in options])
    return next((s for s, c in zip(options, sets) if c == side), None)


def _pick(zs: ZoneSet, given: frozenset[int], snapped: frozenset[int]) -> tuple[str, int]:
    """Which way a stop was carried across, and the zone (a sealed one first, then the earliest listed)."""
    key = lambda i: (zs.nostop[i].risk != "sealed", i)  # noqa: E731
    if snapped - given:
        return "into", min(snapped - given, key=key)
    return "out_of", min(given - snapped, key=key)


def snap_stops(
    router: Router, zs: ZoneSet, points, *, field_names: list[str]
) -> tuple[list[Snap], list[StopSnap], list[Zone | None]]:
    """Snap a trip's stops, each on the side of every no-stop zone boundary its given point lies on.

    Returns the snaps, how each was snapped, and the sealed/controlled zone each stop lies in (its given
    or its snapped position, a sealed zone first, as :func:`~routing.freight.crossings.stop_zones`).

    Raises
    ------
    InvalidInputError
        If a point is not a finite WGS-84 coordinate.
    OffNetworkError
        If a point is farther than the snap limit from every road.
    """
    snaps = router.snap_many(points, field_names=field_names)
    n = len(snaps)
    sets = _cover_sets(zs, [(s.lon, s.lat) for s in snaps] + [(s.snapped_lon, s.snapped_lat) for s in snaps])
    out: list[Snap] = []
    records: list[StopSnap] = []
    zones: list[Zone | None] = []
    for i, (s, name) in enumerate(zip(snaps, field_names)):
        given, snapped = sets[i], sets[n + i]
        moved = zone_id = risk = None
        if given != snapped:
            better = _same_side(router, zs, s, given)
            if better is not None:
                s, snapped = better, given
            else:
                moved, k = _pick(zs, given, snapped)
                zone_id, risk = zs.nostop[k].id, zs.nostop[k].risk
        out.append(s)
        records.append(
            StopSnap(name, [s.lon, s.lat], [s.snapped_lon, s.snapped_lat], s.distance_m, moved, zone_id, risk)
        )
        held = given | snapped
        zones.append(zs.nostop[min(held, key=lambda j: (zs.nostop[j].risk != "sealed", j))] if held else None)
    return out, records, zones


#: Risk levels in Chinese, for texts for people.
_STOP_ZH = {"origin": "起点", "destination": "终点"}


def _stop_zh(name: str) -> str:
    if name.startswith("waypoints["):
        return f"途经点 {name[len('waypoints[') : -1]}"
    return _STOP_ZH.get(name, name)


def snap_text(records: list[StopSnap], max_snap_m: float) -> Text:
    """One line for people: every stop's snap distance, and any stop carried across a zone boundary."""
    en_parts, zh_parts = [], []
    for r in records:
        en, zh = f"{r.stop} {r.distance_m:,.0f} m", f"{_stop_zh(r.stop)} {r.distance_m:,.0f} 米"
        if r.moved is not None:
            way_en = "into" if r.moved == "into" else "out of"
            way_zh = "移入" if r.moved == "into" else "移出"
            risk_zh = RISK_ZH.get(r.risk or "", "区域")
            en += (
                f" (moved {way_en} {r.risk} zone {r.zone_id}: no road on the given side of its boundary "
                f"within {max_snap_m:,.0f} m)"
            )
            zh += f"（{way_zh}{risk_zh} {r.zone_id}：给定点所在一侧 {max_snap_m:,.0f} 米内无道路）"
        en_parts.append(en)
        zh_parts.append(zh)
    kept = all(r.moved is None for r in records)
    return Text(
        "Snapped to the road: "
        + ", ".join(en_parts)
        + ("; no stop was moved across a zone boundary." if kept else "."),
        zh="吸附到道路：" + "，".join(zh_parts) + ("；没有站点被移过区域边界。" if kept else "。"),
    )
