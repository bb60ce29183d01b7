"""HTML pages: the Jinja2 templates of ``api/templates`` in one layout, and the folium maps, rendered for a response.

Every page shares the layout of ``base.html`` (``_header.html``: the app's name, the navigation
of the user's role, the signed-in user and role, the language switch); the folium maps get the
same header put in front of the map.  Texts come from :data:`api.i18n.CATALOG` in the request's
language (:func:`api.i18n.page_lang`); times are shown in the bureau's zone.

folium (with branca and its templates) is imported on the first map page, not when the app
starts: a worker that only answers checkpoint scans and route requests never loads it, and in
the measurements of ``bench/bench_passes_http.py`` a process that had loaded it spent about a
tenth more CPU per verification.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from api.i18n import CATALOG, page_lang, remember_lang, translate
from api.schemas.passes import PassPublic
from api.security import stamp_scripts
from geo.i18n import format_duration, format_length, format_time
from geo.zones import Zone
from maps.basemap_layer import DEFAULT_TILES_PATH
from maps.layers import DeliveryPlanView, RouteView
from passes.reasons import MESSAGES
from services.layers import LayerSlice, MapContent
from services.passes import PassSheet
from services.settings import Settings
from services.users import ROLE_LABELS
from store.users import Principal, SessionInfo

if TYPE_CHECKING:
    import folium

    from services.context import AppContext

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class NavItem:
    """A page in the navigation: its path, catalog key, and the roles it is shown to (empty: every role)."""

    path: str
    key: str
    roles: tuple[str, ...] = ()

    def shown_to(self, role: str) -> bool:
        return not self.roles or role in self.roles or role == "admin"


#: The navigation, in order; a page appears only to the roles that may use it.
NAV: tuple[NavItem, ...] = (
    NavItem("/workspace", "nav.workspace"),
    NavItem("/map", "nav.map"),
    NavItem("/dashboard", "nav.dashboard", ("planner", "city_approver", "province_approver")),
    NavItem("/zones/edit", "nav.zones", ("planner",)),
    NavItem("/plan", "nav.plan", ("planner",)),
    NavItem("/imports", "nav.imports", ("planner", "dispatcher")),
    NavItem("/closures/new", "nav.new_closure", ("county",)),
    NavItem("/approvals", "nav.approvals", ("city_approver", "province_approver")),
    NavItem("/trips/new", "nav.new_trip", ("dispatcher", "planner")),
    NavItem("/trips/passes", "nav.trip_passes", ("dispatcher", "planner")),
    NavItem("/checkpoint", "nav.checkpoint", ("checkpoint",)),
    NavItem("/docs", "nav.docs"),
)


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


def switch_url(request: Request, lang: str) -> str:
    """The current page's URL with ``?lang=`` set (the language switch)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", lang)]
    return f"{request.url.path}?{urlencode(params)}"


def page_context(
    request: Request, ctx: AppContext, user: Principal | None, *, session: SessionInfo | None = None
) -> dict[str, Any]:
    """What every template gets: the language and ``t()``, the user, the navigation, formatting helpers."""
    lang = page_lang(request)
    tz = ctx.settings.tz()
    other = "en" if lang == "zh" else "zh"

    def t(key: str, **values: object) -> str:
        return translate(key, lang, **values)

    return {
        "lang": lang,
        "html_lang": "zh-CN" if lang == "zh" else "en",
        "t": t,
        "user": user,
        "role_label": ROLE_LABELS.get(user.role, {}).get(lang, user.role) if user else None,
        "nav": [n for n in NAV if user is not None and n.shown_to(user.role)],
        "path": request.url.path,
        "switch_url": switch_url(request, other),
        "csrf_token": session.csrf_token if session is not None and user is not None else "",
        "session": session,
        "timezone": ctx.settings.timezone,
        "fmt_time": lambda value, **kw: format_time(value, tz, **kw),
        "fmt_duration": lambda seconds: format_duration(seconds, lang),
        "fmt_length": lambda metres: format_length(metres, lang),
        "now": datetime.now(UTC),
    }


def render(
    request: Request,
    ctx: AppContext,
    template: str,
    *,
    user: Principal | None,
    session: SessionInfo | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """A page of ``template`` in the layout, in the request's language (the switch is remembered)."""
    html = _templates().get_template(template).render(**page_context(request, ctx, user, session=session), **values)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    response.headers.setdefault("Cache-Control", "no-store")
    return remember_lang(request, response)


def header_html(request: Request, ctx: AppContext, user: Principal | None, session: SessionInfo | None) -> str:
    """The layout's header alone (for the folium maps)."""
    return _templates().get_template("_header.html").render(**page_context(request, ctx, user, session=session))


_MAP_CSS = (
    '<link rel="stylesheet" href="/static/vendor/@fontsource/noto-sans-sc/noto-sans-sc.css">'
    '<link rel="stylesheet" href="/static/app/app.css">'
    "<style>html, body { height: 100%; margin: 0; } body { display: flex; flex-direction: column; }"
    " body > .folium-map { flex: 1 1 auto; position: relative !important; height: auto !important; }</style>"
)


def _with_header(html: str, header: str) -> str:
    """A folium page with the layout's header in front of the map (and its stylesheet)."""
    html = html.replace("</head>", _MAP_CSS + "</head>", 1)
    at = html.find("<body>")
    if at < 0:
        return html
    return html[: at + len("<body>")] + header + html[at + len("<body>") :]


def _html(folium_map: folium.Map) -> str:
    """The map's page; its own inline scripts carry the nonce placeholder (:mod:`api.security`)."""
    return stamp_scripts(folium_map.get_root().render())


#: Where the city map's layers are served by viewport (``api.routes.maps.city_layer``).
LAYERS_URL = "/map/layers"


def map_html(content: MapContent, ctx: AppContext, *, lang: str = "zh", layer_keys: Iterable[str] | None = None) -> str:
    """The HTML of a city-style map (zones, sites, routes, overlays) fitted to ``content.bbox``.  With
    ``layer_keys`` it is the page shell only: those layers load their features from :data:`LAYERS_URL`
    by viewport, none is inline."""
    from maps.views import ViewportSource, city_map

    viewport = None if layer_keys is None else ViewportSource(LAYERS_URL, tuple(layer_keys))
    return _html(
        city_map(
            bbox=content.bbox,
            zones=content.zones,
            sites=content.sites,
            routes=content.routes,
            extra_layers=content.extra_layers,
            lang=lang,
            timezone=ctx.settings.tz(),
            viewport=viewport,
            **_basemap_options(ctx),
        )
    )


def layer_geojson(part: LayerSlice, ctx: AppContext, *, lang: str = "zh") -> dict[str, Any]:
    """One city-map layer within a viewport as the GeoJSON ``map-layers.js`` draws (popups in ``lang``)."""
    from maps.views import layer_collection

    content = part.content
    return layer_collection(
        part.key,
        zones=content.zones,
        sites=content.sites,
        routes=content.routes,
        extra_layers=content.extra_layers,
        lang=lang,
        timezone=ctx.settings.tz(),
        total=part.total,
        truncated=part.truncated,
    )


def _basemap_options(ctx: AppContext) -> dict[str, Any]:
    settings = ctx.settings
    return {
        "tiles_url": settings.tiles_url,
        "tiles_attribution": settings.tiles_attribution,
        "vector_basemap": ctx.basemap is not None,
    }


def map_config(ctx: AppContext, lang: str) -> dict[str, Any]:
    """What a page's own Leaflet map needs: the network's bbox and the basemap (the app's vector tiles, or the
    bureau's raster tile server from ``BAOTONG_TILES_URL``, its attribution as text)."""
    settings = ctx.settings
    left, bottom, right, top = ctx.network.bbox
    config: dict[str, Any] = {"bbox": [left, bottom, right, top], "lang": lang}
    if ctx.basemap is not None:
        config["vector_tiles"] = DEFAULT_TILES_PATH
    elif settings.tiles_url:
        config["raster_tiles"] = settings.tiles_url
        config["attribution"] = settings.tiles_attribution or ""
    return config


def map_page(
    request: Request,
    ctx: AppContext,
    html: str,
    *,
    user: Principal | None,
    session: SessionInfo | None = None,
) -> HTMLResponse:
    """A rendered city-style map (:func:`map_html`) under the layout's header (the header is the only
    part that depends on who asks, so the map itself can be rendered once and kept)."""
    response = HTMLResponse(
        _with_header(html, header_html(request, ctx, user, session)), headers={"Cache-Control": "no-cache"}
    )
    return remember_lang(request, response)


def content_page(
    request: Request,
    ctx: AppContext,
    content: MapContent,
    *,
    user: Principal | None,
    session: SessionInfo | None = None,
) -> HTMLResponse:
    """A city-style map of ``content`` rendered for this request, under the layout's header."""
    return map_page(request, ctx, map_html(content, ctx, lang=page_lang(request)), user=user, session=session)


def route_map_html(route: RouteView, zones: Iterable[Zone], ctx: AppContext, *, lang: str = "zh") -> str:
    from maps.views import route_map

    return _html(route_map(route, zones=zones, lang=lang, timezone=ctx.settings.tz(), **_basemap_options(ctx)))


def route_page(
    request: Request,
    ctx: AppContext,
    route: RouteView,
    zones: Iterable[Zone],
    *,
    user: Principal | None,
    session: SessionInfo | None = None,
) -> HTMLResponse:
    """One route's map: legs in their styles, the zones it meets, entry and exit markers."""
    html = route_map_html(route, zones, ctx, lang=page_lang(request))
    return remember_lang(request, HTMLResponse(_with_header(html, header_html(request, ctx, user, session))))


def delivery_plan_page(
    request: Request,
    ctx: AppContext,
    plan: DeliveryPlanView,
    zones: Iterable[Zone],
    *,
    user: Principal | None,
    session: SessionInfo | None = None,
) -> HTMLResponse:
    """A delivery plan's map: routes by vehicle, depots, docking points, stops by time window, the zones."""
    from maps.views import delivery_map

    lang = page_lang(request)
    html = _html(delivery_map(plan, zones=zones, lang=lang, timezone=ctx.settings.tz(), **_basemap_options(ctx)))
    return remember_lang(request, HTMLResponse(_with_header(html, header_html(request, ctx, user, session))))


#: The catalog texts the checkpoint page's script shows (verdicts, states, errors), handed to it in the page.
CHECKPOINT_SCRIPT_TEXTS: tuple[str, ...] = tuple(k for k in CATALOG if k.startswith("ckpt.js."))


def checkpoint_page(request: Request, ctx: AppContext, *, user: Principal, session: SessionInfo | None) -> HTMLResponse:
    """The checkpoint page in the layout: its script's texts in the page's language, no token of the officer's."""
    lang = page_lang(request)
    texts = {key.removeprefix("ckpt.js."): translate(key, lang) for key in CHECKPOINT_SCRIPT_TEXTS}
    # the offline verifier's reasons, both languages (verify.js words them as the server does)
    messages = {code: list(pair) for code, pair in MESSAGES.items()}
    return render(
        request, ctx, "checkpoint.html", user=user, session=session, script_texts=texts, reason_messages=messages
    )


def pass_print_page(
    request: Request,
    ctx: AppContext,
    sheet: PassSheet,
    public: PassPublic,
    *,
    route: RouteView,
    zones: Iterable[Zone],
    settings: Settings,
) -> HTMLResponse:
    """The printable A4 pass: the QR code (80 mm), the facts, the route map and the scans so far."""
    record = sheet.route
    tz = settings.tz()
    html = (
        _templates()
        .get_template("pass_print.html")
        .render(
            p=public,
            enterprise=sheet.enterprise_name,
            qr=sheet.qr_svg,
            info=sheet.qr_info,
            map_html=route_map_html(route, zones, ctx, lang=page_lang(request)),
            scans=sheet.scans,
            length_km=round(record.length_m / 1000, 1),
            duration=format_duration(record.travel_time_s, "zh"),
            duration_en=format_duration(record.travel_time_s, "en"),
            zones=list(record.zones_crossed),
            fmt_time=lambda value: format_time(value, tz),
            fmt_duration=lambda seconds: format_duration(seconds, "zh"),
        )
    )
    return HTMLResponse(html)
