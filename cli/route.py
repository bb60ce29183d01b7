"""``baotong route``: a closed-loop truck route, exactly as ``POST /routes`` computes it.

Through the zones active at ``--departure`` (default now) in the configured database, the
approved closures in force then and the planned docking points (:func:`services.routes.plan_route`).
The route is printed as JSON, not stored; ``--geometry full|simplified|polyline`` (``--tolerance-m``) adds
the route's and its legs' lines, written as ``POST /routes?geometry=`` writes them.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from cli.common import iso_time, lon_lat, settings_from
from routing.router import Vehicle
from services.context import AppContext
from services.layers import route_view
from services.routes import RouteRequest, plan_route
from services.zones import list_zones
from store.routes import DEFAULT_TOLERANCE_M, GEOMETRY_MODES, AnswerGeometry

#: The fields of the answer that are printed (legs: kind, length and time only).
PRINTED = (
    "origin",
    "destination",
    "length_m",
    "travel_time_s",
    "choice",
    "zones_crossed",
    "transshipment",
    "warnings",
    "explanation",
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    r = subparsers.add_parser("route", help="a closed-loop truck route between two points (as POST /routes)")
    r.add_argument("--from", dest="origin", type=lon_lat, required=True, metavar="LON,LAT")
    r.add_argument("--to", dest="destination", type=lon_lat, required=True, metavar="LON,LAT")
    r.add_argument(
        "--departure", type=iso_time, metavar="ISO", help="zones and closures in force at this time apply (default now)"
    )
    r.add_argument(
        "--max-detour-ratio",
        type=float,
        dest="max_detour_ratio",
        help="accept a zone-avoiding route up to this x the fastest (default 1.3)",
    )
    r.add_argument("--network", help="network source (default: settings)")
    r.add_argument("--height", type=float, help="vehicle height in m")
    r.add_argument("--weight", type=float, help="vehicle weight in t")
    r.add_argument("--width", type=float, help="vehicle width in m")
    r.add_argument(
        "--geometry",
        choices=GEOMETRY_MODES,
        help="also print the route's and its legs' lines: every point, simplified to --tolerance-m, "
        "or as encoded polylines (precision 6), as POST /routes?geometry= answers",
    )
    r.add_argument(
        "--tolerance-m",
        type=float,
        dest="tolerance_m",
        default=DEFAULT_TOLERANCE_M,
        help=f"for --geometry simplified: metres (0.5 to 1000, default {DEFAULT_TOLERANCE_M:g})",
    )
    r.add_argument("--map", help="write the route map to this HTML file")
    r.add_argument("--static-prefix", default="/static", help="where the map's JS/CSS are served from")
    r.set_defaults(func=run)


def summary(answer: dict[str, Any], *, lines: bool = False) -> dict[str, Any]:
    """What the command prints of a route answer (with ``lines``: the route's and its legs' geometry too)."""
    out = {k: answer[k] for k in PRINTED}
    leg_keys = ("kind", "length_m", "travel_time_s", *(("geometry",) if lines else ()))
    out["legs"] = [{k: leg[k] for k in leg_keys} for leg in answer["legs"]]
    if lines:
        out["geometry"] = answer["geometry"]
    return out


def run(args: argparse.Namespace) -> int:
    vehicle = (
        Vehicle(height_m=args.height, weight_t=args.weight, width_m=args.width)
        if (args.height or args.weight or args.width)
        else None
    )
    request = RouteRequest(
        origin=args.origin,
        destination=args.destination,
        departure=args.departure,
        vehicle=vehicle,
        max_detour_ratio=args.max_detour_ratio,
    )
    # checked before the network is loaded: a bad tolerance is named at once (InvalidInputError)
    geometry = AnswerGeometry(args.geometry, args.tolerance_m) if args.geometry else None
    ctx = AppContext.open(settings_from(network=args.network))
    try:
        with ctx.sessions() as session:
            record = plan_route(ctx, session, request, route_id="cli")
            zones = list_zones(session)
    finally:
        ctx.close()
    answer = record.public_json(geometry=geometry)
    print(json.dumps(summary(answer, lines=geometry is not None), indent=2, ensure_ascii=False))
    if args.map:
        from maps.views import route_map

        route_map(route_view(record), zones=zones, static_prefix=args.static_prefix).save(args.map)
        print(f"map written to {args.map}", file=sys.stderr)
    return 0
