"""The ``baotong`` command line.

Sub-commands: ``serve``, ``network build``, ``route``, ``users add``, ``bench``;
feature modules ``api/cli_<name>.py`` add their own through ``register(subparsers)``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import pkgutil
import sys
import time
from pathlib import Path


def _settings():
    from api.config import get_settings

    return get_settings()


def _lonlat(text: str) -> list[float]:
    try:
        lon, lat = (float(p) for p in text.split(","))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not LON,LAT (e.g. 24.9414,60.1719)") from err
    return [lon, lat]


def cmd_serve(args) -> int:
    if args.network:
        os.environ["BAOTONG_NETWORK"] = str(Path(args.network).resolve()) if Path(args.network).exists() else args.network
    if args.database_url:
        os.environ["BAOTONG_DATABASE_URL"] = args.database_url
    if args.host:
        os.environ["BAOTONG_HOST"] = args.host
    if args.port:
        os.environ["BAOTONG_PORT"] = str(args.port)
    from api.config import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    settings.check_production()
    import uvicorn

    from api import auth, scenario
    from api.db import make_engine, migrate, session_factory
    from api.state import load_router

    started = time.perf_counter()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)
    router = load_router(settings.network, str(settings.cache_dir), settings.engine, settings.max_snap_m)
    engine = make_engine(settings.database_url)
    with session_factory(engine)() as session:
        if settings.dev:
            added = scenario.load_if_empty(session, settings.scenario, router)
            if added:
                print(f"loaded the demo scenario: {added} zones and sites from {settings.scenario}")
            tokens = auth.ensure_demo_users(session, settings.secret_key)
    engine.dispose()
    net = router.network
    base = f"http://{settings.host}:{settings.port}"
    print(f"network: {net.source} — {net.node_count:,} nodes, {net.arc_count:,} arcs, bbox {[round(v, 5) for v in net.bbox]}"
          f" (ready in {time.perf_counter() - started:.1f} s)")
    print(f"map:        {base}/map\ncheckpoint: {base}/checkpoint\nAPI docs:   {base}/docs")
    if settings.dev:
        print("demo tokens (dev mode; new ones at every start) — send as 'Authorization: Bearer <token>':")
        for role, token in tokens.items():
            print(f"  {role:<18} {token}")
    sys.stdout.flush()
    uvicorn.run("api.main:create_app", factory=True, host=settings.host, port=settings.port, workers=args.workers,
                log_level="info")
    return 0


def cmd_network_build(args) -> int:
    from routing.network import _stderr_progress, load_or_build

    if args.pbf:
        source = args.pbf
    elif args.osm:
        source = args.osm
    elif args.place:
        source = f"place:{args.place}"
    elif args.bbox:
        source = f"bbox:{args.bbox}"
    else:
        source = "default"
    settings = _settings()
    started = time.perf_counter()
    net, folder = load_or_build(source, settings.cache_dir, progress=_stderr_progress, rebuild=args.rebuild)
    from routing.engine import make_engine

    _stderr_progress("preparing the contraction hierarchy")
    make_engine(settings.engine, net, topology_dir=folder)
    print(json.dumps({**net.summary(), "cache": str(folder), "seconds": round(time.perf_counter() - started, 2)}, indent=2))
    return 0


def cmd_route(args) -> int:
    """A closed-loop truck route through the zones active now in the configured database."""
    from datetime import UTC, datetime

    from api import crud
    from api.db import make_engine, migrate, session_factory
    from api.routes.routes import freight_to_document
    from api.state import load_router
    from routing.freight import closed_loop_route
    from routing.router import Vehicle

    settings = _settings()
    router = load_router(args.network or settings.network, str(settings.cache_dir), settings.engine, settings.max_snap_m)
    vehicle = Vehicle(height_m=args.height, weight_t=args.weight, width_m=args.width) if (
        args.height or args.weight or args.width) else None
    now = datetime.now(UTC)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)
    with session_factory(make_engine(settings.database_url))() as session:
        zones = crud.list_zones(session, active_at=now)
    route = closed_loop_route(router, args.origin, args.destination, zones=zones, vehicle=vehicle, departure=now)
    doc = freight_to_document(route, route_id="cli", departure=now)
    out = {k: doc[k] for k in ("origin", "destination", "length_m", "travel_time_s", "choice", "zones_crossed",
                               "transshipment", "warnings", "explanation")}
    out["legs"] = [{k: leg[k] for k in ("kind", "length_m", "travel_time_s")} for leg in doc["legs"]]
    print(json.dumps(out, indent=2, ensure_ascii=False))
    if args.map:
        from maps.views import RouteView, route_map

        route_map(RouteView.from_dict(doc), zones=zones, static_prefix=args.static_prefix).save(args.map)
        print(f"map written to {args.map}", file=sys.stderr)
    return 0


def cmd_users_add(args) -> int:
    from api import auth
    from api.db import make_engine, migrate, session_factory

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    with session_factory(engine)() as session:
        token = auth.add_user(session, args.name, args.role, settings.secret_key, enterprise_id=args.enterprise)
    print(f"user {args.name!r} ({args.role}) — token, shown once:\n{token}")
    return 0


def cmd_bench(args) -> int:
    from bench.run import main as bench_main

    return bench_main(args.rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="baotong", description="Baotong 保通 — keep freight moving through emergency zones")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="start the HTTP service (map on /map)")
    p.add_argument("--network", help="an .osm.pbf / .osm file, 'place:NAME', 'bbox:L,B,R,T' (default: settings)")
    p.add_argument("--database-url", help="e.g. postgresql+psycopg://user:pass@127.0.0.1/baotong")
    p.add_argument("--host", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.set_defaults(func=cmd_serve)

    net = sub.add_parser("network", help="road networks").add_subparsers(dest="network_command", required=True)
    b = net.add_parser("build", help="build and cache a truck network")
    g = b.add_mutually_exclusive_group()
    g.add_argument("--pbf", help="an .osm.pbf file (read with pyrosm)")
    g.add_argument("--osm", help="an .osm / .osm.xml file (read with osmnx)")
    g.add_argument("--place", help="a place name, downloaded with osmnx (needs the internet)")
    g.add_argument("--bbox", help="LEFT,BOTTOM,RIGHT,TOP in degrees, downloaded with osmnx")
    b.add_argument("--rebuild", action="store_true", help="ignore the cache")
    b.set_defaults(func=cmd_network_build)

    r = sub.add_parser("route", help="a truck route between two points")
    r.add_argument("--from", dest="origin", type=_lonlat, required=True, metavar="LON,LAT")
    r.add_argument("--to", dest="destination", type=_lonlat, required=True, metavar="LON,LAT")
    r.add_argument("--network", help="network source (default: settings)")
    r.add_argument("--height", type=float, help="vehicle height in m")
    r.add_argument("--weight", type=float, help="vehicle weight in t")
    r.add_argument("--width", type=float, help="vehicle width in m")
    r.add_argument("--map", help="write the route map to this HTML file")
    r.add_argument("--static-prefix", default="/static", help="where the map's JS/CSS are served from")
    r.set_defaults(func=cmd_route)

    users = sub.add_parser("users", help="users and tokens").add_subparsers(dest="users_command", required=True)
    u = users.add_parser("add", help="add a user and print its token once")
    u.add_argument("name")
    u.add_argument("--role", required=True)
    u.add_argument("--enterprise", help="the enterprise site id a dispatcher acts for")
    u.set_defaults(func=cmd_users_add)

    bench = sub.add_parser("bench", help="run the benchmarks (see bench/)")
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    bench.set_defaults(func=cmd_bench)

    import api

    for info in pkgutil.iter_modules(api.__path__):
        if info.name.startswith("cli_"):
            importlib.import_module(f"api.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # its options belong to bench.run (argparse's REMAINDER would swallow none)
        from bench.run import main as bench_main

        return bench_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from geo.errors import BaotongError

    try:
        return int(args.func(args) or 0)
    except BaotongError as err:
        print(f"baotong: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
