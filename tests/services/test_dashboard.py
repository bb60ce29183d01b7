"""The dashboard's figures and alerts on hand-made rows (each rule with a case that fires and one that does not),
and its poller: lazy start, one computation per change, clean stop."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from shapely.geometry import box

from geo.zones import Zone
from services import dashboard
from store import zones as zone_store
from store.db import dumps
from store.models import ClosureRow, FuseRow, PassRow, RouteRow, ScanRow, SiteRow

#: 2026-12-02 10:00 in Shanghai: the bureau's day began at 2026-12-01 16:00 UTC.
NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
DAY_START = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
CP_A = (1.52, 42.51)
CP_B = (1.60, 42.55)


@pytest.fixture
def ctx(app):
    return app.state.baotong


def _zone(zone_id, risk, *, county=None, valid_from=None, valid_until=None, at=0.0):
    return Zone(
        id=zone_id,
        name=zone_id,
        risk=risk,
        geometry=box(1.5 + at, 42.5, 1.51 + at, 42.51),
        valid_from=valid_from,
        valid_until=valid_until,
        county_code=county,
    )


def _closure(closure_id, status, *, level="city", created_at, starts_at=None, ends_at=None, cut=()):
    return ClosureRow(
        id=closure_id,
        county_code="410821",
        mode="hard_barrier",
        direction="both",
        reason="疫情防控",
        starts_at=starts_at or NOW - timedelta(hours=1),
        ends_at=ends_at or NOW + timedelta(hours=5),
        status=status,
        decision=f"needs_{'provincial' if level == 'province' else 'city'}_approval",
        grade="primary",
        approval_level=level,
        request="{}",
        arcs="[]",
        matched="{}",
        geometry=json.dumps({"type": "MultiLineString", "coordinates": [[[1.5, 42.5], [1.51, 42.51]]]}),
        reasons="[]",
        impact=json.dumps({"cut_enterprises": [{"id": e, "name": e} for e in cut]}),
        network="andorra",
        created_at=created_at,
    )


def _pass(
    pass_no, *, enterprise="ent-1", issued_at, valid_until=None, revoked_at=None, superseded_by=None, replaces=None
):
    serial = int(pass_no[-4:])
    return PassRow(
        pass_no=pass_no,
        admin_code="410800",
        serial=serial,
        enterprise_id=enterprise,
        vehicle_id="veh-1",
        plate="豫H12345",
        crew="[]",
        cargo="medical",
        route_id="route-1",
        origin="[1.5, 42.5]",
        destination="[1.6, 42.6]",
        corridor="[]",
        departure=issued_at,
        valid_from=issued_at,
        valid_until=valid_until or NOW + timedelta(hours=6),
        issued_at=issued_at,
        kid="k1",
        token="t",
        revoked_at=revoked_at,
        superseded_by=superseded_by,
        replaces=replaces,
    )


def _scan(point, verdict, at, *, pass_no=None, reasons=(), flags=None):
    return ScanRow(
        pass_no=pass_no,
        token_sha256="0" * 64,
        lon=point[0],
        lat=point[1],
        checked_at=at,
        recorded_at=at,
        verdict=verdict,
        reasons=json.dumps(list(reasons)),
        mode="online",
        scanned_by="officer",
        flags=json.dumps(flags) if flags else None,
    )


def _add(ctx, *rows):
    with ctx.sessions() as session:
        session.add_all(rows)
        session.commit()


def _figures(ctx, now=NOW):
    with ctx.sessions() as session:
        return dashboard.figures(ctx, session, now=now)


def _alerts(ctx, now=NOW):
    with ctx.sessions() as session:
        return dashboard.alerts(session, now=now)


def test_the_day_is_the_bureaus():
    assert dashboard.day_start(NOW, __import__("zoneinfo").ZoneInfo("Asia/Shanghai")) == DAY_START
    # 23:30 in Shanghai is still the same bureau day although UTC has not yet turned
    late = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
    assert dashboard.day_start(late, __import__("zoneinfo").ZoneInfo("Asia/Shanghai")) == DAY_START


def test_zone_figures_by_risk_county_and_the_24_hour_marks(ctx):
    with ctx.sessions() as session:
        for z in (
            _zone("z-sealed", "sealed", county="410821", valid_until=NOW + timedelta(hours=3)),
            _zone("z-ctl", "controlled", county="410821", at=0.02),
            _zone("z-pre", "precaution", at=0.04),
            _zone("z-later", "sealed", valid_from=NOW + timedelta(hours=5), at=0.06),  # starts within 24 h
            _zone("z-far", "sealed", valid_from=NOW + timedelta(days=3), at=0.08),  # neither
            _zone("z-over", "sealed", valid_from=NOW - timedelta(days=2), valid_until=NOW - timedelta(hours=1)),
        ):
            zone_store.add_zone(session, z, created_by="test")
        session.commit()
    zones = _figures(ctx)["zones"]
    assert zones["active"] == 3
    assert zones["by_risk"] == {"sealed": 1, "controlled": 1, "precaution": 1}
    assert zones["by_county"]["410821"] == {"sealed": 1, "controlled": 1, "precaution": 0}
    assert zones["by_county"]["none"] == {"sealed": 0, "controlled": 0, "precaution": 1}
    assert zones["starting_24h"] == 1 and zones["ending_24h"] == 1
    with ctx.sessions() as session:
        layer = dashboard.map_layers(session, now=NOW, checkpoints=[])["zones"]["features"]
    marks = {f["id"]: (f["properties"]["starting_soon"], f["properties"]["ending_soon"]) for f in layer}
    assert marks == {
        "z-sealed": (False, True),
        "z-ctl": (False, False),
        "z-pre": (False, False),
        "z-later": (True, False),
    }


def test_closures_pending_by_level_with_the_oldest_wait_and_the_waiting_alert(ctx):
    _add(
        ctx,
        _closure("cl-old", "pending", created_at=NOW - timedelta(hours=3)),
        _closure("cl-new", "pending", created_at=NOW - timedelta(minutes=30)),
        _closure("cl-prov", "pending", level="province", created_at=NOW - timedelta(hours=1, minutes=59)),
        _closure("cl-ok", "approved", created_at=NOW - timedelta(hours=9), cut=("ent-9",)),
        _closure("cl-no", "rejected", created_at=NOW - timedelta(hours=9)),
    )
    closures = _figures(ctx)["closures"]
    assert closures["pending"]["city"]["count"] == 2
    assert closures["pending"]["city"]["oldest_wait_s"] == 3 * 3600
    assert closures["pending"]["province"] == {
        "count": 1,
        "oldest_filed_at": (NOW - timedelta(hours=1, minutes=59)).isoformat(),
        "oldest_wait_s": 7140,
    }
    assert closures["approved_in_force"] == 1
    waiting = [a for a in _alerts(ctx) if a["kind"] == "closure_waiting"]
    # only the one past 2 h: the province one (1 h 59 min) and the new one are not alerts yet
    assert [a["closure"] for a in waiting] == ["cl-old"]
    assert waiting[0]["wait_s"] == 3 * 3600 and waiting[0]["level"] == "city"
    # a minute later the province one has waited too long as well
    later = [a["closure"] for a in _alerts(ctx, NOW + timedelta(minutes=2)) if a["kind"] == "closure_waiting"]
    assert later == ["cl-old", "cl-prov"]
    with ctx.sessions() as session:
        shown = dashboard.map_layers(session, now=NOW, checkpoints=[])["closures"]["features"]
    assert {f["id"] for f in shown} == {"cl-old", "cl-new", "cl-prov", "cl-ok"}  # not the rejected one


def test_enterprises_cut_off_come_from_the_approved_closures_in_force(ctx):
    _add(
        ctx,
        SiteRow(id="ent-1", kind="enterprise", name="A", geometry="{}", whitelist=True),
        SiteRow(id="ent-2", kind="enterprise", name="B", geometry="{}", whitelist=False),
        SiteRow(id="hub-1", kind="hub_rail", name="H", geometry="{}", whitelist=False),
        _closure("cl-a", "approved", created_at=NOW - timedelta(hours=9), cut=("ent-1", "ent-3")),
        _closure("cl-b", "approved", created_at=NOW - timedelta(hours=9), cut=("ent-3",)),
        # approved but not started yet, and pending: neither cuts anyone off now
        _closure("cl-c", "approved", created_at=NOW, starts_at=NOW + timedelta(hours=1), cut=("ent-4",)),
        _closure("cl-d", "pending", created_at=NOW, cut=("ent-5",)),
        FuseRow(site_id="ent-2", action="fuse", reason="x", created_at=NOW - timedelta(hours=1)),
        FuseRow(site_id="ent-7", action="fuse", reason="x", created_at=DAY_START - timedelta(minutes=1)),
    )
    enterprises = _figures(ctx)["enterprises"]
    assert enterprises == {"whitelist": 1, "fused_today": 1, "cut_off": 2, "cut_off_ids": ["ent-1", "ent-3"]}


def test_pass_figures_valid_issued_revoked_and_superseded_today(ctx):
    yesterday = DAY_START - timedelta(hours=2)
    _add(
        ctx,
        _pass("410800000001", issued_at=yesterday),  # valid, issued yesterday
        _pass("410800000002", issued_at=NOW - timedelta(hours=1)),  # valid, issued today
        _pass("410800000003", issued_at=yesterday, revoked_at=NOW - timedelta(minutes=5)),  # revoked today
        _pass("410800000004", issued_at=yesterday, revoked_at=yesterday),  # revoked yesterday
        _pass("410800000005", issued_at=yesterday, superseded_by="410800000006"),
        _pass("410800000006", issued_at=NOW - timedelta(minutes=10), replaces="410800000005"),
        _pass("410800000007", issued_at=yesterday - timedelta(days=1), valid_until=yesterday),  # expired
    )
    assert _figures(ctx)["passes"] == {"valid_now": 3, "issued_today": 2, "revoked_today": 1, "superseded_today": 1}


def test_scan_figures_by_verdict_reason_checkpoint_and_hour(ctx):
    expired = "expired: 通行证已过期 / pass expired (2026-12-01)"
    revoked = "revoked: 通行证已撤销 / pass revoked"
    _add(
        ctx,
        _scan(CP_A, "pass", NOW - timedelta(minutes=10)),
        _scan(CP_A, "stop", NOW - timedelta(minutes=20), reasons=[expired, revoked]),
        _scan(CP_B, "stop", NOW - timedelta(hours=3), reasons=[expired]),
        _scan(CP_B, "pass", NOW - timedelta(hours=3, minutes=1)),
        _scan(CP_B, "pass", NOW - timedelta(hours=30)),  # outside the day
    )
    scans = _figures(ctx)["scans"]
    assert scans["last_hour"] == {"pass": 1, "stop": 1}
    assert scans["last_24h"] == {"pass": 2, "stop": 2}
    reasons = {r["code"]: r["count"] for r in scans["stop_reasons_24h"]}
    assert reasons == {"expired": 2, "revoked": 1}
    points = {c["id"]: c for c in _figures(ctx)["checkpoints"]}
    assert points["1.520,42.510"]["last_hour"] == {"pass": 1, "stop": 1}
    assert points["1.600,42.550"]["last_hour"] == {"pass": 0, "stop": 0}
    assert points["1.600,42.550"]["last_24h"] == {"pass": 1, "stop": 1}
    with ctx.sessions() as session:
        series = dashboard.scan_series(session, now=NOW)
    assert len(series["hours"]) == 24 and series["hours"][-1] == "2026-12-02T02:00:00+00:00"
    assert series["pass"][-1] == 0 and series["stop"][-1] == 0  # 01:40 and 01:50 are in the hour before
    assert series["pass"][-2] == 1 and series["stop"][-2] == 1
    assert series["stop"][-4] == 1 and series["pass"][-5] == 1  # 23:00 and 22:59
    assert sum(series["pass"]) == 2 and sum(series["stop"]) == 2


def test_route_figures_today_and_the_share_crossing_a_zone(ctx):
    def route(route_id, crossed, at):
        result = {"id": route_id, "zones_crossed": [{"zone_id": "z"}] if crossed else [], "legs": []}
        return RouteRow(id=route_id, request="{}", result=dumps(result), created_at=at)

    _add(
        ctx,
        route("r1", True, NOW - timedelta(hours=1)),
        route("r2", False, NOW - timedelta(hours=2)),
        route("r3", False, NOW - timedelta(hours=3)),
        route("r4", True, NOW - timedelta(hours=3)),
        route("r5", True, DAY_START - timedelta(minutes=1)),  # yesterday
    )
    assert _figures(ctx)["routes"] == {"planned": 4, "crossing_zone": 2, "crossing_share": 0.5}


def test_no_routes_no_share(ctx):
    assert _figures(ctx)["routes"] == {"planned": 0, "crossing_zone": 0, "crossing_share": None}


def _scans_at(point, *, stops, passes, start, step):
    out = []
    for i in range(stops + passes):
        out.append(
            _scan(point, "stop" if i < stops else "pass", start + i * step, reasons=["revoked: x / y"] * (i < stops))
        )
    return out


def test_stop_rate_alert_against_the_checkpoints_own_week(ctx):
    week_ago = NOW - timedelta(days=6)
    # CP_A usually stops 1 in 20; in the last hour 6 of 12: an alert
    # CP_B usually stops half; in the last hour 7 of 12: no alert
    _add(
        ctx,
        *_scans_at(CP_A, stops=10, passes=190, start=week_ago, step=timedelta(minutes=30)),
        *_scans_at(CP_A, stops=6, passes=6, start=NOW - timedelta(minutes=50), step=timedelta(minutes=3)),
        *_scans_at(CP_B, stops=100, passes=100, start=week_ago, step=timedelta(minutes=30)),
        *_scans_at(CP_B, stops=7, passes=5, start=NOW - timedelta(minutes=50), step=timedelta(minutes=3)),
    )
    found = [a for a in _alerts(ctx) if a["kind"] == "stop_rate"]
    assert [a["checkpoint"] for a in found] == ["1.520,42.510"]
    alert = found[0]
    assert (alert["stops"], alert["scans"]) == (6, 12)
    assert (alert["baseline_stops"], alert["baseline_scans"]) == (10, 200)
    expected = dashboard.binomial_z(6, 12, 10.5 / 201)
    assert alert["z"] == round(expected, 2) and expected >= dashboard.STOP_Z


def test_stop_rate_needs_ten_scans_in_the_hour(ctx):
    _add(
        ctx,
        *_scans_at(CP_A, stops=0, passes=200, start=NOW - timedelta(days=6), step=timedelta(minutes=30)),
        *_scans_at(CP_A, stops=9, passes=0, start=NOW - timedelta(minutes=50), step=timedelta(minutes=3)),
    )
    assert [a for a in _alerts(ctx) if a["kind"] == "stop_rate"] == []
    _add(ctx, _scan(CP_A, "stop", NOW - timedelta(minutes=1), reasons=["revoked: x / y"]))
    assert [a["checkpoint"] for a in _alerts(ctx) if a["kind"] == "stop_rate"] == ["1.520,42.510"]


def test_impossible_travel_alert_from_the_flag_of_the_scan(ctx):
    flag = {
        "first": {"scan_id": 1, "at": (NOW - timedelta(minutes=5)).isoformat(), "checkpoint": list(CP_A)},
        "second": {"scan_id": None, "at": NOW.isoformat(), "checkpoint": list(CP_B)},
        "elapsed_s": 300.0,
        "fastest_s": 1200.0,
        "distance_m": 9000,
    }
    _add(
        ctx,
        _scan(CP_A, "pass", NOW - timedelta(minutes=5), pass_no="410800000001"),
        _scan(CP_B, "stop", NOW - timedelta(minutes=1), pass_no="410800000001", flags={"impossible_travel": flag}),
        _scan(CP_B, "pass", NOW - timedelta(minutes=1), pass_no="410800000002"),  # not flagged
        _scan(CP_B, "stop", NOW - timedelta(hours=30), pass_no="410800000003", flags={"impossible_travel": flag}),
    )
    found = [a for a in _alerts(ctx) if a["kind"] == "impossible_travel"]
    assert len(found) == 1
    assert found[0]["pass_no"] == "410800000001" and found[0]["second"]["scan_id"] == 2
    assert (found[0]["elapsed_s"], found[0]["fastest_s"], found[0]["distance_m"]) == (300.0, 1200.0, 9000)


def test_fused_pass_used_alert_only_between_fuse_and_restore(ctx):
    _add(
        ctx,
        _pass("410800000001", enterprise="ent-1", issued_at=NOW - timedelta(hours=10)),
        _pass("410800000002", enterprise="ent-2", issued_at=NOW - timedelta(hours=10)),
        FuseRow(site_id="ent-1", action="fuse", reason="x", created_at=NOW - timedelta(hours=3)),
        FuseRow(site_id="ent-1", action="unfuse", reason="x", created_at=NOW - timedelta(hours=1)),
        _scan(CP_A, "pass", NOW - timedelta(hours=4), pass_no="410800000001"),  # before the fuse
        _scan(CP_A, "stop", NOW - timedelta(hours=2), pass_no="410800000001"),  # while fused
        _scan(CP_A, "pass", NOW - timedelta(minutes=10), pass_no="410800000001"),  # restored
        _scan(CP_A, "pass", NOW - timedelta(minutes=10), pass_no="410800000002"),  # never fused
    )
    found = [a for a in _alerts(ctx) if a["kind"] == "fused_pass_used"]
    assert len(found) == 1
    assert found[0]["pass_no"] == "410800000001" and found[0]["enterprise"] == "ent-1"
    assert found[0]["checked_at"] == (NOW - timedelta(hours=2)).isoformat()
    assert found[0]["fused_at"] == (NOW - timedelta(hours=3)).isoformat()


def test_nothing_stored_no_alert(ctx):
    assert _alerts(ctx) == []


def test_the_snapshot_has_every_part_and_iso_times(ctx):
    with ctx.sessions() as session:
        doc = dashboard.snapshot(ctx, session, now=NOW)
    assert set(doc) == {"version", "at", "timezone", "figures", "series", "alerts", "layers"}
    assert doc["at"] == NOW.isoformat() and doc["figures"]["day_start"] == DAY_START.isoformat()
    assert set(doc["layers"]) == {
        "zones",
        "closures",
        "green-channels",
        "stations",
        "docking-points",
        "drop-points",
        "checkpoints",
    }
    json.dumps(doc)  # JSON as it is


def run_loop(main) -> None:
    """``asyncio.run(main())`` in a thread of its own (the browser tests' Playwright keeps a loop in this one)."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(main())
        except BaseException as err:  # re-raised in the test's thread
            errors.append(err)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the scenario did not end"
    if errors:
        raise errors[0]


def test_the_feed_starts_lazily_computes_once_per_change_and_stops(ctx):
    feed = dashboard.DashboardFeed(ctx, poll_s=0.05, refresh_s=3600, idle_stop_s=0.2, min_interval_s=0.1)
    assert not feed.running  # nothing started by making it

    async def scenario():
        sub = feed.subscribe(asyncio.get_running_loop())
        assert feed.running
        first = await asyncio.to_thread(feed.current)
        assert await asyncio.to_thread(feed.current) is first  # nothing changed: the same snapshot
        _add(ctx, _scan(CP_A, "pass", datetime.now(UTC)))
        item = await asyncio.wait_for(sub.queue.get(), 10)
        while item.version == first.version:  # a snapshot of the state before the scan, computed meanwhile
            item = await asyncio.wait_for(sub.queue.get(), 10)
        assert json.loads(item.data)["figures"]["scans"]["last_hour"]["pass"] == 1
        computed = feed.computations
        await asyncio.sleep(0.3)  # no change: no new computation
        assert feed.computations == computed
        feed.unsubscribe(sub)

    run_loop(scenario)
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while feed.running and datetime.now(UTC) < deadline:
        __import__("time").sleep(0.05)
    assert not feed.running  # idle: the thread ended by itself
    feed.close()


def test_closing_the_context_stops_the_feed(ctx):
    feed = ctx.dashboard_feed()
    assert ctx.dashboard_feed() is feed
    feed.current()
    assert feed.running
    ctx.stop_dashboard()
    assert not feed.running
