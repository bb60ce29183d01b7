"""The whitelist fleet: an enterprise's vehicles and crew, and the fuse that takes it off the whitelist.

A planner, or a dispatcher acting for that enterprise (``baotong users add NAME --role
dispatcher --enterprise SITE_ID``), registers vehicles and crew; only a planner fuses and un-fuses.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import ContextDep, EnterpriseStaff, PlannerUser, SessionDep
from api.i18n import asked_lang
from api.schemas.common import ShallowJson
from api.schemas.imports import ImportReportPublic
from api.schemas.passes import (
    CrewCreate,
    CrewPublic,
    CrewsPublic,
    FuseCreate,
    FusePublic,
    UnfusePublic,
    VehicleCreate,
    VehiclePublic,
    VehiclesPublic,
)
from api.uploads import UPLOAD_RESPONSES, choice, read_upload, template_response
from services import fleet_imports, passes
from services.context import AppContext
from services.imports import ImportReport
from store.users import Principal

router = APIRouter(prefix="/sites", tags=["passes"])


@router.post(
    "/{site_id}/vehicles",
    response_model=VehiclePublic,
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "a dispatcher of another enterprise"},
        409: {"description": "plate already registered for this enterprise"},
    },
)
def add_vehicle(
    site_id: str, body: VehicleCreate, ctx: ContextDep, session: SessionDep, user: EnterpriseStaff
) -> VehiclePublic:
    """Register a vehicle (own or contracted) of a whitelist enterprise; the plate is validated and normalised."""
    return VehiclePublic(
        **passes.add_vehicle(
            ctx,
            session,
            site_id,
            plate=body.plate,
            ownership=body.ownership,
            out_of_province=body.out_of_province,
            height_m=body.height_m,
            weight_t=body.weight_t,
            width_m=body.width_m,
            user=user,
        )
    )


@router.get("/{site_id}/vehicles", response_model=VehiclesPublic)
def list_vehicles(site_id: str, session: SessionDep, user: EnterpriseStaff) -> VehiclesPublic:
    """The registered vehicles of an enterprise."""
    data = [VehiclePublic(**v) for v in passes.list_vehicles(session, site_id, user=user)]
    return VehiclesPublic(data=data, count=len(data))


@router.post("/{site_id}/crew", response_model=CrewPublic, status_code=status.HTTP_201_CREATED)
def add_crew(site_id: str, body: CrewCreate, session: SessionDep, user: EnterpriseStaff) -> CrewPublic:
    """Register a driver or crew member with the time of their latest negative nucleic-acid test."""
    return CrewPublic(
        **passes.add_crew(
            session,
            site_id,
            name=body.name,
            id_last4=body.id_last4,
            role=body.role,
            tested_at=body.tested_at,
            mobile_role=body.mobile_role,
            user=user,
        )
    )


@router.get("/{site_id}/crew", response_model=CrewsPublic)
def list_crew(site_id: str, session: SessionDep, user: EnterpriseStaff) -> CrewsPublic:
    """The registered crew of an enterprise."""
    data = [CrewPublic(**c) for c in passes.list_crew(session, site_id, user=user)]
    return CrewsPublic(data=data, count=len(data))


@router.post(
    "/{site_id}/fuse",
    response_model=FusePublic,
    responses={409: {"description": "not on the whitelist: fused already (naming by whom and when)"}},
)
def fuse(site_id: str, body: FuseCreate, session: SessionDep, user: PlannerUser) -> FusePublic:
    """Remove an enterprise from the whitelist (熔断), with the reason; its passes answer ``stop`` at once."""
    return FusePublic(**passes.fuse_enterprise(session, site_id, reason=body.reason, user=user))


@router.post(
    "/{site_id}/unfuse",
    response_model=UnfusePublic,
    responses={409: {"description": "on the whitelist already (naming who restored it and when), or never fused"}},
)
def unfuse(site_id: str, body: FuseCreate, session: SessionDep, user: PlannerUser) -> UnfusePublic:
    """Put a fused enterprise back on the whitelist (解除熔断), with the reason; its passes validate again."""
    return UnfusePublic(**passes.unfuse_enterprise(session, site_id, reason=body.reason, user=user))


# -- imports of vehicles and crew from tables -------------------------------------------------------------
class FleetImportConfirm(BaseModel):
    rows: list[ShallowJson] = Field(max_length=1000, description="the accepted rows' `feature` as the report gave them")


class FleetImportStored(BaseModel):
    count: int
    data: list[dict[str, Any]]


_FLEET_IMPORT_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "format": {"type": "string", "enum": list(fleet_imports.TABLE_FORMATS)},
                    },
                }
            }
        }
    }
}


def _check(
    ctx: AppContext, site_id: str, data: bytes, kind: str, user: Principal, filename: str | None, fmt: str | None
) -> ImportReport:
    with ctx.sessions() as session:
        return fleet_imports.check_fleet_import(
            ctx, session, site_id, data, kind=kind, user=user, filename=filename, fmt=fmt
        )


async def _check_upload(
    request: Request, ctx: AppContext, site_id: str, kind: str, user: Principal
) -> ImportReportPublic:
    data, filename, fields = await read_upload(request, ("format",))
    fmt = choice(fields["format"], "format", fleet_imports.TABLE_FORMATS, None)
    if filename and filename.lower().endswith((".json", ".geojson")):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "a vehicle or crew file is a CSV or XLSX table")
    report = await run_in_threadpool(_check, ctx, site_id, data, kind, user, filename, fmt)
    return ImportReportPublic.of(report, filename, asked_lang(request))


@router.post(
    "/{site_id}/vehicles/import",
    response_model=ImportReportPublic,
    openapi_extra=_FLEET_IMPORT_BODY,
    responses=UPLOAD_RESPONSES,
)
async def check_vehicle_import(
    site_id: str, request: Request, ctx: ContextDep, user: EnterpriseStaff
) -> ImportReportPublic:
    """Check a table of the enterprise's vehicles row by row (``file``: CSV or XLSX with ``车牌号``/``plate``,
    ``车辆归属``/``ownership`` 自有/外包, ``是否外省``, ``车高（米）``, ``总质量（吨）``, ``车宽（米）``); stores nothing.
    Confirm with ``POST /sites/{id}/vehicles/import/confirm``."""
    return await _check_upload(request, ctx, site_id, "vehicles", user)


@router.post("/{site_id}/vehicles/import/confirm", response_model=FleetImportStored, status_code=201)
def confirm_vehicle_import(
    site_id: str, body: FleetImportConfirm, ctx: ContextDep, session: SessionDep, user: EnterpriseStaff
) -> FleetImportStored:
    """Register the confirmed vehicles in one transaction: one that does not register stores none and is named."""
    stored = fleet_imports.confirm_fleet_import(ctx, session, site_id, body.rows, kind="vehicles", user=user)
    return FleetImportStored(count=len(stored), data=stored)


@router.post(
    "/{site_id}/crew/import",
    response_model=ImportReportPublic,
    openapi_extra=_FLEET_IMPORT_BODY,
    responses=UPLOAD_RESPONSES,
)
async def check_crew_import(
    site_id: str, request: Request, ctx: ContextDep, user: EnterpriseStaff
) -> ImportReportPublic:
    """Check a table of the enterprise's crew row by row (``file``: CSV or XLSX with ``姓名``, ``身份证后四位``
    (a whole ``身份证号`` column is cut to its last 4, never kept), ``岗位``, ``核酸采样时间`` (without a zone: the
    bureau's), ``高频接触岗位`` 是/否); stores nothing.  Confirm with ``POST /sites/{id}/crew/import/confirm``."""
    return await _check_upload(request, ctx, site_id, "crew", user)


@router.post("/{site_id}/crew/import/confirm", response_model=FleetImportStored, status_code=201)
def confirm_crew_import(
    site_id: str, body: FleetImportConfirm, ctx: ContextDep, session: SessionDep, user: EnterpriseStaff
) -> FleetImportStored:
    """Register the confirmed crew in one transaction: one that does not register stores none and is named."""
    stored = fleet_imports.confirm_fleet_import(ctx, session, site_id, body.rows, kind="crew", user=user)
    return FleetImportStored(count=len(stored), data=stored)


@router.get("/vehicles/import/template.{fmt}", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def vehicle_import_template(fmt: str) -> Response:
    """A template for a vehicle table (CSV or XLSX): the columns the import reads, with one example row."""
    return template_response("vehicles", fmt, "vehicles-template")


@router.get("/crew/import/template.{fmt}", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def crew_import_template(fmt: str) -> Response:
    """A template for a crew table (CSV or XLSX): the columns the import reads, with one example row."""
    return template_response("crew", fmt, "crew-template")
