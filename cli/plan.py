"""``baotong plan stations`` and ``baotong plan deliveries``: station siting and fleet delivery plans from the
command line (the use cases of ``POST /plans/stations`` and ``POST /plans/deliveries``).

    baotong plan stations --model p_median --p 3
    baotong plan stations --model lscp --service-time 900 --candidates site-a,site-b --fixed site-a
    baotong plan stations --model mclp --p 2 --service-time 600 --osm --map plan.html
    baotong plan deliveries --request plan.json --time-limit 30 --seed 1 --map plan.html
    baotong plan deliveries --vrplib X-n101-k25.vrp --time-limit 10 --seed 0

A plan is stored in the configured database (as the API would) and printed as JSON.  With
``--vrplib`` the instance is solved with the delivery planner's solver settings and one line is
printed: the cost, and the gap to the best known solution when a ``.sol`` file lies beside it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cli.common import iso_time, settings_from
from geo.errors import InvalidInputError
from services import deliveries
from services.context import AppContext
from services.layers import delivery_plan_view, plan_layers
from services.stations import StationPlanRequest, make_station_plan, plan_bbox
from store.users import Principal

#: Who a plan made on the command line is made by: an unbound planner (the operator of the machine).
CLI_USER = Principal(id=0, name="cli", role="planner", enterprise_id=None)

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
    plan = subparsers.add_parser("plan", help="transfer-station and delivery plans").add_subparsers(
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
    d = plan.add_parser(
        "deliveries",
        help="plan a fleet's last-mile deliveries through the zones (as POST /plans/deliveries), or solve a VRPLIB file",
    )
    source = d.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--request", type=Path, metavar="FILE", help="the request as JSON (the body of POST /plans/deliveries)"
    )
    source.add_argument(
        "--vrplib", type=Path, metavar="FILE", help="solve this VRPLIB instance (CVRP or VRPTW) and print its cost"
    )
    d.add_argument("--time-limit", type=float, dest="time_limit", metavar="SECONDS", help="solver time limit")
    d.add_argument("--seed", type=int, help="solver seed (default: the request's, else 0)")
    d.add_argument("--departure", type=iso_time, metavar="ISO", help="zones and closures in force then apply")
    d.add_argument("--name", help="the plan's name")
    d.add_argument("--network", help="network source (default: the configured one)")
    d.add_argument("--map", help="write the plan's map to this HTML file")
    d.add_argument("--static-prefix", default="/static", help="where the map's JS/CSS are served from")
    d.set_defaults(func=plan_deliveries)


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


def delivery_summary(doc: dict[str, Any]) -> dict[str, Any]:
    """What ``plan deliveries`` prints of a plan: its facts, each route's calls, the unserved stops."""
    out = {
        k: doc.get(k)
        for k in ("id", "name", "departure", "totals", "unserved", "rule_violations", "warnings", "solver")
    }
    out["routes"] = [
        {
            "id": r["id"],
            "kind": r["kind"],
            "zone": r.get("zone"),
            "plate": (r.get("vehicle") or {}).get("plate"),
            "calls": [v["id"] for v in r["stops"]],
            "load": r["load"],
            "capacity": r["capacity"],
            "departure": r["departure"],
            "arrival": r["arrival"],
            "distance_m": r["distance_m"],
        }
        for r in doc["routes"]
    ]
    return out


def _read_request(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InvalidInputError(f"request file {str(path)!r} does not exist") from err
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InvalidInputError(f"request file {str(path)!r} is not readable JSON: {err}") from err
    if not isinstance(data, dict):
        raise InvalidInputError(f"request file {str(path)!r} holds a {type(data).__name__}; expected a JSON object")
    return data


def plan_deliveries(args: argparse.Namespace) -> int:
    if args.vrplib is not None:
        if args.time_limit is None:
            raise InvalidInputError("--vrplib needs --time-limit SECONDS")
        result = deliveries.vrplib_benchmark(str(args.vrplib), time_limit_s=args.time_limit, seed=args.seed or 0)
        print(result.summary())
        return 0
    data = _read_request(args.request)
    overrides = {
        "time_limit_s": args.time_limit,
        "seed": args.seed,
        "departure": None if args.departure is None else args.departure.isoformat(),
        "name": args.name,
    }
    data.update({k: v for k, v in overrides.items() if v is not None})
    request = deliveries.DeliveryPlanRequest.from_json(data)
    ctx = AppContext.open(settings_from(network=args.network))
    try:
        with ctx.sessions() as session:
            doc = deliveries.make_delivery_plan(
                ctx, session, request, user=CLI_USER, progress=lambda line: print(line, file=sys.stderr)
            )
            problem = deliveries.readable_plan(session, doc["id"], user=CLI_USER).problem
    finally:
        ctx.close()
    print(json.dumps(delivery_summary(doc), indent=2, ensure_ascii=False, default=str))
    if args.map:
        from maps.views import delivery_map

        view, zones = delivery_plan_view(doc, problem)
        delivery_map(view, zones=zones, static_prefix=args.static_prefix).save(args.map)
        print(f"map written to {args.map}", file=sys.stderr)
    return 0
