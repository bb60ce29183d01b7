"""Vehicle passes: the whitelist fleet (vehicles, crew, the fuse), issuing signed passes, checkpoint
verification, revocation, and the signing keys.

Who may do what (the API checks the role; these functions check the enterprise binding):

* vehicles and crew of an enterprise: a planner, or a dispatcher acting for that enterprise;
* issuing and renewing: a dispatcher bound to an enterprise issues only for it; one with no
  binding is a bureau dispatcher and may issue for any enterprise;
* reading a pass by its number: planner, or a dispatcher of that enterprise (a checkpoint reads
  a pass only through its token: :func:`verify_pass`, :func:`pass_by_token`).

One vehicle, one pass, one route: a vehicle (its plate) holding a valid pass whose window overlaps
the new one's gets a :class:`~geo.errors.ConflictError` naming that pass, unless the request
``replaces`` it; the old pass is then revoked in the same transaction ("superseded by <new>",
status ``superseded``) and the two are linked.  :func:`renew_pass` is the explicit renewal (a new
window, the crew's current tests, the same trip) and supersedes the old pass the same way.  The
check runs inside the issuing transaction after the serial is taken (:func:`store.passes.add_pass`),
so two concurrent issuances for one vehicle give one pass and one conflict.

Issuance computes the closed-loop route with :func:`services.routes.plan_route`, checks every
rule (:func:`passes.issue.check_issuance`) and refuses with every reason.  The pass number is the
issuer's admin code plus a serial taken in the same transaction as the pass insert
(:func:`store.passes.add_pass`), so serials are unique and consecutive per issuer across threads
and worker processes.  The pass corridor is the route's own unrounded geometry.

Verification answers ``pass``/``stop`` with every reason; the scan is stored by the group-commit
writer before the answer goes out.  A plate typed in a wrong format is a ``stop`` with reason
``plate_invalid`` (not an error): the officer sees it with the other reasons.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from geo.errors import (
    BaotongError,
    ConflictError,
    InvalidInputError,
    NoRouteError,
    NotFoundError,
    PassRejected,
)
from geo.i18n import format_duration, zh_time
from geo.projection import check_lon_lat, to_wgs84
from geo.sites import Site
from passes.crew import CrewMember, RegisteredVehicle, require_aware
from passes.issue import check_issuance, issuance_warnings, parse_pass_number, pass_number
from passes.keys import PublicKeySet
from passes.plates import is_out_of_province
from passes.qr import QRInfo, qr_info, qr_png, qr_svg
from passes.reasons import reason
from passes.token import make_claims, read_pass, sign_pass
from passes.travel import ScanPlace, impossible_travel
from passes.verify import PassStatus, StatusLookup, Verdict, verify_offline, verify_online
from routing.network import haversine_m
from routing.router import Vehicle
from services.context import AppContext
from services.routes import RouteRequest, plan_route
from services.settings import Settings
from services.users import act_for
from store import keys as key_store
from store import passes as store
from store import routes as route_store
from store import sites
from store.db import aware, dumps, new_id, utcnow
from store.models import CrewRow, PassRow, RouteRow, ScanRow, VehicleRow
from store.routes import RouteRecord
from store.users import Principal

logger = logging.getLogger(__name__)


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def _aware(value: datetime | None) -> datetime:
    at = aware(value)
    assert at is not None  # a NOT NULL column
    return at


def enterprise(session: Session, site_id: str) -> Site:
    """The enterprise site ``site_id``.

    Raises
    ------
    NotFoundError
        An unknown site.
    InvalidInputError
        A site of another kind.
    """
    site = sites.get_site(session, site_id)
    if site.kind != "enterprise":
        raise InvalidInputError(
            f"site {site_id!r} is a {site.kind!r}; expected an enterprise",
            zh=f"站点 {site_id!r} 的类型为 {site.kind!r}；应为企业",
        )
    return site


# -- vehicles and crew ---------------------------------------------------------------------------------
def vehicle_json(row: VehicleRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "enterprise_id": row.enterprise_id,
        "plate": row.plate,
        "ownership": row.ownership,
        "out_of_province": row.out_of_province,
        "height_m": row.height_m,
        "weight_t": row.weight_t,
        "width_m": row.width_m,
        "created_at": aware(row.created_at),
    }


def crew_json(row: CrewRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "enterprise_id": row.enterprise_id,
        "name": row.name,
        "id_last4": row.id_last4,
        "role": row.role,
        "tested_at": aware(row.tested_at),
        "mobile_role": row.mobile_role,
        "created_at": aware(row.created_at),
    }


def vehicle_row(
    ctx: AppContext,
    session: Session,
    site_id: str,
    *,
    plate: str,
    ownership: str,
    out_of_province: bool | None,
    height_m: float | None,
    weight_t: float | None,
    width_m: float | None,
    user: Principal,
) -> VehicleRow:
    """A vehicle of a whitelist enterprise checked for registration (plate validated and normalised), not stored.

    Raises
    ------
    PermissionDeniedError, NotFoundError, InvalidInputError
        See :func:`act_for`, :func:`enterprise`; a bad plate or dimension.
    ConflictError
        The plate is registered for this enterprise already.
    """
    act_for(user, site_id)
    enterprise(session, site_id)
    vehicle = RegisteredVehicle(
        plate=plate,
        enterprise_id=site_id,
        ownership=ownership,
        out_of_province=bool(out_of_province),
        height_m=height_m,
        weight_t=weight_t,
        width_m=width_m,
    )
    outside = (
        out_of_province if out_of_province is not None else is_out_of_province(vehicle.plate, ctx.settings.admin_code)
    )
    exists = store.vehicle_by_plate(session, site_id, vehicle.plate)
    if exists is not None:
        raise ConflictError(
            f"plate {vehicle.plate!r} is already registered for {site_id!r} as {exists.id!r}",
            zh=f"车牌 {vehicle.plate!r} 已在 {site_id!r} 登记为 {exists.id!r}",
        )
    return VehicleRow(
        id=new_id("veh"),
        enterprise_id=site_id,
        plate=vehicle.plate,
        ownership=vehicle.ownership,
        out_of_province=outside,
        height_m=vehicle.height_m,
        weight_t=vehicle.weight_t,
        width_m=vehicle.width_m,
        created_at=utcnow(),
        created_by=user.name,
    )


def add_vehicle(
    ctx: AppContext,
    session: Session,
    site_id: str,
    *,
    plate: str,
    ownership: str,
    out_of_province: bool | None,
    height_m: float | None,
    weight_t: float | None,
    width_m: float | None,
    user: Principal,
) -> dict[str, Any]:
    """Register a vehicle (own or contracted) of a whitelist enterprise (:func:`vehicle_row`, stored).

    Raises as :func:`vehicle_row`.
    """
    row = vehicle_row(
        ctx,
        session,
        site_id,
        plate=plate,
        ownership=ownership,
        out_of_province=out_of_province,
        height_m=height_m,
        weight_t=weight_t,
        width_m=width_m,
        user=user,
    )
    return vehicle_json(store.add_vehicle(session, row))


def list_vehicles(session: Session, site_id: str, *, user: Principal) -> list[dict[str, Any]]:
    act_for(user, site_id)
    enterprise(session, site_id)
    return [vehicle_json(r) for r in store.list_vehicles(session, site_id)]


def crew_row(
    session: Session,
    site_id: str,
    *,
    name: str,
    id_last4: str,
    role: str,
    tested_at: datetime,
    mobile_role: bool,
    user: Principal,
) -> CrewRow:
    """A driver or crew member checked for registration, not stored.

    Raises
    ------
    PermissionDeniedError, NotFoundError, InvalidInputError
        See :func:`act_for`, :func:`enterprise`; a bad name, role, ID fragment or test time.
    """
    act_for(user, site_id)
    enterprise(session, site_id)
    member = CrewMember(name=name, id_last4=id_last4, role=role, tested_at=tested_at, mobile_role=mobile_role)
    return CrewRow(
        id=new_id("crew"),
        enterprise_id=site_id,
        name=member.name,
        id_last4=member.id_last4,
        role=member.role,
        tested_at=_utc(member.tested_at),
        mobile_role=member.mobile_role,
        created_at=utcnow(),
        created_by=user.name,
    )


def add_crew(
    session: Session,
    site_id: str,
    *,
    name: str,
    id_last4: str,
    role: str,
    tested_at: datetime,
    mobile_role: bool,
    user: Principal,
) -> dict[str, Any]:
    """Register a driver or crew member with the time of their latest negative nucleic-acid test."""
    row = crew_row(
        session,
        site_id,
        name=name,
        id_last4=id_last4,
        role=role,
        tested_at=tested_at,
        mobile_role=mobile_role,
        user=user,
    )
    return crew_json(store.add_crew(session, row))


def list_crew(session: Session, site_id: str, *, user: Principal) -> list[dict[str, Any]]:
    act_for(user, site_id)
    enterprise(session, site_id)
    return [crew_json(r) for r in store.list_crew(session, site_id)]


def _whitelist_step_conflict(session: Session, site_id: str, state: str) -> ConflictError:
    """The 409 for a fuse or un-fuse that finds the enterprise already in that state, naming the step that stands."""
    step = store.last_fuse_step(session, site_id)
    if step is None:
        return ConflictError(f"enterprise {site_id!r} is {state} (it was never fused)")
    verb = "fused" if step.action == "fuse" else "restored to the whitelist"
    return ConflictError(
        f"enterprise {site_id!r} is {state}: it was {verb} by {step.created_by!r} at "
        f"{_aware(step.created_at).isoformat()} (reason: {step.reason})"
    )


def fuse_enterprise(session: Session, site_id: str, *, reason: str, user: Principal) -> dict[str, Any]:
    """Remove an enterprise from the whitelist (熔断); its passes answer ``stop`` at once.

    One conditional state change: of planners fusing at once exactly one succeeds; the others get
    a 409 naming the fuse that stands.

    Raises
    ------
    NotFoundError, InvalidInputError
        See :func:`enterprise`.
    ConflictError
        The enterprise is not on the whitelist (fused already, naming by whom and when, or never listed).
    """
    enterprise(session, site_id)
    now = utcnow()
    affected = store.set_whitelist(session, site_id, whitelist=False, reason=reason, by=user.name, at=now)
    if affected is None:
        raise _whitelist_step_conflict(session, site_id, "not on the whitelist")
    logger.info("fused enterprise %s by %s: %d live passes stop", site_id, user.name, len(affected))
    return {
        "site_id": site_id,
        "whitelist": False,
        "reason": reason,
        "fused_at": now,
        "fused_by": user.name,
        "affected_passes": affected,
    }


def unfuse_enterprise(session: Session, site_id: str, *, reason: str, user: Principal) -> dict[str, Any]:
    """Put a fused enterprise back on the whitelist (解除熔断); its passes validate again (unless revoked or expired).

    One conditional state change, as :func:`fuse_enterprise`.

    Raises
    ------
    NotFoundError, InvalidInputError
        See :func:`enterprise`.
    ConflictError
        The enterprise is on the whitelist (restored already, naming by whom and when), or it was never
        fused (an enterprise never listed is listed by the planner who creates it, not un-fused).
    """
    enterprise(session, site_id)
    last = store.last_fuse_step(session, site_id)
    if last is None:
        raise ConflictError(
            f"enterprise {site_id!r} was never fused; only a fused enterprise is restored to the whitelist",
            zh=f"企业 {site_id!r} 从未被熔断；只有被熔断的企业才能恢复到白名单",
        )
    now = utcnow()
    restored = store.set_whitelist(session, site_id, whitelist=True, reason=reason, by=user.name, at=now)
    if restored is None:
        raise _whitelist_step_conflict(session, site_id, "on the whitelist")
    logger.info("restored enterprise %s to the whitelist by %s: %d live passes", site_id, user.name, len(restored))
    return {
        "site_id": site_id,
        "whitelist": True,
        "reason": reason,
        "restored_at": now,
        "restored_by": user.name,
        "restored_passes": restored,
    }


# -- issuance -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PassRequest:
    """One vehicle, its crew, one route, one validity window (see ``PassCreate``)."""

    enterprise_id: str
    crew_ids: Sequence[str]
    cargo: str
    valid_until: datetime
    vehicle_id: str | None = None
    plate: str | None = None
    origin: Sequence[float] | None = None
    destination: Sequence[float] | None = None
    origin_site_id: str | None = None
    destination_site_id: str | None = None
    waypoints: Sequence[Sequence[float]] = ()
    valid_from: datetime | None = None
    departure: datetime | None = None
    max_detour_ratio: float | None = None
    crs: str = "wgs84"
    replaces: str | None = None  # the pass of this vehicle that the new one supersedes


@dataclass(frozen=True)
class RenewalRequest:
    """A renewal of a pass: a new window and departure, and the crew (default: the pass's crew, re-read with
    their latest registered tests)."""

    valid_until: datetime
    valid_from: datetime | None = None
    departure: datetime | None = None
    crew_ids: Sequence[str] | None = None


def _vehicle_of(session: Session, request: PassRequest) -> VehicleRow:
    if request.vehicle_id is not None:
        row = store.get_vehicle(session, request.vehicle_id)
        if row is None or row.enterprise_id != request.enterprise_id:
            raise InvalidInputError(
                f"`vehicle_id` was {request.vehicle_id!r}; no such vehicle registered for "
                f"enterprise {request.enterprise_id!r} (POST /sites/{{id}}/vehicles first)",
                zh=f"`vehicle_id` 为 {request.vehicle_id!r}；企业 {request.enterprise_id!r} 没有登记这辆车（请先 POST /sites/{{id}}/vehicles）",
            )
        return row
    if request.plate is None:
        raise InvalidInputError(
            "give `vehicle_id` or `plate` of a vehicle registered for the enterprise",
            zh="请给出该企业已登记车辆的 `vehicle_id` 或 `plate`",
        )
    plate = RegisteredVehicle(plate=request.plate, enterprise_id=request.enterprise_id).plate
    found = store.vehicle_by_plate(session, request.enterprise_id, plate)
    if found is None:
        raise InvalidInputError(
            f"`plate` was {request.plate!r}; no vehicle with plate {plate} is registered for "
            f"enterprise {request.enterprise_id!r}",
            zh=f"`plate` 为 {request.plate!r}；企业 {request.enterprise_id!r} 没有登记车牌为 {plate} 的车辆",
        )
    return found


def _crew_of(session: Session, request: PassRequest) -> list[CrewRow]:
    if len(set(request.crew_ids)) != len(request.crew_ids):
        raise InvalidInputError(
            f"`crew_ids` was {list(request.crew_ids)!r}; a member is listed twice",
            zh=f"`crew_ids` 为 {list(request.crew_ids)!r}；有人员被列出了两次",
        )
    rows = []
    for i, cid in enumerate(request.crew_ids):
        row = store.get_crew(session, cid)
        if row is None or row.enterprise_id != request.enterprise_id:
            raise InvalidInputError(
                f"`crew_ids[{i}]` was {cid!r}; no such crew member registered for enterprise {request.enterprise_id!r}",
                zh=f"`crew_ids[{i}]` 为 {cid!r}；企业 {request.enterprise_id!r} 没有登记这名司乘人员",
            )
        rows.append(row)
    return rows


def pass_status(row: PassRow, whitelisted: bool, now: datetime) -> str:
    """``superseded``, ``revoked``, ``fused``, ``not_yet_valid``, ``expired`` or ``valid``."""
    if row.superseded_by is not None:
        return "superseded"
    if row.revoked_at is not None:
        return "revoked"
    if not whitelisted:
        return "fused"
    if now < _aware(row.valid_from):
        return "not_yet_valid"
    if now >= _aware(row.valid_until):
        return "expired"
    return "valid"


def pass_json(session: Session, row: PassRow) -> dict[str, Any]:
    """A pass with its token, status and warnings (the ``PassPublic`` shape, without its URLs)."""
    return {
        "pass_no": row.pass_no,
        "enterprise_id": row.enterprise_id,
        "vehicle_id": row.vehicle_id,
        "plate": row.plate,
        "crew": json.loads(row.crew),
        "cargo": row.cargo,
        "route_id": row.route_id,
        "origin": json.loads(row.origin),
        "destination": json.loads(row.destination),
        "departure": aware(row.departure),
        "valid_from": aware(row.valid_from),
        "valid_until": aware(row.valid_until),
        "issued_at": aware(row.issued_at),
        "kid": row.kid,
        "token": row.token,
        "warnings": json.loads(row.warnings),
        "status": pass_status(row, store.enterprise_whitelisted(session, row.enterprise_id), utcnow()),
        "revoked_at": aware(row.revoked_at),
        "revoke_reason": row.revoke_reason,
        "replaces": row.replaces,
        "superseded_by": row.superseded_by,
    }


def _window(row: PassRow) -> str:
    return f"{_aware(row.valid_from).isoformat()} to {_aware(row.valid_until).isoformat()}"


def _replaced_pass(session: Session, request: PassRequest, vehicle: VehicleRow, user: Principal) -> PassRow | None:
    """The pass ``request.replaces`` names, checked before the transaction (the transaction checks it again).

    Raises
    ------
    InvalidInputError
        A malformed number, or a pass of another vehicle.
    NotFoundError
        No such pass.
    PermissionDeniedError
        A dispatcher bound to another enterprise than the old pass's.
    ConflictError
        The pass was revoked or superseded already.
    """
    if request.replaces is None:
        return None
    try:
        old = _pass_row(session, request.replaces)
    except InvalidInputError as err:
        raise InvalidInputError(f"`replaces`: {err}", zh=f"`replaces`：{err.text('zh')}") from err
    except NotFoundError as err:
        raise NotFoundError(
            f"`replaces` was {request.replaces!r}: {err}", zh=f"`replaces` 为 {request.replaces!r}：{err.text('zh')}"
        ) from err
    if old.plate != vehicle.plate:
        raise InvalidInputError(
            f"`replaces` was {old.pass_no!r}, a pass of vehicle {old.plate}, not of {vehicle.plate}; "
            "a pass is replaced only by one for the same vehicle",
            zh=f"`replaces` 为 {old.pass_no!r}，是车辆 {old.plate} 的通行证，而不是 {vehicle.plate} 的；通行证只能由同一车辆的新通行证替换",
        )
    act_for(user, old.enterprise_id)
    _check_replaceable(old)
    return old


def _check_replaceable(old: PassRow) -> None:
    """Raise :class:`ConflictError` if ``old`` was superseded or revoked already."""
    if old.superseded_by is not None:
        raise ConflictError(
            f"pass {old.pass_no} was already superseded by {old.superseded_by}",
            zh=f"通行证 {old.pass_no} 已被 {old.superseded_by} 替换",
        )
    if old.revoked_at is not None:
        raise ConflictError(
            f"pass {old.pass_no} was revoked at {_aware(old.revoked_at).isoformat()}; nothing to replace",
            zh=f"通行证 {old.pass_no} 已于 {zh_time(_aware(old.revoked_at))} 撤销；没有可替换的",
        )


def _claim_vehicle(
    plate: str, replaces: str | None, *, valid_from: datetime, valid_until: datetime, now: datetime
) -> Callable[[Session], PassRow | None]:
    """The check :func:`store.passes.add_pass` runs inside the issuing transaction: the vehicle may hold no
    other valid pass overlapping ``[valid_from, valid_until)``; returns the pass it replaces (read afresh)."""

    def claim(session: Session) -> PassRow | None:
        store.lock_plate(session, plate)
        old = None
        if replaces is not None:
            old = store.pass_row_for_update(session, replaces)
            if old is None:
                raise NotFoundError(
                    f"`replaces` was {replaces!r}: no pass with number {replaces!r}",
                    zh=f"`replaces` 为 {replaces!r}：没有编号为 {replaces!r} 的通行证",
                )
            _check_replaceable(old)
        live = store.live_passes_of_plate(session, plate, starts=valid_from, ends=valid_until, now=now)
        held = [p for p in live if p.pass_no != replaces]
        if held:
            p = held[0]
            raise ConflictError(
                f"vehicle {plate} already holds valid pass {p.pass_no} ({_window(p)}) overlapping "
                f"{valid_from.isoformat()} to {valid_until.isoformat()}: one vehicle, one pass. Give "
                f'`replaces`: "{p.pass_no}" to supersede it, or renew it (POST /passes/{p.pass_no}/renew)',
                zh=f'车辆 {plate} 已持有有效通行证 {p.pass_no}（{zh_time(_aware(p.valid_from))} 至 {zh_time(_aware(p.valid_until))}），与 {zh_time(valid_from)} 至 {zh_time(valid_until)} 重叠：一车一证。请给出 `replaces`: "{p.pass_no}" 以替换它，或续期（POST /passes/{p.pass_no}/renew）',
            )
        return old

    return claim


def issue_pass(
    ctx: AppContext, session: Session, request: PassRequest, *, user: Principal, route: RouteRecord | None = None
) -> dict[str, Any]:
    """Issue a signed vehicle pass: one vehicle, its crew, one closed-loop route, one validity window.

    The route is planned from the request (:func:`services.routes.plan_route`), unless the caller
    hands over one it planned by the same closed-loop rule: a delivery plan's truck route, leg by
    leg between its calls (:func:`services.deliveries.issue_plan_passes`), which a single route
    through the calls as waypoints would not reproduce (the rule then chooses once for the whole trip).

    Raises
    ------
    PermissionDeniedError
        A dispatcher bound to another enterprise.
    NotFoundError, InvalidInputError
        An unknown enterprise, vehicle or crew member; bad points.
    PassRejected
        With every reason: the enterprise is off the whitelist, a crew test is stale at
        departure (48 h, 24 h for mobile roles), the window is bad, or no legal route exists.
    KeyStoreError
        The signing keys are unsafe or damaged (a deployment fault).
    """
    act_for(user, request.enterprise_id)
    policy = ctx.pass_policy
    site = enterprise(session, request.enterprise_id)
    vehicle = _vehicle_of(session, request)
    _replaced_pass(session, request, vehicle, user)
    crew_rows = _crew_of(session, request)
    crew = [CrewMember(r.name, r.id_last4, r.role, _aware(r.tested_at), r.mobile_role) for r in crew_rows]
    now = utcnow().replace(microsecond=0)
    valid_from = require_aware(request.valid_from, "valid_from") if request.valid_from is not None else now
    valid_until = require_aware(request.valid_until, "valid_until")
    departure = require_aware(request.departure, "departure") if request.departure is not None else valid_from
    planned: RouteRecord | None = route
    route_error = None
    dimensions = (vehicle.height_m, vehicle.weight_t, vehicle.width_m)
    try:
        planned = planned or plan_route(
            ctx,
            session,
            RouteRequest(
                origin=request.origin,
                destination=request.destination,
                origin_site_id=request.origin_site_id,
                destination_site_id=request.destination_site_id,
                waypoints=request.waypoints,
                departure=departure,
                vehicle=Vehicle(*dimensions) if any(dimensions) else None,
                max_detour_ratio=request.max_detour_ratio,
                crs=request.crs,
            ),
        )
    except NoRouteError as err:
        route_error = str(err)
    reasons = check_issuance(
        bool(site.whitelist),
        crew,
        departure,
        valid_from,
        valid_until,
        planned is not None,
        policy=policy,
        now=now,
        route_error=route_error,
    )
    if reasons or planned is None:
        raise PassRejected(reasons)
    route = planned
    corridor = route.coordinates.tolist()  # the route's own geometry, unrounded
    warnings = issuance_warnings(crew, valid_until, policy=policy) + list(route.warnings)
    ring = ctx.keys.ring()
    crew_facts = [
        {
            "id": r.id,
            "name": r.name,
            "id_last4": r.id_last4,
            "role": r.role,
            "tested_at": _aware(r.tested_at).isoformat(),
            "mobile_role": r.mobile_role,
        }
        for r in crew_rows
    ]

    def build(serial: int) -> tuple[PassRow, RouteRow]:
        pass_no = pass_number(policy.admin_code, serial)
        claims = make_claims(
            pass_no=pass_no,
            plate=vehicle.plate,
            enterprise_id=site.id,
            route_id=route.id,
            corridor=corridor,
            crew=crew,
            valid_from=valid_from,
            valid_until=valid_until,
            issued_at=now,
            origin=list(route.origin),
            destination=list(route.destination),
        )
        token = sign_pass(claims, ring)
        row = PassRow(
            pass_no=pass_no,
            admin_code=policy.admin_code,
            serial=serial,
            enterprise_id=site.id,
            vehicle_id=vehicle.id,
            plate=vehicle.plate,
            crew=dumps(crew_facts),
            cargo=request.cargo,
            route_id=route.id,
            origin=dumps(list(claims.origin)),
            destination=dumps(list(claims.destination)),
            corridor=dumps(corridor),
            departure=_utc(departure),
            valid_from=_utc(valid_from),
            valid_until=_utc(valid_until),
            issued_at=now,
            kid=ring.active_kid,
            token=token,
            warnings=dumps(warnings),
            created_by=user.name,
        )
        return row, route_store.route_row(route, created_at=now, created_by=user.name, enterprise_id=site.id)

    claim = _claim_vehicle(vehicle.plate, request.replaces, valid_from=valid_from, valid_until=valid_until, now=now)
    row = store.add_pass(session, policy.admin_code, build, claim=claim, actor=user.name, at=now)
    logger.info(
        "issued pass %s for %s (%s) by %s, route %s, %d characters%s",
        row.pass_no,
        vehicle.plate,
        site.id,
        user.name,
        route.id,
        len(row.token),
        f", superseding {row.replaces}" if row.replaces else "",
    )
    return pass_json(session, row)


def renew_pass(
    ctx: AppContext, session: Session, pass_no: str, renewal: RenewalRequest, *, user: Principal
) -> dict[str, Any]:
    """Renew a pass: a new pass for the same vehicle, cargo and trip (the route planned again at the new
    departure), with a new window and the crew's latest tests; the old pass is superseded by it in the
    same transaction, and the two are linked (``replaces`` / ``superseded_by``).

    Raises
    ------
    InvalidInputError, NotFoundError
        A malformed or unknown pass number; unknown crew.
    PermissionDeniedError
        A dispatcher bound to another enterprise.
    ConflictError
        The pass was superseded (the message names its successor) or revoked.
    PassRejected
        With every reason, as :func:`issue_pass`.
    """
    old = _pass_row(session, pass_no)
    act_for(user, old.enterprise_id)
    _check_replaceable(old)
    trip = route_store.get_route(session, old.route_id).request or {}
    request = PassRequest(
        enterprise_id=old.enterprise_id,
        vehicle_id=old.vehicle_id,
        crew_ids=list(renewal.crew_ids) if renewal.crew_ids is not None else [c["id"] for c in json.loads(old.crew)],
        cargo=old.cargo,
        valid_until=renewal.valid_until,
        valid_from=renewal.valid_from,
        departure=renewal.departure,
        origin=trip.get("origin"),
        destination=trip.get("destination"),
        origin_site_id=trip.get("origin_site_id"),
        destination_site_id=trip.get("destination_site_id"),
        waypoints=trip.get("waypoints") or (),
        max_detour_ratio=trip.get("max_detour_ratio"),
        crs=trip.get("crs") or "wgs84",
        replaces=old.pass_no,
    )
    return issue_pass(ctx, session, request, user=user)


# -- reading ------------------------------------------------------------------------------------------------
def _pass_row(session: Session, pass_no: str) -> PassRow:
    parse_pass_number(pass_no)  # 422 naming a malformed number
    row = store.get_pass_row(session, pass_no)
    if row is None:
        raise NotFoundError(f"no pass with number {pass_no!r}", zh=f"没有编号为 {pass_no!r} 的通行证")
    return row


def readable_pass(session: Session, pass_no: str, *, user: Principal) -> PassRow:
    """The pass ``pass_no`` if ``user`` may read it.

    Raises
    ------
    InvalidInputError
        A malformed pass number.
    NotFoundError
        No such pass.
    PermissionDeniedError
        A dispatcher of another enterprise.
    """
    row = _pass_row(session, pass_no)
    act_for(user, row.enterprise_id)
    return row


def get_pass(session: Session, pass_no: str, *, user: Principal) -> dict[str, Any]:
    return pass_json(session, readable_pass(session, pass_no, user=user))


def pass_by_token(ctx: AppContext, session: Session, token: str, *, user: Principal) -> dict[str, Any]:
    """The pass a checkpoint holds the token of: the token must verify with the public keys and be exactly the
    one the pass was issued with (a checkpoint reads passes through their tokens, never by number).

    Raises
    ------
    PassTokenError
        A token that is malformed, of an unknown key or badly signed (422).
    NotFoundError
        No pass was issued with this token.
    PermissionDeniedError
        A dispatcher of another enterprise.
    """
    claims = read_pass(token, ctx.keys.public_keys())
    row = store.get_pass_row(session, claims.pass_no)
    if row is None or not hmac.compare_digest(row.token.encode(), token.encode()):
        raise NotFoundError("no pass was issued with this token", zh="没有以此令牌签发的通行证")
    act_for(user, row.enterprise_id)
    return pass_json(session, row)


def pass_qr_svg(session: Session, pass_no: str, *, user: Principal, width_mm: float) -> str:
    """The QR code of the pass token as SVG, ``width_mm`` wide when printed."""
    return qr_svg(readable_pass(session, pass_no, user=user).token, print_width_mm=width_mm)


def pass_qr_png(session: Session, pass_no: str, *, user: Principal, scale: int) -> bytes:
    """The QR code of the pass token as PNG, ``scale`` pixels per module."""
    return qr_png(readable_pass(session, pass_no, user=user).token, scale=scale)


def scan_json(row: ScanRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "pass_no": row.pass_no,
        "checkpoint": [row.lon, row.lat],
        "checked_at": aware(row.checked_at),
        "recorded_at": aware(row.recorded_at),
        "verdict": row.verdict,
        "reasons": json.loads(row.reasons),
        "scanned_by": row.scanned_by,
        "mode": row.mode,
        "device_time": aware(row.device_time),
        "idempotency_key": row.idempotency_key,
        "device_verdict": row.device_verdict,
        "device_reasons": json.loads(row.device_reasons) if row.device_reasons else None,
        "flags": _scan_flags(row),
    }


def _scan_flags(row: ScanRow) -> dict[str, Any] | None:
    """The scan's flags, with its own id filled in as the second scan of an impossible trip."""
    if not row.flags:
        return None
    flags = json.loads(row.flags)
    if "impossible_travel" in flags:
        flags["impossible_travel"]["second"]["scan_id"] = row.id
    return flags


def pass_scans(session: Session, pass_no: str, *, user: Principal) -> list[dict[str, Any]]:
    """The trip's trace: every checkpoint scan of the pass, oldest first."""
    row = readable_pass(session, pass_no, user=user)
    return [scan_json(s) for s in store.pass_scans(session, row.pass_no)]


@dataclass(frozen=True)
class PassSheet:
    """What the printable pass shows: the pass, its enterprise, QR code, route and scans so far."""

    pass_: dict[str, Any]
    enterprise_name: str
    qr_svg: str
    qr_info: QRInfo
    route: RouteRecord
    scans: list[dict[str, Any]]


def pass_sheet(session: Session, pass_no: str, *, user: Principal) -> PassSheet:
    """The facts of the printable A4 pass."""
    row = readable_pass(session, pass_no, user=user)
    site = sites.find_site(session, row.enterprise_id)
    scans = [
        {
            "checked_at": _aware(s.checked_at).isoformat(timespec="minutes"),
            "verdict": s.verdict,
            "where": f"{s.lon:.5f}, {s.lat:.5f}",
            "reasons": json.loads(s.reasons),
            "by": s.scanned_by,
        }
        for s in store.pass_scans(session, row.pass_no)
    ]
    return PassSheet(
        pass_=pass_json(session, row),
        enterprise_name=site.name if site is not None else row.enterprise_id,
        qr_svg=qr_svg(row.token),
        qr_info=qr_info(row.token),
        route=route_store.get_route(session, row.route_id),
        scans=scans,
    )


# -- revocation and verification -------------------------------------------------------------------------
def revoke_pass(session: Session, pass_no: str, *, reason: str, user: Principal) -> dict[str, Any]:
    """Revoke a pass; it answers ``stop`` at every checkpoint from now on.

    One conditional state change: of revocations at once exactly one is stored, and the others get a
    409 naming it (its reason is never overwritten).

    Raises
    ------
    ConflictError
        Revoked already (naming by whom, when and why).
    """
    row = _pass_row(session, pass_no)
    if row.superseded_by is not None:
        raise ConflictError(
            f"pass {pass_no} was superseded by {row.superseded_by}; revoke that one instead",
            zh=f"通行证 {pass_no} 已被 {row.superseded_by} 替换；请撤销那一张",
        )
    revoked = store.revoke_pass(session, row.pass_no, revoked_by=user.name, reason=reason, at=utcnow())
    if revoked is None:
        stored = store.fresh_pass_row(session, row.pass_no) or row
        raise ConflictError(
            f"pass {pass_no} was already revoked by {stored.revoked_by!r} at "
            f"{_aware(stored.revoked_at).isoformat()} (reason: {stored.revoke_reason})",
            zh=f"通行证 {pass_no} 已由 {stored.revoked_by!r} 于 {zh_time(_aware(stored.revoked_at))} 撤销（原因：{stored.revoke_reason}）",
        )
    logger.info("revoked pass %s by %s", pass_no, user.name)
    return pass_json(session, revoked)


#: The reason stored when an enterprise cancels its own pass.
CANCEL_REASON = "cancelled by the enterprise"


def cancel_pass(session: Session, pass_no: str, *, user: Principal) -> dict[str, Any]:
    """Cancel a pass for its enterprise (a dispatcher of that enterprise, or a planner): a revocation recorded
    with who cancelled it and the reason :data:`CANCEL_REASON`; it answers ``stop`` at every checkpoint.

    Raises
    ------
    InvalidInputError, NotFoundError
        A malformed or unknown pass number.
    PermissionDeniedError
        A dispatcher bound to another enterprise.
    ConflictError
        Revoked, cancelled or superseded already.
    """
    readable_pass(session, pass_no, user=user)
    return revoke_pass(session, pass_no, reason=CANCEL_REASON, user=user)


def status_lookup(ctx: AppContext) -> StatusLookup:
    """A ``pass_no -> PassStatus`` callback reading the registry (revocation, fuse, stored corridor)."""

    def lookup(pass_no: str) -> PassStatus:
        found = ctx.hot.pass_status(pass_no)
        if found is None:
            raise NotFoundError(f"no pass {pass_no}", zh=f"没有通行证 {pass_no}")
        return PassStatus(
            revoked=found.revoked,
            enterprise_whitelisted=found.enterprise_whitelisted,
            corridor=ctx.corridor_cache.corridor(pass_no, ctx.hot.pass_corridor),
            superseded_by=found.superseded_by,
        )

    return lookup


@dataclass(frozen=True)
class CheckpointScan:
    """A checkpoint's verdict, and the scan being stored (its id once committed; ``None`` for a what-if check)."""

    verdict: Verdict
    checkpoint: tuple[float, float]
    scan_id: concurrent.futures.Future[int] | None
    flags: dict[str, Any] | None = None


#: How far an offline device's clock may run ahead of the server's, and how old an uploaded scan may be.
DEVICE_CLOCK_AHEAD = timedelta(minutes=5)
OFFLINE_UPLOAD_MAX_AGE = timedelta(hours=72)


def _check(
    ctx: AppContext, token: str, checkpoint: Sequence[float], *, at: datetime, plate: str | None, crs: str
) -> tuple[Verdict, tuple[float, float]]:
    lon, lat = check_lon_lat(checkpoint[0], checkpoint[1], field_name="checkpoint")
    lon, lat = to_wgs84(lon, lat, crs)
    verdict = verify_online(
        token,
        ctx.keys.public_keys(),
        at=at,
        status_lookup=status_lookup(ctx),
        checkpoint=(lon, lat),
        plate=plate,
        corridor_buffer_m=ctx.settings.corridor_buffer_m,
        policy=ctx.pass_policy,
    )
    return verdict, (lon, lat)


def fastest_s(ctx: AppContext, a: tuple[float, float], b: tuple[float, float]) -> float | None:
    """The network's fastest truck time from ``a`` to ``b`` (``None``: a place off the network, no route)."""

    def compute() -> float | None:
        try:
            return ctx.road_router.route(list(a), list(b)).travel_time_s
        except BaotongError:
            return None

    return ctx.travel_cache.fastest_s(a, b, compute)


def travel_flags(ctx: AppContext, pass_no: str, point: tuple[float, float], at: datetime) -> dict[str, Any] | None:
    """``{"impossible_travel": {...}}`` when the pass's scan before ``at`` was at a place no truck could have
    driven from to ``point`` by ``at`` (see :mod:`passes.travel`), else ``None``."""
    earlier = [s for s in ctx.hot.recent_pass_scans(pass_no) if s[3] <= at]
    if not earlier:
        return None
    sid, lon, lat, when = max(earlier, key=lambda s: (s[3], s[0]))
    distance = float(haversine_m(lon, lat, point[0], point[1]))
    first, second = ScanPlace(sid, when, lon, lat), ScanPlace(None, at, point[0], point[1])
    fastest = fastest_s(ctx, (lon, lat), point) if distance >= 1.0 else None
    flag = impossible_travel(first, second, distance_m=distance, fastest_s=fastest)
    return None if flag is None else {"impossible_travel": flag}


def _flagged(verdict: Verdict, flags: dict[str, Any] | None) -> Verdict:
    """The verdict with a stop for an impossible trip between this scan and the one before."""
    if not flags:
        return verdict
    flag = flags["impossible_travel"]
    first = flag["first"]
    detail = (
        f"scan {first['scan_id']} at {first['at']} at {first['checkpoint'][0]:.5f},{first['checkpoint'][1]:.5f}, "
        f"{flag['elapsed_s']:g} s before; the fastest truck needs {flag['fastest_s']:g} s"
    )
    earlier = {
        "scan": first["scan_id"],
        "at": datetime.fromisoformat(first["at"]),
        "place": f"{first['checkpoint'][0]:.5f},{first['checkpoint'][1]:.5f}",
        "elapsed": timedelta(seconds=flag["elapsed_s"]),
        "fastest": timedelta(seconds=flag["fastest_s"]),
    }
    found = reason(
        "impossible_travel",
        detail,
        en="scan {scan} at {at} at {place}, {elapsed} before; the fastest truck needs {fastest}",
        zh="第 {scan} 号扫码于 {at} 在 {place}，仅在 {elapsed}前；货车最快需要 {fastest}",
        values=earlier,
    )
    return replace(verdict, verdict="stop", reasons=[*verdict.reasons, found])


def _token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def verify_pass(
    ctx: AppContext,
    token: str,
    checkpoint: Sequence[float],
    *,
    at: datetime | None,
    plate: str | None,
    crs: str,
    user: Principal,
    dry_run: bool = False,
) -> CheckpointScan:
    """Check a scanned pass at a checkpoint and queue the scan (who, where, when, verdict, reasons).

    Checks the signature and ``kid``, the validity window now, revocation and the enterprise's
    whitelist status, every crew test's freshness now, the checkpoint within
    ``corridor_buffer_m`` of the stored route, and the typed plate.  A malformed, forged or
    unknown token is a ``stop`` with its reason.  A scan's time is the server's: ``at`` (another
    time) is only for a what-if check (``dry_run``), which is never stored.  Short CPU work and
    indexed reads: it runs on the event loop; the answer waits for :attr:`CheckpointScan.scan_id`.

    Raises
    ------
    InvalidInputError
        A checkpoint that is not ``[lon, lat]`` in range, ``at`` without a time zone, or ``at``
        without ``dry_run``.
    """
    if at is not None and not dry_run:
        raise InvalidInputError(
            f"`at` was {at.isoformat()}: a scan's time is the server's time; a check at another time is a "
            "what-if check (`dry_run: true`), never stored as a scan",
            zh=f"`at` 为 {zh_time(at, seconds=True)}：核验时间以服务器时间为准；其他时间的核验是假设检查（`dry_run: true`），不会保存为核验记录",
        )
    when = require_aware(at, "at") if at is not None else utcnow()
    verdict, (lon, lat) = _check(ctx, token, checkpoint, at=when, plate=plate, crs=crs)
    if dry_run:
        return CheckpointScan(verdict, (lon, lat), None)
    flags = travel_flags(ctx, verdict.claims.pass_no, (lon, lat), when) if verdict.claims is not None else None
    verdict = _flagged(verdict, flags)
    now = utcnow()
    scan_id = ctx.hot.insert_scan(
        pass_no=verdict.claims.pass_no if verdict.claims is not None else None,
        token_sha256=_token_sha256(token),
        lon=lon,
        lat=lat,
        checked_at=_utc(when),
        recorded_at=now,
        verdict=verdict.verdict,
        reasons=dumps(verdict.reasons),
        plate_typed=plate[:40] if plate else None,
        mode=verdict.mode,
        scanned_by=user.name,
        flags=dumps(flags) if flags else None,
    )
    return CheckpointScan(verdict, (lon, lat), scan_id, flags)


@dataclass(frozen=True)
class OfflineScan:
    """A scan made offline on a device, as uploaded later."""

    token: str
    checkpoint: Sequence[float]
    device_time: datetime
    idempotency_key: str
    plate: str | None = None
    device_verdict: str | None = None
    device_reasons: Sequence[str] = ()
    crs: str = "wgs84"


def upload_offline_scan(session: Session, ctx: AppContext, scan: OfflineScan, *, user: Principal) -> dict[str, Any]:
    """Store a scan a checkpoint device made offline, once per (officer, ``idempotency_key``).

    The server checks the token again at the device's time (``device_time``, as the device reported it,
    at most 72 h old and not ahead of the server by more than 5 minutes) with what the registry knows
    now, and stores the scan with both times: ``device_time`` and the upload (``checked_at`` and
    ``recorded_at``, the server's).  An upload repeated with the same key answers the stored scan
    (``duplicate``) and stores nothing.

    Raises
    ------
    InvalidInputError
        A bad checkpoint, a ``device_time`` without a time zone, in the future or too old.
    """
    device_time = require_aware(scan.device_time, "device_time")
    now = utcnow()
    if device_time > now + DEVICE_CLOCK_AHEAD:
        raise InvalidInputError(
            f"`device_time` was {device_time.isoformat()}: ahead of the server's clock ({now.isoformat()}) by more "
            f"than {DEVICE_CLOCK_AHEAD.total_seconds() / 60:g} minutes; set the device's clock",
            zh=f"`device_time` 为 {zh_time(device_time)}：比服务器时钟（{zh_time(now)}）快了超过 {format_duration(DEVICE_CLOCK_AHEAD.total_seconds(), 'zh')}；请校准设备时钟",
        )
    if device_time < now - OFFLINE_UPLOAD_MAX_AGE:
        raise InvalidInputError(
            f"`device_time` was {device_time.isoformat()}: older than "
            f"{OFFLINE_UPLOAD_MAX_AGE.total_seconds() / 3600:g} h; offline scans are uploaded within that",
            zh=f"`device_time` 为 {zh_time(device_time)}：早于 {format_duration(OFFLINE_UPLOAD_MAX_AGE.total_seconds(), 'zh')} 之前；离线核验记录须在此时限内上传",
        )
    found = store.scan_by_key(session, user.name, scan.idempotency_key)
    if found is not None:
        return offline_scan_json(found, duplicate=True)
    verdict, (lon, lat) = _check(ctx, scan.token, scan.checkpoint, at=device_time, plate=scan.plate, crs=scan.crs)
    flags = travel_flags(ctx, verdict.claims.pass_no, (lon, lat), device_time) if verdict.claims is not None else None
    verdict = _flagged(verdict, flags)
    row = ScanRow(
        pass_no=verdict.claims.pass_no if verdict.claims is not None else None,
        token_sha256=_token_sha256(scan.token),
        lon=lon,
        lat=lat,
        checked_at=now,
        recorded_at=now,
        verdict=verdict.verdict,
        reasons=dumps(verdict.reasons),
        plate_typed=scan.plate[:40] if scan.plate else None,
        mode="uploaded",
        scanned_by=user.name,
        device_time=_utc(device_time),
        idempotency_key=scan.idempotency_key,
        device_verdict=scan.device_verdict,
        device_reasons=dumps(list(scan.device_reasons)) if scan.device_verdict is not None else None,
        flags=dumps(flags) if flags else None,
    )
    stored, new = store.add_offline_scan(session, row)
    if new:
        logger.info("offline scan %s of %s uploaded by %s", stored.id, stored.pass_no, user.name)
    return offline_scan_json(stored, duplicate=not new, notes=verdict.notes if new else None)


def offline_scan_json(row: ScanRow, *, duplicate: bool, notes: Sequence[str] | None = None) -> dict[str, Any]:
    """The answer to an offline upload: the stored scan with both times and both verdicts."""
    out = scan_json(row)
    reasons = out["reasons"]
    out.update(
        scan_id=row.id,
        duplicate=duplicate,
        codes=[r.split(":", 1)[0] for r in reasons],
        notes=list(notes) if notes is not None else [],
        agrees_with_device=None if row.device_verdict is None else row.device_verdict == row.verdict,
    )
    return out


def recent_scans(session: Session, *, hours: float = 24, limit: int = 500) -> list[ScanRow]:
    """Scans of the last ``hours`` (at most ``limit``), newest first."""
    return store.recent_scans(session, utcnow() - timedelta(hours=hours), limit=limit)


# -- keys ----------------------------------------------------------------------------------------------------
def jwks(ctx: AppContext) -> dict[str, Any]:
    """The public keys (JWKS, Ed25519) that verify passes offline; retired keys stay until their passes expire."""
    return ctx.keys.jwks()


def rotate_keys(settings: Settings) -> key_store.Rotation:
    """Make a new signing key; the old one keeps verifying until its passes expire."""
    assert settings.keys_dir is not None  # derived by Settings
    return key_store.rotate(settings.keys_dir, max_lifetime=settings.pass_policy().max_lifetime)


def public_keys_from(source: str | None, keys_dir: Path) -> PublicKeySet:
    """A :class:`PublicKeySet` from a JWKS file, an http(s) URL, or (``None``) the local ring's public halves.

    Raises
    ------
    InvalidInputError
        If the JWKS cannot be read or parsed.
    """
    if source is None:
        return key_store.local_public_keys(keys_dir)
    if source.startswith(("http://", "https://")):
        import httpx

        try:
            response = httpx.get(source, timeout=10)
            response.raise_for_status()
        except httpx.HTTPError as err:
            raise InvalidInputError(
                f"cannot fetch the JWKS from {source}: {err}", zh=f"无法从 {source} 获取 JWKS：{err}"
            ) from err
        return PublicKeySet.from_jwks(response.text)
    try:
        text = Path(source).read_text("utf-8")
    except OSError as err:
        raise InvalidInputError(
            f"`--jwks` was {source!r}; cannot read it: {err}", zh=f"`--jwks` 为 {source!r}；无法读取：{err}"
        ) from err
    return PublicKeySet.from_jwks(text)


def verify_pass_offline(
    settings: Settings,
    token: str,
    *,
    jwks_source: str | None,
    at: datetime | None,
    checkpoint: Sequence[float] | None,
    plate: str | None,
) -> Verdict:
    """Verify a token with the public keys only: signature, validity, crew tests, corridor, plate.

    Revocation and the whitelist fuse need the online check (``POST /passes/verify``).
    """
    assert settings.keys_dir is not None  # derived by Settings
    keys = public_keys_from(jwks_source, settings.keys_dir)
    return verify_offline(
        token,
        keys,
        at=at or datetime.now(UTC),
        checkpoint=checkpoint,
        plate=plate,
        corridor_buffer_m=settings.corridor_buffer_m,
        policy=settings.pass_policy(),
    )


# -- the checkpoints' revocation list ---------------------------------------------------------------------
@dataclass(frozen=True)
class RevocationList:
    """What a checkpoint device needs beside the public keys to verify passes offline.

    ``body`` is the list as JSON (``generated_at``, ``revoked``, ``fused``, ``policy``); ``etag`` names
    its content (everything but ``generated_at``), so an unchanged list answers ``304`` to a device that
    holds it.
    """

    body: dict[str, Any]
    etag: str


def revocation_list(session: Session, ctx: AppContext) -> RevocationList:
    """The compact revocation list for offline checkpoints, now.

    ``revoked``: every revoked (or superseded, or cancelled) pass still in its window, with the time it
    was revoked; ``fused``: every enterprise off the whitelist that still holds a pass in its window, with
    the time it was fused; ``policy``: the crew-test limits and the corridor buffer the server verifies
    with.  Passes whose window has ended are left out: a device answers ``expired`` for them anyway.
    """
    now = utcnow()
    policy = ctx.pass_policy
    content = {
        "revoked": [{"pass_no": no, "revoked_at": _iso_utc(at)} for no, at in store.revoked_in_window(session, now)],
        "fused": [
            {"enterprise_id": site, "fused_at": None if at is None else _iso_utc(at)}
            for site, at in store.fused_with_live_passes(session, now)
        ],
        "policy": {
            "test_validity_h": policy.test_validity.total_seconds() / 3600,
            "mobile_test_validity_h": policy.mobile_test_validity.total_seconds() / 3600,
            "corridor_buffer_m": ctx.settings.corridor_buffer_m,
        },
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()
    return RevocationList(body={"generated_at": now.isoformat(), **content}, etag=f'"{digest[:32]}"')


def _iso_utc(at: datetime) -> str:
    """A stored time as ISO 8601 in UTC (SQLite hands back naive UTC)."""
    return (at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)).isoformat()
