"""``baotong plan ...``: station siting from the command line (same service as ``POST /plans/stations``).

    baotong plan stations --model p_median --p 3
    baotong plan stations --model lscp --service-time 900 --candidates site-a,site-b --fixed site-a
    baotong plan stations --model mclp --p 2 --service-time 600 --osm --map plan.html

The plan is stored in the configured database (as the API would) and printed as JSON.
"""

from __future__ import annotations

import json
import sys


def _ids(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _state(network: str | None):
    """An :class:`api.state.AppState` for the configured database and network (migrated, as ``serve`` does)."""
    from api.config import get_settings
    from api.db import make_engine, migrate, session_factory
    from api.state import AppState, load_router

    settings = get_settings()
    if network:
        settings = settings.model_copy(update={"network": network})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.database_url)
    db = make_engine(settings.database_url)
    router = load_router(settings.network, str(settings.cache_dir), settings.engine, settings.max_snap_m)
    return AppState(settings=settings, router=router, db_engine=db, sessions=session_factory(db))


def cmd_plan_stations(args) -> int:
    from api.routes.plans import make_station_plan, plan_layers
    from api.schemas_plans import StationPlanCreate

    body = StationPlanCreate(model=args.model, p=args.p, service_time_s=args.service_time,
                             candidate_ids=args.candidates, demand_ids=args.demand, fixed_ids=args.fixed or [],
                             include_osm_candidates=args.osm, max_osm_candidates=args.max_osm, name=args.name)
    state = _state(args.network)
    with state.sessions() as session:
        doc = make_station_plan(state, session, body, created_by="cli")
    out = {k: doc[k] for k in ("id", "model", "params", "objective", "objective_unit", "coverage", "excluded",
                               "unserved", "matrix", "notes")}
    out["chosen"] = [{k: c[k] for k in ("id", "name", "kind", "point", "served_count", "served_weight", "mean_time_s")}
                     for c in doc["chosen"]]
    print(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    if args.map:
        from maps.views import city_map

        pts = [c["point"] for c in doc["chosen"]] + [a["point"] for a in doc["assignment"]]
        m = 0.005
        bbox = (min(p[0] for p in pts) - m, min(p[1] for p in pts) - m, max(p[0] for p in pts) + m,
                max(p[1] for p in pts) + m)
        city_map(bbox=bbox, extra_layers=plan_layers(doc, label=doc["id"])).save(args.map)
        print(f"map written to {args.map}", file=sys.stderr)
    return 0


def register(subparsers) -> None:
    plan = subparsers.add_parser("plan", help="transfer-station plans").add_subparsers(dest="plan_command",
                                                                                        required=True)
    s = plan.add_parser("stations", help="site transfer stations (p_median, mclp, lscp) on network travel times")
    s.add_argument("--model", choices=["p_median", "mclp", "lscp"], required=True)
    s.add_argument("--p", type=int, help="sites to open (p_median, mclp)")
    s.add_argument("--service-time", type=float, dest="service_time", help="coverage time in seconds (mclp, lscp)")
    s.add_argument("--candidates", type=_ids, help="comma-separated candidate site ids (default: all stored)")
    s.add_argument("--demand", type=_ids, help="comma-separated demand site ids (default: whitelist enterprises, demand)")
    s.add_argument("--fixed", type=_ids, help="comma-separated existing sites fixed open")
    s.add_argument("--osm", action="store_true", help="add OSM industrial/logistics/parking candidates (.pbf source)")
    s.add_argument("--max-osm", type=int, default=20, dest="max_osm")
    s.add_argument("--name")
    s.add_argument("--network", help="network source (default: the configured one)")
    s.add_argument("--map", help="write the plan's map to this HTML file")
    s.set_defaults(func=cmd_plan_stations)


__all__ = ["register", "cmd_plan_stations"]
