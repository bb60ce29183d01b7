"""The import page (``GET /imports``): zones, sites, vehicles and crew from the files the bureau receives.

Risk areas arrive as GeoJSON, KML, zipped Shapefiles or spreadsheets, the whitelist, the hubs and the
enterprises' vehicles and crew as spreadsheets (a dispatcher imports its own enterprise's fleet here).  The page sends the chosen file to ``POST /zones/import`` or ``POST /sites/import`` (which
store nothing), shows the report row by row -- accepted, repaired with what, rejected with why -- with the
accepted features on a map, and stores the rows kept ticked with the import's ``…/confirm`` in one
transaction: the same calls a program makes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api import pages
from api.deps import ContextDep, SessionDep, page_user, web_session
from api.i18n import page_lang
from geo.zones import RISKS
from maps.views import risk_name, site_kind_name
from services import sites
from store.users import Principal

router = APIRouter(tags=["imports"], include_in_schema=False)

ImportPage = Annotated[Principal, Depends(page_user("planner", "dispatcher"))]
#: The site kinds a table may hold (demand points are not imported).
IMPORT_SITE_KINDS = ("enterprise", "hub_logistics", "hub_rail", "hub_coach", "candidate_station")


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, ctx: ContextDep, session: SessionDep, user: ImportPage) -> HTMLResponse:
    """Check a zone, site, vehicle or crew file, read its report, confirm the rows to store.  A planner imports
    everything; a dispatcher its enterprise's vehicles and crew (a bound one: only its own enterprise)."""
    lang = page_lang(request)
    enterprises = sites.list_sites(session, kind="enterprise")
    if user.enterprise_id is not None and user.role != "planner":
        enterprises = [e for e in enterprises if e.id == user.enterprise_id]
    return pages.render(
        request,
        ctx,
        "imports.html",
        user=user,
        session=web_session(request, ctx),
        config=pages.map_config(ctx, lang),
        risks=[(r, risk_name(r, lang)) for r in RISKS],
        kinds=[(k, site_kind_name(k, lang)) for k in IMPORT_SITE_KINDS],
        forms=("zones", "sites", "fleet") if user.role in ("planner", "admin") else ("fleet",),
        enterprises=enterprises,
    )
