"""Tables of the station plans, zone docking points and enterprise drop points (JSON as text)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, utcnow


class PlanRow(Base):
    """A station-siting plan: the request and the whole answer document."""

    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    model: Mapped[str] = mapped_column(String(20))
    request: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class DockingPointRow(Base):
    """One stored docking point of a zone; a new POST replaces the zone's set."""

    __tablename__ = "docking_points"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    zone_id: Mapped[str] = mapped_column(String(40), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    node: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class DropPointRow(Base):
    """The fixed contactless receiving point of an enterprise site (one per site)."""

    __tablename__ = "drop_points"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
