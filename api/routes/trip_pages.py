"""The dispatcher's pages: plan a trip on the map and request a pass from it (``GET /trips/new``); the
enterprise's passes with their scans, print pages, renewal and cancelling (``GET /trips/passes``).

A dispatcher picks the origin and destination by clicking the map (or from the enterprise's sites),
adds waypoints by clicking, chooses the vehicle's limits and the departure in the bureau's zone, and the
page sends ``POST /routes`` -- the call a program makes.  The route is drawn leg by leg in the route map's
styles with the zones and the entry and exit points; beside it ``GET /trips/{route_id}/panel`` writes the
legs, each zone crossed with entry, exit and time inside, the warnings and the explanation in the page's
language.  The pass is requested from the same trip with ``POST /passes`` (the vehicle and crew from
``GET /sites/{id}/vehicles`` and ``/crew``); a 409 names the vehicle's valid pass and the page offers to
replace it, sending ``replaces``.  The passes page lists ``GET /passes`` for the caller (a bound dispatcher:
its enterprise's), each with its scans; renew and cancel are ``POST /passes/{no}/renew`` and ``/cancel``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api import pages
from api.deps import ContextDep, SessionDep, page_user, web_session
from api.i18n import page_lang
from geo.i18n import text_in
from maps.views import LEG_STYLES, RISK_COLORS, VALUE_LABELS
from services import lists, passes, routes
from store.users import Principal

router = APIRouter(tags=["trips"], include_in_schema=False)

TRIP_ROLES = ("dispatcher", "planner")
#: Who may request a pass (``POST /passes``; a planner plans trips but does not issue passes).
PASS_ISSUERS = ("dispatcher", "admin")
TripPage = Annotated[Principal, Depends(page_user(*TRIP_ROLES))]
#: A new pass's window unless the dispatcher changes it.
DEFAULT_VALIDITY = timedelta(hours=12)
#: The most passes the passes page lists (newest first; the rest through ``GET /passes``).
PASSES_SHOWN = 50
#: The leg kinds in the order the route map's legend names them.
LEG_KINDS = tuple(LEG_STYLES)


def _minute(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


def _words(lang: str) -> dict[str, Any]:
    values = VALUE_LABELS.get(lang, {})
    return {
        "word": lambda value: values.get(str(value), str(value).replace("_", " ")),
        "text": lambda value: text_in(value, lang),
    }


@router.get("/trips/new", response_class=HTMLResponse)
def new_trip_page(request: Request, ctx: ContextDep, session: SessionDep, user: TripPage) -> HTMLResponse:
    """The dispatcher's trip page: pick the trip on the map, plan it, request a pass."""
    lang = page_lang(request)
    now = datetime.now(ctx.settings.tz()).replace(second=0, microsecond=0)
    enterprises = list(lists.iter_sites(session, lists.SiteFilters(kind="enterprise"), user=user))
    return pages.render(
        request,
        ctx,
        "trip_new.html",
        user=user,
        session=web_session(request, ctx),
        config=pages.map_config(ctx, lang),
        styles={"legs": LEG_STYLES, "risks": RISK_COLORS},
        enterprises=enterprises,
        may_request=user.role in PASS_ISSUERS,
        default_departure=_minute(now),
        default_until=_minute(now + DEFAULT_VALIDITY),
        **_words(lang),
    )


@router.get("/trips/{route_id}/panel", response_class=HTMLResponse)
def trip_panel(request: Request, route_id: str, ctx: ContextDep, session: SessionDep, user: TripPage) -> HTMLResponse:
    """A planned route written for people (a fragment of the trip page): the legs, each zone crossed with entry,
    exit and time inside, the warnings and the explanation.  The route is read as ``GET /routes/{id}`` reads it."""
    record = routes.get_route(session, route_id, user=user)
    return pages.render(request, ctx, "_trip_panel.html", user=user, r=record, **_words(page_lang(request)))


@router.get("/trips/passes", response_class=HTMLResponse)
def trip_passes_page(request: Request, ctx: ContextDep, session: SessionDep, user: TripPage) -> HTMLResponse:
    """The enterprise's passes, newest first (``GET /passes`` for the caller), each with its scans."""
    page = lists.list_passes(session, lists.PassFilters(), user=user, cursor=None, limit=PASSES_SHOWN)
    rows = [(p, passes.pass_scans(session, p["pass_no"], user=user)) for p in page.rows]
    now = datetime.now(ctx.settings.tz()).replace(second=0, microsecond=0)
    return pages.render(
        request,
        ctx,
        "trip_passes.html",
        user=user,
        session=web_session(request, ctx),
        rows=rows,
        count=page.count,
        default_until=_minute(now + DEFAULT_VALIDITY),
        cancel_reason=passes.CANCEL_REASON,
        **_words(page_lang(request)),
    )
