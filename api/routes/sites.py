"""Sites: hubs, enterprises, candidate stations, demand points (planner writes; reads are public)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request, status

from api.deps import ContextDep, OptionalUser, PlannerUser, SessionDep
from api.paging import Cursor, Limit, next_url
from api.schemas.sites import SiteCreate, SitePublic, SitesGeoJSON, SitesPublic
from services import lists, sites

router = APIRouter(prefix="/sites", tags=["sites"])


@router.post("", response_model=SitePublic, status_code=status.HTTP_201_CREATED)
def create_site(body: SiteCreate, ctx: ContextDep, session: SessionDep, user: PlannerUser) -> SitePublic:
    """Store a site; it must lie within the snap distance of the truck network."""
    site, snapped = sites.create_site(
        ctx, session, body.model_dump(mode="json", exclude={"crs"}), crs=body.crs, created_by=user.name
    )
    return SitePublic(**site.to_feature(), snapped=snapped.to_json())


@router.get(
    "",
    response_model=SitesPublic | SitesGeoJSON,
    responses={200: {"description": "a page of sites, or with `format=geojson` every match as a FeatureCollection"}},
)
def list_sites(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    kind: str | None = Query(default=None),
    county_code: str | None = Query(default=None, max_length=12),
    whitelist: bool | None = Query(default=None),
    format: Literal["json", "geojson"] = Query(default="json", description="json: a page; geojson: every match"),
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Any:
    """Sites, oldest first, paged (``data``, ``count``, ``next``), or with ``format=geojson`` every match as
    one FeatureCollection (what this endpoint answered before it was paged).  Public, like the map."""
    filters = lists.SiteFilters(kind, county_code, whitelist)
    if format == "geojson":
        found = list(lists.iter_sites(session, filters, user=user))
        return SitesGeoJSON(features=[SitePublic(**s.to_feature()) for s in found], count=len(found))
    page = lists.list_sites(session, filters, user=user, cursor=cursor, limit=limit)
    return SitesPublic(
        data=[SitePublic(**s.to_feature()) for s in page.rows],
        count=page.count,
        next=next_url(request, page.next_cursor),
    )


@router.get("/{site_id}", response_model=SitePublic)
def get_site(site_id: str, session: SessionDep) -> SitePublic:
    return SitePublic(**sites.get_site(session, site_id).to_feature())
