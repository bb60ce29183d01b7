"""Last-mile delivery plans (应急管理地区物流配送预案): many stops, a fleet, time windows, and zones that
trucks may cross but not stop in.

``plan_deliveries(router, DeliveryProblem(...), settings=SolverSettings(...))``
answers a :class:`DeliveryPlan` (see :mod:`routing.deliveries.plan` for the
rules and how they are solved); ``solve_vrplib(path, time_limit_s=..., seed=...)``
runs the same solver on a VRPLIB benchmark instance.  Every call into the
rest of ``routing`` goes through :mod:`routing.deliveries.roads`.
"""

from routing.deliveries.model import DEPOT_KINDS, DeliveryProblem, Depot, Stop, VehicleType
from routing.deliveries.plan import plan_deliveries
from routing.deliveries.result import Crossing, DeliveryPlan, DockingChoice, PlanLeg, PlannedRoute, Unserved, Visit
from routing.deliveries.solver import SolverSettings, solve_data
from routing.deliveries.vrplib_runner import VrplibResult, solve_vrplib

__all__ = [
    "DEPOT_KINDS",
    "Crossing",
    "DeliveryPlan",
    "DeliveryProblem",
    "Depot",
    "DockingChoice",
    "PlanLeg",
    "PlannedRoute",
    "SolverSettings",
    "Stop",
    "Unserved",
    "VehicleType",
    "Visit",
    "VrplibResult",
    "plan_deliveries",
    "solve_data",
    "solve_vrplib",
]
