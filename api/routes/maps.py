"""Map views: the city map and its layers by viewport, one route's map.

The city map is anonymous and was heavy, so its page is a shell with no feature inline
(:func:`api.pages.map_html` with its layer keys) and each layer loads by viewport from
``GET /map/layers/{layer}``.  The map's content is read once per version of it
(:func:`services.layers.city_map_version`, read from the database so every worker agrees) and
audience and kept (:class:`services.layers.CityMapContents`); the shell depends only on the layers it
names, so it is rendered once per audience, language and set of layers and served from
:class:`RenderedPages` while they stay the same.  At most one render runs at a time per process, in the
thread pool, so map readers never take the event loop or more than one thread from checkpoint scans
and routes.  Each answer still gets its own script nonce.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import OrderedDict
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
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
    """The last few rendered city map pages (or layer answers) of this process, by what they were rendered
    from, and the lock of their rendering."""

    KEPT = 4

    def __init__(self, kept: int | None = None) -> None:
        self._pages: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self.render_lock = asyncio.Lock()  # one render at a time; waiters then find the page rendered
        self.renders = 0
        self.kept = kept or self.KEPT

    def get(self, version: str) -> str | None:
        with self._lock:
            return self._pages.get(version)

    def put(self, version: str, html: str) -> None:
        with self._lock:
            self._pages[version] = html
            self.renders += 1
            while len(self._pages) > self.kept:
                self._pages.popitem(last=False)


def rendered_pages(request: Request) -> RenderedPages:
    found = getattr(request.app.state, "city_maps", None)
    if found is None:
        found = request.app.state.city_maps = RenderedPages()
    return found


#: Layer answers kept per process (by ETag: content version, audience, language, layer, viewport).
KEPT_LAYER_ANSWERS = 256


def rendered_layers(request: Request) -> RenderedPages:
    found = getattr(request.app.state, "city_map_layers", None)
    if found is None:
        found = request.app.state.city_map_layers = RenderedPages(KEPT_LAYER_ANSWERS)
    return found


def _version(ctx: AppContext) -> str:
    with ctx.sessions() as session:
        return layers.city_map_version(session)


def _content(ctx: AppContext, contents: layers.CityMapContents, viewer: Principal | None) -> layers.MapContent:
    return contents.get(ctx, _version(ctx), viewer=viewer)


def _render(ctx: AppContext, content: layers.MapContent, lang: str, keys: list[str]) -> str:
    return pages.map_html(content, ctx, lang=lang, layer_keys=keys)


def city_contents(request: Request) -> layers.CityMapContents:
    found = getattr(request.app.state, "city_map_contents", None)
    if found is None:
        found = request.app.state.city_map_contents = layers.CityMapContents()
    return found


def _layer_answer(
    ctx: AppContext, contents: layers.CityMapContents, version: str, layer: str, view: _View, user: Principal | None
) -> str:
    bbox, zoom, lang = view
    content = contents.get(ctx, version, viewer=user)
    part = layers.city_layer(content, layer, bbox=bbox, zoom=zoom)
    return json.dumps(pages.layer_geojson(part, ctx, lang=lang), ensure_ascii=False, separators=(",", ":"))


_View = tuple[tuple[float, float, float, float], int, str]


@router.get("/map", response_class=HTMLResponse)
async def city_map(request: Request, ctx: ContextDep, user: OptionalUser) -> HTMLResponse:
    """The city map over the offline basemap.  Public: zones by risk and closures.  With a bureau role every
    layer: sites, stored routes, plans, docking and drop points, closures with their impact, green channels
    and the last day's checkpoint scans.  The page carries no feature: each layer loads its own by viewport
    from ``GET /map/layers/{layer}``.  Rendered once per audience, language and set of layers."""
    lang = page_lang(request)
    audience = "bureau" if is_bureau(user) else "public"
    cache = rendered_pages(request)
    content = await run_in_threadpool(_content, ctx, city_contents(request), user)
    keys = layers.city_layer_keys(content, viewer=user)
    shell = f"{audience}:{lang}:{','.join(keys)}:{content.bbox}"
    html = cache.get(shell)
    if html is None:
        async with cache.render_lock:
            html = cache.get(shell)  # rendered while this request waited
            if html is None:
                html = await run_in_threadpool(_render, ctx, content, lang, keys)
                cache.put(shell, html)
    signed_in = await run_in_threadpool(web_session, request, ctx)
    return pages.map_page(request, ctx, html, user=user, session=signed_in)


@router.get(
    "/map/layers/{layer}",
    response_class=JSONResponse,
    responses={304: {"description": "Not modified: the answer of the ETag sent in If-None-Match still holds"}},
)
async def city_layer(
    request: Request,
    layer: str,
    ctx: ContextDep,
    user: OptionalUser,
    bbox: Annotated[str, Query(description="left,bottom,right,top in WGS-84 degrees")],
    zoom: Annotated[str, Query(description="the map's zoom level, 0 to 22")],
    lang: Annotated[str | None, Query(description="zh or en (default: the page language)")] = None,
) -> Response:
    """One layer of the city map within a viewport, as GeoJSON: the features that meet ``bbox``, simplified
    for ``zoom`` and at most ``services.layers.MAX_LAYER_FEATURES`` (``truncated`` and a ``notice`` to zoom in
    past that), with their popups in the page language.  Zones by risk (``zones-sealed``, ``zones-controlled``,
    ``zones-precaution``) and ``closures`` are public; sites, routes, plans, docking and drop points, closure
    impact, green channels and scans need a bureau role, as on the map.  The ``ETag`` follows the map's
    content version; ``If-None-Match`` with it answers ``304``.  Answers are kept per ETag, and computed one
    at a time per process."""
    layers.check_layer_access(layer, viewer=user)
    view_bbox, level = layers.parse_view(bbox, zoom)
    language = "en" if (lang or page_lang(request)) == "en" else "zh"
    version = await run_in_threadpool(_version, ctx)
    etag = layers.layer_etag(version, layer, bbox=view_bbox, zoom=level, lang=language, viewer=user)
    headers = {
        "ETag": etag,
        "Cache-Control": "private, no-cache" if is_bureau(user) else "no-cache",
        "Vary": "Authorization, Cookie",
    }
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    answers, renders = rendered_layers(request), rendered_pages(request)
    answer = answers.get(etag)
    if answer is None:
        async with renders.render_lock:  # the map's work takes one thread at a time, as the page's render does
            answer = answers.get(etag)
            if answer is None:
                view = (view_bbox, level, language)
                answer = await run_in_threadpool(_layer_answer, ctx, city_contents(request), version, layer, view, user)
                answers.put(etag, answer)
    return Response(answer, media_type="application/json", headers=headers)


@router.get("/routes/{route_id}/map", response_class=HTMLResponse)
def route_map(request: Request, route_id: str, ctx: ContextDep, session: SessionDep, user: RouteReader) -> HTMLResponse:
    """One route: legs in different styles, the zones it meets, entry and exit markers (as ``GET /routes/{id}``)."""
    route, zones = layers.route_map(session, route_id, user=user)
    return pages.route_page(request, ctx, route, zones, user=user, session=web_session(request, ctx))
