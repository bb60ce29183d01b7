"""Request and response schemas of vehicles, crew, passes, verification and the whitelist fuse."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Crs, IsoDateTime, LonLat


# --- vehicles and crew ----------------------------------------------------------------
class VehicleCreate(BaseModel):
    """A freight vehicle of the enterprise; ``plate`` in Chinese format (``豫H·12345``, ``豫H12345``)."""

    plate: str = Field(max_length=32, examples=["豫H·12345"])
    ownership: Literal["own", "contracted"] = "own"
    out_of_province: bool | None = Field(
        default=None, description="default: derived from the plate and the issuer's admin code"
    )
    height_m: float | None = Field(default=None, gt=0, lt=100)
    weight_t: float | None = Field(default=None, gt=0, lt=100)
    width_m: float | None = Field(default=None, gt=0, lt=100)


class VehiclePublic(BaseModel):
    id: str
    enterprise_id: str
    plate: str
    ownership: str
    out_of_province: bool
    height_m: float | None = None
    weight_t: float | None = None
    width_m: float | None = None
    created_at: datetime | None = None


class VehiclesPublic(BaseModel):
    data: list[VehiclePublic]
    count: int


class CrewCreate(BaseModel):
    """A driver or crew member: only the last 4 characters of the identity number are accepted."""

    name: str = Field(max_length=64)
    id_last4: str = Field(description="the last 4 characters of the ID number (digits, X last); never more")
    role: str = Field(max_length=64, examples=["driver"])
    tested_at: IsoDateTime = Field(description="when the negative nucleic-acid sample was taken (with a time zone)")
    mobile_role: bool = Field(default=False, description="mobile, high-contact role: the test is fresh 24 h, not 48 h")


class CrewPublic(BaseModel):
    id: str
    enterprise_id: str
    name: str
    id_last4: str
    role: str
    tested_at: datetime
    mobile_role: bool
    created_at: datetime | None = None


class CrewsPublic(BaseModel):
    data: list[CrewPublic]
    count: int


class FuseCreate(BaseModel):
    reason: str = Field(
        min_length=1, max_length=2000, description="why the enterprise leaves (or returns to) the whitelist"
    )


class FusePublic(BaseModel):
    site_id: str
    whitelist: bool
    reason: str
    fused_at: datetime
    fused_by: str | None
    affected_passes: list[str] = Field(description="passes of the enterprise still inside their window; they stop now")


class UnfusePublic(BaseModel):
    site_id: str
    whitelist: bool
    reason: str
    restored_at: datetime
    restored_by: str | None
    restored_passes: list[str] = Field(
        description="passes of the enterprise not revoked and still inside their window; they validate again"
    )


# --- passes ---------------------------------------------------------------------------
class PassCreate(BaseModel):
    """One vehicle, one crew, one route, one validity window.

    The vehicle and crew are registered under the enterprise first
    (``POST /sites/{id}/vehicles``, ``POST /sites/{id}/crew``).
    """

    enterprise_id: str = Field(max_length=40)
    vehicle_id: str | None = Field(default=None, max_length=40, description="a registered vehicle of the enterprise")
    plate: str | None = Field(default=None, max_length=32, description="or its plate")
    crew_ids: list[str] = Field(min_length=1, max_length=9, description="registered crew of the enterprise")
    cargo: str = Field(min_length=1, max_length=100, description="cargo category, e.g. 生活物资 daily necessities")
    origin: LonLat | None = Field(default=None, min_length=2, max_length=2, description="[lon, lat]")
    destination: LonLat | None = Field(default=None, min_length=2, max_length=2, description="[lon, lat]")
    origin_site_id: str | None = Field(default=None, max_length=40)
    destination_site_id: str | None = Field(default=None, max_length=40)
    waypoints: list[LonLat] = Field(default_factory=list, max_length=25)
    valid_from: IsoDateTime | None = Field(default=None, description="default now")
    valid_until: IsoDateTime
    departure: IsoDateTime | None = Field(default=None, description="default valid_from; crew tests must be fresh then")
    max_detour_ratio: float | None = Field(default=None, ge=1.0, le=10.0)
    crs: Crs = "wgs84"
    replaces: str | None = Field(
        default=None,
        max_length=40,
        description="the valid pass of this vehicle that the new one supersedes (revoked in the same "
        "transaction, reason 'superseded by <new>'); without it a vehicle holding a valid pass whose window "
        "overlaps gets 409 naming that pass",
    )


class PassRenew(BaseModel):
    """A renewal: the same vehicle, cargo and trip with a new window and the crew's current tests."""

    valid_until: IsoDateTime
    valid_from: IsoDateTime | None = Field(default=None, description="default now")
    departure: IsoDateTime | None = Field(default=None, description="default valid_from; crew tests must be fresh then")
    crew_ids: list[str] | None = Field(
        default=None, min_length=1, max_length=9, description="default: the pass's crew, with their latest tests"
    )


class PassCrewPublic(BaseModel):
    id: str
    name: str
    id_last4: str
    role: str
    tested_at: datetime
    mobile_role: bool


class PassPublic(BaseModel):
    pass_no: str
    enterprise_id: str
    vehicle_id: str
    plate: str
    crew: list[PassCrewPublic]
    cargo: str
    route_id: str
    origin: LonLat
    destination: LonLat
    departure: datetime
    valid_from: datetime
    valid_until: datetime
    issued_at: datetime
    kid: str
    token: str = Field(description="the signed pass (JWS compact, EdDSA); the QR code holds exactly this text")
    warnings: list[str] = Field(default_factory=list)
    status: Literal["valid", "revoked", "superseded", "expired", "not_yet_valid", "fused"]
    revoked_at: datetime | None = None
    revoke_reason: str | None = None
    replaces: str | None = Field(default=None, description="the pass this one superseded (`replaces` or a renewal)")
    superseded_by: str | None = Field(default=None, description="the pass that superseded this one")
    qr_svg: str = Field(description="URL of the QR code (SVG)")
    print_url: str


class PassesPublic(BaseModel):
    """A page of passes: ``data``, ``count`` (every match), ``next`` (the next page's URL, or null)."""

    data: list[PassPublic]
    count: int
    next: str | None = None


class RevokeCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class PassLookup(BaseModel):
    token: str = Field(max_length=20_000, description="the text of the pass's QR code")


class VerifyRequest(BaseModel):
    """What the checkpoint officer sends: the scanned token, where, and optionally the plate they read."""

    token: str = Field(description="the text of the QR code")
    checkpoint: LonLat = Field(min_length=2, max_length=2, description="[lon, lat] of the checkpoint")
    at: IsoDateTime | None = Field(
        default=None,
        description="only with `dry_run`: a what-if check at this time (with a time zone); a scan's time is the server's",
    )
    dry_run: bool = Field(
        default=False, description="a what-if check: the verdict is answered but never stored as a scan"
    )
    plate: str | None = Field(
        default=None,
        max_length=64,
        description="the plate the officer reads on the vehicle; without it the answer notes `plate_not_checked`",
    )
    crs: Crs = "wgs84"


class VerdictPublic(BaseModel):
    verdict: Literal["pass", "stop"]
    reasons: list[str] = Field(description='every failing reason, "<code>: 中文 / English (detail)"')
    codes: list[str]
    notes: list[str] = Field(
        default_factory=list, description='what is not a reason to stop, e.g. "plate_not_checked: ..."'
    )
    reason_texts: list[str] = Field(
        default_factory=list,
        description="the reasons for a person, without their codes, in the language the client asked for "
        "(`Accept-Language`, the `baotong_lang` cookie; none: English)",
    )
    note_texts: list[str] = Field(default_factory=list, description="the notes for a person, as `reason_texts`")
    mode: str
    checked_at: datetime
    checked_at_text: str = Field(
        default="", description="`checked_at` for a person: `2026-12-01 18:05:09` in the bureau's zone"
    )
    valid_text: str | None = Field(
        default=None,
        description="the pass's validity for a person, `2026-12-01 18:05 – 2026-12-02 06:05` in the bureau's zone",
    )
    dry_run: bool = Field(default=False, description="a what-if check: nothing was stored (`scan_id` is null)")
    scan_id: int | None = Field(description="the stored scan; null for a what-if check")
    flags: dict | None = Field(
        default=None,
        description="`impossible_travel`: this scan and the pass's scan before it, at places no truck could drive "
        "between in the time between them (both scans' ids, times and places, the network's fastest time)",
    )
    checkpoint: LonLat
    pass_: dict | None = Field(default=None, alias="pass")

    model_config = {"populate_by_name": True}


class OfflineScanCreate(BaseModel):
    """A scan a checkpoint device made while offline, uploaded later (the device queues these)."""

    token: str = Field(max_length=8000, description="the text of the QR code")
    checkpoint: LonLat = Field(min_length=2, max_length=2, description="[lon, lat] where it was scanned")
    device_time: IsoDateTime = Field(description="the device's clock when it scanned (with a time zone)")
    idempotency_key: str = Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="the device's id of this scan (e.g. a UUID); an upload repeated with it stores nothing new",
    )
    plate: str | None = Field(default=None, max_length=64)
    device_verdict: Literal["pass", "stop"] | None = Field(default=None, description="what the device showed")
    device_reasons: list[str] = Field(default_factory=list, max_length=20)
    crs: Crs = "wgs84"


class ScanPublic(BaseModel):
    id: int
    pass_no: str | None
    checkpoint: LonLat
    checked_at: datetime
    recorded_at: datetime
    verdict: str
    reasons: list[str]
    scanned_by: str | None
    mode: str
    device_time: datetime | None = Field(
        default=None, description="an uploaded offline scan: the device's clock when it scanned, as reported"
    )
    idempotency_key: str | None = None
    device_verdict: str | None = Field(default=None, description="an uploaded offline scan: what the device showed")
    device_reasons: list[str] | None = None
    flags: dict | None = Field(default=None, description="`impossible_travel`, as in the verification's answer")


class OfflineScanPublic(ScanPublic):
    scan_id: int
    duplicate: bool = Field(description="this key was uploaded before: the first upload's scan, nothing new stored")
    codes: list[str]
    notes: list[str]
    agrees_with_device: bool | None = Field(description="whether the server's verdict equals the device's")


class ScansPublic(BaseModel):
    """A page of checkpoint scans: ``data``, ``count`` (every match), ``next`` (the next page's URL, or null)."""

    data: list[ScanPublic]
    count: int
    next: str | None = None
