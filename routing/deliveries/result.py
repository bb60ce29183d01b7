"""The answer of a delivery plan (frozen), and the JSON mapping the API returns (ISO 8601 times with offsets).

Each class's ``to_json`` writes its mapping and ``from_json`` reads it back (a stored plan is checked
again with :func:`routing.deliveries.check.plan_violations` after the round trip).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


def _pair(value: Any) -> tuple[float, float]:
    return float(value[0]), float(value[1])


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass(frozen=True)
class Crossing:
    """One passage of a truck through an active zone (``entry``/``exit`` are ``(lon, lat)``)."""

    zone_id: str
    name: str
    risk: str
    entry: tuple[float, float]
    exit: tuple[float, float]
    time_inside_s: float
    length_inside_m: float

    def to_json(self) -> dict:
        return {
            "zone": self.zone_id,
            "name": self.name,
            "risk": self.risk,
            "entry": list(self.entry),
            "exit": list(self.exit),
            "time_inside_s": self.time_inside_s,
            "length_inside_m": self.length_inside_m,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Crossing:
        return cls(
            zone_id=str(data["zone"]),
            name=str(data["name"]),
            risk=str(data["risk"]),
            entry=_pair(data["entry"]),
            exit=_pair(data["exit"]),
            time_inside_s=float(data["time_inside_s"]),
            length_inside_m=float(data["length_inside_m"]),
        )


@dataclass(frozen=True)
class PlanLeg:
    """A drive between two consecutive points of a route.

    ``kind`` is ``truck`` (a closed-loop leg: ``choice`` is the freight rule's
    ``free``/``avoid``/``min_inside``) or ``inside`` (an inside vehicle on the
    zone's own roads; ``choice`` ``inside``); ``none`` for two calls at one place.
    """

    origin_id: str
    destination_id: str
    kind: str
    choice: str
    length_m: float
    travel_time_s: float
    time_inside_s: float
    zones_crossed: tuple[Crossing, ...]
    coordinates: tuple[tuple[float, float], ...]

    def to_json(self) -> dict:
        return {
            "from": self.origin_id,
            "to": self.destination_id,
            "kind": self.kind,
            "choice": self.choice,
            "length_m": self.length_m,
            "travel_time_s": self.travel_time_s,
            "time_inside_s": self.time_inside_s,
            "zones_crossed": [c.to_json() for c in self.zones_crossed],
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in self.coordinates]},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanLeg:
        return cls(
            origin_id=str(data["from"]),
            destination_id=str(data["to"]),
            kind=str(data["kind"]),
            choice=str(data["choice"]),
            length_m=float(data["length_m"]),
            travel_time_s=float(data["travel_time_s"]),
            time_inside_s=float(data["time_inside_s"]),
            zones_crossed=tuple(Crossing.from_json(c) for c in data["zones_crossed"]),
            coordinates=tuple(_pair(c) for c in data["geometry"]["coordinates"]),
        )


@dataclass(frozen=True)
class Visit:
    """A call of a route: a ``stop`` served, or a ``handover`` of goods to an inside route at a docking point.

    ``load_after`` is what the vehicle still carries when it leaves.
    """

    kind: str
    id: str  # the stop id, or the docking point's id for a handover
    point: tuple[float, float]
    arrival: datetime
    start: datetime
    departure: datetime
    wait_s: float
    demand: int
    load_after: int
    window: tuple[datetime, datetime] | None = None
    zone_id: str | None = None
    inside_route: str | None = None  # the inside route a handover supplies

    def to_json(self) -> dict:
        out = {
            "kind": self.kind,
            "id": self.id,
            "point": list(self.point),
            "arrival": self.arrival.isoformat(),
            "start": self.start.isoformat(),
            "departure": self.departure.isoformat(),
            "wait_s": self.wait_s,
            "demand": self.demand,
            "load_after": self.load_after,
            "window": None if self.window is None else [t.isoformat() for t in self.window],
        }
        if self.zone_id is not None:
            out["zone"] = self.zone_id
        if self.inside_route is not None:
            out["inside_route"] = self.inside_route
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Visit:
        window = data.get("window")
        return cls(
            kind=str(data["kind"]),
            id=str(data["id"]),
            point=_pair(data["point"]),
            arrival=_time(data["arrival"]),
            start=_time(data["start"]),
            departure=_time(data["departure"]),
            wait_s=float(data["wait_s"]),
            demand=int(data["demand"]),
            load_after=int(data["load_after"]),
            window=None if window is None else (_time(window[0]), _time(window[1])),
            zone_id=data.get("zone"),
            inside_route=data.get("inside_route"),
        )


@dataclass(frozen=True)
class PlannedRoute:
    """One vehicle's route: it leaves ``base`` at ``departure``, makes its ``visits`` and is back at ``arrival``.

    An outside truck's base is its depot; an inside vehicle's is its zone's
    docking point, and ``supplied_by`` names the truck route and the handover
    (index into that route's visits) that brought its goods.
    """

    id: str
    kind: str  # "outside" or "inside"
    vehicle_type: str
    zone_id: str | None
    base_id: str
    base_point: tuple[float, float]
    departure: datetime
    arrival: datetime
    visits: tuple[Visit, ...]
    legs: tuple[PlanLeg, ...]
    load: int
    capacity: int
    distance_m: float
    travel_time_s: float
    duration_s: float
    supplied_by: tuple[str, int] | None = None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "vehicle_type": self.vehicle_type,
            "zone": self.zone_id,
            "base": {"id": self.base_id, "point": list(self.base_point)},
            "departure": self.departure.isoformat(),
            "arrival": self.arrival.isoformat(),
            "stops": [v.to_json() for v in self.visits],
            "legs": [leg.to_json() for leg in self.legs],
            "load": self.load,
            "capacity": self.capacity,
            "distance_m": self.distance_m,
            "travel_time_s": self.travel_time_s,
            "duration_s": self.duration_s,
            "supplied_by": None
            if self.supplied_by is None
            else {"route": self.supplied_by[0], "visit": self.supplied_by[1]},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlannedRoute:
        supplied = data.get("supplied_by")
        return cls(
            id=str(data["id"]),
            kind=str(data["kind"]),
            vehicle_type=str(data["vehicle_type"]),
            zone_id=data.get("zone"),
            base_id=str(data["base"]["id"]),
            base_point=_pair(data["base"]["point"]),
            departure=_time(data["departure"]),
            arrival=_time(data["arrival"]),
            visits=tuple(Visit.from_json(v) for v in data["stops"]),
            legs=tuple(PlanLeg.from_json(leg) for leg in data["legs"]),
            load=int(data["load"]),
            capacity=int(data["capacity"]),
            distance_m=float(data["distance_m"]),
            travel_time_s=float(data["travel_time_s"]),
            duration_s=float(data["duration_s"]),
            supplied_by=None if supplied is None else (str(supplied["route"]), int(supplied["visit"])),
        )


@dataclass(frozen=True)
class Unserved:
    """A stop the plan does not serve, and why."""

    stop_id: str
    reason: str

    def to_json(self) -> dict:
        return {"id": self.stop_id, "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Unserved:
        return cls(stop_id=str(data["id"]), reason=str(data["reason"]))


@dataclass(frozen=True)
class DockingChoice:
    """The docking point through which a zone's stops are served."""

    zone_id: str
    id: str
    point: tuple[float, float]
    planned: bool  # a planned docking point given as a depot, else the one closed-loop routing would choose
    stops: int

    def to_json(self) -> dict:
        return {
            "zone": self.zone_id,
            "id": self.id,
            "point": list(self.point),
            "planned": self.planned,
            "stops": self.stops,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DockingChoice:
        return cls(
            zone_id=str(data["zone"]),
            id=str(data["id"]),
            point=_pair(data["point"]),
            planned=bool(data["planned"]),
            stops=int(data["stops"]),
        )


@dataclass(frozen=True)
class DeliveryPlan:
    """A two-echelon delivery plan: outside truck routes, inside vehicle routes, unserved stops and totals."""

    start: datetime
    routes: tuple[PlannedRoute, ...]
    unserved: tuple[Unserved, ...]
    docking_points: tuple[DockingChoice, ...]
    distance_m: float
    travel_time_s: float
    vehicles_used: int
    solver: dict
    warnings: tuple[str, ...] = ()

    @property
    def outside_routes(self) -> tuple[PlannedRoute, ...]:
        return tuple(r for r in self.routes if r.kind == "outside")

    @property
    def inside_routes(self) -> tuple[PlannedRoute, ...]:
        return tuple(r for r in self.routes if r.kind == "inside")

    def route(self, route_id: str) -> PlannedRoute:
        """The route with this id.

        Raises
        ------
        KeyError
            If no route has it.
        """
        for r in self.routes:
            if r.id == route_id:
                return r
        raise KeyError(route_id)

    def to_json(self) -> dict:
        """The plan as JSON-ready data (times ISO 8601 with their offsets, coordinates ``[lon, lat]``)."""
        return {
            "start": self.start.isoformat(),
            "routes": [r.to_json() for r in self.routes],
            "unserved": [u.to_json() for u in self.unserved],
            "docking_points": [d.to_json() for d in self.docking_points],
            "totals": {
                "distance_m": self.distance_m,
                "travel_time_s": self.travel_time_s,
                "vehicles_used": self.vehicles_used,
                "outside_vehicles_used": len(self.outside_routes),
                "inside_vehicles_used": len(self.inside_routes),
                "stops_served": sum(1 for r in self.routes for v in r.visits if v.kind == "stop"),
                "stops_unserved": len(self.unserved),
            },
            "solver": dict(self.solver),
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeliveryPlan:
        """Read :meth:`to_json`'s mapping back (extra keys, such as a stored plan's own, are ignored).

        Raises
        ------
        KeyError, ValueError, TypeError
            If ``data`` is not a plan's mapping.
        """
        totals = data["totals"]
        return cls(
            start=_time(data["start"]),
            routes=tuple(PlannedRoute.from_json(r) for r in data["routes"]),
            unserved=tuple(Unserved.from_json(u) for u in data["unserved"]),
            docking_points=tuple(DockingChoice.from_json(d) for d in data["docking_points"]),
            distance_m=float(totals["distance_m"]),
            travel_time_s=float(totals["travel_time_s"]),
            vehicles_used=int(totals["vehicles_used"]),
            solver=dict(data["solver"]),
            warnings=tuple(str(w) for w in data["warnings"]),
        )
