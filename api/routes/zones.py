"""Emergency zones (planner writes; reads are public)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import ContextDep, PlannerUser, SessionDep, require
from api.i18n import asked_lang, page_lang
from api.paging import export_response, export_responses
from api.schemas.common import IsoDateTime
from api.schemas.imports import ImportReportPublic
from api.schemas.zones import (
    ZoneChange,
    ZoneCreate,
    ZoneEdit,
    ZoneHistoryPublic,
    ZoneImportConfirm,
    ZoneImportStored,
    ZonePublic,
    ZonesPublic,
    ZoneVersionPublic,
)
from api.uploads import UPLOAD_RESPONSES, choice, read_upload, template_response
from geo.importing import FORMATS
from geo.zones import RISKS
from services import exports, zones
from store.users import Principal

router = APIRouter(prefix="/zones", tags=["zones"])

#: Who reads a zone's history (it names the staff who changed it): the bureau's staff, not the public.
HistoryReader = Annotated[Principal, Depends(require("planner", "county", "city_approver", "province_approver"))]


@router.post("", response_model=ZonePublic, status_code=status.HTTP_201_CREATED)
def create_zone(body: ZoneCreate, ctx: ContextDep, session: SessionDep, user: PlannerUser) -> ZonePublic:
    """Store an emergency zone (GeoJSON Feature, ``properties.risk`` sealed / controlled / precaution)."""
    zone = zones.create_zone(
        ctx, session, body.model_dump(mode="json", exclude={"crs"}), crs=body.crs, created_by=user.name
    )
    return ZonePublic(**zone.to_feature())


@router.get("", response_model=ZonesPublic, responses=export_responses("geojson", "kml", json_model=ZonesPublic))
def list_zones(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    active_at: IsoDateTime | None = Query(default=None, description="ISO 8601 date-time, e.g. 2026-11-26T08:00:00Z"),
    format: Literal["json", "geojson", "kml"] | None = Query(
        default=None, description="geojson, kml: a download of every zone (times in the bureau's zone)"
    ),
) -> Any:
    """All zones as a FeatureCollection; ``?active_at=`` keeps those in force at that time; ``format=geojson|kml``
    downloads them."""
    at = active_at
    if format in ("geojson", "kml"):
        return export_response(exports.export_zones(ctx, active_at=at, fmt=format, lang=page_lang(request)))
    found = zones.list_zones(session, active_at=at)
    return ZonesPublic(features=[ZonePublic(**z.to_feature()) for z in found], count=len(found))


@router.get("/{zone_id}", response_model=ZonePublic)
def get_zone(zone_id: str, session: SessionDep) -> ZonePublic:
    return ZonePublic(**zones.get_zone(session, zone_id).to_feature())


_IMPORT_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "crs": {"type": "string", "enum": ["wgs84", "gcj02"]},
                        "risk": {"type": "string", "enum": list(RISKS)},
                        "format": {"type": "string", "enum": list(FORMATS)},
                    },
                }
            },
            "application/json": {"schema": {"type": "object", "description": "a GeoJSON FeatureCollection"}},
        }
    }
}


@router.post(
    "/import",
    response_model=ImportReportPublic,
    openapi_extra=_IMPORT_BODY,
    responses=UPLOAD_RESPONSES,
)
async def check_zone_import(request: Request, ctx: ContextDep, user: PlannerUser) -> ImportReportPublic:
    """Check a zone file feature by feature; stores nothing.

    Send the file as ``multipart/form-data`` field ``file`` (GeoJSON, KML, a zipped Shapefile, CSV or
    XLSX with a WKT column or lon/lat and radius_m), with optional fields ``crs`` (``wgs84`` or
    ``gcj02``), ``risk`` (for features that carry none) and ``format`` (else told by the file's name
    and content); or send a GeoJSON FeatureCollection as the JSON body (``?crs=``, ``?risk=``).  The
    report lists every feature as accepted, repaired (with what) or rejected (with why); confirm the
    ones to store with ``POST /zones/import/confirm``.
    """
    data, filename, fields = await read_upload(request, ("crs", "risk", "format"))
    crs = choice(fields["crs"], "crs", ("wgs84", "gcj02"), "wgs84")
    risk = choice(fields["risk"], "risk", list(RISKS), None)
    fmt = choice(fields["format"], "format", FORMATS, None)
    assert crs is not None
    report = await run_in_threadpool(
        zones.check_zone_import, ctx, data, filename=filename, fmt=fmt, crs=crs, default_risk=risk
    )
    return ImportReportPublic.of(report, filename, asked_lang(request))


@router.get("/import/template.{fmt}", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def zone_import_template(fmt: str) -> Response:
    """A template for a zone table (CSV or XLSX): the columns the import reads, with one example row."""
    return template_response("zones", fmt, "zones-template")


@router.post("/import/confirm", response_model=ZoneImportStored, status_code=status.HTTP_201_CREATED)
def confirm_zone_import(
    body: ZoneImportConfirm, ctx: ContextDep, session: SessionDep, user: PlannerUser
) -> ZoneImportStored:
    """Store the confirmed features of an import (as ``POST /zones/import`` answered them), all in one
    transaction: one bad feature stores none and names it."""
    stored = zones.confirm_zone_import(ctx, session, body.features, created_by=user.name)
    return ZoneImportStored(count=len(stored), zones=[ZonePublic(**z.to_feature()) for z in stored])


@router.patch("/{zone_id}", response_model=ZonePublic)
def edit_zone(zone_id: str, body: ZoneEdit, ctx: ContextDep, session: SessionDep, user: PlannerUser) -> ZonePublic:
    """Edit a zone's outline and/or properties: stored as its next version (who, when, what changed),
    routed by from the next request on.  Send ``expected_version`` (the version shown) to get a 409
    rather than overwrite an edit made meanwhile."""
    zone = zones.edit_zone(
        ctx,
        session,
        zone_id,
        geometry=body.geometry.model_dump(mode="json") if body.geometry is not None else None,
        properties=body.properties.model_dump(mode="json", exclude_unset=True) if body.properties else None,
        crs=body.crs,
        expected_version=body.expected_version,
        reason=body.reason,
        changed_by=user.name,
    )
    return ZonePublic(**zone.to_feature())


@router.get("/{zone_id}/history", response_model=ZoneHistoryPublic)
def zone_history(zone_id: str, session: SessionDep, user: HistoryReader) -> ZoneHistoryPublic:
    """Every version of a zone, oldest first, each with the zone as it was after the change."""
    versions = zones.zone_history(session, zone_id)
    return ZoneHistoryPublic(
        zone_id=zone_id,
        current_version=versions[-1].zone.version,
        deleted=versions[-1].action == "delete",
        versions=[
            ZoneVersionPublic(
                version=v.zone.version,
                action=v.action,  # type: ignore[arg-type]  # create, update or delete, as stored
                changed_at=v.changed_at,
                changed_by=v.changed_by,
                reason=v.reason,
                changes=[ZoneChange.model_validate(c) for c in v.changes],
                feature=v.zone.to_feature(),
            )
            for v in versions
        ],
    )


@router.delete("/{zone_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_zone(
    zone_id: str,
    session: SessionDep,
    user: PlannerUser,
    expected_version: int | None = Query(default=None, ge=1, description="the version shown; another is a 409"),
) -> None:
    """Lift a zone (kept in the history, no longer routed around)."""
    zones.delete_zone(session, zone_id, deleted_by=user.name, expected_version=expected_version)
