"""Sites: hubs, enterprises, candidate stations, demand points (planner writes; reads are public)."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from api import crud
from api.db import new_id
from api.deps import PlannerUser, SessionDep, StateDep
from api.schemas import SiteCreate, SitePublic, SitesPublic
from geo.errors import InvalidInputError
from geo.sites import SITE_KINDS, Site, within_bbox

router = APIRouter(prefix="/sites", tags=["sites"])


def snapped(state, site: Site) -> dict:
    snap = state.router.snap(list(site.point), field_name="geometry")
    return {"point": [snap.snapped_lon, snap.snapped_lat], "distance_m": round(snap.distance_m, 1),
            "road": state.network.name[snap.arc], "ref": state.network.ref[snap.arc]}


@router.post("", response_model=SitePublic, status_code=status.HTTP_201_CREATED)
def create_site(body: SiteCreate, state: StateDep, session: SessionDep, user: PlannerUser) -> SitePublic:
    """Store a site; it must lie within the snap distance of the truck network."""
    site = Site.from_feature(body.model_dump(mode="json", exclude={"crs"}), id=new_id("site"), crs=body.crs)
    if not within_bbox(site.geometry, state.network.bbox, margin_deg=state.settings.bbox_margin_deg):
        raise InvalidInputError(f"`geometry` {[round(v, 5) for v in site.geometry.bounds]} is outside the network "
                                f"bbox {[round(v, 5) for v in state.network.bbox]}")
    snap = snapped(state, site)  # raises OffNetworkError before anything is stored
    stored = crud.add_site(session, site, created_by=user.name)
    return SitePublic(**stored.to_feature(), snapped=snap)


@router.get("", response_model=SitesPublic)
def list_sites(session: SessionDep, kind: str | None = Query(default=None)) -> SitesPublic:
    """All sites, or those of one ``kind``."""
    if kind is not None and kind not in SITE_KINDS:
        raise InvalidInputError(f"`kind` was {kind!r}; expected one of {list(SITE_KINDS)}")
    sites = crud.list_sites(session, kind=kind)
    return SitesPublic(features=[SitePublic(**s.to_feature()) for s in sites], count=len(sites))


@router.get("/{site_id}", response_model=SitePublic)
def get_site(site_id: str, session: SessionDep) -> SitePublic:
    return SitePublic(**crud.get_site(session, site_id).to_feature())
