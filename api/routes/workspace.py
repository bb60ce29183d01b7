"""The workspace home (``GET /workspace``, ``GET /``): each role's pages, exports and lists; ``GET /docs`` offline.

Shows only what exists; the later pages are
added to :data:`PAGES` as they land.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api import pages
from api.deps import ContextDep, PageUser, SessionDep, web_session
from api.i18n import page_lang, translate
from services import lists
from store.users import Principal

router = APIRouter(tags=["workspace"], include_in_schema=False)


@dataclass(frozen=True)
class Link:
    """A page, export or list the workspace offers to ``roles`` (empty: every role; admin: all)."""

    path: str
    key: str
    text: str = ""
    roles: tuple[str, ...] = ()

    def shown_to(self, role: str) -> bool:
        return not self.roles or role in self.roles or role == "admin"


PASS_ROLES = ("planner", "dispatcher", "checkpoint")
SCAN_ROLES = ("planner", "dispatcher", "checkpoint")
ROUTE_ROLES = ("planner", "dispatcher")
PAGES = (
    Link("/map", "nav.map", "ws.map"),
    Link("/dashboard", "nav.dashboard", "ws.dashboard", ("planner", "city_approver", "province_approver")),
    Link("/checkpoint", "nav.checkpoint", "ws.checkpoint", ("checkpoint",)),
    Link("/plan", "nav.plan", "ws.plan", ("planner",)),
    Link("/imports", "nav.imports", "ws.imports", ("planner", "dispatcher")),
    Link("/closures/new", "nav.new_closure", "ws.new_closure", ("county",)),
    Link("/approvals", "nav.approvals", "ws.approvals", ("city_approver", "province_approver")),
    Link("/trips/new", "nav.new_trip", "ws.new_trip", ("dispatcher", "planner")),
    Link("/trips/passes", "nav.trip_passes", "ws.trip_passes", ("dispatcher", "planner")),
    Link("/zones/edit", "nav.zones", "ws.zones", ("planner",)),
    Link("/docs", "nav.docs", "ws.docs"),
)
EXPORTS = (
    Link("/passes?format=xlsx", "ws.passes_xlsx", roles=PASS_ROLES),
    Link("/passes?format=csv", "ws.passes_csv", roles=PASS_ROLES),
    Link("/scans?format=xlsx", "ws.scans_xlsx", roles=SCAN_ROLES),
    Link("/scans?format=csv", "ws.scans_csv", roles=SCAN_ROLES),
    Link("/zones?format=geojson", "ws.zones_geojson"),
    Link("/zones?format=kml", "ws.zones_kml"),
    Link("/closures?format=geojson", "ws.closures_geojson"),
    Link("/closures?format=kml", "ws.closures_kml"),
)
LISTS = (
    Link("/passes", "ws.list_passes", roles=PASS_ROLES),
    Link("/scans", "ws.list_scans", roles=SCAN_ROLES),
    Link("/routes", "ws.list_routes", roles=ROUTE_ROLES),
    Link("/sites", "ws.list_sites"),
    Link("/closures", "ws.list_closures"),
)


def _counts(session: Session, user: Principal) -> list[tuple[str, int]]:
    out = []
    if Link("/passes", "", roles=PASS_ROLES).shown_to(user.role):
        out.append(("ws.count_passes", lists.count_passes(session, user=user)))
    if Link("/routes", "", roles=ROUTE_ROLES).shown_to(user.role):
        out.append(("ws.count_routes", lists.count_routes(session, user=user)))
    out.append(("ws.count_sites", lists.count_sites(session, user=user)))
    out.append(("ws.count_closures", lists.count_closures(session, user=user)))
    return out


@router.get("/", response_class=HTMLResponse)
def home() -> Response:
    return RedirectResponse("/workspace", status_code=303)


@router.get("/workspace", response_class=HTMLResponse)
def workspace(request: Request, ctx: ContextDep, session: SessionDep, user: PageUser) -> HTMLResponse:
    """The signed-in user's pages, exports and lists, by role."""
    return pages.render(
        request,
        ctx,
        "workspace.html",
        user=user,
        session=web_session(request, ctx),
        pages=[p for p in PAGES if p.shown_to(user.role)],
        exports=[e for e in EXPORTS if e.shown_to(user.role)],
        lists=[item for item in LISTS if item.shown_to(user.role)],
        counts=_counts(session, user),
    )


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI from the vendored swagger-ui-dist (works offline; ReDoc is not served)."""
    vendor = "/static/vendor/swagger-ui-dist"
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title=translate("docs.title", page_lang(request)),
        swagger_js_url=f"{vendor}/swagger-ui-bundle.js",
        swagger_css_url=f"{vendor}/swagger-ui.css",
        swagger_favicon_url=f"{vendor}/favicon-32x32.png",
    )
