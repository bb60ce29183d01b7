"""Delivery plans (应急管理地区物流配送预案): plan a fleet's last-mile deliveries, read them back, and issue
each outside truck's pass from a plan.

:func:`make_delivery_plan` is the use case of ``POST /plans/deliveries`` and ``baotong plan deliveries``:

1. The request (:class:`DeliveryPlanRequest`, read from the API body or a JSON file alike by
   :meth:`DeliveryPlanRequest.from_json`) names depots (stored ``candidate_station`` /
   ``hub_logistics`` sites, stored docking points of a zone, or points), stops (stored ``enterprise``
   sites -- at their drop point when one is stored -- and ``demand`` sites, or points) and a fleet:
   registered whitelist vehicles by id (their dimensions from the registry), or a ``count`` of
   vehicles not registered yet.
2. It resolves to a :class:`~routing.deliveries.DeliveryProblem`: the zones active at the departure
   (default the earliest shift start), the approved closures in force then, and -- unless the
   request gives its own -- the stored docking points of every zone a stop lies in (as closed-loop
   routing's transshipment uses them).
3. :func:`routing.deliveries.plan_deliveries` solves it (PyVRP, the time limit bounded by
   ``settings.max_delivery_solve_s``; at most ``settings.max_delivery_solves`` solves per process at once,
   a request beyond that is a 503 with ``Retry-After``), logging its progress.
4. The plan is checked against every rule (:func:`routing.deliveries.check.plan_violations`) and stored
   with the problem it solved, so it can be checked again, drawn and turned into passes later.

:func:`issue_plan_passes` issues one pass per outside truck route through the pass issuance use case
(:func:`services.passes.issue_pass`), per truck: each truck's pass is issued or refused with its reasons,
independently of the others.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from sqlalchemy.orm import Session

from geo import prepared
from geo.errors import (
    BaotongError,
    ConflictError,
    InvalidInputError,
    NoRouteError,
    NotFoundError,
    PassRejected,
    PermissionDeniedError,
)
from geo.i18n import Text, format_duration, risk_zh, text_in, zh_time
from geo.projection import to_wgs84
from geo.zones import Zone
from routing import deliveries as core
from routing.deliveries.check import plan_violations
from routing.deliveries.model import DEFAULT_HANDOVER_S
from routing.freight import DEFAULT_MAX_DETOUR_RATIO
from routing.network import WEIGHT_UNIT_S
from routing.router import Vehicle
from services import closures, passes, zones
from services.context import AppContext
from services.routes import RouteRequest, plan_route
from store import deliveries as store
from store import passes as pass_store
from store import plans as plan_store
from store import sites
from store.db import new_id, utcnow
from store.deliveries import StoredDeliveryPlan
from store.routes import RouteRecord
from store.users import Principal

logger = logging.getLogger(__name__)

#: Site kinds a depot may be, and the depot kind each becomes.
DEPOT_SITE_KINDS = {"candidate_station": "transfer_station", "hub_logistics": "logistics_hub"}
#: Site kinds a stop may be.
STOP_SITE_KINDS = ("enterprise", "demand")
#: Solver time limit when the request gives none (seconds).
DEFAULT_TIME_LIMIT_S = 10.0
#: How long before the planned departure a plan's pass opens and after the planned return it closes.
DEFAULT_PASS_MARGIN_S = 3600.0
#: Largest page of the plan list.
MAX_PAGE = 200
#: A pass route's leg may differ from the plan's by this much before the difference is reported (seconds).
LEG_TOLERANCE_S = 1.0
#: Each ``from_json`` list holds at most this many items (the core refuses more than 5,000 stops).
MAX_ITEMS = 5000


class SolverBusyError(BaotongError):
    """Every delivery-plan solver slot of the process is taken (HTTP 503, retry shortly)."""

    status = 503
    retry_after_s = 10


# ----------------------------------------------------------------------------------
# the request
# ----------------------------------------------------------------------------------
def _field(data: Mapping[str, Any], name: str, where: str, *, required: bool = False) -> Any:
    if not isinstance(data, Mapping):
        raise InvalidInputError(
            f"`{where}` was {data!r}; expected an object", zh=f"`{where}` 为 {data!r}；应为一个对象"
        )
    if required and data.get(name) is None:
        raise InvalidInputError(f"`{where}.{name}` is missing", zh=f"缺少 `{where}.{name}`")
    return data.get(name)


def _text(value: Any, where: str, *, max_length: int = 200) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise InvalidInputError(
            f"`{where}` was {value!r}; expected a non-empty string of at most {max_length}",
            zh=f"`{where}` 为 {value!r}；应为非空且不超过 {max_length} 个字符的文本",
        )
    return value


def _optional_text(value: Any, where: str, *, max_length: int = 200) -> str | None:
    return None if value is None else _text(value, where, max_length=max_length)


def _number(value: Any, where: str, *, minimum: float | None = None, maximum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(f"`{where}` was {value!r}; expected a number", zh=f"`{where}` 为 {value!r}；应为数值")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InvalidInputError(
            f"`{where}` was {value!r}; expected a number in [{minimum}, {maximum}]",
            zh=f"`{where}` 为 {value!r}；应为 [{minimum}, {maximum}] 之间的数",
        )
    return float(value)


def _whole(value: Any, where: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or value < minimum:
        raise InvalidInputError(
            f"`{where}` was {value!r}; expected a whole number >= {minimum}",
            zh=f"`{where}` 为 {value!r}；应为不小于 {minimum} 的整数",
        )
    return int(value)


def _time(value: Any, where: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as err:
            raise InvalidInputError(
                f"`{where}` was {value!r}; expected an ISO 8601 time with an offset (2026-12-01T08:00:00+08:00)",
                zh=f"`{where}` 为 {value!r}；应为带时区偏移的 ISO 8601 时间（2026-12-01T08:00:00+08:00）",
            ) from err
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(
            f"`{where}` was {value!r}; expected an ISO 8601 time with an offset (2026-12-01T08:00:00+08:00)",
            zh=f"`{where}` 为 {value!r}；应为带时区偏移的 ISO 8601 时间（2026-12-01T08:00:00+08:00）",
        )
    return value


def _point(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InvalidInputError(
            f"`{where}` was {value!r}; expected [lon, lat]", zh=f"`{where}` 为 {value!r}；应为 [经度, 纬度]"
        )
    return (_number(value[0], f"{where}[0]", minimum=-180, maximum=180),) + (
        _number(value[1], f"{where}[1]", minimum=-90, maximum=90),
    )


def _items(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise InvalidInputError(f"`{where}` was {value!r}; expected a list", zh=f"`{where}` 为 {value!r}；应为列表")
    if len(value) > MAX_ITEMS:
        raise InvalidInputError(
            f"`{where}` holds {len(value):,} items; at most {MAX_ITEMS:,}",
            zh=f"`{where}` 有 {len(value):,} 项；至多 {MAX_ITEMS:,} 项",
        )
    return list(value)


def _vehicle(value: Any, where: str) -> Vehicle | None:
    if value is None:
        return None
    dims = {k: _field(value, k, where) for k in ("height_m", "weight_t", "width_m")}
    for name, dim in dims.items():
        if dim is not None:
            _number(dim, f"{where}.{name}", minimum=0)
    return Vehicle(**dims) if any(v is not None for v in dims.values()) else None


@dataclass(frozen=True)
class DepotInput:
    """A depot: a stored site (``site_id``), a stored docking point (``docking_point_id``), or a point.

    A point needs an ``id``; its ``kind`` is one of :data:`routing.deliveries.DEPOT_KINDS` (a
    ``docking_point`` names its ``zone_id``).
    """

    site_id: str | None = None
    docking_point_id: str | None = None
    id: str | None = None
    point: tuple[float, float] | None = None
    kind: str | None = None
    zone_id: str | None = None

    @classmethod
    def from_json(cls, data: Any, where: str) -> DepotInput:
        point = _field(data, "point", where)
        return cls(
            site_id=_optional_text(_field(data, "site_id", where), f"{where}.site_id"),
            docking_point_id=_optional_text(_field(data, "docking_point_id", where), f"{where}.docking_point_id"),
            id=_optional_text(_field(data, "id", where), f"{where}.id", max_length=40),
            point=None if point is None else _point(point, f"{where}.point"),
            kind=_optional_text(_field(data, "kind", where), f"{where}.kind"),
            zone_id=_optional_text(_field(data, "zone_id", where), f"{where}.zone_id"),
        )


@dataclass(frozen=True)
class StopInput:
    """A drop: a stored ``enterprise`` (at its drop point when one is stored) or ``demand`` site, or a point.

    ``window`` is the ``(earliest, latest)`` start of the service, times with offsets.
    """

    site_id: str | None = None
    id: str | None = None
    point: tuple[float, float] | None = None
    demand: int = 1
    service_time_s: float = 0.0
    window: tuple[datetime, datetime] | None = None

    @classmethod
    def from_json(cls, data: Any, where: str) -> StopInput:
        point = _field(data, "point", where)
        window = _field(data, "window", where)
        if window is not None and (not isinstance(window, list | tuple) or len(window) != 2):
            raise InvalidInputError(
                f"`{where}.window` was {window!r}; expected [earliest, latest]",
                zh=f"`{where}.window` 为 {window!r}；应为 [最早, 最晚]",
            )
        demand = _field(data, "demand", where)
        service = _field(data, "service_time_s", where)
        return cls(
            site_id=_optional_text(_field(data, "site_id", where), f"{where}.site_id"),
            id=_optional_text(_field(data, "id", where), f"{where}.id", max_length=40),
            point=None if point is None else _point(point, f"{where}.point"),
            demand=1 if demand is None else _whole(demand, f"{where}.demand", minimum=0),
            service_time_s=0.0 if service is None else _number(service, f"{where}.service_time_s", minimum=0),
            window=None
            if window is None
            else (_time(window[0], f"{where}.window[0]"), _time(window[1], f"{where}.window[1]")),
        )


@dataclass(frozen=True)
class FleetInput:
    """A vehicle type: registered vehicles (``vehicle_ids``; their dimensions from the registry) or a
    ``count`` of unregistered ones (with ``vehicle`` dimensions), an outside truck type at ``depot_id`` or
    an inside vehicle type of ``zone_id``."""

    capacity: int
    shift_start: datetime
    shift_end: datetime
    id: str | None = None
    vehicle_ids: tuple[str, ...] = ()
    count: int | None = None
    depot_id: str | None = None
    zone_id: str | None = None
    max_duration_s: float | None = None
    vehicle: Vehicle | None = None

    @classmethod
    def from_json(cls, data: Any, where: str) -> FleetInput:
        ids = _field(data, "vehicle_ids", where)
        count = _field(data, "count", where)
        duration = _field(data, "max_duration_s", where)
        return cls(
            capacity=_whole(_field(data, "capacity", where, required=True), f"{where}.capacity", minimum=1),
            shift_start=_time(_field(data, "shift_start", where, required=True), f"{where}.shift_start"),
            shift_end=_time(_field(data, "shift_end", where, required=True), f"{where}.shift_end"),
            id=_optional_text(_field(data, "id", where), f"{where}.id", max_length=40),
            vehicle_ids=tuple(
                _text(v, f"{where}.vehicle_ids[{j}]") for j, v in enumerate(_items(ids or [], f"{where}.vehicle_ids"))
            ),
            count=None if count is None else _whole(count, f"{where}.count", minimum=1),
            depot_id=_optional_text(_field(data, "depot_id", where), f"{where}.depot_id"),
            zone_id=_optional_text(_field(data, "zone_id", where), f"{where}.zone_id"),
            max_duration_s=None if duration is None else _number(duration, f"{where}.max_duration_s", minimum=0),
            vehicle=_vehicle(_field(data, "vehicle", where), f"{where}.vehicle"),
        )


@dataclass(frozen=True)
class DeliveryPlanRequest:
    """What a delivery plan is made from (``POST /plans/deliveries``'s body, ``--request FILE``)."""

    depots: tuple[DepotInput, ...]
    stops: tuple[StopInput, ...]
    fleet: tuple[FleetInput, ...]
    departure: datetime | None = None
    max_detour_ratio: float | None = None
    handover_time_s: float | None = None
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    seed: int = 0
    name: str | None = None
    use_stored_docking_points: bool = True
    crs: str = "wgs84"
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> DeliveryPlanRequest:
        """Read a request from its JSON mapping (times as ISO 8601 text or datetimes).

        Raises
        ------
        InvalidInputError
            For a missing or malformed field (the message names it).
        """
        if not isinstance(data, Mapping):
            raise InvalidInputError(
                f"a delivery plan request is a JSON object; got {type(data).__name__}",
                zh=f"配送计划请求应为 JSON 对象；实际为 {type(data).__name__}",
            )
        known = {
            "depots",
            "stops",
            "fleet",
            "departure",
            "max_detour_ratio",
            "handover_time_s",
            "time_limit_s",
            "seed",
            "name",
            "use_stored_docking_points",
            "crs",
        }
        extra = sorted(set(data) - known)
        if extra:
            raise InvalidInputError(
                f"unknown field(s) {extra}; expected some of {sorted(known)}",
                zh=f"未知字段 {extra}；应为 {sorted(known)} 中的字段",
            )
        crs = data.get("crs") or "wgs84"
        if crs not in ("wgs84", "gcj02"):
            raise InvalidInputError(
                f"`crs` was {crs!r}; expected 'wgs84' or 'gcj02'", zh=f"`crs` 为 {crs!r}；应为 'wgs84' 或 'gcj02'"
            )
        departure = data.get("departure")
        ratio, handover = data.get("max_detour_ratio"), data.get("handover_time_s")
        limit, seed = data.get("time_limit_s"), data.get("seed")
        stored_docks = data.get("use_stored_docking_points", True)
        if not isinstance(stored_docks, bool):
            raise InvalidInputError(
                f"`use_stored_docking_points` was {stored_docks!r}; expected true or false",
                zh=f"`use_stored_docking_points` 为 {stored_docks!r}；应为 true 或 false",
            )
        return cls(
            depots=tuple(
                DepotInput.from_json(d, f"depots[{i}]") for i, d in enumerate(_items(data.get("depots"), "depots"))
            ),
            stops=tuple(
                StopInput.from_json(s, f"stops[{i}]") for i, s in enumerate(_items(data.get("stops"), "stops"))
            ),
            fleet=tuple(
                FleetInput.from_json(t, f"fleet[{i}]") for i, t in enumerate(_items(data.get("fleet"), "fleet"))
            ),
            departure=None if departure is None else _time(departure, "departure"),
            max_detour_ratio=None if ratio is None else _number(ratio, "max_detour_ratio", minimum=1, maximum=10),
            handover_time_s=None if handover is None else _number(handover, "handover_time_s", minimum=0),
            time_limit_s=DEFAULT_TIME_LIMIT_S if limit is None else _number(limit, "time_limit_s", minimum=0),
            seed=0 if seed is None else _whole(seed, "seed", minimum=0),
            name=_optional_text(data.get("name"), "name"),
            use_stored_docking_points=stored_docks,
            crs=crs,
            raw=_jsonable(data),
        )


def _jsonable(value: Any) -> Any:
    """``value`` with datetimes as ISO 8601 text (the request as stored)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# ----------------------------------------------------------------------------------
# resolving the request to a problem
# ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegisteredVehicle:
    """A registry vehicle a fleet entry names: what its pass needs."""

    id: str
    plate: str
    enterprise_id: str

    def to_json(self) -> dict[str, str]:
        return {"vehicle_id": self.id, "plate": self.plate, "enterprise_id": self.enterprise_id}


@dataclass(frozen=True)
class ResolvedProblem:
    """A request resolved against the database: the problem, and what the plan document says of its inputs."""

    problem: core.DeliveryProblem
    names: Mapping[str, str]  # depot or stop id -> the stored site's name
    sources: Mapping[str, str]  # depot or stop id -> site, drop_point, docking_point or point
    vehicles: Mapping[str, tuple[RegisteredVehicle, ...]]  # vehicle type id -> its registered vehicles
    warnings: tuple[str, ...] = ()


def _max_dimension(values: Sequence[float | None]) -> float | None:
    given = [v for v in values if v is not None]
    return max(given) if given else None


def _resolve_depot(
    session: Session, d: DepotInput, where: str, crs: str, names: dict[str, str], sources: dict[str, str]
) -> core.Depot:
    given = [k for k, v in (("site_id", d.site_id), ("docking_point_id", d.docking_point_id), ("point", d.point)) if v]
    if len(given) != 1:
        raise InvalidInputError(
            f"`{where}` gives {given or 'nothing'}; give exactly one of site_id, docking_point_id or id with point",
            zh=f"`{where}` 给出了 {given or '空'}；请恰好给出 site_id、docking_point_id 或带 point 的 id 之一",
        )
    if d.site_id is not None:
        site = sites.find_site(session, d.site_id)
        if site is None:
            raise InvalidInputError(
                f"`{where}.site_id` was {d.site_id!r}; no such site",
                zh=f"`{where}.site_id` 为 {d.site_id!r}；没有这个站点",
            )
        if site.kind not in DEPOT_SITE_KINDS:
            raise InvalidInputError(
                f"`{where}.site_id` {d.site_id!r} is a {site.kind!r}; a depot is one of {sorted(DEPOT_SITE_KINDS)} "
                "(or a stored docking point, or a point)",
                zh=f"`{where}.site_id` {d.site_id!r} 的类型为 {site.kind!r}；出发场站应为 {sorted(DEPOT_SITE_KINDS)} 之一（或已保存的接驳点，或一个坐标点）",
            )
        names[site.id], sources[site.id] = site.name, "site"
        return core.Depot(site.id, site.point, kind=DEPOT_SITE_KINDS[site.kind])
    if d.docking_point_id is not None:
        dock = plan_store.find_docking_point(session, d.docking_point_id)
        if dock is None:
            raise InvalidInputError(
                f"`{where}.docking_point_id` was {d.docking_point_id!r}; no such docking point "
                "(POST /zones/{id}/docking-points plans them)",
                zh=f"`{where}.docking_point_id` 为 {d.docking_point_id!r}；没有这个接驳点（POST /zones/{{id}}/docking-points 可规划接驳点）",
            )
        sources[dock.id] = "docking_point"
        return core.Depot(dock.id, (dock.lon, dock.lat), kind="docking_point", zone_id=dock.zone_id)
    if d.id is None:
        raise InvalidInputError(
            f"`{where}.id` is missing; a depot given as a point needs an id",
            zh=f"缺少 `{where}.id`；以坐标点给出的场站需要一个 id",
        )
    assert d.point is not None
    sources[d.id] = "point"
    kind = d.kind or "logistics_hub"
    return core.Depot(d.id, to_wgs84(d.point[0], d.point[1], crs), kind=kind, zone_id=d.zone_id)


def _resolve_stop(
    session: Session, s: StopInput, where: str, crs: str, names: dict[str, str], sources: dict[str, str]
) -> core.Stop:
    if (s.site_id is None) == (s.point is None):
        raise InvalidInputError(
            f"`{where}` gives {'both' if s.site_id else 'neither'} site_id and point; give one",
            zh=f"`{where}` {'同时给出了' if s.site_id else '既没有给出'} site_id 和 point；请给出其中一个",
        )
    if s.site_id is not None:
        site = sites.find_site(session, s.site_id)
        if site is None:
            raise InvalidInputError(
                f"`{where}.site_id` was {s.site_id!r}; no such site",
                zh=f"`{where}.site_id` 为 {s.site_id!r}；没有这个站点",
            )
        if site.kind not in STOP_SITE_KINDS:
            raise InvalidInputError(
                f"`{where}.site_id` {s.site_id!r} is a {site.kind!r}; a stop is one of {list(STOP_SITE_KINDS)}",
                zh=f"`{where}.site_id` {s.site_id!r} 的类型为 {site.kind!r}；停靠点应为 {list(STOP_SITE_KINDS)} 之一",
            )
        point: tuple[float, float] = site.point
        sources[site.id] = "site"
        if site.kind == "enterprise":
            drop = plan_store.get_drop_point(session, site.id)
            if drop is not None:
                point = (float(drop["point"][0]), float(drop["point"][1]))
                sources[site.id] = "drop_point"
        names[site.id] = site.name
        sid = site.id
    else:
        if s.id is None:
            raise InvalidInputError(
                f"`{where}.id` is missing; a stop given as a point needs an id",
                zh=f"缺少 `{where}.id`；以坐标点给出的停靠点需要一个 id",
            )
        assert s.point is not None
        point, sid = to_wgs84(s.point[0], s.point[1], crs), s.id
        sources[sid] = "point"
    return core.Stop(sid, point, demand=s.demand, service_time_s=s.service_time_s, window=s.window)


def _resolve_fleet(
    session: Session, t: FleetInput, k: int, *, user: Principal, seen: dict[str, str]
) -> tuple[core.VehicleType, tuple[RegisteredVehicle, ...]]:
    where = f"fleet[{k}]"
    tid = t.id or f"fleet-{k + 1}"
    registered: list[RegisteredVehicle] = []
    dims: list[tuple[float | None, float | None, float | None]] = []
    if t.vehicle_ids:
        if t.count is not None and t.count != len(t.vehicle_ids):
            raise InvalidInputError(
                f"`{where}.count` was {t.count}, but it names {len(t.vehicle_ids)} vehicle(s); give one or the other",
                zh=f"`{where}.count` 为 {t.count}，但它列出了 {len(t.vehicle_ids)} 辆车；请只给出其中一项",
            )
        if t.vehicle is not None:
            raise InvalidInputError(
                f"`{where}.vehicle` is given with vehicle_ids; registered vehicles' dimensions come from the registry",
                zh=f"`{where}.vehicle` 与 vehicle_ids 同时给出；已登记车辆的尺寸取自登记信息",
            )
        for j, vid in enumerate(t.vehicle_ids):
            row = pass_store.get_vehicle(session, vid)
            if row is None:
                raise InvalidInputError(
                    f"`{where}.vehicle_ids[{j}]` was {vid!r}; no such registered vehicle (POST /sites/{{id}}/vehicles)",
                    zh=f"`{where}.vehicle_ids[{j}]` 为 {vid!r}；没有这辆已登记车辆（POST /sites/{{id}}/vehicles）",
                )
            passes.act_for(user, row.enterprise_id)
            if not pass_store.enterprise_whitelisted(session, row.enterprise_id):
                raise InvalidInputError(
                    f"`{where}.vehicle_ids[{j}]` {vid!r} ({row.plate}) belongs to enterprise {row.enterprise_id!r}, "
                    "which is not on the whitelist",
                    zh=f"`{where}.vehicle_ids[{j}]` {vid!r}（{row.plate}）属于企业 {row.enterprise_id!r}，该企业不在白名单内",
                )
            if vid in seen:
                raise InvalidInputError(
                    f"`{where}.vehicle_ids[{j}]` {vid!r} is already in fleet entry {seen[vid]!r}; a vehicle is listed once",
                    zh=f"`{where}.vehicle_ids[{j}]` {vid!r} 已在车队条目 {seen[vid]!r} 中；每辆车只能列出一次",
                )
            seen[vid] = tid
            registered.append(RegisteredVehicle(row.id, row.plate, row.enterprise_id))
            dims.append((row.height_m, row.weight_t, row.width_m))
        height, weight, width = (_max_dimension([d[i] for d in dims]) for i in range(3))
        vehicle = Vehicle(height, weight, width) if any(v is not None for v in (height, weight, width)) else None
        count = len(t.vehicle_ids)
    else:
        if t.count is None:
            raise InvalidInputError(
                f"`{where}` gives neither vehicle_ids nor count; give registered vehicles or a count",
                zh=f"`{where}` 既没有给出 vehicle_ids 也没有给出 count；请给出已登记车辆或车辆数",
            )
        vehicle, count = t.vehicle, t.count
    vtype = core.VehicleType(
        id=tid,
        capacity=t.capacity,
        count=count,
        shift_start=t.shift_start,
        shift_end=t.shift_end,
        depot_id=t.depot_id,
        zone_id=t.zone_id,
        max_duration_s=t.max_duration_s,
        vehicle=vehicle,
    )
    return vtype, tuple(registered)


def resolve_request(
    ctx: AppContext, session: Session, request: DeliveryPlanRequest, *, user: Principal
) -> ResolvedProblem:
    """The :class:`~routing.deliveries.DeliveryProblem` a request names, read against the database.

    Raises
    ------
    InvalidInputError
        A bad or unknown depot, stop or vehicle (the message names the field), a vehicle of an
        enterprise off the whitelist, or what the problem's own checks refuse.
    PermissionDeniedError
        A dispatcher bound to one enterprise naming another's vehicle.
    """
    names: dict[str, str] = {}
    sources: dict[str, str] = {}
    warnings: list[str] = []
    depots = [
        _resolve_depot(session, d, f"depots[{i}]", request.crs, names, sources) for i, d in enumerate(request.depots)
    ]
    stops = [_resolve_stop(session, s, f"stops[{i}]", request.crs, names, sources) for i, s in enumerate(request.stops)]
    seen: dict[str, str] = {}
    fleet, vehicles = [], {}
    for k, t in enumerate(request.fleet):
        vtype, registered = _resolve_fleet(session, t, k, user=user, seen=seen)
        fleet.append(vtype)
        vehicles[vtype.id] = registered
    if not fleet:
        raise InvalidInputError(
            "`fleet` is empty; a delivery plan needs at least one outside truck type",
            zh="`fleet` 为空；配送计划至少需要一种区外货车",
        )
    departure = request.departure or min(t.shift_start for t in fleet)
    live = zones.live_zones(ctx, session, active_at=departure)
    live_ids = {z.id for z in live}
    kept = []
    for d in depots:
        if d.kind == "docking_point" and d.zone_id not in live_ids:
            warnings.append(
                Text(
                    f"docking point {d.id!r} belongs to zone {d.zone_id!r}, which is not in force at "
                    f"{departure.isoformat()}: it is not used",
                    zh=f"接驳点 {d.id!r} 属于区域 {d.zone_id!r}，该区域在 {zh_time(departure)} 未生效：不使用该接驳点",
                )
            )
            continue
        kept.append(d)
    depots = kept
    if request.use_stored_docking_points:
        depots += _stored_docking_points(session, live, depots, stops, sources, warnings)
    problem = core.DeliveryProblem(
        depots=tuple(depots),
        stops=tuple(stops),
        fleet=tuple(fleet),
        zones=tuple(live),
        departure=departure,
        closed_arcs=tuple(int(a) for a in closures.closed_arcs(ctx, departure)),
        max_detour_ratio=request.max_detour_ratio or DEFAULT_MAX_DETOUR_RATIO,
        handover_time_s=DEFAULT_HANDOVER_S if request.handover_time_s is None else request.handover_time_s,
    )
    return ResolvedProblem(problem, names, sources, vehicles, tuple(warnings))


def _stored_docking_points(
    session: Session,
    live: list[Zone],
    depots: list[core.Depot],
    stops: list[core.Stop],
    sources: dict[str, str],
    warnings: list[str],
) -> list[core.Depot]:
    """The stored docking points of each sealed/controlled zone a stop lies in, when the request gives none."""
    given = {d.zone_id for d in depots if d.kind == "docking_point"}
    no_stop = [z for z in live if z.no_stop]
    points = shapely.points([s.point for s in stops])
    out = []
    for z in no_stop:
        if z.id in given or not bool(np.any(prepared.covers(z.geometry, points))):
            continue
        for dock in plan_store.list_docking_points(session, z.id):
            inside = next((o for o in no_stop if o.contains(dock.lon, dock.lat)), None)
            if inside is not None:
                warnings.append(
                    Text(
                        f"stored docking point {dock.id!r} of zone {z.id!r} lies inside zone {inside.id!r}: it is not used",
                        zh=f"区域 {z.id!r} 已保存的接驳点 {dock.id!r} 位于区域 {inside.id!r} 内：不使用该接驳点",
                    )
                )
                continue
            sources[dock.id] = "docking_point"
            out.append(core.Depot(dock.id, (dock.lon, dock.lat), kind="docking_point", zone_id=z.id))
    return out


# -- the problem as stored ---------------------------------------------------------------------------
def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _vehicle_json(v: Vehicle | None) -> dict[str, float | None] | None:
    return None if v is None else {"height_m": v.height_m, "weight_t": v.weight_t, "width_m": v.width_m}


def problem_json(resolved: ResolvedProblem, *, network: str) -> dict[str, Any]:
    """The resolved problem as stored with its plan (everything :func:`problem_from_json` needs to check it)."""
    p = resolved.problem
    return {
        "network": network,
        "departure": _iso(p.departure),
        "max_detour_ratio": p.max_detour_ratio,
        "handover_time_s": p.handover_time_s,
        "depots": [
            {
                "id": d.id,
                "point": list(d.point),
                "kind": d.kind,
                "zone_id": d.zone_id,
                "name": resolved.names.get(d.id),
                "source": resolved.sources.get(d.id, "point"),
            }
            for d in p.depots
        ],
        "stops": [
            {
                "id": s.id,
                "point": list(s.point),
                "demand": s.demand,
                "service_time_s": s.service_time_s,
                "window": None if s.window is None else [t.isoformat() for t in s.window],
                "name": resolved.names.get(s.id),
                "source": resolved.sources.get(s.id, "point"),
            }
            for s in p.stops
        ],
        "fleet": [
            {
                "id": t.id,
                "capacity": t.capacity,
                "count": t.count,
                "shift_start": t.shift_start.isoformat(),
                "shift_end": t.shift_end.isoformat(),
                "depot_id": t.depot_id,
                "zone_id": t.zone_id,
                "max_duration_s": t.max_duration_s,
                "vehicle": _vehicle_json(t.vehicle),
                "vehicles": [v.to_json() for v in resolved.vehicles.get(t.id, ())],
            }
            for t in p.fleet
        ],
        "zones": [z.to_feature() for z in p.zones],
        "closed_arcs": list(p.closed_arcs),
    }


def problem_from_json(data: Mapping[str, Any]) -> core.DeliveryProblem:
    """The problem a stored plan solved (see :func:`problem_json`)."""

    def vehicle(v: Mapping[str, Any] | None) -> Vehicle | None:
        return None if v is None else Vehicle(v.get("height_m"), v.get("weight_t"), v.get("width_m"))

    return core.DeliveryProblem(
        depots=tuple(
            core.Depot(d["id"], tuple(d["point"]), kind=d["kind"], zone_id=d.get("zone_id")) for d in data["depots"]
        ),
        stops=tuple(
            core.Stop(
                s["id"],
                tuple(s["point"]),
                demand=s["demand"],
                service_time_s=s["service_time_s"],
                window=None
                if s["window"] is None
                else (datetime.fromisoformat(s["window"][0]), datetime.fromisoformat(s["window"][1])),
            )
            for s in data["stops"]
        ),
        fleet=tuple(
            core.VehicleType(
                id=t["id"],
                capacity=t["capacity"],
                count=t["count"],
                shift_start=datetime.fromisoformat(t["shift_start"]),
                shift_end=datetime.fromisoformat(t["shift_end"]),
                depot_id=t.get("depot_id"),
                zone_id=t.get("zone_id"),
                max_duration_s=t.get("max_duration_s"),
                vehicle=vehicle(t.get("vehicle")),
            )
            for t in data["fleet"]
        ),
        zones=tuple(Zone.from_feature(f, id=f["id"]) for f in data["zones"]),
        departure=datetime.fromisoformat(data["departure"]) if data.get("departure") else None,
        closed_arcs=tuple(data.get("closed_arcs") or ()),
        max_detour_ratio=data["max_detour_ratio"],
        handover_time_s=data["handover_time_s"],
    )


# ----------------------------------------------------------------------------------
# the use cases
# ----------------------------------------------------------------------------------
def _route_vehicles(plan: core.DeliveryPlan, vehicles: Mapping[str, Sequence[Mapping[str, str]]]) -> dict[str, Any]:
    """``{route id: registered vehicle or None}``: each type's routes take its vehicles in order."""
    used: dict[str, int] = {}
    out: dict[str, Any] = {}
    for r in plan.routes:
        k = used.get(r.vehicle_type, 0)
        used[r.vehicle_type] = k + 1
        of_type = vehicles.get(r.vehicle_type, ())
        out[r.id] = dict(of_type[k]) if k < len(of_type) else None
    return out


def make_delivery_plan(
    ctx: AppContext,
    session: Session,
    request: DeliveryPlanRequest,
    *,
    user: Principal,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Plan the deliveries of ``request``, check the plan against every rule, store it; returns its document.

    Runs for about ``request.time_limit_s`` plus the matrices; call it off the event loop.
    ``progress`` receives each step's line (they are logged in any case).

    Raises
    ------
    InvalidInputError
        Bad input (named), a time limit above ``settings.max_delivery_solve_s``.
    InfeasibleError
        A problem that cannot be served as given, naming the stops and the numbers (found before solving).
    PermissionDeniedError
        A bound dispatcher naming another enterprise's vehicle.
    SolverBusyError
        Every solver slot of the process is busy.
    """
    limit = ctx.settings.max_delivery_solve_s
    if not 0 < request.time_limit_s <= limit:
        raise InvalidInputError(
            f"`time_limit_s` was {request.time_limit_s:g}; expected seconds in (0, {limit:g}] "
            "(the bound is BAOTONG_MAX_DELIVERY_SOLVE_S)",
            zh=f"`time_limit_s` 为 {request.time_limit_s:g}；应在 (0, {limit:g}] 秒之间（上限由 BAOTONG_MAX_DELIVERY_SOLVE_S 设定）",
        )
    settings = core.SolverSettings(time_limit_s=request.time_limit_s, seed=request.seed)
    resolved = resolve_request(ctx, session, request, user=user)
    problem = resolved.problem
    plan_id = new_id("dlv")

    def step(line: str) -> None:
        logger.info("delivery plan %s: %s", plan_id, line)
        if progress is not None:
            progress(line)

    if not ctx.solver_slots.acquire(blocking=False):
        raise SolverBusyError(
            f"{ctx.settings.max_delivery_solves} delivery plan(s) are being solved in this process "
            "(BAOTONG_MAX_DELIVERY_SOLVES); retry shortly",
            zh=f"本进程正在求解 {ctx.settings.max_delivery_solves} 个配送计划（BAOTONG_MAX_DELIVERY_SOLVES）；请稍后重试",
        )
    try:
        logger.info(
            "delivery plan %s by %s: %d stops, %d depots, %d vehicle types (%d vehicles), %d zones, "
            "%d closed arcs, time limit %g s, seed %d",
            plan_id,
            user.name,
            len(problem.stops),
            len(problem.depots),
            len(problem.fleet),
            sum(t.count for t in problem.fleet),
            len(problem.zones),
            len(problem.closed_arcs),
            settings.time_limit_s,
            settings.seed,
        )
        plan = core.plan_deliveries(ctx.road_router, problem, settings=settings, progress=step)
    finally:
        ctx.solver_slots.release()
    violations = plan_violations(problem, plan)
    if violations:  # the planner's own check: a plan breaking a rule is a bug, and the document says so
        logger.error("delivery plan %s breaks %d rule(s): %s", plan_id, len(violations), violations[:5])
    stored_problem = problem_json(resolved, network=ctx.network.source)
    now = utcnow()
    doc = plan.to_json()
    vehicles = _route_vehicles(plan, {t["id"]: t["vehicles"] for t in stored_problem["fleet"]})
    for r in doc["routes"]:
        r["vehicle"] = vehicles[r["id"]]
    doc.update(
        {
            "id": plan_id,
            "name": request.name,
            "created_at": now.isoformat(),
            "created_by": user.name,
            "departure": _iso(problem.departure),
            "zones": [{"id": z.id, "name": z.name, "risk": z.risk} for z in problem.zones if z.no_stop],
            "closed_arcs": len(problem.closed_arcs),
            "rule_violations": violations,
            "warnings": list(resolved.warnings) + doc["warnings"],
        }
    )
    doc["warnings_zh"] = [getattr(w, "zh", w) for w in doc["warnings"]]
    store.add_delivery_plan(
        session,
        doc,
        request=dict(request.raw),
        problem=stored_problem,
        departure=problem.departure or problem.start,
        enterprise_id=user.enterprise_id if user.role == "dispatcher" else None,
        created_at=now,
        created_by=user.name,
    )
    t = doc["totals"]
    logger.info(
        "delivery plan %s stored: %d of %d stops served by %d vehicles (%d trucks, %d inside), %.1f km, "
        "%d rule violations, in %.1f s",
        plan_id,
        t["stops_served"],
        len(problem.stops),
        t["vehicles_used"],
        t["outside_vehicles_used"],
        t["inside_vehicles_used"],
        t["distance_m"] / 1000,
        len(violations),
        plan.solver["runtime_s"],
    )
    return with_passes(session, doc)


def plan_in_lang(document: dict[str, Any], lang: str | None) -> dict[str, Any]:
    """A delivery plan for a reader of ``lang``: for ``zh`` its warnings are their Chinese twins
    (``warnings_zh``, kept with the stored plan); otherwise the plan as it is."""
    if lang != "zh" or "warnings_zh" not in document:
        return document
    return {**document, "warnings": document["warnings_zh"]}


def with_passes(session: Session, document: dict[str, Any]) -> dict[str, Any]:
    """The plan document with the passes issued from it so far (``passes``: route id -> pass number)."""
    return {**document, "passes": store.plan_passes(session, document["id"])}


def readable_plan(session: Session, plan_id: str, *, user: Principal) -> StoredDeliveryPlan:
    """The stored plan ``plan_id`` if ``user`` may read it (a bound dispatcher: only its enterprise's plans).

    Raises
    ------
    NotFoundError
        No such plan.
    PermissionDeniedError
        A dispatcher bound to another enterprise.
    """
    stored = store.get_delivery_plan(session, plan_id)
    if user.role == "dispatcher" and user.enterprise_id is not None and stored.enterprise_id != user.enterprise_id:
        raise PermissionDeniedError(
            f"dispatcher {user.name!r} acts for enterprise {user.enterprise_id!r}; plan {plan_id!r} is not its own",
            zh=f"调度员 {user.name!r} 代表企业 {user.enterprise_id!r}；计划 {plan_id!r} 不属于该企业",
        )
    return stored


def get_delivery_plan(session: Session, plan_id: str, *, user: Principal) -> dict[str, Any]:
    """The stored plan's document, with the passes issued from it."""
    return with_passes(session, readable_plan(session, plan_id, user=user).document)


def stored_plan(session: Session, plan_id: str, *, user: Principal) -> tuple[core.DeliveryProblem, core.DeliveryPlan]:
    """The problem and the plan of a stored plan, read back (to check, draw or turn into passes)."""
    stored = readable_plan(session, plan_id, user=user)
    return problem_from_json(stored.problem), core.DeliveryPlan.from_json(stored.document)


def list_delivery_plans(session: Session, *, user: Principal, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """One page of the plans ``user`` may read, newest first: ``{data, count, next}`` (``next``: the next
    page's offset, ``None`` on the last page); each item is a summary (id, name, times, totals)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInputError(
            f"`limit` was {limit}; expected 1..{MAX_PAGE}", zh=f"`limit` 为 {limit}；应在 1..{MAX_PAGE} 之间"
        )
    if offset < 0:
        raise InvalidInputError(f"`offset` was {offset}; expected >= 0", zh=f"`offset` 为 {offset}；应不小于 0")
    bound = user.enterprise_id if user.role == "dispatcher" else None
    rows, count = store.list_delivery_plans(session, enterprise_id=bound, limit=limit, offset=offset)
    data = [
        {
            "id": r.id,
            "name": r.document.get("name"),
            "created_at": r.document.get("created_at"),
            "created_by": r.created_by,
            "departure": r.document.get("departure"),
            "stops": len(r.problem["stops"]),
            "totals": r.document["totals"],
            "rule_violations": len(r.document.get("rule_violations") or ()),
        }
        for r in rows
    ]
    return {"data": data, "count": count, "next": offset + limit if offset + limit < count else None}


def vrplib_benchmark(path: str, *, time_limit_s: float, seed: int = 0) -> core.VrplibResult:
    """Solve a VRPLIB instance (CVRP or VRPTW) with the planner's solver settings; the gap to the ``.sol``
    beside it when there is one (``baotong plan deliveries --vrplib``).

    Raises
    ------
    InvalidInputError
        A missing or unreadable file, a bad time limit or seed.
    """
    return core.solve_vrplib(path, time_limit_s=time_limit_s, seed=seed)


# ----------------------------------------------------------------------------------
# passes from a plan
# ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanPassesRequest:
    """Issue passes for a plan's outside truck routes (``routes``: default every one with a registered vehicle).

    ``crew`` names each route's crew by id; ``margin_s`` opens each pass that long before the
    planned departure and closes it that long after the planned return.
    """

    cargo: str
    crew: Mapping[str, Sequence[str]]
    routes: Sequence[str] | None = None
    margin_s: float = DEFAULT_PASS_MARGIN_S


_CHOICE_ORDER = ("free", "avoid", "min_inside")


def chain_routes(
    records: Sequence[RouteRecord],
    *,
    route_id: str,
    departure: datetime,
    labels: Sequence[str],
    request: Mapping[str, Any] | None = None,
    stops: Sequence[Sequence[float]] | None = None,
) -> RouteRecord:
    """One route record of consecutive legs (each a closed-loop route from one call to the next).

    ``choice`` is the strongest leg's (``min_inside`` over ``avoid`` over ``free``); the
    explanation words each leg's (``labels`` name the legs); costs add up.  ``stops`` are the
    route's calls when they are known (two calls at one place have no leg between them, so the
    legs alone would count them once).
    """
    first, last = records[0], records[-1]
    coords = [np.asarray(first.coordinates, dtype=float).reshape(-1, 2)]
    for r in records[1:]:
        c = np.asarray(r.coordinates, dtype=float).reshape(-1, 2)
        if len(c) and len(coords[-1]) and np.array_equal(c[0], coords[-1][-1]):
            c = c[1:]
        coords.append(c)
    warnings: list[str] = []
    for r in records:
        warnings += [w for w in r.warnings if w not in warnings]
    choices = [r.choice for r in records if r.choice in _CHOICE_ORDER]
    calls = [first.stops[0] if first.stops else first.origin]
    for r in records:
        calls += list(r.stops[1:]) if r.stops else [r.destination]
    if stops is not None:
        calls = [(float(p[0]), float(p[1])) for p in stops]

    def total(key: str) -> float:
        return float(sum(float(r.costs.get(key) or 0.0) for r in records))

    return RouteRecord(
        id=route_id,
        created_at=datetime.now(UTC),
        origin=first.origin,
        destination=last.destination,
        snapped_origin=first.snapped_origin,
        snapped_destination=last.snapped_destination,
        departure=departure,
        length_m=float(sum(r.length_m for r in records)),
        travel_time_s=float(sum(r.travel_time_s for r in records)),
        coordinates=np.concatenate(coords),
        legs=tuple(leg for r in records for leg in r.legs),
        arcs=np.concatenate([np.asarray(r.arcs, dtype=np.int64) for r in records]),
        zones_crossed=tuple(c for r in records for c in r.zones_crossed),
        warnings=tuple(warnings),
        explanation=" ".join(f"{label}: {r.explanation}" for label, r in zip(labels, records) if r.explanation),
        choice=max(choices, key=_CHOICE_ORDER.index) if choices else first.choice,
        time_inside_s=float(sum(r.time_inside_s for r in records)),
        stops=tuple(calls),
        costs={"chosen": total("chosen"), "free": total("free"), "inside": total("inside"), "legs": len(records)},
        request=request,
    )


def _truck_route(
    ctx: AppContext,
    session: Session,
    plan_id: str,
    route: core.PlannedRoute,
    vehicle: Vehicle | None,
    max_detour_ratio: float,
) -> tuple[RouteRecord, list[str]]:
    """The truck route's closed-loop legs, planned now as ``POST /routes`` plans them (zones and closures in
    force at its departure), joined into one record; and where they differ from the plan's legs.

    Raises
    ------
    NoRouteError
        A leg has no legal truck route any more.
    InvalidInputError
        A call now lies inside a sealed/controlled zone (declared since the plan was made).
    """
    points = [route.base_point] + [v.point for v in route.visits] + [route.base_point]
    records, labels = [], []
    notes: list[str] = []  # Text, each with its Chinese twin
    for k, leg in enumerate(route.legs):
        if leg.kind == "none":
            continue
        a, b = points[k], points[k + 1]
        record = plan_route(
            ctx,
            session,
            RouteRequest(
                origin=list(a),
                destination=list(b),
                departure=route.departure,
                vehicle=vehicle,
                max_detour_ratio=max_detour_ratio,
            ),
            route_id=f"{route.id}/{k + 1}",
        )
        if record.transshipments:
            t = record.transshipments[0]
            call = leg.origin_id if t.end == "origin" else leg.destination_id
            raise InvalidInputError(
                f"call {call!r} of {route.id} now lies inside {t.risk} zone {t.zone_id!r} ({t.zone_name}), declared "
                "since the plan was made: plan again",
                zh=f"{route.id} 的停靠点 {call!r} 现位于计划制定后划定的{risk_zh(t.risk)} {t.zone_id!r}（{t.zone_name}）内：请重新规划",
            )
        planned_s = float(record.costs.get("chosen") or 0.0) * WEIGHT_UNIT_S
        if abs(planned_s - leg.travel_time_s) > LEG_TOLERANCE_S:
            notes.append(
                Text(
                    f"leg {k + 1} ({leg.origin_id} → {leg.destination_id}) now takes {planned_s:.0f} s, planned "
                    f"{leg.travel_time_s:.0f} s (zones or closures changed since the plan was made)",
                    zh=f"第 {k + 1} 段（{leg.origin_id} → {leg.destination_id}）现需 {format_duration(planned_s)}，"
                    f"计划为 {format_duration(leg.travel_time_s)}（计划制定后区域或封闭有变化）",
                )
            )
        records.append(record)
        labels.append(f"{route.id} leg {k + 1} ({leg.origin_id} → {leg.destination_id})")
    if not records:
        raise InvalidInputError(
            f"{route.id} drives nowhere (every call is at its depot); it needs no pass",
            zh=f"{route.id} 没有任何行驶（每个停靠都在其出发场站）；不需要通行证",
        )
    chained = chain_routes(
        records,
        route_id=new_id("route"),
        departure=route.departure,
        labels=labels,
        request={"delivery_plan": plan_id, "route": route.id, "vehicle": _vehicle_json(vehicle)},
        stops=points,
    )
    return chained, notes


def _pass_live(session: Session, pass_no: str, now: datetime) -> bool:
    row = pass_store.get_pass_row(session, pass_no)
    if row is None:
        return False
    status = passes.pass_status(row, pass_store.enterprise_whitelisted(session, row.enterprise_id), now)
    return status in ("valid", "not_yet_valid")


def issue_plan_passes(
    ctx: AppContext, session: Session, plan_id: str, request: PlanPassesRequest, *, user: Principal
) -> dict[str, Any]:
    """Issue each outside truck route's pass: one vehicle, one pass, one route (per truck, not all-or-nothing).

    Each truck's pass goes through :func:`services.passes.issue_pass` with the truck's route
    planned leg by leg between its calls, as the plan drives it.  Each truck's result is ``issued``
    (its pass number), ``already_issued`` (a pass issued from this plan for the route is still
    live), or ``refused`` with its HTTP status and every reason (a stale crew test, no crew, an
    enterprise fused, a vehicle holding another valid pass, a route no longer legal...); a refusal
    leaves the other trucks' passes standing.

    Raises
    ------
    NotFoundError, PermissionDeniedError
        See :func:`readable_plan`.
    InvalidInputError
        A route id (in ``routes`` or ``crew``) that is not an outside truck route of the plan; a bad margin.
    """
    stored = readable_plan(session, plan_id, user=user)
    plan = core.DeliveryPlan.from_json(stored.document)
    problem = stored.problem
    outside = {r.id: r for r in plan.outside_routes}
    if not (0 <= request.margin_s <= 86_400):
        raise InvalidInputError(
            f"`margin_s` was {request.margin_s!r}; expected seconds in 0..86400",
            zh=f"`margin_s` 为 {request.margin_s!r}；应在 0..86400 秒之间",
        )
    for where, ids in (("routes", request.routes or ()), ("crew", list(request.crew))):
        for rid in ids:
            if rid not in outside:
                raise InvalidInputError(
                    f"`{where}` names {rid!r}, which is not an outside truck route of plan {plan_id!r} "
                    f"(those are {sorted(outside)})",
                    zh=f"`{where}` 指定的 {rid!r} 不是计划 {plan_id!r} 的区外货车路线（这些路线是 {sorted(outside)}）",
                )
    vehicles = {r["id"]: r.get("vehicle") for r in stored.document["routes"]}
    fleet = {t["id"]: t for t in problem["fleet"]}
    wanted = list(request.routes) if request.routes is not None else [rid for rid in outside if vehicles.get(rid)]
    existing = store.plan_passes(session, plan_id)
    margin = timedelta(seconds=request.margin_s)
    now = utcnow()
    results = []
    for rid in wanted:
        route = outside[rid]
        reg = vehicles.get(rid)
        out: dict[str, Any] = {
            "route": rid,
            "vehicle_id": reg["vehicle_id"] if reg else None,
            "plate": reg["plate"] if reg else None,
            "enterprise_id": reg["enterprise_id"] if reg else None,
            "pass_no": None,
            "reasons": [],
            "warnings": [],
            "valid_from": route.departure - margin,
            "valid_until": route.arrival + margin,
        }
        results.append(out)
        if reg is None:
            out.update(
                status="refused",
                http_status=422,
                reasons=[
                    Text(
                        f"{rid}'s fleet entry {route.vehicle_type!r} gives a count, not registered vehicles: no "
                        "vehicle to issue a pass to (name vehicle_ids in the fleet)",
                        zh=f"{rid} 的车队条目 {route.vehicle_type!r} 只给出数量，没有登记车辆：无车可发通行证"
                        "（请在车队中列出 vehicle_ids）",
                    )
                ],
            )
            continue
        prior = existing.get(rid)
        if prior is not None and _pass_live(session, prior, now):
            out.update(status="already_issued", http_status=200, pass_no=prior)
            continue
        t = fleet[route.vehicle_type]
        dims = t.get("vehicle")
        vehicle = None if dims is None else Vehicle(dims.get("height_m"), dims.get("weight_t"), dims.get("width_m"))
        try:
            record, notes = _truck_route(ctx, session, plan_id, route, vehicle, float(problem["max_detour_ratio"]))
            out["warnings"] = notes
            issued = passes.issue_pass(
                ctx,
                session,
                passes.PassRequest(
                    enterprise_id=reg["enterprise_id"],
                    crew_ids=list(request.crew.get(rid, ())),
                    cargo=request.cargo,
                    valid_from=out["valid_from"],
                    valid_until=out["valid_until"],
                    vehicle_id=reg["vehicle_id"],
                    origin=list(route.base_point),
                    destination=list(route.base_point),
                    waypoints=[list(v.point) for v in route.visits],
                    departure=route.departure,
                    max_detour_ratio=float(problem["max_detour_ratio"]),
                ),
                user=user,
                route=record,
            )
        except (
            PassRejected,
            ConflictError,
            PermissionDeniedError,
            InvalidInputError,
            NotFoundError,
            NoRouteError,
        ) as err:
            session.rollback()
            out.update(
                status="refused",
                http_status=err.status,
                reasons=list(err.reasons or [Text(str(err), zh=err.text("zh"))]),
            )
            logger.info("plan %s: pass for %s (%s) refused: %s", plan_id, rid, reg["plate"], "; ".join(out["reasons"]))
            continue
        store.add_plan_pass(session, plan_id, rid, issued["pass_no"], created_at=utcnow(), created_by=user.name)
        out.update(status="issued", http_status=201, pass_no=issued["pass_no"], warnings=notes + issued["warnings"])
        logger.info("plan %s: pass %s issued for %s (%s)", plan_id, issued["pass_no"], rid, reg["plate"])
    counts = {s: sum(1 for r in results if r["status"] == s) for s in ("issued", "already_issued", "refused")}
    return {"plan_id": plan_id, **counts, "results": results}


def plan_passes_in_lang(answer: dict[str, Any], lang: str | None) -> dict[str, Any]:
    """The answer of :func:`issue_plan_passes` for a reader of ``lang``: each truck's reasons and warnings in
    that language (their Chinese twins for ``zh``); without a language, as it is (English)."""
    if lang is None:
        return answer
    results = [
        {**r, "reasons": text_in(list(r["reasons"]), lang), "warnings": text_in(list(r["warnings"]), lang)}
        for r in answer["results"]
    ]
    return {**answer, "results": results}
