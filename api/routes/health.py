"""Status and the loaded network."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ContextDep, SessionDep
from api.schemas.status import Health, NetworkPublic
from routing.network import source_label
from services import health as service

router = APIRouter(tags=["status"])


@router.get("/health", response_model=Health)
def health(ctx: ContextDep, session: SessionDep) -> Health:
    """Liveness: the network is loaded and the database answers."""
    found = service.status(ctx, session)
    return Health(status="ok", network_nodes=found.network_nodes, uptime_s=found.uptime_s, database=found.database)


@router.get("/network", response_model=NetworkPublic)
def network(ctx: ContextDep) -> NetworkPublic:
    """The road network in use: source (a file's name, never its server path), nodes, arcs, bbox
    ``[left, bottom, right, top]``."""
    net = ctx.network
    info = net.build_info
    return NetworkPublic(
        source=source_label(net.source),
        nodes=net.node_count,
        arcs=net.arc_count,
        bbox=list(net.bbox),
        engine=ctx.road_router.engine_name,
        dropped_nodes=info.get("dropped_nodes"),
        dropped_arcs=info.get("dropped_arcs"),
    )
