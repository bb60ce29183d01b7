"""Docking (handover, 接驳点) points where roads cross a zone's boundary; routing uses them for transshipment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from geo.errors import InvalidInputError
from routing import stations as st
from routing.docking import plan_docking_points
from services.context import AppContext
from services.stations import DEMAND_KINDS, rounded, sites_of_kinds
from store import plans as store
from store import sites, zones
from store.plans import NewDockingPoint, StoredDockingPoint

#: The planning facts kept with a zone's set (on its first point).
PLAN_FACTS = ("candidates", "rejected", "demand_source", "objective_s", "unserved")


def docking_json(zone_id: str, points: list[StoredDockingPoint], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A zone's docking points as a FeatureCollection with the planning facts (``DockingPointsPublic``)."""
    feats = [
        {
            "type": "Feature",
            "id": p.id,
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {"id": p.id, "zone_id": zone_id, "node": p.node, **p.data},
        }
        for p in points
    ]
    doc: dict[str, Any] = {
        "type": "FeatureCollection",
        "zone_id": zone_id,
        "features": feats,
        "count": len(feats),
        "created_at": points[0].created_at if points else None,
    }
    if points:
        meta = points[0].data.get("plan") or {}
        doc.update({k: meta.get(k) for k in PLAN_FACTS if meta.get(k) is not None})
    doc.update(extra or {})
    return doc


def place_docking_points(
    ctx: AppContext,
    session: Session,
    zone_id: str,
    k: int,
    *,
    demand_ids: Sequence[str] | None = None,
    reference_site_id: str | None = None,
    created_by: str | None,
) -> dict[str, Any]:
    """Choose ``k`` docking points where roads cross the zone boundary, replacing the zone's stored set.

    Each is the outside end of a boundary-crossing road, reachable by truck from outside without
    entering the zone; the ``k`` chosen minimise the demand-weighted travel time *inside* the
    zone to its demand sites.

    Raises
    ------
    NotFoundError
        An unknown zone or site.
    InvalidInputError
        Demand sites outside the zone, a reference site inside it, or no ``k`` valid points.
    """
    zone = zones.get_zone(session, zone_id)
    if demand_ids is not None:
        demand_sites = sites_of_kinds(session, demand_ids, kinds=DEMAND_KINDS, field_name="demand_ids")
        outside = [s.id for s in demand_sites if not zone.contains(*s.point)]
        if outside:
            raise InvalidInputError(
                f"`demand_ids` holds site(s) outside zone {zone_id!r}: {outside[:10]}",
                zh=f"`demand_ids` 中有区域 {zone_id!r} 以外的站点：{outside[:10]}",
            )
    else:
        demand_sites = [s for kind in DEMAND_KINDS for s in sites.list_sites(session, kind=kind)]
    demand = [st.Demand(id=s.id, name=s.name, lon=s.point[0], lat=s.point[1], weight=s.weight) for s in demand_sites]
    ref_nodes: list[int] = []
    if reference_site_id is not None:
        ref = sites.get_site(session, reference_site_id)
        if zone.contains(*ref.point):
            raise InvalidInputError(
                f"`reference_site_id` {ref.id!r} lies inside zone {zone_id!r}; give an outside site",
                zh=f"`reference_site_id` {ref.id!r} 位于区域 {zone_id!r} 内；请给出区外的站点",
            )
        snap = ctx.road_router.snap(list(ref.point), field_name="reference_site_id")
        ref_nodes = [int(ctx.network.tail[snap.arc])]
    dp = plan_docking_points(ctx.road_router, zone, k, demand=demand, reference_nodes=ref_nodes)
    meta = {
        "candidates": dp.candidates,
        "rejected": list(dp.rejected),
        "demand_source": dp.demand_source,
        "objective_s": round(dp.objective, 1),
        "unserved": list(dp.unserved),
    }
    new = [
        NewDockingPoint(
            p.lon,
            p.lat,
            p.node,
            {
                "road": p.road,
                "ref": p.ref,
                "highway": p.highway,
                "arc": p.arc,
                "served": list(p.served),
                "served_count": len(p.served),
                "served_weight": p.served_weight,
                "mean_time_s": rounded(p.mean_time_s),
                "plan": meta if i == 0 else None,
            },
        )
        for i, p in enumerate(dp.points)
    ]
    stored = store.replace_docking_points(session, zone_id, new, created_by=created_by, created_at=datetime.now(UTC))
    return docking_json(zone_id, stored, meta)


def get_docking_points(session: Session, zone_id: str) -> dict[str, Any]:
    """A zone's stored docking points.

    Raises
    ------
    NotFoundError
        An unknown zone.
    """
    zones.get_zone(session, zone_id)
    return docking_json(zone_id, store.list_docking_points(session, zone_id))
