"""``baotong serve``: load the network and the demo scenario, print the URLs and demo tokens, serve HTTP.

One worker runs in this process with the network it has loaded.  With ``--workers N > 1`` this
process is a pre-fork server (:func:`serve_forked`): it loads the network, its hierarchy and metrics
once, binds the listening socket, waits until no background thread runs, and forks N worker processes
that share all of it copy-on-write; each opens its own database connections after the fork and runs
a uvicorn server on the shared socket.  The parent only supervises: it forwards SIGTERM/SIGINT to the
workers and ends when they have.

:func:`worker_app` builds a worker's app from the settings serialised in ``BAOTONG_SETTINGS_JSON``
(for running the app under another ASGI server, e.g. ``uvicorn cli.serve:worker_app --factory``).
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from cli.common import settings_from
from services import scenario, users
from services.context import AppContext
from services.settings import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from routing.router import Router

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
    from cli.memory import return_freed_memory

    return_freed_memory()  # a process another ASGI server started: before the network is loaded
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
        return serve_forked(settings, ctx.road_router, args.workers)
    import uvicorn

    from api.main import create_app

    uvicorn.run(
        create_app(settings, road_router=ctx.road_router), host=settings.host, port=settings.port, log_level="info"
    )
    return 0


def _quiet_threads(timeout_s: float = 120.0) -> None:
    """Wait until this process runs no thread but the main one (a fork copies no other thread, so a lock
    one of them held would stay locked in the child forever).

    Raises
    ------
    RuntimeError
        If some thread is still running after ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    main = threading.main_thread()
    while True:
        others = [t for t in threading.enumerate() if t is not main and t.is_alive()]
        if not others:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"cannot fork the workers: threads still running: {[t.name for t in others]}")
        others[0].join(0.5)


def _bound_socket(host: str, port: int) -> socket.socket:
    """The listening socket the workers share (the kernel hands each connection to one of them)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(settings: Settings, road_router: Router, sock: socket.socket) -> int:
    """One forked worker: its own database connections and app on the shared router, uvicorn on ``sock``."""
    import uvicorn

    from api.main import create_app

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    app = create_app(settings, road_router=road_router)
    server = uvicorn.Server(uvicorn.Config(app, log_level="info"))
    server.run(sockets=[sock])
    return 0


def serve_forked(settings: Settings, road_router: Router, workers: int) -> int:
    """Serve with ``workers`` processes forked from this one after the router is ready (see the module)."""
    net = road_router.network
    if net.node_count:  # the segment index and the compiled snapping kernel, made once and shared
        road_router.snap([float(net.node_lon[0]), float(net.node_lat[0])])
    _quiet_threads()
    sock = _bound_socket(settings.host, settings.port)
    sys.stdout.flush()
    sys.stderr.flush()
    gc.collect()
    gc.freeze()  # what is loaded now stays shared: the workers' collectors never write to it
    children: dict[int, float] = {}  # pid -> when it was forked
    stopping = False

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 1
            try:
                code = _worker(settings, road_router, sock)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = time.monotonic()

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                children.pop(pid, None)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for _ in range(workers):
        spawn()
    status = 0
    while children:
        try:
            pid, code = os.wait()
        except ChildProcessError:
            break
        forked = children.pop(pid, None)
        if forked is None:
            continue
        exit_code = os.waitstatus_to_exitcode(code)
        if stopping:
            continue
        if time.monotonic() - forked < 10.0:  # died while starting: another would too; stop them all
            print(f"a worker exited with {exit_code} while starting; stopping", file=sys.stderr)
            status = exit_code if exit_code > 0 else 128 - exit_code
            forward(signal.SIGTERM, None)
            continue
        print(f"worker {pid} exited with {exit_code}; starting another", file=sys.stderr)
        spawn()  # the parent still holds the router and the socket, and runs no thread
    sock.close()
    return status
