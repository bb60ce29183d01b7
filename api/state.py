"""Per-process state: the one road network and router, the database, stored layers."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from api.config import Settings
from api.hotpath import HotStore
from routing.network import RoadNetwork, load_or_build
from routing.router import Router

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def load_router(source: str, cache_dir: str, engine: str, max_snap_m: float) -> Router:
    """Load (or build and cache) a network and its router once per process."""
    started = time.perf_counter()
    net, folder = load_or_build(source, Path(cache_dir))
    router = Router(net, engine=engine, cache_dir=folder, max_snap_m=max_snap_m)
    logger.info("network ready: %s nodes, %s arcs, engine %s, in %.1f s", f"{net.node_count:,}",
                f"{net.arc_count:,}", engine, time.perf_counter() - started)
    return router


@dataclass
class AppState:
    """What every request shares in one process."""

    settings: Settings
    router: Router
    db_engine: Engine
    sessions: sessionmaker
    started_at: float = field(default_factory=time.time)
    lock: threading.RLock = field(default_factory=threading.RLock)
    #: free-form per-feature caches (e.g. active-zone weights), invalidated by version counters
    caches: dict = field(default_factory=dict)
    #: lean reads and the group-commit scan writer for the per-request hot path
    hot: HotStore | None = None

    def __post_init__(self) -> None:
        if self.hot is None:
            self.hot = HotStore(self.db_engine)

    @property
    def network(self) -> RoadNetwork:
        return self.router.network
