"""Sites: hubs, enterprises, candidate stations, demand points (planner writes; reads are public)."""

from __future__ import annotations

from fastapi import APIRouter, Query, status

from api.deps import ContextDep, PlannerUser, SessionDep
from api.schemas.sites import SiteCreate, SitePublic, SitesPublic
from services import sites

router = APIRouter(prefix="/sites", tags=["sites"])


@router.post("", response_model=SitePublic, status_code=status.HTTP_201_CREATED)
def create_site(body: SiteCreate, ctx: ContextDep, session: SessionDep, user: PlannerUser) -> SitePublic:
    """Store a site; it must lie within the snap distance of the truck network."""
    site, snapped = sites.create_site(
        ctx, session, body.model_dump(mode="json", exclude={"crs"}), crs=body.crs, created_by=user.name
    )
    return SitePublic(**site.to_feature(), snapped=snapped.to_json())


@router.get("", response_model=SitesPublic)
def list_sites(session: SessionDep, kind: str | None = Query(default=None)) -> SitesPublic:
    """All sites, or those of one ``kind``."""
    found = sites.list_sites(session, kind=kind)
    return SitesPublic(features=[SitePublic(**s.to_feature()) for s in found], count=len(found))


@router.get("/{site_id}", response_model=SitePublic)
def get_site(site_id: str, session: SessionDep) -> SitePublic:
    return SitePublic(**sites.get_site(session, site_id).to_feature())
