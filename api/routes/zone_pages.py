"""The planner's zone page (``GET /zones/edit``) and a zone outline's effect (``POST /zones/effect``).

The page draws the current zones by risk over the offline basemap; the planner draws a polygon,
rectangle or circle (Leaflet-Geoman; a circle is sent as a 64-vertex polygon), sets its name, risk,
county and validity window and saves it with ``POST /zones``; a zone clicked on the map is edited
(outline and properties) with ``PATCH /zones/{id}`` and ``expected_version``, lifted with ``DELETE``,
and its versions listed from ``GET /zones/{id}/history`` -- the same calls a program makes.  For a
drawn outline and a selected zone the page shows ``POST /zones/effect``: the roads inside (km by
grade, highlighted) and the stored routes and valid passes that cross it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api import pages
from api.deps import ContextDep, PlannerUser, SessionDep, page_user, web_session
from api.i18n import page_lang
from api.routes.closure_pages import GRADE_WORDS, closure_words
from api.schemas.zone_effect import ZoneEffectPublic, ZoneEffectRequest
from geo.zones import RISKS
from services import zone_effect
from store.users import Principal

router = APIRouter(tags=["zones"])

PlannerPage = Annotated[Principal, Depends(page_user("planner"))]
#: A new zone's validity window unless the planner changes it.
DEFAULT_WINDOW = timedelta(days=7)


@router.post("/zones/effect", response_model=ZoneEffectPublic)
def effect_of_outline(
    body: ZoneEffectRequest, ctx: ContextDep, session: SessionDep, user: PlannerUser
) -> ZoneEffectPublic:
    """What a zone outline touches (stores nothing): the roads inside (km by grade, their lines, simplified and
    capped), and the stored routes and the passes valid at ``at`` (default now) whose path crosses it.  An
    outline larger than 50 km² is refused (422)."""
    effect = zone_effect.zone_effect(ctx, session, body.geometry.model_dump(mode="json"), crs=body.crs, at=body.at)
    return ZoneEffectPublic.model_validate(effect.to_json())


@router.get("/zones/edit", response_class=HTMLResponse, include_in_schema=False)
def zones_page(request: Request, ctx: ContextDep, user: PlannerPage) -> HTMLResponse:
    """The planner's page: the zones on the map; draw, edit, lift; each outline's effect."""
    lang = page_lang(request)
    tz = ctx.settings.tz()
    start = datetime.now(tz).replace(second=0, microsecond=0)  # in force from now on
    values = closure_words(lang)
    return pages.render(
        request,
        ctx,
        "zones_edit.html",
        user=user,
        session=web_session(request, ctx),
        config=pages.map_config(ctx, lang),
        county_codes=ctx.settings.county_codes,
        risks=RISKS,
        default_start=start.strftime("%Y-%m-%dT%H:%M"),
        default_end=(start + DEFAULT_WINDOW).strftime("%Y-%m-%dT%H:%M"),
        grades={k: values["word"](k) for k in GRADE_WORDS},
        **values,
    )
