"""Tables of vehicle passes: vehicles, crew, passes, pass serials, checkpoint scans, whitelist fuses.

Times are timezone-aware; JSON columns are text (SQLite and PostgreSQL alike).
A crew member's identity number is never stored, only its last four characters.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, utcnow

TS = DateTime(timezone=True)


class VehicleRow(Base):
    __tablename__ = "vehicles"
    __table_args__ = (UniqueConstraint("enterprise_id", "plate", name="uq_vehicles_enterprise_plate"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    plate: Mapped[str] = mapped_column(String(20), index=True)
    ownership: Mapped[str] = mapped_column(String(20))
    out_of_province: Mapped[bool] = mapped_column(Boolean, default=False)
    height_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    weight_t: Mapped[float | None] = mapped_column(Float, nullable=True)
    width_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class CrewRow(Base):
    __tablename__ = "crew"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(64))
    id_last4: Mapped[str] = mapped_column(String(4))
    role: Mapped[str] = mapped_column(String(64))
    tested_at: Mapped[datetime] = mapped_column(TS)
    mobile_role: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class PassRow(Base):
    __tablename__ = "passes"
    __table_args__ = (UniqueConstraint("admin_code", "serial", name="uq_passes_admin_serial"),)

    pass_no: Mapped[str] = mapped_column(String(12), primary_key=True)
    admin_code: Mapped[str] = mapped_column(String(6))
    serial: Mapped[int] = mapped_column(Integer)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    vehicle_id: Mapped[str] = mapped_column(String(40))
    plate: Mapped[str] = mapped_column(String(20), index=True)
    crew: Mapped[str] = mapped_column(Text)  # JSON: [{id, name, id_last4, role, tested_at, mobile_role}]
    cargo: Mapped[str] = mapped_column(String(100))
    route_id: Mapped[str] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(Text)  # JSON [lon, lat]
    destination: Mapped[str] = mapped_column(Text)
    corridor: Mapped[str] = mapped_column(Text)  # JSON: the full route geometry [[lon, lat], ...]
    departure: Mapped[datetime] = mapped_column(TS)
    valid_from: Mapped[datetime] = mapped_column(TS)
    valid_until: Mapped[datetime] = mapped_column(TS)
    issued_at: Mapped[datetime] = mapped_column(TS)
    kid: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(Text)
    warnings: Mapped[str] = mapped_column(Text, default="[]")
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class PassSerialRow(Base):
    """The last serial used per issuer; bumped with ``UPDATE ... RETURNING`` in the pass's transaction."""

    __tablename__ = "pass_serials"

    admin_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer, default=0)


class ScanRow(Base):
    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pass_no: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    token_sha256: Mapped[str] = mapped_column(String(64))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    checked_at: Mapped[datetime] = mapped_column(TS)
    recorded_at: Mapped[datetime] = mapped_column(TS, default=utcnow, index=True)
    verdict: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[str] = mapped_column(Text)  # JSON list
    plate_typed: Mapped[str | None] = mapped_column(String(40), nullable=True)
    mode: Mapped[str] = mapped_column(String(10))
    scanned_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class FuseRow(Base):
    __tablename__ = "fuses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(40), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
