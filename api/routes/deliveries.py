"""Delivery plans (应急物流配送预案): plan a fleet's deliveries, read plans back, their map, their trucks' passes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse

from api import pages
from api.deps import ContextDep, DispatcherUser, EnterpriseStaff, SessionDep, web_session
from api.i18n import asked_lang
from api.schemas.deliveries import (
    DeliveryPassesCreate,
    DeliveryPassesPublic,
    DeliveryPlanCreate,
    DeliveryPlanPublic,
    DeliveryPlansPublic,
)
from services import deliveries, layers
from services.deliveries import DeliveryPlanRequest, PlanPassesRequest

router = APIRouter(prefix="/plans/deliveries", tags=["plans"])

_BUSY: dict[int | str, dict[str, Any]] = {
    503: {"description": "every solver slot of the process is busy; retry after `Retry-After` seconds"}
}


@router.post("", response_model=DeliveryPlanPublic, status_code=status.HTTP_201_CREATED, responses=_BUSY)
def create_delivery_plan(
    body: DeliveryPlanCreate, request: Request, ctx: ContextDep, session: SessionDep, user: DispatcherUser
) -> dict[str, Any]:
    """Plan a fleet's last-mile deliveries through the zones active at the departure (a two-echelon plan).

    Outside trucks never stop inside a sealed or controlled zone and drive through one only by the
    closed-loop rule; a stop inside one is served by an inside vehicle of the zone from one of its
    docking points, which a truck supplies. Truck limits, approved closures in force, capacities,
    time windows, shifts and route durations hold on every leg. Infeasible input (a stop no vehicle
    reaches in its window, demand over the fleet's capacity...) answers 422 naming the stops and the
    numbers, before any solve. The solve runs in the thread pool for about `time_limit_s`.
    """
    plan_request = DeliveryPlanRequest.from_json(body.model_dump(exclude_none=True))
    plan = deliveries.make_delivery_plan(ctx, session, plan_request, user=user)
    return deliveries.plan_in_lang(plan, asked_lang(request))


@router.get("", response_model=DeliveryPlansPublic)
def list_delivery_plans(
    request: Request,
    session: SessionDep,
    user: EnterpriseStaff,
    limit: int = Query(default=50, ge=1, le=deliveries.MAX_PAGE),
    offset: int = Query(default=0, ge=0, le=1_000_000_000),
) -> dict[str, Any]:
    """The delivery plans, newest first, a page at a time (a bound dispatcher sees its enterprise's own)."""
    page = deliveries.list_delivery_plans(session, user=user, limit=limit, offset=offset)
    nxt = page["next"]
    page["next"] = None if nxt is None else f"{request.url.path}?limit={limit}&offset={nxt}"
    return page


@router.get("/{plan_id}", response_model=DeliveryPlanPublic)
def get_delivery_plan(plan_id: str, request: Request, session: SessionDep, user: EnterpriseStaff) -> dict[str, Any]:
    """A stored delivery plan, with the passes issued from it; its warnings in Chinese for a client that
    asked for Chinese."""
    return deliveries.plan_in_lang(deliveries.get_delivery_plan(session, plan_id, user=user), asked_lang(request))


@router.get("/{plan_id}/map", response_class=HTMLResponse)
def delivery_plan_map(
    request: Request, plan_id: str, ctx: ContextDep, session: SessionDep, user: EnterpriseStaff
) -> HTMLResponse:
    """A plan's map: each vehicle's route in its colour (trucks solid, inside vehicles dotted), depots,
    docking points, stops coloured by time window, and the zones."""
    view, zones = layers.delivery_plan_map(session, plan_id, user=user)
    return pages.delivery_plan_page(request, ctx, view, zones, user=user, session=web_session(request, ctx))


@router.post("/{plan_id}/passes", response_model=DeliveryPassesPublic)
def issue_plan_passes(
    request: Request,
    plan_id: str,
    body: DeliveryPassesCreate,
    ctx: ContextDep,
    session: SessionDep,
    user: DispatcherUser,
) -> dict[str, Any]:
    """Issue each outside truck's pass for its route (one vehicle, one pass, one route), truck by truck.

    Each truck's result is `issued` with its pass number, `already_issued` (its pass from this plan is
    still live) or `refused` with the status and every reason issuing it alone would give (a stale crew
    test, no crew, a vehicle holding another valid pass...); a refusal leaves the other passes standing.
    """
    wanted = PlanPassesRequest(cargo=body.cargo, crew=body.crew, routes=body.routes, margin_s=body.margin_s)
    answer = deliveries.issue_plan_passes(ctx, session, plan_id, wanted, user=user)
    return deliveries.plan_passes_in_lang(answer, asked_lang(request))
