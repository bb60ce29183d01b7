"""Road closures: county requests, rule decisions, impact, approval, and the WZDx feed.

Hooks for other features:

* :func:`closed_arcs` -- arc ids closed at a time by approved ``hard_barrier``
  closures (the closed-loop ``POST /routes`` forbids them). ``checkpoint`` and
  ``lane`` closures keep the road open and are not returned (the impact
  analysis models them as a delay: see ``routing.closures``).
* :func:`map_layers` -- closures coloured by decision, their impact, green channels (``GET /map``).

The rules table is ``routing.closures.DEFAULT_RULES``; a deployment may put an
override (from ``routing.closures.load_rules(path_or_dict)``) in
``state.caches["closure_rules"]``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import crud
from api.db import aware, dumps, new_id, utcnow
from api.deps import SessionDep, StateDep, require
from api.hotpath import Principal
from api.models_closures import ClosureEventRow, ClosureRow, GreenChannelRow
from api.schemas import IsoDateTime
from api.schemas_closures import ClosureCreate, ClosureDecisionIn, ClosurePublic, ClosuresPublic
from geo.errors import ConflictError, InvalidInputError, NotFoundError, OffNetworkError, PermissionDeniedError
from geo.projection import to_wgs84
from geo.sites import HUB_KINDS
from routing import closures as rules
from routing import wzdx

router = APIRouter(prefix="/closures", tags=["closures"])

CountyUser = require("county")
ApproverUser = require("city_approver", "province_approver")
#: A request may start this long before "now" (clock skew, "close it now").
START_GRACE = timedelta(minutes=5)
DECISION_COLOURS = {"rejected": "#d62728", "needs_provincial_approval": "#9467bd", "needs_city_approval": "#ff7f0e",
                    "allowed": "#2ca02c"}


def rules_table(state):
    """The rules table in force: ``state.caches["closure_rules"]`` or the default."""
    return state.caches.get("closure_rules") or rules.DEFAULT_RULES


# ----------------------------------------------------------------------------------
# Hooks
# ----------------------------------------------------------------------------------
def _active_rows(session: Session, at: datetime, network: str, *, modes=("hard_barrier",),
                 exclude: str | None = None) -> list[ClosureRow]:
    """Approved closures in force at ``at`` whose arc ids refer to ``network`` (the loaded network's source)."""
    q = select(ClosureRow).where(ClosureRow.status == "approved", ClosureRow.mode.in_(modes),
                                 ClosureRow.network == network)
    rows = [r for r in session.scalars(q).all() if aware(r.starts_at) <= at < aware(r.ends_at)]
    return [r for r in rows if r.id != exclude]


def closed_arcs(state, session: Session, at: datetime | None = None) -> np.ndarray:
    """Arc ids closed at ``at`` (default now) by approved hard-barrier closures (``int64``, sorted).

    A closure takes effect at ``starts_at`` and ends at ``ends_at`` (exclusive).
    Checkpoint and lane closures keep the road open and are not included.  Read on every route
    request with one lean query; a closure's arcs never change, so they are parsed once per process.
    """
    at = aware(at) or datetime.now(UTC)
    rows = state.hot.query("SELECT id, starts_at, ends_at FROM closures WHERE status = 'approved' "
                           "AND mode = 'hard_barrier' AND network = ?", (state.network.source,))
    ids = [cid for cid, starts, ends in rows if aware(starts) <= at < aware(ends)]
    cache: dict = state.caches.setdefault("closure_arcs", {})
    if len(cache) > len(rows):  # forget closures no longer approved for this network
        approved = {cid for cid, _, _ in rows}
        for cid in [c for c in cache if c not in approved]:
            cache.pop(cid, None)
    if not ids:
        return np.zeros(0, dtype=np.int64)
    for cid in ids:
        if cid not in cache:
            found = state.hot.query("SELECT arcs FROM closures WHERE id = ?", (cid,))
            cache[cid] = np.asarray(json.loads(found[0][0]), dtype=np.int64)
    return np.unique(np.concatenate([cache[cid] for cid in ids]))


def map_layers(state, session: Session) -> list:
    """Map layers: closures coloured by decision, cut-off enterprises, green channels."""
    from maps.views import MapLayer

    closures, cut = [], []
    sites = {s.id: s for s in crud.list_sites(session, kind="enterprise")}
    for row in session.scalars(select(ClosureRow).order_by(ClosureRow.created_at)).all():
        impact = json.loads(row.impact or "{}")
        colour = DECISION_COLOURS.get(row.decision, "#555555")
        closures.append({
            "type": "Feature", "geometry": json.loads(row.geometry),
            "properties": {
                "id": row.id, "status": row.status, "decision": row.decision, "mode": row.mode, "grade": row.grade,
                "window": f"{aware(row.starts_at).isoformat()} / {aware(row.ends_at).isoformat()}",
                "reason": row.reason, "cut_enterprises": len(impact.get("cut_enterprises", [])),
                "style": {"color": colour, "weight": 6, "dashArray": None if row.status == "approved" else "8 6"},
            },
        })
        if row.status == "rejected":
            continue
        for e in impact.get("enterprises_losing_nearest_hub", []):
            site = sites.get(e["id"])
            if site is None:
                continue
            lon, lat = site.point
            cut.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                        "properties": {"closure": row.id, "enterprise": site.name, "nearest_hub": e["nearest_hub"],
                                       "cut_from_every_hub": not e["from_any_hub"]}})
    channels = []
    for g in session.scalars(select(GreenChannelRow).order_by(GreenChannelRow.created_at)).all():
        channels.append({"type": "Feature", "geometry": json.loads(g.geometry),
                         "properties": {"id": g.id, "name": g.name, "travel_time_s": round(g.travel_time_s, 1),
                                        "length_m": round(g.length_m, 1)}})
    return [
        MapLayer("Closures", closures, style={"color": "#d62728", "weight": 6},
                 popup_fields=("id", "status", "decision", "mode", "grade", "window", "reason", "cut_enterprises")),
        MapLayer("Closure impact: enterprises cut off", cut,
                 style={"color": "#d62728", "fillColor": "#d62728", "fillOpacity": 0.8, "radius": 7},
                 popup_fields=("closure", "enterprise", "nearest_hub", "cut_from_every_hub")),
        MapLayer("Green channels", channels, style={"color": "#00a651", "weight": 5},
                 popup_fields=("id", "name", "travel_time_s", "length_m")),
    ]


# ----------------------------------------------------------------------------------
# Impact
# ----------------------------------------------------------------------------------
def green_channel_arcs(session: Session, network: str) -> dict[str, np.ndarray]:
    """``{channel id: arc ids}`` of the green channels stored for ``network``."""
    return {g.id: np.asarray(json.loads(g.arcs), dtype=np.int64)
            for g in session.scalars(select(GreenChannelRow).where(GreenChannelRow.network == network)).all()}


def pass_corridors(session: Session, starts: datetime, ends: datetime) -> tuple[list[rules.Corridor], list[str]]:
    """Corridors of the passes valid during ``[starts, ends)`` (not revoked), from their stored routes' arc ids.

    Reads ``api.models_passes.PassRow`` when the passes feature is installed;
    without it passes are left out of the impact, with a note.
    """
    try:
        from api.models_passes import PassRow
    except ImportError:
        return [], ["valid passes are not included in the impact (the passes feature is not installed)"]
    out, notes, missing = [], [], 0
    rows = session.scalars(select(PassRow).where(PassRow.revoked_at.is_(None))).all()
    for row in rows:
        if not (aware(row.valid_from) < ends and starts < aware(row.valid_until)):
            continue
        try:
            doc = crud.get_route(session, row.route_id)
        except NotFoundError:
            doc = {}
        if not doc.get("arcs"):
            missing += 1
            continue
        out.append(rules.Corridor(f"pass {row.pass_no}", "pass", np.asarray(doc["arcs"], dtype=np.int64),
                                  doc.get("travel_time_s"), row.plate))
    if missing:
        notes.append(f"{missing} valid pass(es) have no stored route arcs and were not checked")
    return out, notes


def impact_for(state, session: Session, arcs: np.ndarray, mode: str, at: datetime, until: datetime, *,
               exclude: str | None = None) -> dict:
    """The impact of closing ``arcs`` in ``mode`` at ``at``, on copies of the weights.

    Stored routes with arc ids and the passes valid during ``[at, until)`` are
    checked for detours. ``before`` is the truck network with the other hard-barrier closures active
    at ``at``; ``after`` adds this closure. Both run on private
    :class:`~routing.router.MetricPool` roles, never the live routing metrics.
    """
    router = state.router
    net = router.network
    base = router.truck_weights.copy()
    others = [np.asarray(json.loads(r.arcs), dtype=np.int64) for r in _active_rows(session, at, net.source, exclude=exclude)]
    if others:
        base[np.concatenate(others)] = rules.FORBIDDEN
    after = rules.closure_weights(net, base, arcs, mode)
    notes: list[str] = []
    enterprises, hubs = [], []
    for site in crud.list_sites(session):
        if not (site.kind in HUB_KINDS or (site.kind == "enterprise" and site.whitelist)):
            continue
        try:
            node = rules.place_node(net, *site.point, max_snap_m=router.max_snap_m)
        except OffNetworkError:
            notes.append(f"site {site.id} is off the network; skipped")
            continue
        (hubs if site.kind in HUB_KINDS else enterprises).append(rules.Place(site.id, site.name, node))
    channels = [rules.Corridor(g.id, "green_channel", np.asarray(json.loads(g.arcs), dtype=np.int64),
                               g.travel_time_s, g.name)
                for g in session.scalars(select(GreenChannelRow)).all() if g.network == net.source]
    corridors, skipped = [], 0
    for doc in crud.list_routes(session, limit=1000):
        if not doc.get("arcs"):
            skipped += 1
            continue
        corridors.append(rules.Corridor(doc["id"], "route", np.asarray(doc["arcs"], dtype=np.int64),
                                        doc.get("travel_time_s")))
    if skipped:
        notes.append(f"{skipped} stored route(s) carry no arc ids and were not checked")
    passes, pass_notes = pass_corridors(session, at, until)
    corridors += passes
    notes += pass_notes
    with router.pool.using("closure-impact:before", base) as before, \
            router.pool.using("closure-impact:after", after) as engine_after:
        return rules.analyse_impact(net, before, engine_after, arcs, enterprises=enterprises, hubs=hubs,
                                    green_channels=channels, corridors=corridors, notes=notes)


# ----------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------
def _event(session: Session, closure_id: str, action: str, actor: str, role: str, note: str | None = None) -> None:
    session.add(ClosureEventRow(closure_id=closure_id, action=action, actor=actor, role=role, at=utcnow(), note=note))


def _public(session: Session, row: ClosureRow) -> dict:
    events = session.scalars(select(ClosureEventRow).where(ClosureEventRow.closure_id == row.id)
                             .order_by(ClosureEventRow.id)).all()
    return {
        "id": row.id, "status": row.status, "county_code": row.county_code, "mode": row.mode,
        "direction": row.direction, "starts_at": aware(row.starts_at), "ends_at": aware(row.ends_at),
        "reason": row.reason, "grade": row.grade, "decision": row.decision, "approval_level": row.approval_level,
        "reasons": json.loads(row.reasons), "blocking_reasons": json.loads(row.blocking or "[]"),
        "matched": json.loads(row.matched), "geometry": json.loads(row.geometry),
        "impact": json.loads(row.impact or "{}"),
        "events": [{"action": e.action, "actor": e.actor, "role": e.role, "at": aware(e.at), "note": e.note}
                   for e in events],
        "created_at": aware(row.created_at), "created_by": row.created_by,
        "decided_at": aware(row.decided_at), "decided_by": row.decided_by,
    }


def _get_row(session: Session, closure_id: str) -> ClosureRow:
    row = session.get(ClosureRow, closure_id)
    if row is None:
        raise NotFoundError(f"no closure with id {closure_id!r}")
    return row


def _match(state, body: ClosureCreate) -> rules.Match:
    net = state.network
    if body.way_ids is not None:
        return rules.match_ways(net, body.way_ids, body.direction)
    geom = body.geometry
    if geom.type == "Point":
        if not isinstance(geom.coordinates, list) or len(geom.coordinates) != 2:
            raise InvalidInputError(f"`geometry.coordinates` was {geom.coordinates!r}; expected [lon, lat]")
        lon, lat = to_wgs84(*geom.coordinates, body.crs, field_name="geometry")
        return rules.match_point(net, lon, lat, body.direction, max_snap_m=max(body.buffer_m, 50.0))
    if geom.type == "LineString":
        coords = geom.coordinates
        if not isinstance(coords, list) or len(coords) < 2 or len(coords) > 1000 or \
                not all(isinstance(c, list) and len(c) == 2 for c in coords):
            raise InvalidInputError("`geometry.coordinates` of a LineString must be 2..1000 [lon, lat] pairs")
        pts = [to_wgs84(*c, body.crs, field_name=f"geometry.coordinates[{i}]") for i, c in enumerate(coords)]
        return rules.match_line(net, pts, body.direction, buffer_m=body.buffer_m)
    raise InvalidInputError(f"`geometry.type` was {geom.type!r}; expected 'LineString' or 'Point'")


def _check_window(state, body: ClosureCreate) -> tuple[datetime, datetime]:
    starts, ends = aware(body.starts_at), aware(body.ends_at)
    now = datetime.now(UTC)
    if not starts < ends:
        raise InvalidInputError(f"`starts_at` {starts.isoformat()} must be before `ends_at` {ends.isoformat()}")
    if ends <= now:
        raise InvalidInputError(f"`ends_at` {ends.isoformat()} is in the past (now {now.isoformat(timespec='seconds')})")
    if starts < now - START_GRACE:
        raise InvalidInputError(f"`starts_at` {starts.isoformat()} is in the past (now "
                                f"{now.isoformat(timespec='seconds')}); a closure starts now or later")
    return starts, ends


def _check_overlap(session: Session, arcs: np.ndarray, starts: datetime, ends: datetime) -> None:
    q = select(ClosureRow).where(ClosureRow.status.in_(("pending", "approved")))
    for row in session.scalars(q).all():
        if not (aware(row.starts_at) < ends and starts < aware(row.ends_at)):
            continue
        shared = np.intersect1d(np.asarray(json.loads(row.arcs), dtype=np.int64), arcs)
        if shared.size:
            raise ConflictError(
                f"closure {row.id!r} ({row.status}, {aware(row.starts_at).isoformat()} to "
                f"{aware(row.ends_at).isoformat()}) already covers {shared.size} of these arcs in an overlapping "
                "window; amend or wait for that one instead of filing a duplicate")


def _multiline(match: rules.Match) -> dict:
    return {"type": "MultiLineString", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in c] for c in match.chains]}


# ----------------------------------------------------------------------------------
# Endpoints
# ----------------------------------------------------------------------------------
@router.post("", response_model=ClosurePublic, status_code=status.HTTP_201_CREATED)
def create_closure(body: ClosureCreate, state: StateDep, session: SessionDep,
                   user: Principal = Depends(CountyUser)) -> dict:
    """File a closure request; the rules decide at once (``decision`` with every rule id and the impact).

    ``rejected`` requests are stored as rejected; ``allowed`` ones are approved
    by the rules; the rest wait for a city or province approver.
    """
    if body.county_code not in state.settings.county_codes:
        raise InvalidInputError(f"`county_code` was {body.county_code!r}; expected one of "
                                f"{list(state.settings.county_codes)}")
    starts, ends = _check_window(state, body)
    match = _match(state, body)
    _check_overlap(session, match.arcs, starts, ends)
    impact = impact_for(state, session, match.arcs, body.mode, starts, ends)
    decision = rules.decide(state.network, match.arcs, body.mode, rules=rules_table(state),
                            green_channels=green_channel_arcs(session, state.network.source), cut_enterprises=impact["cut_enterprises"])
    status_ = {"rejected": "rejected", "allowed": "approved"}.get(decision.decision, "pending")
    now = utcnow()
    row = ClosureRow(
        id=new_id("closure"), county_code=body.county_code, mode=body.mode, direction=body.direction,
        reason=body.reason, starts_at=starts, ends_at=ends, status=status_, decision=decision.decision,
        grade=decision.grade, approval_level=decision.approval_level, request=dumps(body.model_dump(mode="json")),
        arcs=dumps(match.arcs.tolist()), matched=dumps(match.to_dict()), geometry=dumps(_multiline(match)),
        reasons=dumps(decision.reasons), blocking=dumps(decision.blocking), impact=dumps(impact),
        network=state.network.source, created_at=now, created_by=user.name,
        decided_at=now if status_ != "pending" else None, decided_by="rules" if status_ != "pending" else None,
    )
    session.add(row)
    session.flush()
    _event(session, row.id, "requested", user.name, user.role, body.reason)
    _event(session, row.id, "decided", "rules", "system",
           f"{decision.decision} by {', '.join(decision.rule_ids)}")
    if status_ == "approved":
        _event(session, row.id, "auto_approved", "rules", "system", "allowed with notice; no approval needed")
    session.commit()
    return _public(session, row)


@router.get("", response_model=ClosuresPublic)
def list_closures(session: SessionDep, status_: str | None = Query(default=None, alias="status"),
                  active_at: IsoDateTime | None = Query(default=None)) -> dict:
    """All closures, newest first; ``?status=pending|approved|rejected``, ``?active_at=`` (approved and in force)."""
    q = select(ClosureRow).order_by(ClosureRow.created_at.desc())
    if status_ is not None:
        if status_ not in ("pending", "approved", "rejected"):
            raise InvalidInputError(f"`status` was {status_!r}; expected one of ['pending', 'approved', 'rejected']")
        q = q.where(ClosureRow.status == status_)
    rows = session.scalars(q).all()
    if active_at is not None:
        at = aware(active_at)
        rows = [r for r in rows if r.status == "approved" and aware(r.starts_at) <= at < aware(r.ends_at)]
    data = [_public(session, r) for r in rows]
    return {"data": data, "count": len(data)}


@router.get("/feed")
def closure_feed(state: StateDep, session: SessionDep) -> dict:
    """Approved closures that have not ended, as a WZDx 4.2 work-zone feed (GeoJSON road events)."""
    now = datetime.now(UTC)
    rows = session.scalars(select(ClosureRow).where(ClosureRow.status == "approved")
                           .order_by(ClosureRow.starts_at)).all()
    items = [wzdx.FeedClosure(r.id, r.mode, np.asarray(json.loads(r.arcs), dtype=np.int64), aware(r.starts_at),
                              aware(r.ends_at), r.reason, r.county_code, aware(r.created_at), aware(r.decided_at))
             for r in rows if aware(r.ends_at) > now and r.network == state.network.source]
    return wzdx.build_feed(state.network, items, publisher="Baotong closures", now=now)


@router.get("/{closure_id}", response_model=ClosurePublic)
def get_closure(closure_id: str, session: SessionDep) -> dict:
    return _public(session, _get_row(session, closure_id))


@router.get("/{closure_id}/impact")
def closure_impact(closure_id: str, state: StateDep, session: SessionDep) -> dict:
    """The closure's impact recomputed now (current sites, green channels, stored routes)."""
    row = _get_row(session, closure_id)
    arcs = np.asarray(json.loads(row.arcs), dtype=np.int64)
    return {"id": row.id, **impact_for(state, session, arcs, row.mode, aware(row.starts_at), aware(row.ends_at),
                                       exclude=row.id)}


def _check_level(row: ClosureRow, user: Principal, action: str) -> None:
    if row.status != "pending":
        raise ConflictError(f"closure {row.id!r} is already {row.status} (decision {row.decision!r}); "
                            f"it cannot be {action}")
    if row.approval_level == "province" and user.role == "city_approver":
        raise PermissionDeniedError(f"closure {row.id!r} needs the province-level command "
                                    f"({row.decision}); a city approver may not {'approve' if action == 'approved' else 'reject'} it")


@router.post("/{closure_id}/approve", response_model=ClosurePublic)
def approve_closure(closure_id: str, session: SessionDep, body: ClosureDecisionIn | None = None,
                    user: Principal = Depends(ApproverUser)) -> dict:
    """Approve a pending closure (province level: ``province_approver``; city level: either approver)."""
    row = _get_row(session, closure_id)
    if row.decision == "rejected":
        raise ConflictError(f"closure {row.id!r} was rejected by the rules ({', '.join(r['rule'] for r in json.loads(row.reasons))}); "
                            "it cannot be approved")
    _check_level(row, user, "approved")
    blocking = json.loads(row.blocking or "[]")
    if blocking:
        raise ConflictError(f"closure {row.id!r} cannot be approved: " + "; ".join(b["text"] for b in blocking))
    row.status, row.decided_at, row.decided_by = "approved", utcnow(), user.name
    _event(session, row.id, "approved", user.name, user.role, body.note if body else None)
    session.commit()
    return _public(session, row)


@router.post("/{closure_id}/reject", response_model=ClosurePublic)
def reject_closure(closure_id: str, session: SessionDep, body: ClosureDecisionIn | None = None,
                   user: Principal = Depends(ApproverUser)) -> dict:
    """Reject a pending closure (same levels as approval)."""
    row = _get_row(session, closure_id)
    _check_level(row, user, "rejected")
    row.status, row.decided_at, row.decided_by = "rejected", utcnow(), user.name
    _event(session, row.id, "rejected", user.name, user.role, body.note if body else None)
    session.commit()
    return _public(session, row)
