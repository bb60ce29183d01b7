"""Road closures: a county files one, the rules decide at once, approvers approve or reject at their level;
the impact of a closure; the arcs closed in routing; the WZDx feed of approved closures.

Only approved ``hard_barrier`` closures remove roads from routing (:func:`closed_arcs`), from
their start to their end; ``checkpoint`` and ``lane`` closures keep the road open (the impact
analysis models them as a delay: see :mod:`routing.closures`).  The rules table is the one the
settings name (``closure_rules``) or :data:`routing.closures.DEFAULT_RULES`, built once in the
context.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from geo.errors import ConflictError, InvalidInputError, OffNetworkError, PermissionDeniedError
from geo.i18n import Text, zh_time
from geo.projection import to_wgs84
from geo.sites import HUB_KINDS
from routing import closures as rules
from routing import wzdx
from services.context import AppContext
from services.users import is_bureau
from store import closures as store
from store import passes as pass_store
from store import routes as route_store
from store import sites as site_store
from store.closures import Event
from store.db import aware, dumps, new_id, utcnow
from store.models import ClosureRow
from store.users import Principal

logger = logging.getLogger(__name__)

#: A request may start this long before "now" (clock skew, "close it now").
START_GRACE = timedelta(minutes=5)
STATUSES = ("pending", "approved", "rejected")


@dataclass(frozen=True)
class ClosureRequest:
    """A county's closure request: the road by OSM way ids, or by a ``LineString`` / ``Point`` near it."""

    county_code: str
    mode: str
    direction: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    way_ids: Sequence[int] | None = None
    geometry_type: str | None = None
    coordinates: Any = None
    buffer_m: float = 25.0
    crs: str = "wgs84"

    def to_json(self) -> dict[str, Any]:
        """The request as stored with the closure."""
        geometry = None if self.geometry_type is None else {"type": self.geometry_type, "coordinates": self.coordinates}
        return {
            "county_code": self.county_code,
            "mode": self.mode,
            "direction": self.direction,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "reason": self.reason,
            "way_ids": list(self.way_ids) if self.way_ids is not None else None,
            "geometry": geometry,
            "buffer_m": self.buffer_m,
            "crs": self.crs,
        }


# -- in routing ------------------------------------------------------------------------------------------
def closed_arcs(ctx: AppContext, at: datetime | None = None, *, exclude: str | None = None) -> np.ndarray:
    """Arc ids closed at ``at`` (default now) by approved hard-barrier closures (``int64``, sorted).

    A closure takes effect at ``starts_at`` and ends at ``ends_at`` (exclusive); ``exclude`` leaves
    one closure out.  Read on every route request with one lean query; a closure's arcs never
    change, so they are parsed once per process.
    """
    at = aware(at) or datetime.now(UTC)
    approved = ctx.hot.approved_hard_barriers(ctx.network.source)
    in_force = [cid for cid, starts, ends in approved if starts <= at < ends and cid != exclude]
    return ctx.closure_arc_cache.arcs(in_force, {cid for cid, _, _ in approved}, ctx.hot.closure_arcs)


# -- impact -----------------------------------------------------------------------------------------------
def _pass_corridors(session: Session, starts: datetime, ends: datetime) -> tuple[list[rules.Corridor], list[str]]:
    """Corridors of the passes valid during ``[starts, ends)`` (not revoked), from their stored routes' arc ids."""
    out: list[rules.Corridor] = []
    notes: list[str] = []  # Text, each with its Chinese twin
    missing = 0
    for row in pass_store.unrevoked_pass_rows(session):
        valid_from, valid_until = aware(row.valid_from), aware(row.valid_until)
        assert valid_from is not None and valid_until is not None
        if not (valid_from < ends and starts < valid_until):
            continue
        route = route_store.find_route(session, row.route_id)
        if route is None or not route.arcs.size:
            missing += 1
            continue
        out.append(rules.Corridor(f"pass {row.pass_no}", "pass", route.arcs, route.travel_time_s, row.plate))
    if missing:
        notes.append(
            Text(
                f"{missing} valid pass(es) have no stored route arcs and were not checked",
                zh=f"{missing} 张有效通行证没有保存路线弧段，未检查",
            )
        )
    return out, notes


def impact_for(
    ctx: AppContext,
    session: Session,
    arcs: np.ndarray,
    mode: str,
    at: datetime,
    until: datetime,
    *,
    exclude: str | None = None,
) -> dict[str, Any]:
    """The impact of closing ``arcs`` in ``mode`` at ``at``, on copies of the weights.

    Stored routes with arc ids and the passes valid during ``[at, until)`` are checked for
    detours.  ``before`` is the truck network with the other hard-barrier closures in force at
    ``at``; ``after`` adds this closure.  Both run on private metrics of the router's pool, never
    the live routing metrics.
    """
    road_router = ctx.road_router
    net = road_router.network
    base = road_router.truck_weights.copy()
    others = closed_arcs(ctx, at, exclude=exclude)
    if others.size:
        base[others] = rules.FORBIDDEN
    after = rules.closure_weights(net, base, arcs, mode)
    notes: list[str] = []
    enterprises: list[rules.Place] = []
    hubs: list[rules.Place] = []
    for site in site_store.list_sites(session):
        if not (site.kind in HUB_KINDS or (site.kind == "enterprise" and site.whitelist)):
            continue
        try:
            node = rules.place_node(net, *site.point, max_snap_m=road_router.max_snap_m)
        except OffNetworkError:
            notes.append(Text(f"site {site.id} is off the network; skipped", zh=f"站点 {site.id} 不在路网上，已跳过"))
            continue
        (hubs if site.kind in HUB_KINDS else enterprises).append(rules.Place(site.id, site.name, node))
    channels = [
        rules.Corridor(g.id, "green_channel", store.green_channel_arcs(g), g.travel_time_s, g.name)
        for g in store.list_green_channel_rows(session, network=net.source)
    ]
    corridors, skipped = [], 0
    for route in route_store.list_routes(session, limit=1000):
        if not route.arcs.size:
            skipped += 1
            continue
        corridors.append(rules.Corridor(route.id, "route", route.arcs, route.travel_time_s))
    if skipped:
        notes.append(
            Text(
                f"{skipped} stored route(s) carry no arc ids and were not checked",
                zh=f"{skipped} 条已保存路线没有弧段编号，未检查",
            )
        )
    passes, pass_notes = _pass_corridors(session, at, until)
    corridors += passes
    notes += pass_notes
    with (
        road_router.pool.using("closure-impact:before", base) as before,
        road_router.pool.using("closure-impact:after", after) as engine_after,
    ):
        return rules.analyse_impact(
            net,
            before,
            engine_after,
            arcs,
            enterprises=enterprises,
            hubs=hubs,
            green_channels=channels,
            corridors=corridors,
            notes=notes,
        )


# -- filing ----------------------------------------------------------------------------------------------
def _match(ctx: AppContext, request: ClosureRequest) -> rules.Match:
    net = ctx.network
    if request.way_ids is not None:
        return rules.match_ways(net, request.way_ids, request.direction)
    coords = request.coordinates
    if request.geometry_type == "Point":
        if not isinstance(coords, list) or len(coords) != 2:
            raise InvalidInputError(
                f"`geometry.coordinates` was {coords!r}; expected [lon, lat]",
                zh=f"`geometry.coordinates` 为 {coords!r}；应为 [经度, 纬度]",
            )
        lon, lat = to_wgs84(coords[0], coords[1], request.crs, field_name="geometry")
        return rules.match_point(net, lon, lat, request.direction, max_snap_m=max(request.buffer_m, 50.0))
    if request.geometry_type == "LineString":
        if (
            not isinstance(coords, list)
            or len(coords) < 2
            or len(coords) > 1000
            or not all(isinstance(c, list) and len(c) == 2 for c in coords)
        ):
            raise InvalidInputError(
                "`geometry.coordinates` of a LineString must be 2..1000 [lon, lat] pairs",
                zh="LineString 的 `geometry.coordinates` 必须是 2..1000 个 [经度, 纬度] 坐标对",
            )
        pts = [to_wgs84(c[0], c[1], request.crs, field_name=f"geometry.coordinates[{i}]") for i, c in enumerate(coords)]
        return rules.match_line(net, pts, request.direction, buffer_m=request.buffer_m)
    raise InvalidInputError(
        f"`geometry.type` was {request.geometry_type!r}; expected 'LineString' or 'Point'",
        zh=f"`geometry.type` 为 {request.geometry_type!r}；应为 'LineString' 或 'Point'",
    )


def _check_window(request: ClosureRequest) -> tuple[datetime, datetime]:
    starts, ends = aware(request.starts_at), aware(request.ends_at)
    assert starts is not None and ends is not None
    now = datetime.now(UTC)
    if not starts < ends:
        raise InvalidInputError(
            f"`starts_at` {starts.isoformat()} must be before `ends_at` {ends.isoformat()}",
            zh=f"`starts_at` {zh_time(starts)} 必须早于 `ends_at` {zh_time(ends)}",
        )
    if ends <= now:
        raise InvalidInputError(
            f"`ends_at` {ends.isoformat()} is in the past (now {now.isoformat(timespec='seconds')})",
            zh=f"`ends_at` {zh_time(ends)} 已经过去（现在是 {zh_time(now)}）",
        )
    if starts < now - START_GRACE:
        raise InvalidInputError(
            f"`starts_at` {starts.isoformat()} is in the past (now "
            f"{now.isoformat(timespec='seconds')}); a closure starts now or later",
            zh=f"`starts_at` {zh_time(starts)} 已经过去（现在是 {zh_time(now)}）；道路封闭只能从现在或以后开始",
        )
    return starts, ends


def _check_overlap(session: Session, arcs: np.ndarray, starts: datetime, ends: datetime) -> None:
    for row in store.open_closure_rows(session):
        if not store.window_overlaps(row, starts, ends):
            continue
        shared = np.intersect1d(store.closure_arcs(row), arcs)
        if shared.size:
            raise ConflictError(
                f"closure {row.id!r} ({row.status}, {_iso(row.starts_at)} to {_iso(row.ends_at)}) already covers "
                f"{shared.size} of these arcs in an overlapping window; amend or wait for that one instead of "
                "filing a duplicate",
                zh=f"道路封闭 {row.id!r}（{row.status}，{zh_time(aware(row.starts_at))} 至 {zh_time(aware(row.ends_at))}）已在重叠的时段内覆盖其中 {shared.size} 个路段；请修改那一项或等它结束，不要重复申报",
            )


def _iso(value: datetime | None) -> str | None:
    at = aware(value)
    return at.isoformat() if at is not None else None


def _multiline(match: rules.Match) -> dict[str, Any]:
    return {
        "type": "MultiLineString",
        "coordinates": [[[round(x, 7), round(y, 7)] for x, y in c] for c in match.chains],
    }


@dataclass(frozen=True)
class Assessment:
    """What the rules and the impact say of a closure request, before anything is stored."""

    starts: datetime
    ends: datetime
    match: rules.Match
    impact: dict[str, Any]
    decision: rules.Decision

    @property
    def status(self) -> str:
        """The status filing it gives: rejected by the rules, approved (allowed, nothing blocking) or pending."""
        status = {"rejected": "rejected", "allowed": "approved"}.get(self.decision.decision, "pending")
        if status == "approved" and self.decision.blocking:  # a blocking reason stops even an allowed closure
            return "pending"
        return status


def assess_closure(ctx: AppContext, session: Session, request: ClosureRequest) -> Assessment:
    """Check a closure request and decide it by the rules with its impact, storing nothing.

    Raises
    ------
    InvalidInputError
        An unknown county code, a bad window, a road that matches nothing on the network.
    ConflictError
        A pending or approved closure already covers these arcs in an overlapping window.
    """
    county_codes = ctx.settings.county_codes
    if request.county_code not in county_codes:
        raise InvalidInputError(
            f"`county_code` was {request.county_code!r}; expected one of {list(county_codes)}",
            zh=f"`county_code` 为 {request.county_code!r}；应为 {list(county_codes)} 之一",
        )
    starts, ends = _check_window(request)
    match = _match(ctx, request)
    _check_overlap(session, match.arcs, starts, ends)
    net = ctx.network
    impact = impact_for(ctx, session, match.arcs, request.mode, starts, ends)
    channels = {g.id: store.green_channel_arcs(g) for g in store.list_green_channel_rows(session, network=net.source)}
    decision = rules.decide(
        net,
        match.arcs,
        request.mode,
        rules=ctx.closure_rules,
        green_channels=channels,
        cut_enterprises=impact["cut_enterprises"],
        hubs_cut_off=impact["hubs_cut_off"],
        bridge=impact["bridge"],
    )
    return Assessment(starts, ends, match, impact, decision)


def preview_closure(ctx: AppContext, session: Session, request: ClosureRequest) -> dict[str, Any]:
    """What filing ``request`` would give -- the matched roads, the rules' decision with every rule id, the
    blocking reasons, the impact and the status -- without storing anything (the page shows it before the
    county submits).  Raises as :func:`assess_closure`."""
    a = assess_closure(ctx, session, request)
    return {
        "status": a.status,
        "decision": a.decision.decision,
        "grade": a.decision.grade,
        "approval_level": a.decision.approval_level,
        "reasons": a.decision.reasons,
        "blocking_reasons": a.decision.blocking,
        "matched": a.match.to_dict(),
        "geometry": _multiline(a.match),
        "impact": a.impact,
        "starts_at": a.starts,
        "ends_at": a.ends,
    }


def road_at(ctx: AppContext, lon: float, lat: float, *, crs: str = "wgs84") -> dict[str, Any]:
    """The OSM way of the truck network under a point (a click on the map): its id, name, ref, grade, the
    distance from the point, and its line, to pick it for a closure.

    Raises
    ------
    OffNetworkError
        The point is farther than the snap limit from every road.
    """
    lon, lat = to_wgs84(lon, lat, crs, field_name="point")
    match = rules.way_at(ctx.network, lon, lat, max_snap_m=ctx.road_router.max_snap_m)
    net = ctx.network
    rev = net.reverse_arc[match.arcs]
    one_way = match.arcs[(rev < 0) | (match.arcs < rev)]  # a two-way road's length once, not both directions
    return {
        **match.roads[0],
        "length_m": round(float(net.length_m[one_way].sum()), 1),
        "distance_m": round(match.distance_m, 1),
        "geometry": _multiline(match),
    }


def file_closure(ctx: AppContext, session: Session, request: ClosureRequest, *, user: Principal) -> dict[str, Any]:
    """File a closure request; the rules decide at once (``decision`` with every rule id, and the impact).

    ``rejected`` requests are stored as rejected, ``allowed`` ones as approved by the rules; the
    rest wait for a city or province approver.

    Raises
    ------
    InvalidInputError
        An unknown county code, a bad window, a road that matches nothing on the network.
    ConflictError
        A pending or approved closure already covers these arcs in an overlapping window.
    """
    a = assess_closure(ctx, session, request)
    match, impact, decision, status, starts, ends = a.match, a.impact, a.decision, a.status, a.starts, a.ends
    now = utcnow()
    row = ClosureRow(
        id=new_id("closure"),
        county_code=request.county_code,
        mode=request.mode,
        direction=request.direction,
        reason=request.reason,
        starts_at=starts,
        ends_at=ends,
        status=status,
        decision=decision.decision,
        grade=decision.grade,
        approval_level=decision.approval_level,
        request=dumps(request.to_json()),
        arcs=dumps(match.arcs.tolist()),
        matched=dumps(match.to_dict()),
        geometry=dumps(_multiline(match)),
        reasons=dumps(decision.reasons),
        blocking=dumps(decision.blocking),
        impact=dumps(impact),
        network=ctx.network.source,
        created_at=now,
        created_by=user.name,
        decided_at=now if status != "pending" else None,
        decided_by="rules" if status != "pending" else None,
    )
    events = [
        Event("requested", user.name, user.role, request.reason),
        Event("decided", "rules", "system", f"{decision.decision} by {', '.join(decision.rule_ids)}"),
    ]
    if status == "approved":
        events.append(Event("auto_approved", "rules", "system", "allowed with notice; no approval needed"))
    return closure_json(session, store.add_closure(session, row, events))


# -- reading ----------------------------------------------------------------------------------------------
def closure_json(session: Session, row: ClosureRow) -> dict[str, Any]:
    """A closure with its decision, impact and every step (the ``ClosurePublic`` shape)."""
    return {
        "id": row.id,
        "status": row.status,
        "county_code": row.county_code,
        "mode": row.mode,
        "direction": row.direction,
        "starts_at": aware(row.starts_at),
        "ends_at": aware(row.ends_at),
        "reason": row.reason,
        "grade": row.grade,
        "decision": row.decision,
        "approval_level": row.approval_level,
        "reasons": json.loads(row.reasons),
        "blocking_reasons": json.loads(row.blocking or "[]"),
        "matched": json.loads(row.matched),
        "geometry": json.loads(row.geometry),
        "impact": json.loads(row.impact or "{}"),
        "events": [
            {"action": e.action, "actor": e.actor, "role": e.role, "at": aware(e.at), "note": e.note}
            for e in store.closure_events(session, row.id)
        ],
        "created_at": aware(row.created_at),
        "created_by": row.created_by,
        "decided_at": aware(row.decided_at),
        "decided_by": row.decided_by,
    }


def public_closure(doc: dict[str, Any]) -> dict[str, Any]:
    """What anyone may see of a closure: the road, window, mode, the rules' decision and the steps taken --
    without the impact (stored routes, pass numbers and plates on the closed road, the enterprises it cuts
    off), the blocking reasons drawn from it, or the names of the officials who filed and decided it."""
    out = dict(doc)
    out.update(impact=None, blocking_reasons=None, created_by=None, decided_by=None)
    out["events"] = [{**e, "actor": None} for e in doc["events"]]
    return out


def closure_view(doc: dict[str, Any], viewer: Principal | None) -> dict[str, Any]:
    """A closure's document as ``viewer`` may see it: whole for the bureau's roles, else :func:`public_closure`."""
    return doc if is_bureau(viewer) else public_closure(doc)


def in_force(row: ClosureRow, at: datetime) -> bool:
    """Whether an approved closure is in force at ``at``."""
    starts, ends = aware(row.starts_at), aware(row.ends_at)
    assert starts is not None and ends is not None
    return row.status == "approved" and starts <= at < ends


def list_closures(
    session: Session,
    *,
    status: str | None = None,
    active_at: datetime | None = None,
    viewer: Principal | None = None,
) -> list[dict[str, Any]]:
    """Every closure, newest first, or those with ``status``, or those approved and in force at ``active_at``;
    the whole record for the bureau's roles, :func:`public_closure` for anyone else (``viewer`` ``None``).

    Raises
    ------
    InvalidInputError
        For an unknown status.
    """
    if status is not None and status not in STATUSES:
        raise InvalidInputError(
            f"`status` was {status!r}; expected one of {list(STATUSES)}",
            zh=f"`status` 为 {status!r}；应为 {list(STATUSES)} 之一",
        )
    rows = store.list_closure_rows(session, status=status)
    at = aware(active_at)
    if at is not None:
        rows = [r for r in rows if in_force(r, at)]
    return [closure_view(closure_json(session, r), viewer) for r in rows]


def get_closure(session: Session, closure_id: str, *, viewer: Principal | None = None) -> dict[str, Any]:
    """A closure: the whole record for the bureau's roles, :func:`public_closure` for anyone else."""
    return closure_view(closure_json(session, store.get_closure_row(session, closure_id)), viewer)


def closure_impact(ctx: AppContext, session: Session, closure_id: str) -> dict[str, Any]:
    """A closure's impact recomputed now (current sites, green channels, stored routes and passes)."""
    row = store.get_closure_row(session, closure_id)
    starts, ends = aware(row.starts_at), aware(row.ends_at)
    assert starts is not None and ends is not None
    return {"id": row.id, **impact_for(ctx, session, store.closure_arcs(row), row.mode, starts, ends, exclude=row.id)}


def closure_in_lang(doc: dict[str, Any], lang: str | None) -> dict[str, Any]:
    """A closure's answer for a reader of ``lang``: for ``zh`` each reason's ``text`` is its Chinese twin
    (``text_zh``); otherwise (English, or no language asked) the answer as it is."""
    if lang != "zh":
        return doc
    out = dict(doc)
    for key in ("reasons", "blocking_reasons"):
        if out.get(key):
            out[key] = [{**r, "text": r.get("text_zh", r.get("text"))} for r in out[key]]
    impact = out.get("impact")
    if isinstance(impact, dict) and "notes_zh" in impact:
        out["impact"] = {**impact, "notes": impact["notes_zh"]}
    return out


# -- approval ---------------------------------------------------------------------------------------------
#: A closure's status and an approver's action, for a Chinese message.
STATUS_ZH = {"pending": "待审批", "approved": "已批准", "rejected": "已驳回"}
ACTION_ZH = {"approved": "批准", "rejected": "驳回"}


def _decided_already(session: Session, row: ClosureRow, action: str) -> ConflictError:
    """The 409 for a closure that is no longer pending, naming the decision that stands."""
    row = store.fresh_closure_row(session, row.id)
    step = store.decision_event(session, row.id)
    who = f"{step.actor!r} ({step.role})" if step is not None else repr(row.decided_by or "the rules")
    when = _iso(row.decided_at) or _iso(row.created_at)
    return ConflictError(
        f"closure {row.id!r} is already {row.status} (by {who} at {when}; decision {row.decision!r}); "
        f"it cannot be {action}",
        zh=f"道路封闭 {row.id!r} 已经是 {STATUS_ZH.get(row.status, row.status)} 状态（由 "
        f"{who if step is not None else repr(row.decided_by or '规则')} 于 {zh_time(row.decided_at or row.created_at)} 决定；"
        f"决定为 {row.decision!r}）；不能再{ACTION_ZH.get(action, action)}",
    )


def may_decide(approval_level: str | None, role: str) -> bool:
    """Whether ``role`` may decide a pending closure needing ``approval_level``: a province-level closure
    needs a province approver, a city-level one either approver (``admin`` always)."""
    if role == "admin":
        return True
    if approval_level == "province":
        return role == "province_approver"
    return role in ("city_approver", "province_approver")


def _check_level(session: Session, row: ClosureRow, user: Principal, action: str) -> None:
    if row.status != "pending":
        raise _decided_already(session, row, action)
    if not may_decide(row.approval_level, user.role):
        verb = "approve" if action == "approved" else "reject"
        raise PermissionDeniedError(
            f"closure {row.id!r} needs the province-level command ({row.decision}); a city approver may not {verb} it",
            zh=f"道路封闭 {row.id!r} 需要省级指挥部审批（{row.decision}）；市级审批人不得{'批准' if action == 'approved' else '驳回'}",
        )


def _decide(session: Session, row: ClosureRow, status: str, event: Event) -> dict[str, Any]:
    """One conditional state change (pending -> ``status``) with its step; a lost race is a 409."""
    decided = store.decide_closure(session, row.id, status, event)
    if decided is None:
        raise _decided_already(session, row, event.action)
    logger.info("closure %s %s by %s (%s)", row.id, status, event.actor, event.role)
    return closure_json(session, decided)


def approve_closure(session: Session, closure_id: str, *, user: Principal, note: str | None = None) -> dict[str, Any]:
    """Approve a pending closure (province level: a province approver; city level: either approver).

    The decision is one conditional update of a pending closure: of approvers deciding at once,
    exactly one succeeds and the others get a 409 naming that decision.

    Raises
    ------
    NotFoundError
        An unknown closure.
    ConflictError
        Rejected by the rules, decided already (naming by whom and when), or a blocking reason
        (a whitelist enterprise cut off).
    PermissionDeniedError
        A city approver and a closure that needs the province.
    """
    row = store.get_closure_row(session, closure_id)
    if row.decision == "rejected":
        rule_ids = ", ".join(r["rule"] for r in json.loads(row.reasons))
        raise ConflictError(
            f"closure {row.id!r} was rejected by the rules ({rule_ids}); it cannot be approved",
            zh=f"道路封闭 {row.id!r} 已被规则驳回（{rule_ids}）；不能批准",
        )
    _check_level(session, row, user, "approved")
    blocking = json.loads(row.blocking or "[]")
    if blocking:
        raise ConflictError(
            f"closure {row.id!r} cannot be approved: " + "; ".join(b["text"] for b in blocking),
            zh=f"道路封闭 {row.id!r} 不能批准：" + "；".join(b.get("text_zh", b["text"]) for b in blocking),
        )
    return _decide(session, row, "approved", Event("approved", user.name, user.role, note))


def reject_closure(session: Session, closure_id: str, *, user: Principal, note: str | None = None) -> dict[str, Any]:
    """Reject a pending closure (same levels and the same one conditional change as :func:`approve_closure`)."""
    row = store.get_closure_row(session, closure_id)
    _check_level(session, row, user, "rejected")
    return _decide(session, row, "rejected", Event("rejected", user.name, user.role, note))


# -- the approvers' queue ----------------------------------------------------------------------------------
#: Decided closures the queue's history shows, newest decision first.
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class QueueEntry:
    """A pending closure in an approver's queue: the whole record, how long it has waited, whether this
    approver may decide it (a province-level closure is shown to a city approver but not decidable)."""

    closure: dict[str, Any]
    waiting_s: float
    decidable: bool


@dataclass(frozen=True)
class ApprovalQueue:
    """What an approver's page shows: the pending closures, oldest first, and the latest decided ones."""

    pending: list[QueueEntry]
    decided: list[dict[str, Any]]

    @property
    def decidable(self) -> list[QueueEntry]:
        return [e for e in self.pending if e.decidable]

    @property
    def waiting_elsewhere(self) -> list[QueueEntry]:
        return [e for e in self.pending if not e.decidable]


def approval_queue(
    session: Session, *, user: Principal, now: datetime | None = None, history: int = HISTORY_LIMIT
) -> ApprovalQueue:
    """The closures waiting for a decision, oldest first, each marked decidable by ``user`` or not, and the
    ``history`` most recently decided closures with every step (who decided, when, the note)."""
    now = aware(now) or utcnow()
    pending = []
    for row in store.list_closure_rows(session, status="pending", newest_first=False):
        filed = aware(row.created_at)
        assert filed is not None
        pending.append(
            QueueEntry(
                closure_json(session, row),
                waiting_s=max(0.0, (now - filed).total_seconds()),
                decidable=may_decide(row.approval_level, user.role),
            )
        )
    decided = store.decided_closure_rows(session, limit=history)
    return ApprovalQueue(pending, [closure_json(session, r) for r in decided])


# -- the feed -----------------------------------------------------------------------------------------------
def closure_feed(ctx: AppContext, session: Session) -> dict[str, Any]:
    """Approved closures that have not ended, as a WZDx 4.2 work-zone feed (GeoJSON road events)."""
    now = datetime.now(UTC)
    net = ctx.network
    items = []
    for r in store.approved_closure_rows(session):
        starts, ends, created = aware(r.starts_at), aware(r.ends_at), aware(r.created_at)
        assert starts is not None and ends is not None and created is not None
        if ends > now and r.network == net.source:
            items.append(
                wzdx.FeedClosure(
                    r.id,
                    r.mode,
                    store.closure_arcs(r),
                    starts,
                    ends,
                    r.reason,
                    r.county_code,
                    created,
                    aware(r.decided_at),
                )
            )
    return wzdx.build_feed(net, items, publisher="Baotong closures", now=now)
