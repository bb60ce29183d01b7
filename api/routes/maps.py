"""Map views: the city map with every layer, one route's map.

The city map is anonymous and heavy (every zone, site and route inline), so it is rendered once per
version of its content (:func:`services.layers.city_map_version`, read from the database so every
worker agrees) and served from :class:`RenderedPages` until the version changes; at most one render
runs at a time per process, in the thread pool, so map readers never take the event loop or more than
one thread from checkpoint scans and routes.  Each answer still gets its own script nonce.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api import pages
from api.deps import ContextDep, OptionalUser, RouteReader, SessionDep, web_session
from api.i18n import page_lang
from services import layers
from services.context import AppContext
from services.users import is_bureau
from store.users import Principal

router = APIRouter(tags=["maps"])


class RenderedPages:
    """The last few rendered city maps of this process, by content version, and the lock of their rendering."""

    KEPT = 4

    def __init__(self) -> None:
        self._pages: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self.render_lock = asyncio.Lock()  # one render at a time; waiters then find the page rendered
        self.renders = 0

    def get(self, version: str) -> str | None:
        with self._lock:
            return self._pages.get(version)

    def put(self, version: str, html: str) -> None:
        with self._lock:
            self._pages[version] = html
            self.renders += 1
            while len(self._pages) > self.KEPT:
                self._pages.popitem(last=False)


def rendered_pages(request: Request) -> RenderedPages:
    found = getattr(request.app.state, "city_maps", None)
    if found is None:
        found = request.app.state.city_maps = RenderedPages()
    return found


def _version(ctx: AppContext) -> str:
    with ctx.sessions() as session:
        return layers.city_map_version(session)


def _render(ctx: AppContext, lang: str, viewer: Principal | None) -> str:
    with ctx.sessions() as session:
        return pages.map_html(layers.city_map(ctx, session, viewer=viewer), ctx, lang=lang)


@router.get("/map", response_class=HTMLResponse)
async def city_map(request: Request, ctx: ContextDep, user: OptionalUser) -> HTMLResponse:
    """The city map over the offline basemap.  Public: zones by risk and closures.  With a bureau role every
    layer: sites, stored routes, plans, docking and drop points, closures with their impact, green channels
    and the last day's checkpoint scans.  Rendered once per content version, audience and language."""
    lang = page_lang(request)
    audience = "bureau" if is_bureau(user) else "public"
    cache = rendered_pages(request)
    version = f"{await run_in_threadpool(_version, ctx)}:{audience}:{lang}"
    html = cache.get(version)
    if html is None:
        async with cache.render_lock:
            html = cache.get(version)  # rendered while this request waited
            if html is None:
                html = await run_in_threadpool(_render, ctx, lang, user)
                cache.put(version, html)
    signed_in = await run_in_threadpool(web_session, request, ctx)
    return pages.map_page(request, ctx, html, user=user, session=signed_in)


@router.get("/routes/{route_id}/map", response_class=HTMLResponse)
def route_map(request: Request, route_id: str, ctx: ContextDep, session: SessionDep, user: RouteReader) -> HTMLResponse:
    """One route: legs in different styles, the zones it meets, entry and exit markers (as ``GET /routes/{id}``)."""
    route, zones = layers.route_map(session, route_id, user=user)
    return pages.route_page(request, ctx, route, zones, user=user, session=web_session(request, ctx))
