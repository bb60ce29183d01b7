"""Tables of closures, their approval steps, and green channels.

JSON columns are stored as text (SQLite and PostgreSQL alike). Every step of
a closure (requested, decided by the rules, approved, rejected) is a row of
``closure_events`` with who and when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, utcnow


class ClosureRow(Base):
    __tablename__ = "closures"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    county_code: Mapped[str] = mapped_column(String(12), index=True)
    mode: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    #: pending (awaiting an approver), approved, rejected
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: the rules' decision: allowed / needs_city_approval / needs_provincial_approval / rejected
    decision: Mapped[str] = mapped_column(String(40))
    grade: Mapped[str | None] = mapped_column(String(20), nullable=True)
    approval_level: Mapped[str | None] = mapped_column(String(20), nullable=True)
    request: Mapped[str] = mapped_column(Text)  # the request body (JSON)
    arcs: Mapped[str] = mapped_column(Text)  # JSON list of arc ids
    matched: Mapped[str] = mapped_column(Text)  # JSON: method, roads, distance
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON MultiLineString of the matched arcs
    reasons: Mapped[str] = mapped_column(Text)  # JSON list
    blocking: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    impact: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    network: Mapped[str] = mapped_column(String(300))  # the network source the arc ids refer to
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class ClosureEventRow(Base):
    __tablename__ = "closure_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    closure_id: Mapped[str] = mapped_column(String(40), ForeignKey("closures.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))  # requested, decided, auto_approved, approved, rejected
    actor: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class GreenChannelRow(Base):
    __tablename__ = "green_channels"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    origin_site_id: Mapped[str] = mapped_column(String(40))
    destination_site_id: Mapped[str] = mapped_column(String(40))
    zone_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON: the emergency zones the origin lies in
    arcs: Mapped[str] = mapped_column(Text)  # JSON list of arc ids in driving order
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON LineString
    length_m: Mapped[float] = mapped_column(Float)
    travel_time_s: Mapped[float] = mapped_column(Float)
    network: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
