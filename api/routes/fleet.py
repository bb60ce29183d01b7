"""The whitelist fleet: an enterprise's vehicles and crew, and the fuse that takes it off the whitelist.

A planner, or a dispatcher acting for that enterprise (``baotong users add NAME --role
dispatcher --enterprise SITE_ID``), registers vehicles and crew; only a planner fuses and un-fuses.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import ContextDep, EnterpriseStaff, PlannerUser, SessionDep
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
from services import passes

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
