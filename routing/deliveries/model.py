"""The input of a delivery plan: depots, stops, the fleet, the zones and closures (frozen, validated).

Every error is an :class:`~geo.errors.InvalidInputError` that names the bad
value.  Times are timezone-aware datetimes (ISO 8601 with an offset on the
wire); demands and capacities are whole units (parcels, crates, kg: one unit
for the whole problem).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from geo.errors import InvalidInputError
from geo.i18n import zh_time
from routing.deliveries.roads import DEFAULT_MAX_DETOUR_RATIO, Vehicle, Zone, check_finite_point

#: What a depot is: 中转站 transfer station, logistics hub, 接驳点 docking (handover) point of a zone.
DEPOT_KINDS = ("transfer_station", "logistics_hub", "docking_point")
#: Largest problem accepted (stops).
MAX_STOPS = 5000
#: Default time for a truck to hand goods over to an inside vehicle at a docking point.
DEFAULT_HANDOVER_S = 600.0


def _check_id(value, field_name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(
            f"`{field_name}` was {value!r}; expected a non-empty string",
            zh=f"`{field_name}` 为 {value!r}；应为非空字符串",
        )
    return value


def _check_time(value, field_name: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInputError(
            f"`{field_name}` was {value!r}; expected a date-time", zh=f"`{field_name}` 为 {value!r}；应为日期时间"
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(
            f"`{field_name}` was {value.isoformat()}; expected a time with a UTC offset "
            "(e.g. 2026-12-01T08:00:00+08:00)",
            zh=f"`{field_name}` 为 {value.isoformat()}；应为带 UTC 偏移的时间（例如 2026-12-01T08:00:00+08:00）",
        )
    return value


def _check_whole(value, field_name: str, *, minimum: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value != int(value)
        or value < minimum
    ):
        raise InvalidInputError(
            f"`{field_name}` was {value!r}; expected a whole number >= {minimum}",
            zh=f"`{field_name}` 为 {value!r}；应为不小于 {minimum} 的整数",
        )
    return int(value)


def _check_seconds(value, field_name: str, *, positive: bool = False) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
        or (positive and value == 0)
    ):
        raise InvalidInputError(
            f"`{field_name}` was {value!r}; expected a {'positive' if positive else 'non-negative'} number of seconds",
            zh=f"`{field_name}` 为 {value!r}；应为{'正' if positive else '非负'}的秒数",
        )
    return float(value)


@dataclass(frozen=True)
class Depot:
    """Where outside trucks start and end, or a planned docking point of a zone (``kind="docking_point"``)."""

    id: str
    point: tuple[float, float]
    kind: str = "logistics_hub"
    zone_id: str | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "depot.id")
        object.__setattr__(self, "point", check_finite_point(self.point, f"depots[{self.id!r}].point"))
        if self.kind not in DEPOT_KINDS:
            raise InvalidInputError(
                f"`depots[{self.id!r}].kind` was {self.kind!r}; expected one of {list(DEPOT_KINDS)}",
                zh=f"`depots[{self.id!r}].kind` 为 {self.kind!r}；应为 {list(DEPOT_KINDS)} 之一",
            )
        if self.kind == "docking_point":
            _check_id(self.zone_id, f"depots[{self.id!r}].zone_id")
        elif self.zone_id is not None:
            raise InvalidInputError(
                f"`depots[{self.id!r}].zone_id` was {self.zone_id!r}; only a docking point belongs to a zone",
                zh=f"`depots[{self.id!r}].zone_id` 为 {self.zone_id!r}；只有接驳点属于某个区域",
            )


@dataclass(frozen=True)
class Stop:
    """A drop: a sealed enterprise's fixed receiving point, a demand point, another enterprise.

    ``window`` is the ``(earliest, latest)`` start of the service; ``None`` is any time.
    """

    id: str
    point: tuple[float, float]
    demand: int = 0
    service_time_s: float = 0.0
    window: tuple[datetime, datetime] | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "stop.id")
        where = f"stops[{self.id!r}]"
        object.__setattr__(self, "point", check_finite_point(self.point, f"{where}.point"))
        object.__setattr__(self, "demand", _check_whole(self.demand, f"{where}.demand", minimum=0))
        object.__setattr__(self, "service_time_s", _check_seconds(self.service_time_s, f"{where}.service_time_s"))
        if self.window is not None:
            if not isinstance(self.window, list | tuple) or len(self.window) != 2:
                raise InvalidInputError(
                    f"`{where}.window` was {self.window!r}; expected [earliest, latest]",
                    zh=f"`{where}.window` 为 {self.window!r}；应为 [最早, 最晚]",
                )
            early = _check_time(self.window[0], f"{where}.window[0]")
            late = _check_time(self.window[1], f"{where}.window[1]")
            if late < early:
                raise InvalidInputError(
                    f"`{where}.window` ends at {late.isoformat()}, before it opens at {early.isoformat()}",
                    zh=f"`{where}.window` 的结束时间 {zh_time(late)} 早于开始时间 {zh_time(early)}",
                )
            object.__setattr__(self, "window", (early, late))


@dataclass(frozen=True)
class VehicleType:
    """``count`` identical vehicles.

    An outside truck type names its ``depot_id`` (it starts and ends there);
    an inside vehicle type names its ``zone_id`` (it works inside that zone
    from the zone's docking point).  ``vehicle`` gives the truck dimensions
    that road limits are checked against; ``max_duration_s`` caps a route
    from leaving to coming back.
    """

    id: str
    capacity: int
    count: int
    shift_start: datetime
    shift_end: datetime
    depot_id: str | None = None
    zone_id: str | None = None
    max_duration_s: float | None = None
    vehicle: Vehicle | None = None

    def __post_init__(self) -> None:
        _check_id(self.id, "fleet.id")
        where = f"fleet[{self.id!r}]"
        object.__setattr__(self, "capacity", _check_whole(self.capacity, f"{where}.capacity", minimum=1))
        object.__setattr__(self, "count", _check_whole(self.count, f"{where}.count", minimum=1))
        _check_time(self.shift_start, f"{where}.shift_start")
        _check_time(self.shift_end, f"{where}.shift_end")
        if not self.shift_start < self.shift_end:
            raise InvalidInputError(
                f"`{where}.shift_end` {self.shift_end.isoformat()} must be after `shift_start` "
                f"{self.shift_start.isoformat()}",
                zh=f"`{where}.shift_end` {zh_time(self.shift_end)} 必须晚于 `shift_start` {zh_time(self.shift_start)}",
            )
        if (self.depot_id is None) == (self.zone_id is None):
            raise InvalidInputError(
                f"`{where}` gives depot_id={self.depot_id!r} and zone_id={self.zone_id!r}; "
                "an outside truck names its depot, an inside vehicle its zone (exactly one)",
                zh=f"`{where}` 同时给出了 depot_id={self.depot_id!r} 和 zone_id={self.zone_id!r}；区外货车写明其出发场站，区内车辆写明其所在区域（二者恰好给一个）",
            )
        if self.depot_id is not None:
            _check_id(self.depot_id, f"{where}.depot_id")
        if self.zone_id is not None:
            _check_id(self.zone_id, f"{where}.zone_id")
        if self.max_duration_s is not None:
            object.__setattr__(
                self, "max_duration_s", _check_seconds(self.max_duration_s, f"{where}.max_duration_s", positive=True)
            )
        if self.vehicle is not None and not isinstance(self.vehicle, Vehicle):
            raise InvalidInputError(
                f"`{where}.vehicle` was {self.vehicle!r}; expected a Vehicle (height_m, weight_t, width_m)",
                zh=f"`{where}.vehicle` 为 {self.vehicle!r}；应为 Vehicle（height_m、weight_t、width_m）",
            )

    @property
    def inside(self) -> bool:
        """Whether this is an inside vehicle type (based in a zone)."""
        return self.zone_id is not None


@dataclass(frozen=True)
class DeliveryProblem:
    """Everything a delivery plan is made from.

    ``zones`` are the emergency zones; those active at ``departure`` (default:
    the earliest shift start) count.  ``closed_arcs`` are arc ids removed from
    the network (approved closures).  ``handover_time_s`` is how long a truck
    takes to hand goods over to an inside vehicle at a docking point.
    """

    depots: tuple[Depot, ...]
    stops: tuple[Stop, ...]
    fleet: tuple[VehicleType, ...]
    zones: tuple[Zone, ...] = ()
    departure: datetime | None = None
    closed_arcs: tuple[int, ...] = ()
    max_detour_ratio: float = DEFAULT_MAX_DETOUR_RATIO
    handover_time_s: float = DEFAULT_HANDOVER_S

    def __post_init__(self) -> None:
        for name, kind in (("depots", Depot), ("stops", Stop), ("fleet", VehicleType), ("zones", Zone)):
            items = getattr(self, name)
            if not isinstance(items, list | tuple):
                raise InvalidInputError(
                    f"`{name}` was {items!r}; expected a list", zh=f"`{name}` 为 {items!r}；应为列表"
                )
            for i, item in enumerate(items):
                if not isinstance(item, kind):
                    raise InvalidInputError(
                        f"`{name}[{i}]` was {item!r}; expected a {kind.__name__}",
                        zh=f"`{name}[{i}]` 为 {item!r}；应为 {kind.__name__}",
                    )
            object.__setattr__(self, name, tuple(items))
            seen: set[str] = set()
            for item in items:
                if item.id in seen:
                    raise InvalidInputError(
                        f"`{name}` holds id {item.id!r} twice; ids must be unique",
                        zh=f"`{name}` 中 id {item.id!r} 出现了两次；id 必须唯一",
                    )
                seen.add(item.id)
        if not self.stops:
            raise InvalidInputError(
                "`stops` is empty; a delivery plan needs at least one stop",
                zh="`stops` 为空；配送计划至少需要一个停靠点",
            )
        if len(self.stops) > MAX_STOPS:
            raise InvalidInputError(
                f"`stops` holds {len(self.stops):,} stops; the limit is {MAX_STOPS:,}",
                zh=f"`stops` 有 {len(self.stops):,} 个停靠点；上限为 {MAX_STOPS:,} 个",
            )
        if not any(not t.inside for t in self.fleet):
            raise InvalidInputError(
                "`fleet` has no outside truck type (one with a depot_id); every plan needs one",
                zh="`fleet` 中没有区外货车类型（带 depot_id 的车型）；每个计划都需要一个",
            )
        depots = {d.id: d for d in self.depots}
        zones = {z.id: z for z in self.zones}
        for t in self.fleet:
            if t.depot_id is not None:
                if t.depot_id not in depots:
                    raise InvalidInputError(
                        f"`fleet[{t.id!r}].depot_id` was {t.depot_id!r}; expected one of {sorted(depots)}",
                        zh=f"`fleet[{t.id!r}].depot_id` 为 {t.depot_id!r}；应为 {sorted(depots)} 之一",
                    )
                if depots[t.depot_id].kind == "docking_point":
                    raise InvalidInputError(
                        f"`fleet[{t.id!r}].depot_id` {t.depot_id!r} is a docking point; outside "
                        "trucks are based at transfer stations or logistics hubs",
                        zh=f"`fleet[{t.id!r}].depot_id` {t.depot_id!r} 是接驳点；区外货车应驻在中转站或物流枢纽",
                    )
            if t.zone_id is not None and t.zone_id not in zones:
                raise InvalidInputError(
                    f"`fleet[{t.id!r}].zone_id` was {t.zone_id!r}; expected one of the zones {sorted(zones)}",
                    zh=f"`fleet[{t.id!r}].zone_id` 为 {t.zone_id!r}；应为区域 {sorted(zones)} 之一",
                )
        for d in self.depots:
            if d.zone_id is not None and d.zone_id not in zones:
                raise InvalidInputError(
                    f"`depots[{d.id!r}].zone_id` was {d.zone_id!r}; expected one of the zones {sorted(zones)}",
                    zh=f"`depots[{d.id!r}].zone_id` 为 {d.zone_id!r}；应为区域 {sorted(zones)} 之一",
                )
        if self.departure is not None:
            _check_time(self.departure, "departure")
        try:
            closed = tuple(int(a) for a in self.closed_arcs)
        except (TypeError, ValueError) as err:
            raise InvalidInputError(
                f"`closed_arcs` was {self.closed_arcs!r}; expected arc ids",
                zh=f"`closed_arcs` 为 {self.closed_arcs!r}；应为路段 id",
            ) from err
        object.__setattr__(self, "closed_arcs", closed)
        ratio = self.max_detour_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not math.isfinite(ratio) or ratio < 1:
            raise InvalidInputError(
                f"`max_detour_ratio` was {ratio!r}; expected a number >= 1",
                zh=f"`max_detour_ratio` 为 {ratio!r}；应为不小于 1 的数",
            )
        object.__setattr__(self, "handover_time_s", _check_seconds(self.handover_time_s, "handover_time_s"))

    @property
    def outside_fleet(self) -> tuple[VehicleType, ...]:
        return tuple(t for t in self.fleet if not t.inside)

    @property
    def inside_fleet(self) -> tuple[VehicleType, ...]:
        return tuple(t for t in self.fleet if t.inside)

    @property
    def start(self) -> datetime:
        """The plan's time origin: the earliest shift start."""
        return min(t.shift_start for t in self.fleet)
