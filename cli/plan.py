"""``baotong plan stations``: station siting from the command line (the use case of ``POST /plans/stations``).

    baotong plan stations --model p_median --p 3
    baotong plan stations --model lscp --service-time 900 --candidates site-a,site-b --fixed site-a
    baotong plan stations --model mclp --p 2 --service-time 600 --osm --map plan.html

The plan is stored in the configured database (as the API would) and printed as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys

from cli.common import settings_from
from services.context import AppContext
from services.layers import plan_layers
from services.stations import StationPlanRequest, make_station_plan, plan_bbox

#: The fields of the plan that are printed (chosen stations: their main facts only).
PRINTED = (
    "id",
    "model",
    "params",
    "objective",
    "objective_unit",
    "coverage",
    "excluded",
    "unserved",
    "matrix",
    "notes",
)


def ids(text: str) -> list[str]:
    """An argparse type: comma-separated ids."""
    return [t.strip() for t in text.split(",") if t.strip()]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    plan = subparsers.add_parser("plan", help="transfer-station plans").add_subparsers(
        dest="plan_command", required=True
    )
    s = plan.add_parser("stations", help="site transfer stations (p_median, mclp, lscp) on network travel times")
    s.add_argument("--model", choices=["p_median", "mclp", "lscp"], required=True)
    s.add_argument("--p", type=int, help="sites to open (p_median, mclp)")
    s.add_argument("--service-time", type=float, dest="service_time", help="coverage time in seconds (mclp, lscp)")
    s.add_argument("--candidates", type=ids, help="comma-separated candidate site ids (default: all stored)")
    s.add_argument(
        "--demand", type=ids, help="comma-separated demand site ids (default: whitelist enterprises, demand)"
    )
    s.add_argument("--fixed", type=ids, help="comma-separated existing sites fixed open")
    s.add_argument("--osm", action="store_true", help="add OSM industrial/logistics/parking candidates (.pbf source)")
    s.add_argument("--max-osm", type=int, default=20, dest="max_osm")
    s.add_argument("--name")
    s.add_argument("--network", help="network source (default: the configured one)")
    s.add_argument("--map", help="write the plan's map to this HTML file")
    s.set_defaults(func=stations)


def stations(args: argparse.Namespace) -> int:
    request = StationPlanRequest(
        model=args.model,
        p=args.p,
        service_time_s=args.service_time,
        candidate_ids=args.candidates,
        demand_ids=args.demand,
        fixed_ids=args.fixed or [],
        include_osm_candidates=args.osm,
        max_osm_candidates=args.max_osm,
        name=args.name,
    )
    ctx = AppContext.open(settings_from(network=args.network))
    try:
        with ctx.sessions() as session:
            doc = make_station_plan(ctx, session, request, created_by="cli")
    finally:
        ctx.close()
    out = {k: doc[k] for k in PRINTED}
    out["chosen"] = [
        {k: c[k] for k in ("id", "name", "kind", "point", "served_count", "served_weight", "mean_time_s")}
        for c in doc["chosen"]
    ]
    print(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    if args.map:
        from maps.views import city_map

        city_map(bbox=plan_bbox(doc), extra_layers=plan_layers(doc, label=doc["id"])).save(args.map)
        print(f"map written to {args.map}", file=sys.stderr)
    return 0
