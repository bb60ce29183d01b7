"""Status and the loaded network."""

from __future__ import annotations

import time

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import SessionDep, StateDep
from api.schemas import Health, NetworkPublic

router = APIRouter(tags=["status"])


@router.get("/health", response_model=Health)
def health(state: StateDep, session: SessionDep) -> Health:
    """Liveness: the network is loaded and the database answers."""
    session.execute(text("SELECT 1"))
    return Health(status="ok", network_nodes=state.network.node_count, uptime_s=round(time.time() - state.started_at, 1),
                  database=state.db_engine.dialect.name)


@router.get("/network", response_model=NetworkPublic)
def network(state: StateDep) -> NetworkPublic:
    """The road network in use: source, nodes, arcs, bbox ``[left, bottom, right, top]``."""
    net = state.network
    info = net.build_info
    return NetworkPublic(source=net.source, nodes=net.node_count, arcs=net.arc_count, bbox=list(net.bbox),
                         engine=state.router.engine_name, dropped_nodes=info.get("dropped_nodes"),
                         dropped_arcs=info.get("dropped_arcs"))
