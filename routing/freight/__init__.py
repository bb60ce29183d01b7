"""Closed-loop freight routing through emergency zones (policy section 五(一)).

A freight trip is a whole-chain closed loop, "origin -- highway transit
section -- destination", point to point.  Trucks may drive *through* sealed
(封控区) and controlled (管控区) zones but never stop in them; precaution zones
(防范区) are informational.  :func:`closed_loop_route` answers one trip:

Zone semantics
    Only zones active at ``departure`` (:meth:`geo.zones.Zone.active_at`) count.
    An arc "meets" a no-stop zone when its segment runs through the zone's
    interior (intersection of positive length, computed in the network's local
    projection).

Route choice (the rule)
    1. ``free``: the fastest legal truck route ignoring zones, time ``T_free``.
    2. ``avoid``: the fastest route on no arc that meets a sealed/controlled
       zone.  If it exists and its time is ``<= max_detour_ratio * T_free`` it
       is the answer (choice ``"avoid"``; ``"free"`` when no zone is in the way).
    3. Otherwise (choice ``"min_inside"``) the truck passes through, on the
       route minimising ``cost = T + K * I`` where ``T`` is the arc travel time
       and ``I`` the travel time spent inside sealed/controlled zones, both in
       integer deciseconds per arc (``I`` of an arc is its weight times the
       fraction of its straight segment's length inside the union of those
       zones, both lengths measured in the network's local projection; at
       least 1 for an arc that meets a zone).  ``K`` is the largest of
       :data:`PENALTY_STEPS` (``2**14, 2**10, 2**7, 2**5, 2**3, 2``) whose route
       still takes ``<= max_detour_ratio * T_free``; if none does, ``K = 0``
       (the fastest route).  So the detour cap always holds, and within it the
       truck spends as little time inside as this penalty ladder finds: with
       ``K = 2**14`` one decisecond inside outweighs 27 minutes of driving
       (lexicographic: least time inside first, least time second).  A
       closed-loop delivery into a zone (below) uses ``K = 2**14`` with no cap:
       it must enter, and enters as briefly as possible.  Per-arc weights are
       capped at ``MAX_ARC_WEIGHT = 2**24`` and path costs stay below
       ``2**31 - 1`` for any trip with less than 3.6 h inside.
    A trip is never refused because it must cross a zone.

Stops
    Origin, destination and waypoints are stops, each snapped to the nearest
    road point on the same side of every sealed/controlled zone boundary as
    its given point, within the snap limit (else the nearest, and the answer
    says it was moved into or out of the zone: :mod:`~routing.freight.snapping`,
    :attr:`FreightRoute.snaps <routing.freight.results.FreightRoute.snaps>`).  A waypoint inside a
    no-stop zone is an :class:`~geo.errors.InvalidInputError` naming the zone.
    A destination inside one is, for a whitelist enterprise's site, a
    closed-loop point-to-point delivery (routed by rule 3, flagged); otherwise
    a transshipment: the truck drives to a docking point (a planned one when
    the zone has one the truck reaches without entering the zone, else a valid
    docking point by the planner's definition,
    :func:`routing.docking.docking_candidates`, that it so reaches; of these the
    one with the fastest whole chain, truck leg plus inside leg) and an
    ``inside`` leg on the zone's own roads (off them only where they do not
    connect, with a warning) carries the goods on.  The truck's leg never enters the zone
    it hands over at (its arcs are forbidden to the truck; the rule still
    applies to other zones).  An origin inside a zone is handled symmetrically.
    The explanation compares the whole chain with a truck driving in directly
    by the closed-loop rule (``costs["direct_s"]``), and says why the chain is
    taken when it is slower.

Speed
    Each zone's footprint (:class:`ZoneFootprint`: its arcs from
    :meth:`RoadNetwork.arcs_intersecting`, inside lengths and where each arc's
    segment enters and leaves the zone) is cached by zone id; each active-zone
    set's arc-to-zone table (:class:`ArcZoneTable`, from which a route's
    crossings are read: only the partial arcs at its stops are cut per query)
    and weight vectors by a key.  Every weight variant is a named metric slot
    of the router's :class:`~routing.router.MetricPool`
    (``freight-free:<vehicle key>``, ``freight-avoid:<vehicle key>``,
    ``freight-inside:<vehicle key>``...), brought to a new zone set by a
    partial CCH update, never a rebuild.  Per weight set, the weakly
    connected components of the arcs the avoid weights allow answer most
    avoid checks without a query; per zone set, a grid over the no-stop
    zones' bounds spares most stops the tree query; a route's passages are
    found in one compiled pass (:mod:`~routing.freight.compiled`).

Modules
    :mod:`~routing.freight.results` (what a route answers),
    :mod:`~routing.freight.weights` (the rule's weight vectors),
    :mod:`~routing.freight.zones` (footprints, zone sets, the per-router index),
    :mod:`~routing.freight.snapping` (stops snapped on their side of zone boundaries),
    :mod:`~routing.freight.crossings` (a route's passages through zones, the
    zones of stops), :mod:`~routing.freight.compiled` (its compiled pass),
    :mod:`~routing.freight.choice` (the rule and its
    explanation), :mod:`~routing.freight.transship` (docking points and inside
    legs), :mod:`~routing.freight.route` (:func:`closed_loop_route`).  Geometry
    assembly is :mod:`routing.paths`, shared with :class:`~routing.router.Router`.
"""

from routing.freight.choice import Ladder, RouteChoice, choose_route, explain_choice, penalty_ladder
from routing.freight.crossings import stop_zones, zone_crossings
from routing.freight.results import FreightRoute, Transshipment, ZoneCrossing
from routing.freight.route import closed_loop_route
from routing.freight.weights import DEFAULT_MAX_DETOUR_RATIO, INSIDE_FACTOR, PENALTY_STEPS, Weights
from routing.freight.zones import (
    ArcZoneTable,
    FreightIndex,
    ZoneFootprint,
    ZoneSet,
    arc_zone_table,
    first_last_points,
    freight_index,
    segment_cuts,
    segment_inside_m,
    segment_xy_m,
)

__all__ = [
    "DEFAULT_MAX_DETOUR_RATIO",
    "INSIDE_FACTOR",
    "PENALTY_STEPS",
    "ArcZoneTable",
    "FreightIndex",
    "FreightRoute",
    "Ladder",
    "RouteChoice",
    "Transshipment",
    "Weights",
    "ZoneCrossing",
    "ZoneFootprint",
    "ZoneSet",
    "arc_zone_table",
    "choose_route",
    "closed_loop_route",
    "explain_choice",
    "first_last_points",
    "freight_index",
    "penalty_ladder",
    "segment_cuts",
    "segment_inside_m",
    "segment_xy_m",
    "stop_zones",
    "zone_crossings",
]
