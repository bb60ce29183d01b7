"""The command dashboard (一屏掌控): the whitelist's state on one screen, its alerts, and the feed that keeps it live.

:func:`snapshot` is everything the screen shows at one instant: the figures a commander asks for
(:func:`figures`), the scans per hour by verdict (:func:`scan_series`), the alerts that need a person
(:func:`alerts`) and the map's layers (:func:`map_layers`).  "Today" is the bureau's day
(``Settings.timezone``).  :class:`DashboardFeed` is the one poller of a process: every
:data:`POLL_S` seconds it reads the database's fingerprint of the dashboard's tables
(:func:`store.dashboard.fingerprint`, so every worker process sees every change) and, when it changes
(or :data:`REFRESH_S` has passed: the clock moves the figures too), computes the snapshot once -- at most
every :data:`MIN_INTERVAL_S` under a stream of changes -- and hands it to every subscriber.  It starts
with its first user and ends when none is left for :data:`IDLE_STOP_S` seconds, or at
:meth:`DashboardFeed.close`.

The alerts:

* ``closure_waiting``: a closure pending for more than :data:`CLOSURE_WAIT` since it was filed.
* ``stop_rate``: a checkpoint whose STOP share in the last hour is far above its own of the 7 days before
  (a one-sided binomial z of at least :data:`STOP_Z` over at least :data:`STOP_MIN_SCANS` scans; the
  checkpoint's own rate is smoothed by half a scan, so a checkpoint that never stopped anyone still has one).
* ``impossible_travel`` ("即采即走即追"): a scan flagged when it was made: the same pass scanned at a place no
  truck could reach from its previous scan in the time (the network's fastest truck time between the two
  places, computed by the loaded router: :func:`services.passes.travel_flags`).
* ``fused_pass_used``: a pass scanned after its enterprise was fused (taken off the whitelist) and before
  it was restored.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from shapely.geometry import mapping
from sqlalchemy.orm import Session

from geo.zones import RISKS, Zone
from passes.reasons import MESSAGES, reason_code
from services.layers import closure_layers, docking_layer, drop_point_layer, plan_layers
from store import dashboard as store
from store import plans as plan_store
from store import zones as zone_store
from store.db import aware, utcnow

if TYPE_CHECKING:
    from services.context import AppContext

logger = logging.getLogger(__name__)

#: A closure waiting longer than this for an approver is an alert.
CLOSURE_WAIT = timedelta(hours=2)
#: The STOP-rate alert: the z it needs, the scans of the last hour it needs, the checkpoint's own window.
STOP_Z = 3.0
STOP_MIN_SCANS = 10
STOP_BASELINE = timedelta(days=7)
#: Zones starting or ending within this are marked on the map.
SOON = timedelta(hours=24)
#: The feed: how often it reads the fingerprint, how often it recomputes anyway, when it stops with no user.
POLL_S = 0.5
REFRESH_S = 30.0
#: Under a stream of changes (scans, many a second) the snapshot is computed at most this often.
MIN_INTERVAL_S = 1.0
IDLE_STOP_S = 10.0


def day_start(now: datetime, tz: tzinfo) -> datetime:
    """The start (in UTC) of the bureau's day that contains ``now``."""
    local = now.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def checkpoint_id(lon: float, lat: float) -> str:
    """A checkpoint's id: its rounded position ``"lon,lat"`` (see :mod:`store.dashboard`)."""
    return f"{lon:.{store.CHECKPOINT_DECIMALS}f},{lat:.{store.CHECKPOINT_DECIMALS}f}"


# -- figures ---------------------------------------------------------------------------------------------
def _zone_figures(zones: list[Zone], now: datetime) -> dict[str, Any]:
    active = [z for z in zones if z.active_at(now)]
    by_risk = {risk: sum(1 for z in active if z.risk == risk) for risk in RISKS}
    by_county: dict[str, dict[str, int]] = defaultdict(lambda: {risk: 0 for risk in RISKS})
    for z in active:
        by_county[z.county_code or "none"][z.risk] += 1
    return {
        "active": len(active),
        "by_risk": by_risk,
        "by_county": dict(sorted(by_county.items())),
        "starting_24h": sum(1 for z in zones if z.valid_from is not None and now < z.valid_from <= now + SOON),
        "ending_24h": sum(1 for z in active if z.valid_until is not None and z.valid_until <= now + SOON),
    }


def _filed(closure: Any) -> datetime:
    filed = aware(closure.created_at)
    assert filed is not None
    return filed


def _closure_figures(closures: list[Any], now: datetime) -> dict[str, Any]:
    pending: dict[str, dict[str, Any]] = {}
    for level in ("city", "province"):
        waiting = [c for c in closures if c.status == "pending" and (c.approval_level or "city") == level]
        oldest = min((_filed(c) for c in waiting), default=None)
        pending[level] = {
            "count": len(waiting),
            "oldest_filed_at": _iso(oldest),
            "oldest_wait_s": round((now - oldest).total_seconds()) if oldest is not None else None,
        }
    approved = [c for c in closures if c.status == "approved"]
    in_force = [c for c in approved if aware(c.starts_at) <= now]  # type: ignore[operator]
    return {"pending": pending, "approved_in_force": len(in_force), "approved_upcoming": len(approved) - len(in_force)}


def _cut_enterprises(closures: list[Any], now: datetime) -> list[str]:
    """The whitelist enterprises cut off from every hub by an approved closure in force (its stored impact)."""
    cut: set[str] = set()
    for c in closures:
        if c.status == "approved" and aware(c.starts_at) <= now:  # type: ignore[operator]
            for e in json.loads(c.impact or "{}").get("cut_enterprises", []):
                cut.add(str(e["id"]))
    return sorted(cut)


def _reason_label(code: str) -> dict[str, str]:
    zh, en = MESSAGES.get(code, (code, code))
    return {"code": code, "zh": zh, "en": en}


def _scan_figures(session: Session, now: datetime) -> dict[str, Any]:
    hour, day = (
        store.scan_verdict_counts(session, since=now - timedelta(hours=1)),
        store.scan_verdict_counts(session, since=now - timedelta(hours=24)),
    )
    reasons: Counter[str] = Counter()
    for text, n in store.stop_reason_texts(session, since=now - timedelta(hours=24)):
        for code in {reason_code(r) for r in json.loads(text)}:
            reasons[code] += n
    return {
        "last_hour": {"pass": hour.get("pass", 0), "stop": hour.get("stop", 0)},
        "last_24h": {"pass": day.get("pass", 0), "stop": day.get("stop", 0)},
        "stop_reasons_24h": [{**_reason_label(code), "count": n} for code, n in reasons.most_common()],
    }


CheckpointRows = list[tuple[float, float, str, int]]


def _checkpoints(hour_rows: CheckpointRows, day_rows: CheckpointRows) -> list[dict[str, Any]]:
    """Every checkpoint with scans in the last 24 h: its counts in the last hour and day by verdict."""
    points: dict[str, dict[str, Any]] = {}
    for window, rows in (("last_24h", day_rows), ("last_hour", hour_rows)):
        for lon, lat, verdict, n in rows:
            key = checkpoint_id(lon, lat)
            entry = points.setdefault(
                key,
                {
                    "id": key,
                    "point": [lon, lat],
                    "last_hour": {"pass": 0, "stop": 0},
                    "last_24h": {"pass": 0, "stop": 0},
                },
            )
            entry[window][verdict] = entry[window].get(verdict, 0) + n
    return sorted(points.values(), key=lambda p: -(p["last_24h"]["pass"] + p["last_24h"]["stop"]))


@dataclass(frozen=True)
class _Read:
    """The rows more than one part of the snapshot uses, read once."""

    zones: list[Zone]
    closures: list[Any]
    checkpoints_hour: CheckpointRows
    checkpoints_day: CheckpointRows

    @classmethod
    def load(cls, session: Session, now: datetime) -> _Read:
        return cls(
            zones=zone_store.list_zones(session),
            closures=store.closures_in_force_or_waiting(session, now=now),
            checkpoints_hour=store.checkpoint_counts(session, since=now - timedelta(hours=1)),
            checkpoints_day=store.checkpoint_counts(session, since=now - timedelta(hours=24)),
        )


def figures(
    ctx: AppContext, session: Session, *, now: datetime | None = None, read: _Read | None = None
) -> dict[str, Any]:
    """Every figure of the dashboard at ``now`` (default: the clock)."""
    now = now or utcnow()
    read = read or _Read.load(session, now)
    start = day_start(now, ctx.settings.tz())
    zones, closures = read.zones, read.closures
    routes = store.route_counts(session, since=start)
    enterprises = store.enterprise_counts(session, day_start=start)
    cut = _cut_enterprises(closures, now)
    return {
        "zones": _zone_figures(zones, now),
        "closures": _closure_figures(closures, now),
        "passes": store.pass_counts(session, now=now, day_start=start),
        "scans": _scan_figures(session, now),
        "checkpoints": _checkpoints(read.checkpoints_hour, read.checkpoints_day),
        "enterprises": {**enterprises, "cut_off": len(cut), "cut_off_ids": cut},
        "routes": {
            **routes,
            "crossing_share": round(routes["crossing_zone"] / routes["planned"], 4) if routes["planned"] else None,
        },
        "day_start": _iso(start),
    }


def scan_series(session: Session, *, now: datetime) -> dict[str, Any]:
    """Scans per hour of the last 24 h by verdict: ``hours`` (each hour's start, ISO) and a count per verdict."""
    first = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)
    hours = [first + timedelta(hours=i) for i in range(24)]
    index = {h.strftime("%Y-%m-%d %H"): i for i, h in enumerate(hours)}
    out: dict[str, list[int]] = {"pass": [0] * 24, "stop": [0] * 24}
    for hour, verdict, n in store.scans_by_hour(session, since=first):
        if hour in index and verdict in out:
            out[verdict][index[hour]] += n
    return {"hours": [h.isoformat() for h in hours], **out}


# -- alerts ----------------------------------------------------------------------------------------------
def binomial_z(stops: int, scans: int, rate: float) -> float:
    """How far ``stops`` of ``scans`` lie above the rate ``rate`` (0 < rate < 1), in standard deviations."""
    return (stops - scans * rate) / math.sqrt(scans * rate * (1.0 - rate))


def stop_rate_alerts(
    session: Session, *, now: datetime, last_hour: CheckpointRows | None = None
) -> list[dict[str, Any]]:
    """Checkpoints whose STOP share in the last hour is far above their own of the :data:`STOP_BASELINE` before
    (``last_hour``: the last hour's counts by checkpoint, if already read)."""
    hour_start = now - timedelta(hours=1)
    recent: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # [stops, scans]
    points: dict[str, list[float]] = {}
    if last_hour is None:
        last_hour = store.checkpoint_counts(session, since=hour_start)
    for lon, lat, verdict, n in last_hour:
        key = checkpoint_id(lon, lat)
        points[key] = [lon, lat]
        recent[key][1] += n
        recent[key][0] += n if verdict == "stop" else 0
    candidates = {k for k, (_, n) in recent.items() if n >= STOP_MIN_SCANS}
    if not candidates:
        return []
    before: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for lon, lat, verdict, n in store.checkpoint_counts(session, since=hour_start - STOP_BASELINE, until=hour_start):
        key = checkpoint_id(lon, lat)
        before[key][1] += n
        before[key][0] += n if verdict == "stop" else 0
    out = []
    for key in sorted(candidates):
        stops, scans = recent[key]
        base_stops, base_scans = before[key]
        rate = (base_stops + 0.5) / (base_scans + 1.0)
        z = binomial_z(stops, scans, rate)
        if z >= STOP_Z:
            out.append(
                {
                    "kind": "stop_rate",
                    "checkpoint": key,
                    "point": points[key],
                    "stops": stops,
                    "scans": scans,
                    "baseline_stops": base_stops,
                    "baseline_scans": base_scans,
                    "baseline_rate": round(rate, 4),
                    "z": round(z, 2),
                }
            )
    return out


def closure_wait_alerts(closures: list[Any], *, now: datetime) -> list[dict[str, Any]]:
    """Closures pending for longer than :data:`CLOSURE_WAIT`, the longest waiting first."""
    out = []
    for c in closures:
        filed = aware(c.created_at)
        assert filed is not None
        if c.status == "pending" and now - filed > CLOSURE_WAIT:
            out.append(
                {
                    "kind": "closure_waiting",
                    "closure": c.id,
                    "level": c.approval_level or "city",
                    "county_code": c.county_code,
                    "filed_at": _iso(filed),
                    "wait_s": round((now - filed).total_seconds()),
                }
            )
    return sorted(out, key=lambda a: -a["wait_s"])


def travel_alerts(session: Session, *, now: datetime) -> list[dict[str, Any]]:
    """Scans of the last 24 h flagged as impossible travel from the pass's scan before."""
    out = []
    for s in store.flagged_scans(session, since=now - timedelta(hours=24)):
        flag = json.loads(s.flags or "{}").get("impossible_travel")
        if not flag:
            continue
        out.append(
            {
                "kind": "impossible_travel",
                "pass_no": s.pass_no,
                "scan": s.id,
                "first": {**flag["first"]},
                "second": {**flag["second"], "scan_id": s.id},
                "elapsed_s": flag["elapsed_s"],
                "fastest_s": flag["fastest_s"],
                "distance_m": flag["distance_m"],
            }
        )
    return out


def fused_pass_alerts(session: Session, *, now: datetime) -> list[dict[str, Any]]:
    """Scans of the last 24 h of a pass whose enterprise's last fuse step before the scan was a fuse."""
    steps: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for f in store.fuse_steps(session):
        at = aware(f.created_at)
        assert at is not None
        steps[f.site_id].append((at, f.action))
    fused_ever = sorted(site for site, s in steps.items() if any(action == "fuse" for _, action in s))
    out = []
    for scan, enterprise in store.scans_of_enterprises(session, fused_ever, since=now - timedelta(hours=24)):
        checked = aware(scan.checked_at)
        assert checked is not None
        before = [(at, action) for at, action in steps[enterprise] if at <= checked]
        if before and before[-1][1] == "fuse":
            out.append(
                {
                    "kind": "fused_pass_used",
                    "pass_no": scan.pass_no,
                    "enterprise": enterprise,
                    "scan": scan.id,
                    "checked_at": _iso(checked),
                    "fused_at": _iso(before[-1][0]),
                    "point": [scan.lon, scan.lat],
                    "verdict": scan.verdict,
                }
            )
    return out


def alerts(session: Session, *, now: datetime | None = None, read: _Read | None = None) -> list[dict[str, Any]]:
    """Every alert at ``now``: closures waiting, STOP rates, impossible travel, fused passes used."""
    now = now or utcnow()
    closures = read.closures if read is not None else store.closures_in_force_or_waiting(session, now=now)
    return [
        *closure_wait_alerts(closures, now=now),
        *stop_rate_alerts(session, now=now, last_hour=read.checkpoints_hour if read is not None else None),
        *travel_alerts(session, now=now),
        *fused_pass_alerts(session, now=now),
    ]


# -- the map ---------------------------------------------------------------------------------------------
def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def map_layers(
    session: Session, *, now: datetime, checkpoints: list[dict[str, Any]], read: _Read | None = None
) -> dict[str, Any]:
    """The map's layers as GeoJSON: zones (in force or starting within 24 h, marked when they start or end within
    24 h), pending and approved closures not ended, green channels, the latest plan's stations, docking and drop
    points, and the checkpoints with their scan counts."""
    read = read or _Read.load(session, now)
    zones = []
    for z in read.zones:
        active = z.active_at(now)
        starting = z.valid_from is not None and now < z.valid_from <= now + SOON
        if not (active or starting):
            continue
        ending = active and z.valid_until is not None and z.valid_until <= now + SOON
        zones.append(
            {
                "type": "Feature",
                "id": z.id,
                "geometry": mapping(z.geometry),
                "properties": {
                    "id": z.id,
                    "name": z.name,
                    "risk": z.risk,
                    "county_code": z.county_code,
                    "valid_from": _iso(z.valid_from),
                    "valid_until": _iso(z.valid_until),
                    "active": active,
                    "starting_soon": starting,
                    "ending_soon": ending,
                },
            }
        )
    closures = [
        {
            "type": "Feature",
            "id": c.id,
            "geometry": json.loads(c.geometry),
            "properties": {
                "id": c.id,
                "status": c.status,
                "level": c.approval_level,
                "mode": c.mode,
                "reason": c.reason,
                "starts_at": _iso(aware(c.starts_at)),
                "ends_at": _iso(aware(c.ends_at)),
            },
        }
        for c in read.closures
    ]
    green = next(layer for layer in closure_layers(session, []) if layer.key == "green-channels")
    latest = plan_store.latest_plan(session)
    stations = (
        next(layer.features for layer in plan_layers(latest) if layer.key == "plan-stations")
        if latest is not None
        else []
    )
    checkpoint_features = [
        {
            "type": "Feature",
            "id": c["id"],
            "geometry": {"type": "Point", "coordinates": c["point"]},
            "properties": {"id": c["id"], "last_hour": c["last_hour"], "last_24h": c["last_24h"]},
        }
        for c in checkpoints
    ]
    return {
        "zones": _collection(zones),
        "closures": _collection(closures),
        "green-channels": _collection(list(green.features)),
        "stations": _collection(list(stations)),
        "docking-points": _collection(list(docking_layer(session).features)),
        "drop-points": _collection([f for f in drop_point_layer(session).features if f["geometry"]["type"] == "Point"]),
        "checkpoints": _collection(checkpoint_features),
    }


def snapshot(ctx: AppContext, session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the dashboard shows at ``now``: ``version`` (the database's fingerprint), ``at``, ``figures``,
    ``series`` (scans per hour), ``alerts`` and ``layers``; times ISO 8601."""
    now = now or utcnow()
    version = store.fingerprint(session)
    read = _Read.load(session, now)
    found = figures(ctx, session, now=now, read=read)
    return {
        "version": version,
        "at": _iso(now),
        "timezone": ctx.settings.timezone,
        "figures": found,
        "series": scan_series(session, now=now),
        "alerts": alerts(session, now=now, read=read),
        "layers": map_layers(session, now=now, checkpoints=found["checkpoints"], read=read),
    }


# -- the live feed ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Published:
    """One snapshot as sent: its sequence number in this process, and its JSON text."""

    seq: int
    version: str
    data: str


@dataclass(eq=False)
class Subscription:
    """One open dashboard: the newest snapshot not yet taken, handed over on its event loop."""

    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Published] = field(default_factory=lambda: asyncio.Queue(maxsize=1))

    def offer(self, item: Published) -> None:
        """Replace what waits with ``item`` (a slow reader skips to the newest); runs on the subscriber's loop."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(item)


class DashboardFeed:
    """The dashboard poller of one process (see the module's docstring); thread-safe."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        poll_s: float = POLL_S,
        refresh_s: float = REFRESH_S,
        idle_stop_s: float = IDLE_STOP_S,
        min_interval_s: float = MIN_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ctx = ctx
        self.poll_s, self.refresh_s, self.idle_stop_s = poll_s, refresh_s, idle_stop_s
        self.min_interval_s = min_interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._compute_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._subscribers: set[Subscription] = set()
        self._latest: Published | None = None
        self._fingerprint: str | None = None
        self._computed_at = 0.0
        self._seq = 0
        self.computations = 0

    # what the endpoints use
    def current(self) -> Published:
        """The newest snapshot (computed now if the database changed since, or none was computed yet)."""
        self._ensure_running()
        with self._ctx.sessions() as session:
            fp = store.fingerprint(session)
        latest = self._latest
        if latest is not None and fp == self._fingerprint and self._clock() - self._computed_at < self.refresh_s:
            return latest
        return self._compute(fp)

    def subscribe(self, loop: asyncio.AbstractEventLoop) -> Subscription:
        """A new subscriber on ``loop``; it gets every snapshot computed from now on (call :meth:`current` first
        for the present one)."""
        sub = Subscription(loop)
        with self._lock:
            self._subscribers.add(sub)
        self._ensure_running()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(sub)

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscribers)

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the poller (for good) and wait for its thread."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # the poller
    def _ensure_running(self) -> None:
        with self._lock:
            if self._stop.is_set() or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(target=self._run, name="baotong-dashboard", daemon=True)
            self._thread.start()

    def _compute(self, fp: str) -> Published:
        with self._compute_lock:  # one computation at a time; a second caller for the same state takes the first's
            latest = self._latest
            if latest is not None and fp == self._fingerprint and self._clock() - self._computed_at < self.refresh_s:
                return latest
            with self._ctx.sessions() as session:
                doc = snapshot(self._ctx, session)
            return self._publish(doc)

    def _publish(self, doc: dict[str, Any]) -> Published:
        data = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._seq += 1
            self.computations += 1
            published = Published(self._seq, doc["version"], data)
            self._latest, self._fingerprint, self._computed_at = published, doc["version"], self._clock()
            subscribers = list(self._subscribers)
        for sub in subscribers:
            try:
                sub.loop.call_soon_threadsafe(sub.offer, published)
            except RuntimeError:  # its event loop has closed
                self.unsubscribe(sub)
        return published

    def _run(self) -> None:
        idle_since = self._clock()
        while not self._stop.wait(self.poll_s):
            try:
                if self.subscribers == 0:
                    if self._clock() - idle_since >= self.idle_stop_s:
                        with self._lock:
                            if not self._subscribers:
                                self._thread = None
                                return
                    continue
                idle_since = self._clock()
                with self._ctx.sessions() as session:
                    fp = store.fingerprint(session)
                since = self._clock() - self._computed_at
                if (fp != self._fingerprint and since >= self.min_interval_s) or since >= self.refresh_s:
                    self._compute(fp)
            except Exception:  # a database outage: keep polling, the next round tries again
                logger.exception("dashboard poll failed")
