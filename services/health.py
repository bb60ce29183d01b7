"""The service's status: the network is loaded and the database answers."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from services.context import AppContext
from store.db import ping


@dataclass(frozen=True)
class Status:
    network_nodes: int
    uptime_s: float
    database: str


def status(ctx: AppContext, session: Session) -> Status:
    """The status, after one round trip to the database (which raises if it does not answer)."""
    ping(session)
    return Status(
        network_nodes=ctx.network.node_count,
        uptime_s=round(time.time() - ctx.started_at, 1),
        database=ctx.db_engine.dialect.name,
    )
