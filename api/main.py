"""The application factory: ``create_app(settings)`` builds the FastAPI app.

One road network is loaded (or built and cached) per process and shared by
every request; the database is migrated to the newest schema at start.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api import errors
from api.config import Settings, get_settings
from api.db import make_engine, migrate, session_factory
from api.middleware import BodyLimitMiddleware
from api.state import AppState, load_router

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"

TAGS = [
    {"name": "status", "description": "Health and the loaded road network."},
    {"name": "zones", "description": "Emergency zones: sealed 封控区, controlled 管控区, precaution 防范区."},
    {"name": "sites", "description": "Hubs, enterprises, candidate stations and demand points."},
    {"name": "routes", "description": "Closed-loop truck routes."},
    {"name": "maps", "description": "Map views (HTML)."},
    {"name": "plans", "description": "Transfer stations, docking points and last-mile drop points."},
    {"name": "closures", "description": "Road-closure requests, approval rules, impact and the WZDx feed."},
    {"name": "green-channels", "description": "Protected point-to-point corridors between hubs."},
    {"name": "passes", "description": "Whitelist vehicles and crew, signed vehicle passes, checkpoint verification."},
    {"name": "checkpoint", "description": "The checkpoint page for staff on a phone."},
]


#: Feature routers (api/routes/<name>.py), included when present.
FEATURES = ("plans", "closures", "green_channels", "passes", "checkpoint")


#: Routers matched first: the per-request hot paths (checkpoint scans, route requests).  Routes are
#: matched in inclusion order and no two routers' paths overlap, so the order changes only speed.
HOT_FIRST = ("passes", "routes")


def _include_routers(app: FastAPI) -> None:
    from api.routes import health, maps, routes, sites, zones

    modules = [health, zones, sites, routes, maps]
    # Feature routers that register themselves when present.
    import importlib

    features = []
    for name in FEATURES:
        try:
            module = importlib.import_module(f"api.routes.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"api.routes.{name}":
                raise
            continue
        modules.append(module)
        features.append(module)
    rank = {name: i for i, name in enumerate(HOT_FIRST)}
    for module in sorted(modules, key=lambda m: rank.get(m.__name__.rsplit(".", 1)[-1], len(rank))):
        app.include_router(module.router, responses=errors.ERROR_RESPONSES)
    # a feature module may define map_layers(state, session) -> list[maps.views.MapLayer] for GET /map
    app.state.baotong.caches["features"] = features


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app: settings, database (migrated), the shared network and router, routers.

    Raises
    ------
    RuntimeError
        Outside dev mode, if a placeholder secret is configured.
    NetworkSourceError
        If the configured network cannot be loaded.
    """
    settings = settings or get_settings()
    settings.check_production()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)
    db_engine = make_engine(settings.database_url)
    router = load_router(settings.network, str(settings.cache_dir), settings.engine, settings.max_snap_m)
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Everything loaded so far (network, engine, libraries) lives as long as the process: keep it out
        # of the garbage collector's scans, which otherwise revisit it while requests allocate.
        gc.freeze()
        yield
        await asyncio.to_thread(app.state.baotong.hot.close)  # store every queued row before the process ends

    app = FastAPI(
        lifespan=lifespan,
        title="Baotong 保通",
        version="0.1.0",
        description="Freight routing, stations, closures and vehicle passes for emergency zones. "
                    "Coordinates are GeoJSON [lon, lat] in WGS-84; any request may say \"crs\": \"gcj02\".",
        openapi_tags=TAGS,
    )
    app.state.baotong = AppState(settings=settings, router=router, db_engine=db_engine,
                                 sessions=session_factory(db_engine))
    errors.install(app)

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["Authorization", "Content-Type"])
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _include_routers(app)
    return app
