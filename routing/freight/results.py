"""What a closed-loop freight route answers: the route, its zone crossings and its transshipments."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from routing.freight.snapping import StopSnap
from routing.paths import Leg


@dataclass
class ZoneCrossing:
    """One passage of the truck through a zone (``entry``/``exit`` are ``[lon, lat]``)."""

    zone_id: str
    name: str
    risk: str
    entry: list[float]
    exit: list[float]
    time_inside_s: float
    length_inside_m: float


@dataclass
class Transshipment:
    """A handover at a zone boundary: the truck stops at ``docking_point``, an inside vehicle drives ``leg``."""

    end: str  # "origin" or "destination"
    zone_id: str
    zone_name: str
    risk: str
    docking_point: list[float]
    planned: bool
    leg: Leg


@dataclass
class FreightRoute:
    """A closed-loop freight route.

    ``coordinates``/``arcs``/``truck_length_m``/``truck_travel_time_s`` describe
    the truck's drive; ``length_m``/``travel_time_s`` the whole chain (truck plus
    any inside legs).  ``coordinates`` (``[n, 2]`` lon, lat) and ``arcs`` are
    arrays, like every leg's, shared with the legs: treat them as read-only.
    ``costs`` holds the rule's integer costs in deciseconds (``free``, ``avoid``
    or ``None``, ``chosen``, ``inside``); ``snaps`` how far each given stop was
    snapped and whether snapping carried it into or out of a zone.
    """

    origin: list[float]
    destination: list[float]
    snapped_origin: list[float]
    snapped_destination: list[float]
    stops: list[list[float]]
    legs: list[Leg]
    zones_crossed: list[ZoneCrossing]
    transshipments: list[Transshipment]
    length_m: float
    travel_time_s: float
    truck_length_m: float
    truck_travel_time_s: float
    time_inside_s: float
    coordinates: np.ndarray  # [n, 2] lon, lat (see routing.paths.Leg)
    arcs: np.ndarray  # int64 arc ids of the truck's drive
    choice: str
    closed_loop_delivery: bool
    warnings: list[str] = field(default_factory=list)
    explanation: str = ""
    costs: dict = field(default_factory=dict)
    #: how each given stop (origin, waypoints, destination, in trip order) was snapped
    snaps: list[StopSnap] = field(default_factory=list)

    @property
    def transshipment(self) -> Transshipment | None:
        return self.transshipments[0] if self.transshipments else None
