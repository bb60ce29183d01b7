"""Transfer-station plans (中转站)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse

from api import pages
from api.deps import BureauReader, ContextDep, PlannerUser, SessionDep, web_session
from api.i18n import asked_lang
from api.schemas.plans import PlanPublic, StationPlanCreate
from services import layers, stations
from services.stations import StationPlanRequest

router = APIRouter(prefix="/plans", tags=["plans"])


@router.post("/stations", response_model=PlanPublic, status_code=status.HTTP_201_CREATED)
def create_station_plan(
    body: StationPlanCreate, request: Request, ctx: ContextDep, session: SessionDep, user: PlannerUser
) -> dict[str, Any]:
    """Site transfer stations (p-median, maximal covering or set covering) on network travel times.

    Candidates in active sealed/controlled zones, off the truck network or reaching no demand are excluded
    and listed with their reason; an infeasible request (p above the candidates, an uncoverable demand
    point) answers 422 naming the constraint and its numbers.
    """
    plan = stations.make_station_plan(ctx, session, StationPlanRequest(**body.model_dump()), created_by=user.name)
    return stations.plan_in_lang(plan, asked_lang(request))


@router.get("/{plan_id}", response_model=PlanPublic)
def get_plan(plan_id: str, request: Request, session: SessionDep, user: BureauReader) -> dict[str, Any]:
    """A stored station plan (the bureau's roles); its reasons in Chinese for a client that asked for Chinese."""
    return stations.plan_in_lang(stations.get_plan(session, plan_id), asked_lang(request))


@router.get("/{plan_id}/map", response_class=HTMLResponse)
def plan_map(request: Request, plan_id: str, ctx: ContextDep, session: SessionDep, user: BureauReader) -> HTMLResponse:
    """One plan's map: its stations, the lines to the demand each serves, zones and sites."""
    content = layers.plan_map(session, plan_id)
    return pages.content_page(request, ctx, content, user=user, session=web_session(request, ctx))
