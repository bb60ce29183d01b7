"""Transfer-station plans (中转站): p-median, maximal covering or set covering on network travel times."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from geo.errors import InvalidInputError
from geo.i18n import Text
from geo.sites import Site
from routing import stations as st
from routing.network import parse_source
from services.context import AppContext
from services.zones import list_zones
from store import plans as store
from store import sites
from store.db import new_id

CANDIDATE_KINDS = ("candidate_station", "hub_logistics")
DEMAND_KINDS = ("enterprise", "demand")


@dataclass(frozen=True)
class StationPlanRequest:
    """Siting of transfer stations among candidate sites to serve demand sites (see ``StationPlanCreate``)."""

    model: str
    p: int | None = None
    service_time_s: float | None = None
    candidate_ids: Sequence[str] | None = None
    demand_ids: Sequence[str] | None = None
    fixed_ids: Sequence[str] = field(default_factory=list)
    include_osm_candidates: bool = False
    max_osm_candidates: int = 20
    at: datetime | None = None
    name: str | None = None
    time_limit_s: float = 30.0

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["at"] = self.at.isoformat() if self.at else None
        return out


def rounded(x: float | None, nd: int = 1) -> float | None:
    """``x`` rounded to ``nd`` decimals; ``None`` for ``None``, NaN or an infinity."""
    return None if x is None or x != x or x in (float("inf"), float("-inf")) else round(float(x), nd)


def sites_of_kinds(session: Session, ids: Sequence[str], *, kinds: tuple[str, ...], field_name: str) -> list[Site]:
    """The sites ``ids``, each of one of ``kinds``.

    Raises
    ------
    NotFoundError
        An unknown id.
    InvalidInputError
        A site of another kind (named with the field).
    """
    out = []
    for sid in ids:
        site = sites.get_site(session, sid)
        if site.kind not in kinds:
            raise InvalidInputError(
                f"`{field_name}` holds site {sid!r} of kind {site.kind!r}; expected one of {list(kinds)}",
                zh=f"`{field_name}` 中的站点 {sid!r} 类型为 {site.kind!r}；应为 {list(kinds)} 之一",
            )
        out.append(site)
    return out


def network_pbf(ctx: AppContext) -> str | None:
    """The ``.osm.pbf`` the network was built from, or ``None`` (another kind of source)."""
    try:
        kind, value = parse_source(ctx.settings.network)
    except Exception:  # noqa: BLE001 - any unreadable source simply has no OSM extras
        return None
    return str(value) if kind == "pbf" else None


def make_station_plan(
    ctx: AppContext, session: Session, request: StationPlanRequest, *, created_by: str | None
) -> dict[str, Any]:
    """Run a siting request and store the plan; returns the plan document.

    Raises
    ------
    NotFoundError
        For an unknown site id.
    InvalidInputError, InfeasibleError
        For bad parameters or an infeasible problem (nothing is stored).
    """
    if request.model in ("p_median", "mclp") and request.p is None:
        raise InvalidInputError(f"`p` is required for model {request.model!r}", zh=f"模型 {request.model!r} 需要 `p`")
    if request.model in ("mclp", "lscp") and request.service_time_s is None:
        raise InvalidInputError(
            f"`service_time_s` is required for model {request.model!r}",
            zh=f"模型 {request.model!r} 需要 `service_time_s`",
        )
    if request.candidate_ids is not None:
        cand_sites = sites_of_kinds(session, request.candidate_ids, kinds=CANDIDATE_KINDS, field_name="candidate_ids")
    else:
        cand_sites = [s for k in CANDIDATE_KINDS for s in sites.list_sites(session, kind=k)]
    fixed = set(request.fixed_ids)
    for fid in request.fixed_ids:
        sites.get_site(session, fid)
        if fid not in {s.id for s in cand_sites}:
            raise InvalidInputError(
                f"`fixed_ids` holds {fid!r}, which is not among the candidate sites",
                zh=f"`fixed_ids` 中的 {fid!r} 不在候选站点之中",
            )
    if request.demand_ids is not None:
        dem_sites = sites_of_kinds(session, request.demand_ids, kinds=DEMAND_KINDS, field_name="demand_ids")
    else:
        dem_sites = [s for s in sites.list_sites(session, kind="enterprise") if s.whitelist]
        dem_sites += sites.list_sites(session, kind="demand")
    candidates = [
        st.Candidate(id=s.id, name=s.name, lon=s.point[0], lat=s.point[1], kind=s.kind, fixed=s.id in fixed)
        for s in cand_sites
    ]
    notes: list[str] = []  # Text, each with its Chinese twin
    if request.include_osm_candidates:
        pbf = network_pbf(ctx)
        if pbf is None:
            notes.append(
                Text(
                    "include_osm_candidates: the network source is not a .pbf; no OSM candidates added",
                    zh="include_osm_candidates：路网来源不是 .pbf 文件，未加入 OSM 候选点",
                )
            )
        else:
            osm = st.osm_candidates(pbf, bbox=ctx.network.bbox, max_count=request.max_osm_candidates)
            candidates += osm
            notes.append(
                Text(
                    f"{len(osm)} OSM candidate area(s) added (cap {request.max_osm_candidates})",
                    zh=f"加入了 {len(osm)} 个 OSM 候选区域（上限 {request.max_osm_candidates}）",
                )
            )
    demand = [st.Demand(id=s.id, name=s.name, lon=s.point[0], lat=s.point[1], weight=s.weight) for s in dem_sites]
    when = request.at or datetime.now(UTC)
    sp = st.plan_stations(
        ctx.road_router,
        candidates,
        demand,
        model=request.model,
        p=request.p,
        service_time_s=request.service_time_s,
        zones=list_zones(session),
        when=when,
        time_limit_s=request.time_limit_s,
    )
    doc = plan_document(sp, request, notes=notes, engine=ctx.road_router.engine_name)
    doc["id"] = new_id("plan")
    doc["created_at"] = datetime.now(UTC).isoformat()
    store.add_plan(session, doc, model=request.model, request=request.to_json(), created_by=created_by)
    return doc


def plan_document(sp: st.StationPlan, request: StationPlanRequest, *, notes: list[str], engine: str) -> dict[str, Any]:
    """The plan document: chosen stations with what they serve, the assignment, coverage, exclusions."""
    res = sp.result
    cands, dem = sp.candidates, sp.demand
    chosen = []
    for j in res.chosen:
        c, s = cands[j], sp.candidate_snaps[j]
        served = [i for i, a in enumerate(res.assignment) if a == j]
        times = [res.assigned_time_s[i] for i in served]
        chosen.append(
            {
                "id": c.id,
                "name": c.name,
                "kind": c.kind,
                "source": c.source,
                "fixed": c.fixed,
                "point": [c.lon, c.lat],
                "snapped": [s.snapped_lon, s.snapped_lat],
                "served": [dem[i].id for i in served],
                "served_count": len(served),
                "served_weight": round(sum(dem[i].weight for i in served), 3),
                "mean_time_s": rounded(sum(times) / len(times)) if times else None,
            }
        )
    service = request.service_time_s
    assignment = []
    for i, d in enumerate(dem):
        a = res.assignment[i]
        t = res.assigned_time_s[i]
        assignment.append(
            {
                "demand_id": d.id,
                "station_id": cands[a].id if a >= 0 else None,
                "point": [d.lon, d.lat],
                "weight": d.weight,
                "travel_time_s": rounded(t),
                "covered": (bool(t <= service) if service is not None else bool(a >= 0)),
            }
        )
    coverage = None
    if service is not None:
        total = sum(d.weight for d in dem)
        cov = sum(d.weight for i, d in enumerate(dem) if res.assigned_time_s[i] <= service)
        coverage = {
            "service_time_s": service,
            "covered_weight": cov,
            "total_weight": total,
            "covered_share": round(cov / total, 4) if total else None,
            "covered_count": sum(1 for t in res.assigned_time_s if t <= service),
        }
    return {
        "name": request.name,
        "model": res.model,
        "params": {
            "p": request.p,
            "service_time_s": service,
            "fixed_ids": list(request.fixed_ids),
            "include_osm_candidates": request.include_osm_candidates,
            "at": (request.at or datetime.now(UTC)).isoformat(),
        },
        "objective": round(res.objective, 3),
        "objective_unit": res.objective_unit,
        "chosen": chosen,
        "assignment": assignment,
        "coverage": coverage,
        "excluded": list(sp.excluded),
        "unserved": [
            {
                "id": dem[i].id,
                "reason": "unreachable by truck from every usable candidate",
                "reason_zh": "所有可用的候选点都无法由货车到达",
            }
            for i in res.unserved
        ],
        "matrix": {
            "candidates": len(cands),
            "demand": len(dem),
            "engine": engine,
            "seconds": round(sp.matrix_s, 3),
            "solve_seconds": round(res.solve_s, 3),
            "cost": "network travel time (s), truck weights",
        },
        "search": {
            "status": res.search,
            "time_limit_s": request.time_limit_s,
            "bound": None if res.bound is None else round(res.bound, 3),
            "gap": None if res.gap is None else round(res.gap, 6),
        },
        "notes": [*notes, *res.notes],
        "notes_zh": [getattr(n, "zh", n) for n in (*notes, *res.notes)],
    }


def get_plan(session: Session, plan_id: str) -> dict[str, Any]:
    return store.get_plan(session, plan_id)


def plan_in_lang(document: dict[str, Any], lang: str | None) -> dict[str, Any]:
    """A station plan for a reader of ``lang``: for ``zh`` the reasons of the excluded candidates and the
    unserved demand points are their Chinese twins (``reason_zh``); otherwise the plan as it is."""
    if lang != "zh":
        return document
    out = dict(document)
    if "notes_zh" in out:
        out["notes"] = out["notes_zh"]
    for key in ("excluded", "unserved"):
        if out.get(key):
            out[key] = [{**e, "reason": e.get("reason_zh", e.get("reason"))} for e in out[key]]
    return out


def plan_bbox(document: dict[str, Any], *, margin_deg: float = 0.005) -> tuple[float, float, float, float]:
    """``(left, bottom, right, top)`` around a plan's stations and demand points."""
    pts = [c["point"] for c in document["chosen"]] + [a["point"] for a in document["assignment"]]
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    return (min(lons) - margin_deg, min(lats) - margin_deg, max(lons) + margin_deg, max(lats) + margin_deg)
