"""``baotong serve``: load the network and the demo scenario, print the URLs and demo tokens, serve HTTP.

One worker runs in this process with the network it has loaded.  With ``--workers N > 1`` this
process becomes uvicorn's supervisor (``exec``): the settings built here from the arguments are
handed to every worker process serialised as JSON in ``BAOTONG_SETTINGS_JSON`` of the new program's
environment (this process never edits its own), and each worker builds its app with
:func:`worker_app` from them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from cli.common import settings_from
from services import scenario, users
from services.context import AppContext
from services.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

#: The environment variable that carries the serialised settings to the worker processes.
SETTINGS_VARIABLE = "BAOTONG_SETTINGS_JSON"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("serve", help="start the HTTP service (map on /map)")
    p.add_argument("--network", help="an .osm.pbf / .osm file, 'place:NAME', 'bbox:L,B,R,T' (default: settings)")
    p.add_argument("--database-url", help="e.g. postgresql+psycopg://user:pass@127.0.0.1/baotong")
    p.add_argument("--host", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.set_defaults(func=run)


def worker_app() -> FastAPI:
    """The app of one worker process: from the settings the CLI serialised, else from the environment."""
    from api.main import create_app

    text = os.environ.get(SETTINGS_VARIABLE)
    return create_app(Settings.model_validate_json(text) if text else None)


def run(args: argparse.Namespace) -> int:
    network = args.network
    if network and Path(network).exists():
        network = str(Path(network).resolve())
    settings = settings_from(network=network, database_url=args.database_url, host=args.host, port=args.port)
    settings.check_production()
    started = time.perf_counter()
    ctx = AppContext.open(settings)
    demo: dict[str, users.DemoUser] = {}
    with ctx.sessions() as session:
        if settings.dev:
            added = scenario.load_if_empty(session, settings.scenario, ctx.road_router)
            if added:
                print(f"loaded the demo scenario: {added} zones and sites from {settings.scenario}")
            demo = users.ensure_demo_users(session, settings.secret_key, credentials_file=settings.demo_users_file)
    ctx.close()
    net = ctx.network
    base = f"http://{settings.host}:{settings.port}"
    print(
        f"network: {net.source} — {net.node_count:,} nodes, {net.arc_count:,} arcs, bbox {[round(v, 5) for v in net.bbox]}"
        f" (ready in {time.perf_counter() - started:.1f} s)"
    )
    print(
        f"sign in:    {base}/login\nworkspace:  {base}/workspace\nmap:        {base}/map\n"
        f"checkpoint: {base}/checkpoint\nAPI docs:   {base}/docs"
    )
    if settings.dev:
        print(f"demo sign-ins (dev mode; the same at every start, kept in {settings.demo_users_file}):")
        for role, d in demo.items():
            print(f"  {role:<18} user {d.name}  password {d.password}")
        print("demo tokens (dev mode; the same at every start) — send as 'Authorization: Bearer <token>':")
        for role, d in demo.items():
            print(f"  {role:<18} {d.token}")
    sys.stdout.flush()
    if args.workers > 1:
        _exec_workers(settings, args.workers)
    import uvicorn

    from api.main import create_app

    uvicorn.run(
        create_app(settings, road_router=ctx.road_router), host=settings.host, port=settings.port, log_level="info"
    )
    return 0


def _exec_workers(settings: Settings, workers: int) -> None:
    """Replace this process with uvicorn's supervisor of ``workers`` processes running :func:`worker_app`."""
    sys.stderr.flush()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "cli.serve:worker_app",
        "--factory",
        "--host",
        settings.host,
        "--port",
        str(settings.port),
        "--workers",
        str(workers),
        "--log-level",
        "info",
    ]
    os.execve(sys.executable, argv, {**os.environ, SETTINGS_VARIABLE: settings.model_dump_json()})
