"""Schemas of the service status and the loaded road network."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    status: Literal["ok"]
    network_nodes: int
    uptime_s: float
    database: str


class NetworkPublic(BaseModel):
    source: str
    nodes: int
    arcs: int
    bbox: list[float] = Field(description="[left, bottom, right, top] in WGS-84")
    engine: str
    dropped_nodes: int | None = None
    dropped_arcs: int | None = None
