"""Vehicle passes: the whitelist (vehicles, crew, the fuse), signed QR passes, checkpoint verification.

Who may do what
---------------
* ``POST /sites/{id}/vehicles``, ``POST /sites/{id}/crew`` (and their ``GET``): a planner, or a
  dispatcher acting for that enterprise.
* ``POST /passes``: a dispatcher.  A dispatcher bound to an enterprise (``baotong users add NAME
  --role dispatcher --enterprise SITE_ID``) issues only for it (403 otherwise); a dispatcher with no
  enterprise binding is a bureau dispatcher and may issue for any enterprise.
* ``GET /passes/{no}`` (and its QR, print page and map): planner, checkpoint, or a dispatcher of
  that enterprise (a pass carries crew names and plates, so it is not a public layer).
* ``POST /passes/{no}/revoke``, ``POST /sites/{id}/fuse``: planner.
* ``POST /passes/verify``: checkpoint.  ``GET /.well-known/jwks.json``: everyone.

Issuance computes the closed-loop route with :func:`api.routes.routes.compute_route`, checks
every rule (:func:`passes.issue.check_issuance`) and refuses with every reason (422 with
``reasons``).  The pass number is the issuer's admin code plus a serial taken from
``pass_serials`` with ``UPDATE ... RETURNING`` in the same transaction as the pass insert, so
serials are unique and consecutive per issuer across threads and worker processes.

Verification answers ``pass``/``stop`` with every reason and stores the scan first.  A plate the
officer typed in a wrong format is a ``stop`` with reason ``plate_invalid`` (not a 422): the
officer sees it on the same screen as the other reasons.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import HTMLResponse
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api import crud
from api.db import aware, dumps, new_id, utcnow
from api.deps import SessionDep, StateDep, require
from api.hotpath import Principal
from api.models import RouteRow, SiteRow
from api.routes.routes import compute_route
from api.models_passes import CrewRow, FuseRow, PassRow, PassSerialRow, ScanRow, VehicleRow
from api.schemas import RouteCreate
from api.schemas_passes import (
    CrewCreate,
    CrewPublic,
    CrewsPublic,
    FuseCreate,
    FusePublic,
    PassCreate,
    PassPublic,
    RevokeCreate,
    ScanPublic,
    VerdictPublic,
    VehicleCreate,
    VehiclePublic,
    VehiclesPublic,
    VerifyRequest,
)
from geo.errors import (
    ConflictError,
    InvalidInputError,
    NoRouteError,
    NotFoundError,
    PassRejected,
    PermissionDeniedError,
)
from geo.projection import check_lon_lat, to_wgs84
from passes.corridor import PreparedCorridor
from passes.crew import CrewMember, Vehicle, require_aware
from passes.issue import check_issuance, issuance_warnings, parse_pass_number, pass_number
from passes.keys import META_FILE, KeyRing, PublicKeySet
from passes.plates import is_out_of_province
from passes.policy import PassPolicy
from passes.qr import qr_info, qr_png, qr_svg
from passes.reasons import reason, reason_code
from passes.token import make_claims, sign_pass
from passes.verify import PassStatus, verify_online

logger = logging.getLogger(__name__)
router = APIRouter(tags=["passes"])
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

PlannerOnly = require("planner")
EnterpriseStaff = require("planner", "dispatcher")
DispatcherOnly = require("dispatcher")
PassReader = require("planner", "dispatcher", "checkpoint")
CheckpointOnly = require("checkpoint")


# -- shared helpers ---------------------------------------------------------------------------
def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def policy_for(state) -> PassPolicy:
    """The pass policy built from the settings (cached per process)."""
    policy = state.caches.get("pass_policy")
    if policy is None:
        s = state.settings
        policy = PassPolicy(admin_code=s.admin_code, test_validity=timedelta(hours=s.test_validity_h),
                            mobile_test_validity=timedelta(hours=s.mobile_test_validity_h),
                            max_window=timedelta(days=s.max_pass_days), max_lead=timedelta(days=s.max_pass_lead_days))
        state.caches["pass_policy"] = policy
    return policy


def keyring(state) -> KeyRing:
    """The signing key ring in ``settings.keys_dir``: created on first use, loaded once per process.

    The ring is re-read when its ``keyring.json`` changes on disk, so a rotation made with
    ``baotong keys rotate`` takes effect in running worker processes at their next request.
    """
    meta = Path(state.settings.keys_dir) / META_FILE
    with state.lock:
        cached = state.caches.get("pass_keyring")
        try:
            mtime = meta.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if cached is not None and cached[1] == mtime and mtime is not None:
            return cached[0]
        if cached is None or mtime is None:
            ring = _load_or_create_locked(Path(state.settings.keys_dir), policy_for(state).max_lifetime)
        else:
            ring = cached[0]
            ring.reload()
        entry = (ring, meta.stat().st_mtime_ns, ring.public_keys())
        state.caches["pass_keyring"] = entry
        return ring


def _load_or_create_locked(keys_dir: Path, max_lifetime: timedelta) -> KeyRing:
    """``KeyRing.load_or_create`` under an exclusive file lock, so worker processes starting
    together create one first key, not one each."""
    import fcntl

    keys_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = keys_dir.parent / f".{keys_dir.name}.lock"
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return KeyRing.load_or_create(keys_dir, max_lifetime=max_lifetime)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def public_keys(state) -> PublicKeySet:
    keyring(state)
    return state.caches["pass_keyring"][2]


def _act_for(user: Principal, enterprise_id: str) -> None:
    """Planners and bureau dispatchers act for any enterprise; a bound dispatcher only for its own."""
    if user.role == "dispatcher" and user.enterprise_id is not None and user.enterprise_id != enterprise_id:
        raise PermissionDeniedError(f"dispatcher {user.name!r} acts for enterprise {user.enterprise_id!r}, "
                                    f"not {enterprise_id!r}")


def _enterprise(session: Session, site_id: str) -> SiteRow:
    row = session.get(SiteRow, site_id)
    if row is None:
        raise NotFoundError(f"no site with id {site_id!r}")
    if row.kind != "enterprise":
        raise InvalidInputError(f"site {site_id!r} is a {row.kind!r}; expected an enterprise")
    return row


def _pass_row(session: Session, pass_no: str) -> PassRow:
    parse_pass_number(pass_no)  # 422 naming a malformed number
    row = session.get(PassRow, pass_no)
    if row is None:
        raise NotFoundError(f"no pass with number {pass_no!r}")
    return row


def _vehicle_public(row: VehicleRow) -> VehiclePublic:
    return VehiclePublic(id=row.id, enterprise_id=row.enterprise_id, plate=row.plate, ownership=row.ownership,
                         out_of_province=row.out_of_province, height_m=row.height_m, weight_t=row.weight_t,
                         width_m=row.width_m, created_at=aware(row.created_at))


def _crew_public(row: CrewRow) -> CrewPublic:
    return CrewPublic(id=row.id, enterprise_id=row.enterprise_id, name=row.name, id_last4=row.id_last4,
                      role=row.role, tested_at=aware(row.tested_at), mobile_role=row.mobile_role,
                      created_at=aware(row.created_at))


def _status(row: PassRow, whitelisted: bool, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if not whitelisted:
        return "fused"
    if now < aware(row.valid_from):
        return "not_yet_valid"
    if now >= aware(row.valid_until):
        return "expired"
    return "valid"


def _pass_public(session: Session, row: PassRow) -> PassPublic:
    site = session.get(SiteRow, row.enterprise_id)
    return PassPublic(
        pass_no=row.pass_no, enterprise_id=row.enterprise_id, vehicle_id=row.vehicle_id, plate=row.plate,
        crew=json.loads(row.crew), cargo=row.cargo, route_id=row.route_id, origin=json.loads(row.origin),
        destination=json.loads(row.destination), departure=aware(row.departure),
        valid_from=aware(row.valid_from), valid_until=aware(row.valid_until), issued_at=aware(row.issued_at),
        kid=row.kid, token=row.token, warnings=json.loads(row.warnings),
        status=_status(row, bool(site is not None and site.whitelist), utcnow()),
        revoked_at=aware(row.revoked_at), revoke_reason=row.revoke_reason,
        qr_svg=f"/passes/{row.pass_no}/qr.svg", print_url=f"/passes/{row.pass_no}/print",
    )


def _readable_pass(session: Session, pass_no: str, user: Principal) -> PassRow:
    row = _pass_row(session, pass_no)
    _act_for(user, row.enterprise_id)
    return row


# -- vehicles and crew ---------------------------------------------------------------------------
@router.post("/sites/{site_id}/vehicles", response_model=VehiclePublic, status_code=status.HTTP_201_CREATED,
             responses={403: {"description": "a dispatcher of another enterprise"}, 409: {"description": "plate "
                        "already registered for this enterprise"}})
def add_vehicle(site_id: str, body: VehicleCreate, state: StateDep, session: SessionDep,
                user: Principal = Depends(EnterpriseStaff)) -> VehiclePublic:
    """Register a vehicle (own or contracted) of a whitelist enterprise; the plate is validated and normalised."""
    _act_for(user, site_id)
    _enterprise(session, site_id)
    vehicle = Vehicle(plate=body.plate, enterprise_id=site_id, ownership=body.ownership,
                      out_of_province=bool(body.out_of_province), height_m=body.height_m, weight_t=body.weight_t,
                      width_m=body.width_m)
    out_of_province = (body.out_of_province if body.out_of_province is not None
                       else is_out_of_province(vehicle.plate, state.settings.admin_code))
    exists = session.scalar(select(VehicleRow.id).where(VehicleRow.enterprise_id == site_id,
                                                        VehicleRow.plate == vehicle.plate))
    if exists is not None:
        raise ConflictError(f"plate {vehicle.plate!r} is already registered for {site_id!r} as {exists!r}")
    row = VehicleRow(id=new_id("veh"), enterprise_id=site_id, plate=vehicle.plate, ownership=vehicle.ownership,
                     out_of_province=out_of_province, height_m=vehicle.height_m, weight_t=vehicle.weight_t,
                     width_m=vehicle.width_m, created_at=utcnow(), created_by=user.name)
    session.add(row)
    session.commit()
    return _vehicle_public(row)


@router.get("/sites/{site_id}/vehicles", response_model=VehiclesPublic)
def list_vehicles(site_id: str, session: SessionDep, user: Principal = Depends(EnterpriseStaff)) -> VehiclesPublic:
    """The registered vehicles of an enterprise."""
    _act_for(user, site_id)
    _enterprise(session, site_id)
    rows = session.scalars(select(VehicleRow).where(VehicleRow.enterprise_id == site_id)
                           .order_by(VehicleRow.created_at)).all()
    return VehiclesPublic(data=[_vehicle_public(r) for r in rows], count=len(rows))


@router.post("/sites/{site_id}/crew", response_model=CrewPublic, status_code=status.HTTP_201_CREATED)
def add_crew(site_id: str, body: CrewCreate, session: SessionDep,
             user: Principal = Depends(EnterpriseStaff)) -> CrewPublic:
    """Register a driver or crew member with the time of their latest negative nucleic-acid test."""
    _act_for(user, site_id)
    _enterprise(session, site_id)
    member = CrewMember(name=body.name, id_last4=body.id_last4, role=body.role, tested_at=body.tested_at,
                        mobile_role=body.mobile_role)
    row = CrewRow(id=new_id("crew"), enterprise_id=site_id, name=member.name, id_last4=member.id_last4,
                  role=member.role, tested_at=_utc(member.tested_at), mobile_role=member.mobile_role,
                  created_at=utcnow(), created_by=user.name)
    session.add(row)
    session.commit()
    return _crew_public(row)


@router.get("/sites/{site_id}/crew", response_model=CrewsPublic)
def list_crew(site_id: str, session: SessionDep, user: Principal = Depends(EnterpriseStaff)) -> CrewsPublic:
    """The registered crew of an enterprise."""
    _act_for(user, site_id)
    _enterprise(session, site_id)
    rows = session.scalars(select(CrewRow).where(CrewRow.enterprise_id == site_id).order_by(CrewRow.created_at)).all()
    return CrewsPublic(data=[_crew_public(r) for r in rows], count=len(rows))


@router.post("/sites/{site_id}/fuse", response_model=FusePublic)
def fuse(site_id: str, body: FuseCreate, session: SessionDep, user: Principal = Depends(PlannerOnly)) -> FusePublic:
    """Remove an enterprise from the whitelist (熔断), with the reason; its passes answer ``stop`` at once."""
    site = _enterprise(session, site_id)
    if not site.whitelist:
        raise ConflictError(f"enterprise {site_id!r} is not on the whitelist (already fused or never listed)")
    now = utcnow()
    site.whitelist = False
    session.add(FuseRow(site_id=site_id, reason=body.reason, created_at=now, created_by=user.name))
    affected = session.scalars(select(PassRow.pass_no).where(
        PassRow.enterprise_id == site_id, PassRow.revoked_at.is_(None), PassRow.valid_until > now)
        .order_by(PassRow.pass_no)).all()
    session.commit()
    logger.info("fused enterprise %s by %s: %d live passes stop", site_id, user.name, len(affected))
    return FusePublic(site_id=site_id, whitelist=False, reason=body.reason, fused_at=now, fused_by=user.name,
                      affected_passes=list(affected))


# -- issuance ---------------------------------------------------------------------------------
def allocate_serial(session: Session, admin_code: str) -> int:
    """The next serial of ``admin_code``, taken inside the caller's transaction.

    ``UPDATE ... SET last_serial = last_serial + 1 ... RETURNING`` locks the issuer's row until
    the caller commits (PostgreSQL: a row lock; SQLite: the database write lock), so concurrent
    issuers get unique, consecutive serials; a rolled-back pass gives its serial back.  The row
    is inserted on first use with ``ON CONFLICT DO NOTHING`` (racing first issuers both succeed).
    """
    bump = (update(PassSerialRow).where(PassSerialRow.admin_code == admin_code)
            .values(last_serial=PassSerialRow.last_serial + 1).returning(PassSerialRow.last_serial)
            .execution_options(synchronize_session=False))
    serial = session.execute(bump).scalar_one_or_none()
    if serial is None:
        if session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        session.execute(insert(PassSerialRow).values(admin_code=admin_code, last_serial=0)
                        .on_conflict_do_nothing(index_elements=["admin_code"]))
        serial = session.execute(bump).scalar_one()
    return int(serial)


def _resolve_vehicle(session: Session, body: PassCreate) -> VehicleRow:
    if body.vehicle_id is not None:
        row = session.get(VehicleRow, body.vehicle_id)
        if row is None or row.enterprise_id != body.enterprise_id:
            raise InvalidInputError(f"`vehicle_id` was {body.vehicle_id!r}; no such vehicle registered for "
                                    f"enterprise {body.enterprise_id!r} (POST /sites/{{id}}/vehicles first)")
        return row
    if body.plate is None:
        raise InvalidInputError("give `vehicle_id` or `plate` of a vehicle registered for the enterprise")
    plate = Vehicle(plate=body.plate, enterprise_id=body.enterprise_id).plate
    row = session.scalar(select(VehicleRow).where(VehicleRow.enterprise_id == body.enterprise_id,
                                                  VehicleRow.plate == plate))
    if row is None:
        raise InvalidInputError(f"`plate` was {body.plate!r}; no vehicle with plate {plate} is registered for "
                                f"enterprise {body.enterprise_id!r}")
    return row


def _resolve_crew(session: Session, body: PassCreate) -> list[CrewRow]:
    if len(set(body.crew_ids)) != len(body.crew_ids):
        raise InvalidInputError(f"`crew_ids` was {body.crew_ids!r}; a member is listed twice")
    rows = []
    for i, cid in enumerate(body.crew_ids):
        row = session.get(CrewRow, cid)
        if row is None or row.enterprise_id != body.enterprise_id:
            raise InvalidInputError(f"`crew_ids[{i}]` was {cid!r}; no such crew member registered for enterprise "
                                    f"{body.enterprise_id!r}")
        rows.append(row)
    return rows


@router.post("/passes", response_model=PassPublic, status_code=status.HTTP_201_CREATED,
             responses={403: {"description": "a dispatcher of another enterprise"},
                        422: {"description": "bad input, or the pass is refused: `reasons` lists every rule broken"}})
def create_pass(body: PassCreate, state: StateDep, session: SessionDep,
                user: Principal = Depends(DispatcherOnly)) -> PassPublic:
    """Issue a signed vehicle pass: one vehicle, its crew, one closed-loop route, one validity window.

    Refused (422 with every reason) when the enterprise is not whitelisted, a crew test would be
    stale at departure (48 h, 24 h for mobile roles), the window is bad, or no legal route exists.
    """
    _act_for(user, body.enterprise_id)
    policy = policy_for(state)
    site = _enterprise(session, body.enterprise_id)
    vehicle = _resolve_vehicle(session, body)
    crew_rows = _resolve_crew(session, body)
    crew = [CrewMember(r.name, r.id_last4, r.role, aware(r.tested_at), r.mobile_role) for r in crew_rows]
    now = utcnow().replace(microsecond=0)
    valid_from = require_aware(body.valid_from, "valid_from") if body.valid_from is not None else now
    valid_until = require_aware(body.valid_until, "valid_until")
    departure = require_aware(body.departure, "departure") if body.departure is not None else valid_from
    whitelisted = bool(site.whitelist)

    extra: list[str] = []
    if valid_until <= now:
        extra.append(reason("window_invalid", f"valid_until {valid_until.isoformat()} has already passed"))
    if valid_from - now > policy.max_lead:
        extra.append(reason("window_invalid", f"valid_from {valid_from.isoformat()} is more than "
                                              f"{policy.max_lead} ahead"))
    route_doc, route_error = None, None
    try:
        route_doc = compute_route(state, session, RouteCreate(
            origin=body.origin, destination=body.destination, origin_site_id=body.origin_site_id,
            destination_site_id=body.destination_site_id, waypoints=body.waypoints, departure=departure,
            vehicle={"height_m": vehicle.height_m, "weight_t": vehicle.weight_t, "width_m": vehicle.width_m}
            if (vehicle.height_m or vehicle.weight_t or vehicle.width_m) else None,
            max_detour_ratio=body.max_detour_ratio, crs=body.crs))
    except NoRouteError as err:
        route_error = str(err)
    reasons = check_issuance(whitelisted, crew, departure, valid_from, valid_until, route_doc is not None,
                             policy=policy)
    reasons = [reason("route_not_ok", route_error) if reason_code(r) == "route_not_ok" and route_error else r
               for r in reasons]
    reasons += [r for r in extra if r not in reasons]
    if reasons:
        raise PassRejected(reasons)

    corridor = route_doc["geometry"]["coordinates"]
    warnings = issuance_warnings(crew, valid_until, policy=policy) + list(route_doc.get("warnings") or [])
    ring = keyring(state)
    try:
        serial = allocate_serial(session, policy.admin_code)
        pass_no = pass_number(policy.admin_code, serial)
        claims = make_claims(pass_no=pass_no, plate=vehicle.plate, enterprise_id=site.id, route_id=route_doc["id"],
                             corridor=corridor, crew=crew, valid_from=valid_from, valid_until=valid_until,
                             issued_at=now, origin=route_doc["origin"], destination=route_doc["destination"])
        token = sign_pass(claims, ring)
        session.add(RouteRow(id=route_doc["id"], request=dumps(route_doc.get("request")), result=dumps(route_doc),
                             created_at=now, created_by=user.name))
        row = PassRow(
            pass_no=pass_no, admin_code=policy.admin_code, serial=serial, enterprise_id=site.id,
            vehicle_id=vehicle.id, plate=vehicle.plate,
            crew=dumps([{"id": r.id, "name": r.name, "id_last4": r.id_last4, "role": r.role,
                         "tested_at": aware(r.tested_at).isoformat(), "mobile_role": r.mobile_role}
                        for r in crew_rows]),
            cargo=body.cargo, route_id=route_doc["id"], origin=dumps(list(claims.origin)),
            destination=dumps(list(claims.destination)), corridor=dumps(corridor), departure=_utc(departure),
            valid_from=_utc(valid_from), valid_until=_utc(valid_until), issued_at=now, kid=ring.active_kid,
            token=token, warnings=dumps(warnings), created_by=user.name)
        session.add(row)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    logger.info("issued pass %s for %s (%s) by %s, route %s, %d characters", pass_no, vehicle.plate, site.id,
                user.name, route_doc["id"], len(token))
    return _pass_public(session, row)


# -- reading, QR, print page, map -----------------------------------------------------------------
@router.get("/passes/{pass_no}", response_model=PassPublic)
def get_pass(pass_no: str, session: SessionDep, user: Principal = Depends(PassReader)) -> PassPublic:
    """A pass with its token, status (valid / revoked / fused / expired / not_yet_valid) and warnings."""
    return _pass_public(session, _readable_pass(session, pass_no, user))


@router.get("/passes/{pass_no}/qr.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
def pass_qr_svg(pass_no: str, session: SessionDep, user: Principal = Depends(PassReader),
                width_mm: float = Query(default=80.0, ge=10, le=300)) -> Response:
    """The QR code of the pass token as SVG, ``width_mm`` wide when printed (default 80 mm)."""
    row = _readable_pass(session, pass_no, user)
    return Response(qr_svg(row.token, print_width_mm=width_mm), media_type="image/svg+xml")


@router.get("/passes/{pass_no}/qr.png", response_class=Response, responses={200: {"content": {"image/png": {}}}})
def pass_qr_png(pass_no: str, session: SessionDep, user: Principal = Depends(PassReader),
                scale: int = Query(default=8, ge=1, le=40)) -> Response:
    """The QR code of the pass token as PNG, ``scale`` pixels per module."""
    row = _readable_pass(session, pass_no, user)
    return Response(qr_png(row.token, scale=scale), media_type="image/png")


def _scans(session: Session, pass_no: str, limit: int = 500) -> list[ScanRow]:
    return list(session.scalars(select(ScanRow).where(ScanRow.pass_no == pass_no)
                                .order_by(ScanRow.recorded_at, ScanRow.id).limit(limit)).all())


def _scan_feature(s: ScanRow) -> dict:
    color = "#1a9641" if s.verdict == "pass" else "#d7191c"
    reasons = json.loads(s.reasons)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
            "properties": {"pass_no": s.pass_no, "verdict": s.verdict, "checked_at": aware(s.checked_at).isoformat(),
                           "reasons": "; ".join(reasons) or "—", "scanned_by": s.scanned_by,
                           "style": {"color": color, "fillColor": color}}}


def _scan_layer(scans: list[ScanRow], name: str) -> object:
    from maps.views import MapLayer

    return MapLayer(name=name, features=[_scan_feature(s) for s in scans],
                    style={"radius": 7, "weight": 2, "fillOpacity": 0.8},
                    popup_fields=("pass_no", "verdict", "checked_at", "reasons", "scanned_by"),
                    popup_aliases=("通行证 pass", "结果 verdict", "时间 time", "原因 reasons", "检查员 officer"))


def _pass_map_html(state, session: Session, row: PassRow) -> str:
    from maps.views import RouteView, city_map, route_bbox

    route = RouteView.from_dict(crud.get_route(session, row.route_id))
    m = city_map(bbox=route_bbox(route), zones=crud.list_zones(session), routes=[route],
                 extra_layers=[_scan_layer(_scans(session, row.pass_no), "检查记录 checkpoint scans")],
                 tiles_url=state.settings.tiles_url, tiles_attribution=state.settings.tiles_attribution)
    return m.get_root().render()


def _route_map_html(state, session: Session, route: dict) -> str:
    from maps.views import RouteView, route_map

    m = route_map(RouteView.from_dict(route), zones=crud.list_zones(session), tiles_url=state.settings.tiles_url,
                  tiles_attribution=state.settings.tiles_attribution)
    return m.get_root().render()


@router.get("/passes/{pass_no}/map", response_class=HTMLResponse)
def pass_map(pass_no: str, state: StateDep, session: SessionDep, user: Principal = Depends(PassReader)) -> HTMLResponse:
    """The pass's route and the trip's trace: every checkpoint scan, green for pass, red for stop."""
    return HTMLResponse(_pass_map_html(state, session, _readable_pass(session, pass_no, user)))


def _templates():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


@router.get("/passes/{pass_no}/print", response_class=HTMLResponse)
def pass_print(pass_no: str, state: StateDep, session: SessionDep, user: Principal = Depends(PassReader)) -> HTMLResponse:
    """A printable A4 pass page: the QR code (80 mm), the facts, the route map and the scans so far."""
    row = _readable_pass(session, pass_no, user)
    public = _pass_public(session, row)
    site = session.get(SiteRow, row.enterprise_id)
    scans = [{"checked_at": aware(s.checked_at).isoformat(timespec="minutes"), "verdict": s.verdict,
              "where": f"{s.lon:.5f}, {s.lat:.5f}", "reasons": json.loads(s.reasons), "by": s.scanned_by}
             for s in _scans(session, row.pass_no)]
    route = crud.get_route(session, row.route_id)
    html = _templates().get_template("pass_print.html").render(
        p=public, enterprise=site.name if site is not None else row.enterprise_id, qr=qr_svg(row.token),
        info=qr_info(row.token), map_html=_route_map_html(state, session, route), scans=scans,
        length_km=round(route.get("length_m", 0) / 1000, 1), minutes=round(route.get("travel_time_s", 0) / 60),
        zones=route.get("zones_crossed") or [])
    return HTMLResponse(html)


# -- revocation and verification ---------------------------------------------------------------
@router.post("/passes/{pass_no}/revoke", response_model=PassPublic)
def revoke_pass(pass_no: str, body: RevokeCreate, session: SessionDep,
                user: Principal = Depends(PlannerOnly)) -> PassPublic:
    """Revoke a pass (planner); it answers ``stop`` at every checkpoint from now on."""
    row = _pass_row(session, pass_no)
    if row.revoked_at is not None:
        raise ConflictError(f"pass {pass_no} was already revoked at {aware(row.revoked_at).isoformat()}")
    row.revoked_at, row.revoked_by, row.revoke_reason = utcnow(), user.name, body.reason
    session.commit()
    logger.info("revoked pass %s by %s", pass_no, user.name)
    return _pass_public(session, row)


def _corridor(state, pass_no: str) -> PreparedCorridor | None:
    """The pass's stored corridor, validated and hashed once per process (a pass's route never changes)."""
    cache = state.caches.setdefault("pass_corridors", {})
    prepared = cache.get(pass_no)
    if prepared is None:
        rows = state.hot.query("SELECT corridor FROM passes WHERE pass_no = ?", (pass_no,))
        if not rows:
            return None
        prepared = PreparedCorridor.of(json.loads(rows[0][0]))
        if len(cache) > 2048:
            cache.clear()
        cache[pass_no] = prepared
    return prepared


def status_lookup(state):
    """A ``pass_no -> PassStatus`` callback reading the registry (revocation, fuse, stored corridor)."""

    def lookup(pass_no: str) -> PassStatus:
        rows = state.hot.query("SELECT p.revoked_at, s.whitelist FROM passes p "
                               "LEFT JOIN sites s ON s.id = p.enterprise_id WHERE p.pass_no = ?", (pass_no,))
        if not rows:
            raise NotFoundError(f"no pass {pass_no}")
        revoked_at, whitelist = rows[0]
        return PassStatus(revoked=revoked_at is not None, enterprise_whitelisted=bool(whitelist),
                          corridor=_corridor(state, pass_no))

    return lookup


@router.post("/passes/verify", response_model=VerdictPublic,
             responses={422: {"description": "a bad checkpoint position or `at` (a bad token is a `stop`)"},
                        503: {"description": "the scan could not be stored; nothing was recorded, try again"}})
async def verify_pass(body: VerifyRequest, state: StateDep, user: Principal = Depends(CheckpointOnly)) -> dict:
    """Check a scanned pass at a checkpoint: ``pass`` or ``stop`` with every failing reason.

    Checks the signature and ``kid``, the validity window at ``at`` (default now), revocation and
    the enterprise's whitelist status, every crew test's freshness at ``at``, the checkpoint
    within ``corridor_buffer_m`` of the stored route, and the typed plate.  A malformed, forged or
    unknown token is a ``stop`` with its reason; so is a plate typed in a wrong format
    (``plate_invalid``).  The scan (who, where, when, verdict, reasons) is stored before the answer.

    The checks are short CPU work and indexed reads, done on the event loop; the scan is stored by
    the process's scan writer, which commits every scan waiting at that moment in one transaction.
    """
    at = require_aware(body.at, "at") if body.at is not None else utcnow()
    lon, lat = check_lon_lat(body.checkpoint[0], body.checkpoint[1], field_name="checkpoint")
    lon, lat = to_wgs84(lon, lat, body.crs)
    verdict = verify_online(body.token, public_keys(state), at=at, status_lookup=status_lookup(state),
                            checkpoint=(lon, lat), plate=body.plate, corridor_buffer_m=state.settings.corridor_buffer_m,
                            policy=policy_for(state))
    stored = state.hot.insert("scans", {
        "pass_no": verdict.claims.pass_no if verdict.claims is not None else None,
        "token_sha256": hashlib.sha256(body.token.encode("utf-8", "replace")).hexdigest(),
        "lon": lon, "lat": lat, "checked_at": _utc(at), "recorded_at": utcnow(), "verdict": verdict.verdict,
        "reasons": dumps(verdict.reasons), "plate_typed": body.plate[:40] if body.plate else None,
        "mode": verdict.mode, "scanned_by": user.name}, returning="id")
    out = verdict.to_dict()
    out.update(scan_id=await asyncio.wrap_future(stored), checkpoint=[lon, lat])
    return out


@router.get("/passes/{pass_no}/scans", response_model=list[ScanPublic])
def pass_scans(pass_no: str, session: SessionDep, user: Principal = Depends(PassReader)) -> list[ScanPublic]:
    """The trip's trace: every checkpoint scan of the pass, oldest first."""
    row = _readable_pass(session, pass_no, user)
    return [ScanPublic(id=s.id, pass_no=s.pass_no, checkpoint=[s.lon, s.lat], checked_at=aware(s.checked_at),
                       recorded_at=aware(s.recorded_at), verdict=s.verdict, reasons=json.loads(s.reasons),
                       scanned_by=s.scanned_by) for s in _scans(session, row.pass_no)]


@router.get("/.well-known/jwks.json")
def jwks(state: StateDep, response: Response) -> dict:
    """The public keys (JWKS, Ed25519) that verify passes offline; retired keys stay until their passes expire."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return keyring(state).jwks()


# -- map layer for GET /map -------------------------------------------------------------------------
def map_layers(state, session: Session) -> list:
    """Recent checkpoint scans (last 24 h, at most 500) as points: green pass, red stop."""
    since = utcnow() - timedelta(hours=24)
    scans = list(session.scalars(select(ScanRow).where(ScanRow.recorded_at >= since)
                                 .order_by(ScanRow.recorded_at.desc()).limit(500)).all())
    return [_scan_layer(scans, "检查点扫码 checkpoint scans (24 h)")]


__all__ = ["router", "map_layers", "keyring", "public_keys", "policy_for", "allocate_serial", "status_lookup"]
