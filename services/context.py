"""What every use case of one process shares: settings, the road router, the database, the caches.

:meth:`AppContext.open` builds it once from :class:`~services.settings.Settings` (the app factory
and the CLI commands alike); the use cases in :mod:`services` take it as their first argument.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from maps.basemap import TileArchive
from passes.policy import PassPolicy
from routing.closures import Rule, load_rules
from routing.network import RoadNetwork, load_or_build
from routing.router import Router
from services.caches import ClosureArcCache, CorridorCache, GateCache, TravelTimeCache, ZoneCache
from services.settings import Settings
from store.db import make_engine, migrate, session_factory
from store.hot import HotStore
from store.keys import KeyStore

if TYPE_CHECKING:
    from services.dashboard import DashboardFeed

logger = logging.getLogger(__name__)

#: Threads of a process's compute pool: route computations run there, never on the event loop.
COMPUTE_THREADS = 2


def compute_pool() -> concurrent.futures.ThreadPoolExecutor:
    """A bounded pool for CPU-heavy request work (routes): at most :data:`COMPUTE_THREADS` at once, the rest queue."""
    return concurrent.futures.ThreadPoolExecutor(max_workers=COMPUTE_THREADS, thread_name_prefix="baotong-compute")


def load_road_router(settings: Settings) -> Router:
    """Load (or build and cache on disk) the configured network and its router.

    Raises
    ------
    NetworkSourceError
        If the network source cannot be read.
    """
    assert settings.cache_dir is not None  # derived by Settings
    started = time.perf_counter()
    net, folder = load_or_build(settings.network, Path(settings.cache_dir))
    road_router = Router(net, engine=settings.engine, cache_dir=folder, max_snap_m=settings.max_snap_m)
    logger.info(
        "network ready: %s nodes, %s arcs, engine %s, in %.1f s",
        f"{net.node_count:,}",
        f"{net.arc_count:,}",
        settings.engine,
        time.perf_counter() - started,
    )
    return road_router


def protect_data_dir(settings: Settings) -> None:
    """Make the data directory owner-only (0700) and an SQLite database's files 0600, logging what was tightened.

    Raises
    ------
    RuntimeError
        If the modes cannot be set (the directory belongs to another user): a deployment fault with its fix.
    """
    assert settings.database_url is not None  # derived by Settings
    paths: list[tuple[Path, int]] = [(Path(settings.data_dir), 0o700)]
    if settings.database_url.startswith("sqlite:///"):
        db = Path(settings.database_url.split("///", 1)[1])
        if db.name and str(db) != ":memory:":
            paths += [(db.with_name(db.name + suffix), 0o600) for suffix in ("", "-wal", "-shm", "-journal")]
    for path, mode in paths:
        try:
            current = path.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if current & ~mode:
            try:
                path.chmod(mode)
            except OSError as err:
                raise RuntimeError(
                    f"{path} has mode {current:o} and cannot be made {mode:o} ({err}); run the service as the "
                    f"owner of its data directory, or `chmod {mode:o} {path}`"
                ) from err
            logger.warning("%s had mode %o (readable by others): made %o", path, current, mode)


def open_database(settings: Settings) -> tuple[Engine, sessionmaker[Session]]:
    """Migrate the configured database to the newest schema and connect: ``(engine, sessions)``.

    The data directory and an SQLite database are owner-only (:func:`protect_data_dir`).
    """
    assert settings.database_url is not None  # derived by Settings
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    migrate(settings.database_url)
    protect_data_dir(settings)
    db_engine = make_engine(settings.database_url)
    return db_engine, session_factory(db_engine)


@dataclass
class AppContext:
    """The shared state of one process (one road router, one database engine, one set of caches)."""

    settings: Settings
    road_router: Router
    db_engine: Engine
    sessions: sessionmaker[Session]
    hot: HotStore
    pass_policy: PassPolicy
    closure_rules: Mapping[tuple[str, str], Rule]
    keys: KeyStore
    zone_cache: ZoneCache = field(default_factory=ZoneCache)
    closure_arc_cache: ClosureArcCache = field(default_factory=ClosureArcCache)
    corridor_cache: CorridorCache = field(default_factory=CorridorCache)
    gate_cache: GateCache = field(default_factory=GateCache)
    #: The offline vector basemap of the network (``None``: disabled or not buildable).
    basemap: TileArchive | None = None
    travel_cache: TravelTimeCache = field(default_factory=TravelTimeCache)
    compute: concurrent.futures.ThreadPoolExecutor = field(default_factory=compute_pool)
    started_at: float = field(default_factory=time.time)
    #: Delivery-plan solves running in this process at most at once (``settings.max_delivery_solves``).
    solver_slots: threading.BoundedSemaphore = field(init=False)
    #: The dashboard's poller (:class:`services.dashboard.DashboardFeed`), made by its first user.
    _dashboard: DashboardFeed | None = field(default=None, init=False, repr=False)
    _dashboard_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.solver_slots = threading.BoundedSemaphore(self.settings.max_delivery_solves)

    def dashboard_feed(self) -> DashboardFeed:
        """The process's one dashboard poller (made on first use; its thread starts with its first reader)."""
        from services.dashboard import DashboardFeed

        with self._dashboard_lock:
            if self._dashboard is None:
                self._dashboard = DashboardFeed(self)
            return self._dashboard

    def stop_dashboard(self) -> None:
        """Stop the dashboard poller, if one was made."""
        with self._dashboard_lock:
            feed = self._dashboard
        if feed is not None:
            feed.close()

    @classmethod
    def open(cls, settings: Settings, *, road_router: Router | None = None) -> AppContext:
        """Migrate the database to the newest schema, connect, and load the network (unless given).

        Raises
        ------
        NetworkSourceError
            If the network source cannot be read.
        InvalidInputError
            If the closure rules file is invalid.
        """
        assert settings.keys_dir is not None  # derived by Settings
        from services.basemap import open_basemap

        db_engine, sessions = open_database(settings)
        policy = settings.pass_policy()
        road_router = road_router or load_road_router(settings)
        assert settings.cache_dir is not None  # derived by Settings
        basemap = open_basemap(road_router.network, Path(settings.cache_dir)) if settings.basemap else None
        return cls(
            settings=settings,
            road_router=road_router,
            basemap=basemap,
            db_engine=db_engine,
            sessions=sessions,
            hot=HotStore(db_engine),
            pass_policy=policy,
            closure_rules=load_rules(settings.closure_rules),
            keys=KeyStore(settings.keys_dir, max_lifetime=policy.max_lifetime),
        )

    @property
    def network(self) -> RoadNetwork:
        return self.road_router.network

    def close(self) -> None:
        """Stop the dashboard poller, drop queued computations, store every queued row, then close the database
        connections."""
        self.stop_dashboard()
        self.compute.shutdown(wait=False, cancel_futures=True)
        self.hot.close()
        self.db_engine.dispose()
        if self.basemap is not None:
            self.basemap.close()
            self.basemap = None
