"""Sites: hubs, enterprises, candidate stations, demand points (each must meet the truck network)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from geo.errors import InvalidInputError
from geo.sites import SITE_KINDS, Site, within_bbox
from services.context import AppContext
from store import sites as store
from store.db import new_id


@dataclass(frozen=True)
class SnappedSite:
    """Where a site meets the truck network: the point on the road, how far, the road's name and ref."""

    point: tuple[float, float]
    distance_m: float
    road: str
    ref: str

    def to_json(self) -> dict[str, Any]:
        return {"point": list(self.point), "distance_m": round(self.distance_m, 1), "road": self.road, "ref": self.ref}


def snap_site(ctx: AppContext, site: Site) -> SnappedSite:
    """Snap a site to the truck network.

    Raises
    ------
    OffNetworkError
        If it lies farther than the snap limit from every road.
    """
    snap = ctx.road_router.snap(list(site.point), field_name="geometry")
    net = ctx.network
    return SnappedSite((snap.snapped_lon, snap.snapped_lat), snap.distance_m, net.name[snap.arc], net.ref[snap.arc])


def create_site(
    ctx: AppContext, session: Session, feature: dict[str, Any], *, crs: str, created_by: str | None
) -> tuple[Site, SnappedSite]:
    """Store a site that lies within the snap distance of the truck network; nothing is stored otherwise.

    Raises
    ------
    InvalidInputError
        For bad properties or geometry, or a site outside the network's bbox.
    OffNetworkError
        If it lies farther than the snap limit from every road.
    """
    site = Site.from_feature(feature, id=new_id("site"), crs=crs)
    bbox = ctx.network.bbox
    if not within_bbox(site.geometry, bbox, margin_deg=ctx.settings.bbox_margin_deg):
        raise InvalidInputError(
            f"`geometry` {[round(v, 5) for v in site.geometry.bounds]} is outside the network "
            f"bbox {[round(v, 5) for v in bbox]}"
        )
    snapped = snap_site(ctx, site)
    return store.add_site(session, site, created_by=created_by), snapped


def list_sites(session: Session, *, kind: str | None = None) -> list[Site]:
    """Every site, or those of one ``kind``.

    Raises
    ------
    InvalidInputError
        For an unknown kind.
    """
    if kind is not None and kind not in SITE_KINDS:
        raise InvalidInputError(f"`kind` was {kind!r}; expected one of {list(SITE_KINDS)}")
    return store.list_sites(session, kind=kind)


def get_site(session: Session, site_id: str) -> Site:
    return store.get_site(session, site_id)
