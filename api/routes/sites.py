"""Sites: hubs, enterprises, candidate stations, demand points (planner writes; reads are public)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import ContextDep, OptionalUser, PlannerUser, SessionDep
from api.i18n import asked_lang
from api.paging import Cursor, Limit, next_url
from api.schemas.imports import ImportReportPublic
from api.schemas.sites import (
    SiteCreate,
    SiteEdit,
    SiteEdited,
    SiteImportConfirm,
    SitePublic,
    SitesGeoJSON,
    SitesPublic,
    SitesStored,
)
from api.uploads import UPLOAD_RESPONSES, choice, read_upload, template_response
from geo.importing import SITE_FORMATS
from services import lists, sites

router = APIRouter(prefix="/sites", tags=["sites"])


@router.post("", response_model=SitePublic, status_code=status.HTTP_201_CREATED)
def create_site(body: SiteCreate, ctx: ContextDep, session: SessionDep, user: PlannerUser) -> SitePublic:
    """Store a site; it must lie within the snap distance of the truck network."""
    site, snapped = sites.create_site(
        ctx, session, body.model_dump(mode="json", exclude={"crs"}), crs=body.crs, created_by=user.name
    )
    return SitePublic(**site.to_feature(), snapped=snapped.to_json())


_IMPORT_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "kind"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "kind": {"type": "string", "enum": list(sites.IMPORT_KINDS)},
                        "crs": {"type": "string", "enum": ["wgs84", "gcj02"]},
                        "format": {"type": "string", "enum": list(SITE_FORMATS)},
                    },
                }
            },
            "application/json": {"schema": {"type": "object", "description": "a GeoJSON FeatureCollection"}},
        }
    }
}


@router.post("/import", response_model=ImportReportPublic, openapi_extra=_IMPORT_BODY, responses=UPLOAD_RESPONSES)
async def check_site_import(request: Request, ctx: ContextDep, user: PlannerUser) -> ImportReportPublic:
    """Check a table of sites row by row; stores nothing.

    A ``multipart/form-data`` upload: ``file`` (CSV or XLSX with longitude/latitude or WKT columns and
    name, whitelist, sector, county_code, weight; Chinese headers such as ``名称``, ``经度``, ``白名单``
    too; or a GeoJSON FeatureCollection), ``kind`` (enterprise, hub_rail, hub_coach, hub_logistics,
    candidate_station), optional ``crs`` and ``format``.  Each row is accepted (with where it meets
    the truck network) or rejected with why; confirm with ``POST /sites/import/confirm``.
    """
    data, filename, fields = await read_upload(request, ("kind", "crs", "format"))
    kind = choice(fields["kind"], "kind", sites.IMPORT_KINDS, None)
    if kind is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"`kind` is required; expected one of {list(sites.IMPORT_KINDS)}"
        )
    crs = choice(fields["crs"], "crs", ("wgs84", "gcj02"), "wgs84")
    fmt = choice(fields["format"], "format", SITE_FORMATS, None)
    assert kind is not None and crs is not None
    report = await run_in_threadpool(sites.check_site_import, ctx, data, kind=kind, filename=filename, fmt=fmt, crs=crs)
    return ImportReportPublic.of(report, filename, asked_lang(request))


@router.get("/import/template.{fmt}", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def site_import_template(fmt: str) -> Response:
    """A template for a site table (CSV or XLSX): the columns the import reads, with one example row."""
    return template_response("sites", fmt, "sites-template")


@router.post("/import/confirm", response_model=SitesStored, status_code=status.HTTP_201_CREATED)
def confirm_site_import(
    body: SiteImportConfirm, ctx: ContextDep, session: SessionDep, user: PlannerUser
) -> SitesStored:
    """Store the confirmed sites of an import (as ``POST /sites/import`` answered them) in one
    transaction: one bad site stores none and is named."""
    stored = sites.confirm_site_import(ctx, session, body.features, kind=body.kind, created_by=user.name)
    return SitesStored(count=len(stored), sites=[SitePublic(**s.to_feature()) for s in stored])


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


@router.patch(
    "/{site_id}",
    response_model=SiteEdited,
    responses={404: {"description": "no such site"}, 422: {"description": "a bad place or property"}},
)
def edit_site(
    request: Request, site_id: str, body: SiteEdit, ctx: ContextDep, session: SessionDep, user: PlannerUser
) -> SiteEdited:
    """Move a site (a new ``geometry``) and/or edit its ``name``, ``sector``, ``weight``, ``radius_m``,
    ``county_code``, checked as a new site is; stored with who and when, on the map at once.  Not its kind or
    whitelist status (fuse and restore an enterprise for that)."""
    geometry = body.geometry.model_dump() if body.geometry is not None else None
    site, snapped, notes = sites.move_site(
        ctx, session, site_id, geometry=geometry, properties=body.properties, crs=body.crs, updated_by=user.name
    )
    lang = asked_lang(request) or "en"
    return SiteEdited(**site.to_feature(), snapped=snapped.to_json(), notes=[n.get(lang) for n in notes])
