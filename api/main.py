"""The application factory: ``create_app(settings)`` builds the FastAPI app.

One road network is loaded (or built and cached) per process and shared by every request; the
database is migrated to the newest schema at start.  Every router is included here by name.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.trustedhost import TrustedHostMiddleware
from fastapi.staticfiles import StaticFiles

from api import errors
from api.middleware import BodyLimitMiddleware
from api.routes import (
    auth,
    checkpoint,
    closure_pages,
    closures,
    dashboard,
    deliveries,
    docking,
    droppoints,
    fleet,
    green_channels,
    health,
    import_page,
    maps,
    passes,
    plan_page,
    plans,
    routes,
    sites,
    tiles,
    trip_pages,
    workspace,
    zone_pages,
    zones,
)
from api.security import SecurityHeadersMiddleware
from routing.router import Router
from services.context import AppContext
from services.settings import Settings, get_settings

STATIC_DIR = Path(__file__).resolve().parent / "static"

TAGS = [
    {"name": "status", "description": "Health and the loaded road network."},
    {"name": "zones", "description": "Emergency zones: sealed 封控区, controlled 管控区, precaution 防范区."},
    {"name": "sites", "description": "Hubs, enterprises, candidate stations and demand points."},
    {"name": "routes", "description": "Closed-loop truck routes."},
    {"name": "maps", "description": "Map views (HTML) and the offline basemap's vector tiles."},
    {
        "name": "plans",
        "description": "Transfer stations, docking points, last-mile drop points and fleet delivery plans.",
    },
    {"name": "closures", "description": "Road-closure requests, approval rules, impact and the WZDx feed."},
    {"name": "green-channels", "description": "Protected point-to-point corridors between hubs."},
    {"name": "passes", "description": "Whitelist vehicles and crew, signed vehicle passes, checkpoint verification."},
    {"name": "checkpoint", "description": "The checkpoint page for staff on a phone."},
]

#: Every router, in the order requests are matched: the per-request hot paths first (checkpoint
#: scans, route requests).  Apart from ``/plans/deliveries`` (matched before ``/plans/{plan_id}``),
#: no two routers' paths overlap, so the order changes only speed.
ROUTERS: tuple[APIRouter, ...] = (
    passes.router,
    routes.router,
    tiles.router,
    health.router,
    zone_pages.router,  # before zones.router: the page /zones/edit is not a zone's /zones/{id}
    zones.router,
    sites.router,
    maps.router,
    deliveries.router,  # before plans.router: /plans/deliveries is not a station plan's /plans/{plan_id}
    plans.router,
    docking.router,
    droppoints.router,
    trip_pages.router,
    closure_pages.router,  # before closures.router: the page /closures/new is not a closure's /closures/{id}
    closures.router,
    green_channels.router,
    fleet.router,
    checkpoint.router,
    auth.router,
    import_page.router,
    plan_page.router,
    workspace.router,
    dashboard.router,
)


def create_app(settings: Settings | None = None, *, road_router: Router | None = None) -> FastAPI:
    """Build the app: settings, database (migrated), the shared network and router, every router.

    ``settings`` defaults to the environment's (:func:`~services.settings.get_settings`);
    ``road_router`` to the configured network, loaded here.

    Raises
    ------
    RuntimeError
        Outside dev mode, if a placeholder secret is configured.
    NetworkSourceError
        If the configured network cannot be loaded.
    """
    settings = settings or get_settings()
    settings.check_production()
    ctx = AppContext.open(settings, road_router=road_router)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Everything loaded so far (network, engine, libraries) lives as long as the process: keep it out
        # of the garbage collector's scans, which otherwise revisit it while requests allocate.
        gc.freeze()
        yield
        await asyncio.to_thread(ctx.stop_dashboard)
        await asyncio.to_thread(ctx.hot.close)  # store every queued row before the process ends

    app = FastAPI(
        lifespan=lifespan,
        title="Baotong 保通",
        version="0.1.0",
        description="Freight routing, stations, closures and vehicle passes for emergency zones. "
        'Coordinates are GeoJSON [lon, lat] in WGS-84; any request may say "crs": "gcj02".',
        openapi_tags=TAGS,
        # /docs is served by api.routes.workspace from the vendored swagger-ui-dist (offline); no ReDoc
        docs_url=None,
        redoc_url=None,
    )
    app.state.baotong = ctx
    errors.install(app)

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "Accept-Language"],
        )
    if "*" not in settings.allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts, www_redirect=False)
    # outermost: every answer (also a 400 for a foreign host, a 413 or a 503) carries the security headers
    app.add_middleware(SecurityHeadersMiddleware, tiles_url=settings.tiles_url)
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router, responses=errors.ERROR_RESPONSES)
    return app
