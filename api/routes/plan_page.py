"""The planner's plan page (``GET /plan``): the rest of the plan on one map.

Place sites by clicking the map and move them by dragging (``POST /sites``, ``PATCH /sites/{id}``); run
station siting with its model, p, service time and time limit (``POST /plans/stations``) and see the
chosen stations, the lines to the demand each serves and the excluded candidates with their reasons;
plan a zone's docking points (``POST /zones/{id}/docking-points``) and a sealed enterprise's drop point
(``POST /sites/{id}/drop-point``); open a green channel between two hubs (``POST /green-channels``).  Every
write is the API call a program makes; ``GET /plan/layers`` gives the page what it draws.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api import pages
from api.deps import ContextDep, SessionDep, page_user, web_session
from api.i18n import page_lang
from geo.sites import SITE_KINDS
from maps.views import risk_name, site_kind_name
from services import layers
from store.users import Principal

router = APIRouter(tags=["plan"], include_in_schema=False)

PlannerPage = Annotated[Principal, Depends(page_user("planner"))]
#: The kinds a planner places on the map (demand points come from plans and imports).
PLACED_KINDS = tuple(k for k in SITE_KINDS if k != "demand")
MODELS = ("p_median", "mclp", "lscp")


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, ctx: ContextDep, user: PlannerPage) -> HTMLResponse:
    """Sites, station siting, docking points, drop points and green channels on one map."""
    lang = page_lang(request)
    return pages.render(
        request,
        ctx,
        "plan.html",
        user=user,
        session=web_session(request, ctx),
        config=pages.map_config(ctx, lang),
        kinds=[(k, site_kind_name(k, lang)) for k in PLACED_KINDS],
        kind_names={k: site_kind_name(k, lang) for k in SITE_KINDS},
        risk_names={r: risk_name(r, lang) for r in ("sealed", "controlled", "precaution")},
        models=MODELS,
        county_codes=ctx.settings.county_codes,
    )


@router.get("/plan/layers")
def plan_page_layers(
    session: SessionDep, user: PlannerPage, plan_id: str | None = Query(default=None, max_length=40)
) -> dict[str, Any]:
    """What the plan page draws (:func:`services.layers.planning_layers`), as GeoJSON features."""
    return layers.planning_layers(session, plan_id=plan_id)
