"""Every table of the service: users, zones, sites, routes, closures and their approval steps,
green channels, station plans, docking and drop points, vehicles, crew, passes, serials, scans, fuses.

Geometry is stored as GeoJSON text (validated on the way in); JSON columns are text, so SQLite
and PostgreSQL behave alike.  Times are timezone-aware.  A crew member's identity number is
never stored, only its last four characters.  Every step of a closure (requested, decided by the
rules, approved, rejected) is a row of ``closure_events`` with who and when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.db import Base, utcnow

TS = DateTime(timezone=True)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(40))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True, index=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: Revoked (``users disable``): the token, the password and every session stop working.
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: argon2 hash of the sign-in password (``None``: a token-only user, e.g. a program).
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WebSessionRow(Base):
    """A signed-in browser: the cookie holds a random id, this row its SHA-256 (and the CSRF token)."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TS)
    last_seen_at: Mapped[datetime] = mapped_column(TS)
    #: The absolute end; the idle end is ``last_seen_at`` + the idle limit.
    expires_at: Mapped[datetime] = mapped_column(TS, index=True)
    address: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LoginFailureRow(Base):
    """One failed sign-in, keyed ``user:<name>`` and ``addr:<address>`` (rate limits count them)."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(TS)


class ZoneRow(Base):
    __tablename__ = "zones"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    risk: Mapped[str] = mapped_column(String(20), index=True)
    geometry: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    county_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deleted_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ZoneVersionRow(Base):
    """One stored version of a zone: what it was after the change, who changed what, when and why."""

    __tablename__ = "zone_versions"

    zone_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(10))  # create, update, delete
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    changes: Mapped[str] = mapped_column(Text, default="[]")  # JSON: [{field, from, to}]
    name: Mapped[str] = mapped_column(String(200))
    risk: Mapped[str] = mapped_column(String(20))
    geometry: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    county_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="[]")


class SiteRow(Base):
    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(200))
    geometry: Mapped[str] = mapped_column(Text)
    whitelist: Mapped[bool] = mapped_column(Boolean, default=False)
    sector: Mapped[str | None] = mapped_column(String(100), nullable=True)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    radius_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    county_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    properties: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class RouteRow(Base):
    __tablename__ = "routes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    request: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: the enterprise the route was planned for (its dispatcher's binding, or its pass's enterprise); None: bureau
    enterprise_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)


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
    issued_at: Mapped[datetime] = mapped_column(TS, index=True)
    kid: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(Text)
    warnings: Mapped[str] = mapped_column(Text, default="[]")
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(TS, nullable=True, index=True)
    revoked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: the pass this one superseded (``replaces`` on issue, or a renewal), and the one that superseded it
    replaces: Mapped[str | None] = mapped_column(String(12), nullable=True)
    superseded_by: Mapped[str | None] = mapped_column(String(12), nullable=True)


class PassSerialRow(Base):
    """The last serial used per issuer; bumped with ``UPDATE ... RETURNING`` in the pass's transaction."""

    __tablename__ = "pass_serials"

    admin_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer, default=0)


class ScanRow(Base):
    """A checkpoint scan.  ``checked_at`` and ``recorded_at`` are the server's times; a scan made offline and
    uploaded later also carries the device's own clock (``device_time``, as the device reported it), the
    verdict the device showed, and the device's idempotency key (stored once per officer)."""

    __tablename__ = "scans"
    __table_args__ = (UniqueConstraint("scanned_by", "idempotency_key", name="uq_scans_scanned_by_key"),)

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
    device_time: Mapped[datetime | None] = mapped_column(TS, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    device_verdict: Mapped[str | None] = mapped_column(String(10), nullable=True)
    device_reasons: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON list
    flags: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON: {"impossible_travel": {...}}


class FuseRow(Base):
    """One step of an enterprise's whitelist status: ``fuse`` (taken off) or ``unfuse`` (restored)."""

    __tablename__ = "fuses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(40), index=True)
    action: Mapped[str] = mapped_column(String(10), default="fuse", server_default="fuse")
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow, index=True)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


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


class DeliveryPlanRow(Base):
    """A delivery plan (应急物流配送预案): the request, the problem it resolved to, and the plan document.

    ``enterprise_id`` is the binding of the dispatcher who made it (``None``: a planner or a bureau
    dispatcher).
    """

    __tablename__ = "delivery_plans"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    departure: Mapped[datetime] = mapped_column(TS)
    stops: Mapped[int] = mapped_column(Integer)
    vehicles_used: Mapped[int] = mapped_column(Integer)
    request: Mapped[str] = mapped_column(Text)  # JSON: the request as given
    problem: Mapped[str] = mapped_column(Text)  # JSON: the problem it resolved to (points, fleet, zones, closures)
    result: Mapped[str] = mapped_column(Text)  # JSON: the plan document
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow, index=True)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


class DeliveryPlanPassRow(Base):
    """A pass issued for one outside truck route of a delivery plan (a route's newest row is its pass)."""

    __tablename__ = "delivery_plan_passes"

    pass_no: Mapped[str] = mapped_column(String(12), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(40), ForeignKey("delivery_plans.id"), index=True)
    route_id: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(TS, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
