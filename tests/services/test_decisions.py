"""Racing decisions: approve/reject, revoke, fuse and un-fuse are each one conditional state change.

Six callers decide at the same moment, each on its own session and database connection (SQLite
file and PostgreSQL): exactly one decision is stored, every other caller gets a ConflictError
naming the decision that stands, and the log never holds contradictory steps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from geo.errors import ConflictError
from routing.engine import FORBIDDEN
from services import closures, passes
from store.models import ClosureEventRow, FuseRow, PassRow, SiteRow
from store.users import Principal
from tests._data import way_with_a_way_round
from tests.api._server import pass_request

CALLERS = 6
ENTERPRISE_POINT = [1.5218, 42.5063]
DESTINATION = [1.5923, 42.5413]


def race(ctx, calls: list[Callable]) -> list[tuple[str, object]]:
    """Run ``calls`` (each taking a session) at the same moment on their own sessions:
    ``("ok", answer)`` or ``("conflict", message)`` per call."""
    barrier = threading.Barrier(len(calls))
    out: list = [None] * len(calls)
    errors: list = []

    def run(i: int) -> None:
        with ctx.sessions() as session:
            session.connection()  # a connection of its own, taken before the start
            barrier.wait(timeout=60)
            try:
                out[i] = ("ok", calls[i](session))
            except ConflictError as err:
                out[i] = ("conflict", str(err))
            except Exception as err:  # anything else fails the test
                errors.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return out


def province_closure(client: TestClient, headers, router) -> str:
    """A pending hard barrier on a provincial CG-2 way the rules allow (a province approver decides)."""
    way = way_with_a_way_round(router.network, router.truck_weights != FORBIDDEN)
    start = datetime.now(UTC) + timedelta(hours=1)
    r = client.post(
        "/closures",
        headers=headers("county"),
        json={
            "county_code": "410821",
            "reason": "epidemic control",
            "mode": "hard_barrier",
            "way_ids": [way],
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=4)).isoformat(),
        },
    )
    assert r.status_code == 201 and r.json()["status"] == "pending", r.text
    return r.json()["id"]


def approver(i: int) -> Principal:
    return Principal(100 + i, f"approver-{i}", "province_approver", None)


def planner(i: int) -> Principal:
    return Principal(200 + i, f"planner-{i}", "planner", None)


def test_six_concurrent_approve_reject_one_wins(app, client, auth_headers):
    ctx = app.state.baotong
    cid = province_closure(client, auth_headers, ctx.road_router)
    calls = [
        (lambda s, i=i: closures.approve_closure(s, cid, user=approver(i)))
        if i % 2 == 0
        else (lambda s, i=i: closures.reject_closure(s, cid, user=approver(i)))
        for i in range(CALLERS)
    ]
    results = race(ctx, calls)
    won = [answer for kind, answer in results if kind == "ok"]
    lost = [message for kind, message in results if kind == "conflict"]
    assert len(won) == 1 and len(lost) == CALLERS - 1, results
    status, decided_by = won[0]["status"], won[0]["decided_by"]
    assert all(f"already {status}" in m and repr(decided_by) in m for m in lost), lost
    with ctx.sessions() as s:
        steps = s.scalars(
            select(ClosureEventRow.action).where(
                ClosureEventRow.closure_id == cid, ClosureEventRow.action.in_(("approved", "rejected"))
            )
        ).all()
    assert steps == [status]  # one decision in the log, the one the row holds
    assert client.get(f"/closures/{cid}").json()["status"] == status


def test_six_concurrent_revokes_one_wins(app, client, auth_headers):
    ctx = app.state.baotong
    h = {r: auth_headers(r) for r in ("planner", "dispatcher")}
    body = pass_request(
        client, h, name="Race Foods", plate="豫H·24680", origin=ENTERPRISE_POINT, destination=DESTINATION
    )
    r = client.post("/passes", headers=h["dispatcher"], json=body)
    assert r.status_code == 201, r.text
    pass_no = r.json()["pass_no"]
    results = race(
        ctx,
        [
            (lambda s, i=i: passes.revoke_pass(s, pass_no, reason=f"reason {i}", user=planner(i)))
            for i in range(CALLERS)
        ],
    )
    won = [answer for kind, answer in results if kind == "ok"]
    lost = [message for kind, message in results if kind == "conflict"]
    assert len(won) == 1 and len(lost) == CALLERS - 1, results
    reason = won[0]["revoke_reason"]
    assert all("already revoked" in m and reason in m for m in lost), lost
    with ctx.sessions() as s:
        row = s.get(PassRow, pass_no)
        assert row.revoke_reason == reason and row.revoked_at is not None  # never overwritten


def test_concurrent_fuse_and_unfuse_alternate(app, client, auth_headers):
    ctx = app.state.baotong
    r = client.post(
        "/sites",
        headers=auth_headers("planner"),
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": ENTERPRISE_POINT},
            "properties": {"kind": "enterprise", "name": "熔断测试", "whitelist": True},
        },
    )
    site = r.json()["id"]
    # six fuses at once: one fuse
    results = race(
        ctx, [(lambda s, i=i: passes.fuse_enterprise(s, site, reason=f"f{i}", user=planner(i))) for i in range(CALLERS)]
    )
    assert [k for k, _ in results].count("ok") == 1, results
    assert all("not on the whitelist" in m and "fused by" in m for k, m in results if k == "conflict")
    # six un-fuses at once: one un-fuse
    results = race(
        ctx,
        [(lambda s, i=i: passes.unfuse_enterprise(s, site, reason=f"u{i}", user=planner(i))) for i in range(CALLERS)],
    )
    assert [k for k, _ in results].count("ok") == 1, results
    assert all("restored to the whitelist by" in m for k, m in results if k == "conflict")
    # fuses and un-fuses mixed: whatever wins, the steps alternate and the site holds the last one
    mixed = [
        (lambda s, i=i: passes.fuse_enterprise(s, site, reason=f"m{i}", user=planner(i)))
        if i % 2 == 0
        else (lambda s, i=i: passes.unfuse_enterprise(s, site, reason=f"m{i}", user=planner(i)))
        for i in range(CALLERS)
    ]
    wins = [k for k, _ in race(ctx, mixed)].count("ok")
    with ctx.sessions() as s:
        steps = s.scalars(select(FuseRow.action).where(FuseRow.site_id == site).order_by(FuseRow.id)).all()
        whitelisted = s.get(SiteRow, site).whitelist
    assert len(steps) == 2 + wins and wins >= 1
    assert all(a != b for a, b in zip(steps, steps[1:], strict=False)), steps
    assert steps[0] == "fuse" and whitelisted == (steps[-1] == "unfuse")


def test_unfuse_of_an_enterprise_never_fused_is_a_conflict(app, client, auth_headers):
    r = client.post(
        "/sites",
        headers=auth_headers("planner"),
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": ENTERPRISE_POINT},
            "properties": {"kind": "enterprise", "name": "未列入", "whitelist": False},
        },
    )
    r = client.post(f"/sites/{r.json()['id']}/unfuse", headers=auth_headers("planner"), json={"reason": "x"})
    assert r.status_code == 409 and "never fused" in r.json()["detail"], r.text


@pytest.mark.parametrize("role", ["dispatcher", "checkpoint", "county"])
def test_only_planners_unfuse(client, auth_headers, role):
    r = client.post("/sites/x-unknown/unfuse", headers=auth_headers(role), json={"reason": "x"})
    assert r.status_code == 403
