"""Station plans (中转站), zone docking points (接驳点) and enterprise drop points (固定接收点).

Hooks for other features:

* :func:`docking_points` ``(state, session) -> {zone_id: [[lon, lat], ...]}`` -- the stored docking
  points per zone, used by closed-loop routing for transshipment;
* :func:`map_layers` ``(state, session) -> [MapLayer]`` -- picked up by ``GET /map``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api import crud
from api.db import dumps, new_id
from api.deps import DispatcherUser, PlannerUser, SessionDep, StateDep
from api.models_plans import DockingPointRow, DropPointRow, PlanRow
from api.routes.routes import plan_to_public
from api.schemas_plans import (
    DockingPointsCreate,
    DockingPointsPublic,
    DropPointPublic,
    PlanPublic,
    StationPlanCreate,
)
from geo.errors import InvalidInputError, NotFoundError
from geo.sites import Site
from routing import stations as st

router = APIRouter(prefix="", tags=["plans"])

CANDIDATE_KINDS = ("candidate_station", "hub_logistics")
DEMAND_KINDS = ("enterprise", "demand")
#: served-demand lines drawn per plan on the map
MAX_MAP_LINES = 2000
PALETTE = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324", "#469990",
           "#800000", "#808000", "#000075")


def _now() -> datetime:
    return datetime.now(UTC)


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None or x != x or x in (float("inf"), float("-inf")) else round(float(x), nd)


def _sites_by_id(session: Session, ids: list[str], *, kinds: tuple[str, ...], field: str) -> list[Site]:
    out = []
    for sid in ids:
        site = crud.get_site(session, sid)  # NotFoundError -> 404 naming the id
        if site.kind not in kinds:
            raise InvalidInputError(f"`{field}` holds site {sid!r} of kind {site.kind!r}; expected one of {list(kinds)}")
        out.append(site)
    return out


def _network_pbf(state):
    from routing.network import parse_source

    try:
        kind, value = parse_source(state.settings.network)
    except Exception:  # noqa: BLE001 - any unreadable source simply has no OSM extras
        return None
    return value if kind == "pbf" else None


# --- station plans ----------------------------------------------------------------------------
def make_station_plan(state, session: Session, body: StationPlanCreate, *, created_by: str | None) -> dict:
    """Run a siting request and store the plan; returns the plan document.

    Raises
    ------
    NotFoundError
        For an unknown site id.
    InvalidInputError, InfeasibleError
        For bad parameters or an infeasible problem (nothing is stored).
    """
    if body.model in ("p_median", "mclp") and body.p is None:
        raise InvalidInputError(f"`p` is required for model {body.model!r}")
    if body.model in ("mclp", "lscp") and body.service_time_s is None:
        raise InvalidInputError(f"`service_time_s` is required for model {body.model!r}")
    if body.candidate_ids is not None:
        cand_sites = _sites_by_id(session, body.candidate_ids, kinds=CANDIDATE_KINDS, field="candidate_ids")
    else:
        cand_sites = [s for k in CANDIDATE_KINDS for s in crud.list_sites(session, kind=k)]
    fixed = set(body.fixed_ids)
    for fid in body.fixed_ids:
        crud.get_site(session, fid)
        if fid not in {s.id for s in cand_sites}:
            raise InvalidInputError(f"`fixed_ids` holds {fid!r}, which is not among the candidate sites")
    if body.demand_ids is not None:
        dem_sites = _sites_by_id(session, body.demand_ids, kinds=DEMAND_KINDS, field="demand_ids")
    else:
        dem_sites = [s for s in crud.list_sites(session, kind="enterprise") if s.whitelist]
        dem_sites += crud.list_sites(session, kind="demand")
    candidates = [st.Candidate(id=s.id, name=s.name, lon=s.point[0], lat=s.point[1], kind=s.kind, fixed=s.id in fixed)
                  for s in cand_sites]
    notes = []
    if body.include_osm_candidates:
        pbf = _network_pbf(state)
        if pbf is None:
            notes.append("include_osm_candidates: the network source is not a .pbf; no OSM candidates added")
        else:
            osm = st.osm_candidates(pbf, bbox=state.network.bbox, max_count=body.max_osm_candidates)
            candidates += osm
            notes.append(f"{len(osm)} OSM candidate area(s) added (cap {body.max_osm_candidates})")
    demand = [st.Demand(id=s.id, name=s.name, lon=s.point[0], lat=s.point[1], weight=s.weight) for s in dem_sites]
    when = body.at or _now()
    sp = st.plan_stations(state.router, candidates, demand, model=body.model, p=body.p,
                          service_time_s=body.service_time_s, zones=crud.list_zones(session), when=when)
    doc = plan_document(sp, body, notes=notes, engine=state.router.engine_name)
    doc["id"] = new_id("plan")
    doc["created_at"] = _now().isoformat()
    session.add(PlanRow(id=doc["id"], model=body.model, request=dumps(body.model_dump(mode="json")),
                        result=dumps(doc), created_by=created_by))
    session.commit()
    return doc


def plan_document(sp: st.StationPlan, body: StationPlanCreate, *, notes: list[str], engine: str) -> dict:
    res = sp.result
    cands, dem = sp.candidates, sp.demand
    chosen = []
    for j in res.chosen:
        c, s = cands[j], sp.candidate_snaps[j]
        served = [i for i, a in enumerate(res.assignment) if a == j]
        times = [res.assigned_time_s[i] for i in served]
        chosen.append({
            "id": c.id, "name": c.name, "kind": c.kind, "source": c.source, "fixed": c.fixed,
            "point": [c.lon, c.lat], "snapped": [s.snapped_lon, s.snapped_lat],
            "served": [dem[i].id for i in served], "served_count": len(served),
            "served_weight": round(sum(dem[i].weight for i in served), 3),
            "mean_time_s": _r(sum(times) / len(times)) if times else None,
        })
    service = body.service_time_s
    assignment = []
    for i, d in enumerate(dem):
        a = res.assignment[i]
        t = res.assigned_time_s[i]
        assignment.append({"demand_id": d.id, "station_id": cands[a].id if a >= 0 else None, "point": [d.lon, d.lat],
                           "weight": d.weight, "travel_time_s": _r(t),
                           "covered": (bool(t <= service) if service is not None else bool(a >= 0))})
    coverage = None
    if service is not None:
        total = sum(d.weight for d in dem)
        cov = sum(d.weight for i, d in enumerate(dem) if res.assigned_time_s[i] <= service)
        coverage = {"service_time_s": service, "covered_weight": cov, "total_weight": total,
                    "covered_share": round(cov / total, 4) if total else None,
                    "covered_count": sum(1 for t in res.assigned_time_s if t <= service)}
    return {
        "name": body.name, "model": res.model,
        "params": {"p": body.p, "service_time_s": service, "fixed_ids": list(body.fixed_ids),
                   "include_osm_candidates": body.include_osm_candidates,
                   "at": (body.at or _now()).isoformat()},
        "objective": round(res.objective, 3), "objective_unit": res.objective_unit,
        "chosen": chosen, "assignment": assignment, "coverage": coverage,
        "excluded": list(sp.excluded),
        "unserved": [{"id": dem[i].id, "reason": "unreachable by truck from every usable candidate"} for i in res.unserved],
        "matrix": {"candidates": len(cands), "demand": len(dem), "engine": engine, "seconds": round(sp.matrix_s, 3),
                   "solve_seconds": round(res.solve_s, 3), "cost": "network travel time (s), truck weights"},
        "notes": list(notes) + list(res.notes),
    }


def get_plan_doc(session: Session, plan_id: str) -> dict:
    row = session.get(PlanRow, plan_id)
    if row is None:
        raise NotFoundError(f"no plan with id {plan_id!r}")
    return json.loads(row.result)


@router.post("/plans/stations", response_model=PlanPublic, status_code=status.HTTP_201_CREATED)
def create_station_plan(body: StationPlanCreate, state: StateDep, session: SessionDep, user: PlannerUser) -> dict:
    """Site transfer stations (p-median, maximal covering or set covering) on network travel times.

    Candidates in active sealed/controlled zones, off the truck network or reaching no demand are excluded
    and listed with their reason; an infeasible request (p above the candidates, an uncoverable demand
    point) answers 422 naming the constraint and its numbers.
    """
    return make_station_plan(state, session, body, created_by=user.name)


@router.get("/plans/{plan_id}", response_model=PlanPublic)
def get_plan(plan_id: str, session: SessionDep) -> dict:
    return get_plan_doc(session, plan_id)


def plan_layers(doc: dict, *, label: str | None = None) -> list:
    """Map layers of one plan: chosen stations and lines to the demand each serves (one colour per station)."""
    from maps.views import MapLayer

    label = label or f"stations {doc['id']}"
    colour = {c["id"]: PALETTE[k % len(PALETTE)] for k, c in enumerate(doc["chosen"])}
    stations = [{"type": "Feature", "id": c["id"], "geometry": {"type": "Point", "coordinates": c["point"]},
                 "properties": {"name": c["name"], "id": c["id"], "kind": c["kind"], "served_count": c["served_count"],
                                "mean_time_s": c["mean_time_s"], "fixed": c["fixed"],
                                "style": {"color": colour[c["id"]], "fillColor": colour[c["id"]], "radius": 9}}}
                for c in doc["chosen"]]
    lines = []
    for a in doc["assignment"][:MAX_MAP_LINES]:
        sid = a["station_id"]
        if sid is None:
            continue
        st_point = next(c["point"] for c in doc["chosen"] if c["id"] == sid)
        lines.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [st_point, a["point"]]},
                      "properties": {"demand_id": a["demand_id"], "station_id": sid,
                                     "travel_time_s": a["travel_time_s"],
                                     "style": {"color": colour[sid], "weight": 1.5, "opacity": 0.7}}})
    return [
        MapLayer(name=f"中转站 {label}", features=stations, style={"color": "#d62728", "weight": 2, "fillOpacity": 0.9},
                 popup_fields=("name", "id", "served_count", "mean_time_s", "fixed")),
        MapLayer(name=f"服务 served demand {label}", features=lines, style={"weight": 1.5},
                 popup_fields=("demand_id", "station_id", "travel_time_s")),
    ]


@router.get("/plans/{plan_id}/map", response_class=HTMLResponse)
def plan_map(plan_id: str, state: StateDep, session: SessionDep) -> HTMLResponse:
    """One plan's map: its stations, the lines to the demand each serves, zones and sites."""
    from maps.views import city_map

    doc = get_plan_doc(session, plan_id)
    pts = [c["point"] for c in doc["chosen"]] + [a["point"] for a in doc["assignment"]]
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    m = 0.005
    bbox = (min(lons) - m, min(lats) - m, max(lons) + m, max(lats) + m)
    fmap = city_map(bbox=bbox, zones=crud.list_zones(session), sites=crud.list_sites(session),
                    extra_layers=plan_layers(doc, label=doc["id"]), tiles_url=state.settings.tiles_url,
                    tiles_attribution=state.settings.tiles_attribution)
    return HTMLResponse(fmap.get_root().render())


# --- docking points -------------------------------------------------------------------------
def _docking_doc(zone_id: str, rows: list[DockingPointRow], extra: dict | None = None) -> dict:
    feats = []
    for r in rows:
        data = json.loads(r.data)
        feats.append({"type": "Feature", "id": r.id, "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                      "properties": {"id": r.id, "zone_id": zone_id, "node": r.node, **data}})
    doc = {"type": "FeatureCollection", "zone_id": zone_id, "features": feats, "count": len(feats),
           "created_at": rows[0].created_at if rows else None}
    if rows:
        meta = json.loads(rows[0].data).get("plan") or {}
        doc.update({k: meta.get(k) for k in ("candidates", "rejected", "demand_source", "objective_s", "unserved")
                    if meta.get(k) is not None})
    doc.update(extra or {})
    return doc


@router.post("/zones/{zone_id}/docking-points", response_model=DockingPointsPublic,
             status_code=status.HTTP_201_CREATED)
def create_docking_points(zone_id: str, body: DockingPointsCreate, state: StateDep, session: SessionDep,
                          user: PlannerUser) -> dict:
    """Choose ``k`` docking points where roads cross the zone boundary (replacing the zone's stored set).

    Each point is the outside end of a boundary-crossing road, reachable by truck from outside without
    entering the zone; the ``k`` chosen minimise the demand-weighted travel time *inside* the zone to its
    demand sites.
    """
    from routing.docking import plan_docking_points

    zone = crud.get_zone(session, zone_id)
    if body.demand_ids is not None:
        sites = _sites_by_id(session, body.demand_ids, kinds=DEMAND_KINDS, field="demand_ids")
        outside = [s.id for s in sites if not zone.contains(*s.point)]
        if outside:
            raise InvalidInputError(f"`demand_ids` holds site(s) outside zone {zone_id!r}: {outside[:10]}")
    else:
        sites = [s for k in DEMAND_KINDS for s in crud.list_sites(session, kind=k)]
    demand = [st.Demand(id=s.id, name=s.name, lon=s.point[0], lat=s.point[1], weight=s.weight) for s in sites]
    ref_nodes: list[int] = []
    if body.reference_site_id is not None:
        ref = crud.get_site(session, body.reference_site_id)
        if zone.contains(*ref.point):
            raise InvalidInputError(f"`reference_site_id` {ref.id!r} lies inside zone {zone_id!r}; give an outside site")
        snap = state.router.snap(list(ref.point), field_name="reference_site_id")
        ref_nodes = [int(state.network.tail[snap.arc])]
    dp = plan_docking_points(state.router, zone, body.k, demand=demand, reference_nodes=ref_nodes)
    meta = {"candidates": dp.candidates, "rejected": list(dp.rejected), "demand_source": dp.demand_source,
            "objective_s": round(dp.objective, 1), "unserved": list(dp.unserved)}
    session.execute(delete(DockingPointRow).where(DockingPointRow.zone_id == zone_id))
    rows = []
    for i, p in enumerate(dp.points):
        data = {"road": p.road, "ref": p.ref, "highway": p.highway, "arc": p.arc, "served": list(p.served),
                "served_count": len(p.served), "served_weight": p.served_weight, "mean_time_s": _r(p.mean_time_s),
                "plan": meta if i == 0 else None}
        row = DockingPointRow(id=new_id("dock"), zone_id=zone_id, lon=p.lon, lat=p.lat, node=p.node, data=dumps(data),
                              created_by=user.name, created_at=_now())
        session.add(row)
        rows.append(row)
    session.commit()
    return _docking_doc(zone_id, rows, meta)


def _docking_rows(session: Session, zone_id: str | None = None) -> list[DockingPointRow]:
    q = select(DockingPointRow).order_by(DockingPointRow.zone_id, DockingPointRow.created_at, DockingPointRow.id)
    if zone_id is not None:
        q = q.where(DockingPointRow.zone_id == zone_id)
    return list(session.scalars(q).all())


@router.get("/zones/{zone_id}/docking-points", response_model=DockingPointsPublic)
def get_docking_points(zone_id: str, session: SessionDep) -> dict:
    crud.get_zone(session, zone_id)
    return _docking_doc(zone_id, _docking_rows(session, zone_id))


def docking_points(state, session: Session) -> dict[str, list[list[float]]]:
    """Stored docking points per zone: ``{zone_id: [[lon, lat], ...]}`` (hook for closed-loop routing)."""
    out: dict[str, list[list[float]]] = {}
    for zone_id, lon, lat in state.hot.query("SELECT zone_id, lon, lat FROM docking_points "
                                             "ORDER BY zone_id, created_at, id"):
        out.setdefault(zone_id, []).append([lon, lat])
    return out


# --- drop points ----------------------------------------------------------------------------
def _gates(state):
    from routing.droppoint import osm_gates

    key = "plans:gates"
    with state.lock:
        cached = state.caches.get(key)
        if cached is None or cached[0] != state.settings.network:
            pbf = _network_pbf(state)
            gates = osm_gates(pbf, bbox=state.network.bbox) if pbf is not None else []
            cached = (state.settings.network, gates)
            state.caches[key] = cached
    return cached[1]


def _origins(state, session: Session, when: datetime):
    from routing.droppoint import Origin

    blocking = [z for z in crud.list_zones(session) if z.no_stop and z.active_at(when)]
    out = []
    for kind in CANDIDATE_KINDS:
        for s in crud.list_sites(session, kind=kind):
            if any(z.contains(*s.point) for z in blocking):
                continue
            out.append(Origin(kind=kind, id=s.id, name=s.name, lon=s.point[0], lat=s.point[1]))
    for r in _docking_rows(session):
        out.append(Origin(kind="docking_point", id=r.id, name=f"docking point of zone {r.zone_id}", lon=r.lon, lat=r.lat))
    return out


@router.post("/sites/{site_id}/drop-point", response_model=DropPointPublic, status_code=status.HTTP_201_CREATED)
def create_drop_point(site_id: str, state: StateDep, session: SessionDep, user: DispatcherUser) -> dict:
    """The fixed contactless receiving point of an enterprise on its premises' perimeter.

    At an OSM gate/entrance on the perimeter when the extract has one, else the perimeter point closest
    to the best truck-usable approach road; with the approach route from the nearest (by travel time)
    stored candidate station, logistics hub or docking point.  Replaces the site's stored drop point.
    """
    from shapely.geometry import mapping

    from routing.droppoint import plan_drop_point

    site = crud.get_site(session, site_id)
    if site.kind != "enterprise":
        raise InvalidInputError(f"site {site_id!r} is a {site.kind!r}; drop points are for 'enterprise' sites")
    now = _now()
    dp = plan_drop_point(state.router, site, _origins(state, session, now), gates=_gates(state))
    zone = next((z for z in crud.list_zones(session, active_at=now) if z.contains(dp.lon, dp.lat) or
                 z.geometry.intersects(dp.premises)), None)
    rid = new_id("drop")
    doc = {
        "id": rid, "site_id": site_id, "point": [dp.lon, dp.lat], "method": dp.method,
        "perimeter_distance_m": round(dp.perimeter_distance_m, 3), "gate": dp.gate,
        "access_point": dp.access_point, "access_road": dp.access_road,
        "served_from": {"kind": dp.origin.kind, "id": dp.origin.id, "name": dp.origin.name,
                        "point": [dp.origin.lon, dp.origin.lat], "travel_time_s": round(dp.plan.travel_time_s, 1)},
        "approach": plan_to_public(dp.plan, route_id=f"{rid}-approach"),
        "premises": mapping(dp.premises), "radius_m": dp.radius_m,
        "zone": {"id": zone.id, "name": zone.name, "risk": zone.risk} if zone else None,
        "created_at": now.isoformat(),
    }
    doc = json.loads(dumps(doc))  # plain JSON (tuples -> lists)
    session.execute(delete(DropPointRow).where(DropPointRow.site_id == site_id))
    session.add(DropPointRow(id=rid, site_id=site_id, lon=dp.lon, lat=dp.lat, data=dumps(doc), created_by=user.name,
                             created_at=now))
    session.commit()
    return doc


@router.get("/sites/{site_id}/drop-point", response_model=DropPointPublic)
def get_drop_point(site_id: str, session: SessionDep) -> dict:
    crud.get_site(session, site_id)
    row = session.scalars(select(DropPointRow).where(DropPointRow.site_id == site_id)).first()
    if row is None:
        raise NotFoundError(f"site {site_id!r} has no drop point yet; POST /sites/{site_id}/drop-point")
    return json.loads(row.data)


# --- map layers -----------------------------------------------------------------------------
def map_layers(state, session: Session) -> list:
    """Layers for ``GET /map``: the latest plan's stations and served demand, docking points, drop points."""
    from maps.views import MapLayer

    layers = []
    latest = session.scalars(select(PlanRow).order_by(PlanRow.created_at.desc())).first()
    if latest is not None:
        layers += plan_layers(json.loads(latest.result), label="latest plan")
    docks = [{"type": "Feature", "id": r.id, "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
              "properties": {"zone_id": r.zone_id, "road": json.loads(r.data).get("road"),
                             "served_count": json.loads(r.data).get("served_count")}}
             for r in _docking_rows(session)]
    layers.append(MapLayer(name="接驳点 docking points", features=docks,
                           style={"color": "#ff7f0e", "fillColor": "#ff7f0e", "radius": 7, "fillOpacity": 0.9},
                           popup_fields=("zone_id", "road", "served_count")))
    drops = []
    for r in session.scalars(select(DropPointRow).order_by(DropPointRow.created_at)).all():
        d = json.loads(r.data)
        props = {"site_id": r.site_id, "method": d["method"], "road": d["access_road"].get("name"),
                 "served_from": d["served_from"]["name"]}
        drops.append({"type": "Feature", "id": r.id, "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                      "properties": props})
        drops.append({"type": "Feature", "id": f"{r.id}/approach", "geometry": d["approach"]["geometry"],
                      "properties": {**props, "style": {"color": "#17becf", "weight": 2, "dashArray": "4 4"}}})
    layers.append(MapLayer(name="固定接收点 drop points", features=drops,
                           style={"color": "#2ca02c", "fillColor": "#2ca02c", "radius": 6, "fillOpacity": 0.9},
                           popup_fields=("site_id", "method", "road", "served_from")))
    return layers
