"""Racing decisions over HTTP against the real server (two worker processes, SQLite and PostgreSQL).

Six clients approve or reject one closure at the same moment, six revoke one pass, six fuse one
enterprise: exactly one answer is 200 and the others 409 naming the decision that won.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import httpx

from routing.engine import FORBIDDEN
from tests._data import shared_file, way_with_a_way_round
from tests.api._server import pass_request, running_server

CALLERS = 6
ENTERPRISE_POINT = [1.5218, 42.5063]
DESTINATION = [1.5923, 42.5413]


def at_once(base_url: str, requests: list[tuple[str, str, dict, dict | None]]) -> list[httpx.Response]:
    """Send ``(method, path, headers, json)`` requests together, each on its own connection."""
    barrier = threading.Barrier(len(requests))
    out: list = [None] * len(requests)

    def run(i: int) -> None:
        method, path, headers, body = requests[i]
        with httpx.Client(base_url=base_url, timeout=120) as c:
            c.get("/health")  # connected before the start
            barrier.wait(timeout=60)
            out[i] = c.request(method, path, headers=headers, json=body)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return out


def one_winner(answers: list[httpx.Response]) -> tuple[httpx.Response, list[httpx.Response]]:
    codes = sorted(r.status_code for r in answers)
    assert codes == [200] + [409] * (len(answers) - 1), [(r.status_code, r.text[:200]) for r in answers]
    won = next(r for r in answers if r.status_code == 200)
    return won, [r for r in answers if r.status_code == 409]


def test_racing_decisions_over_http(tmp_path, database_url, andorra_router):
    env = {"BAOTONG_DATABASE_URL": database_url}
    with running_server(tmp_path, network=str(shared_file("andorra.osm.pbf")), env=env, workers=2) as server:
        tokens = server.tokens()
        h = {r: {"Authorization": f"Bearer {t}"} for r, t in tokens.items()}
        with httpx.Client(base_url=server.base_url, timeout=120) as c:
            start = datetime.now(UTC) + timedelta(hours=1)
            r = c.post(
                "/closures",
                headers=h["county"],
                json={
                    "county_code": "410821",
                    "reason": "epidemic control",
                    "mode": "hard_barrier",
                    "way_ids": [
                        way_with_a_way_round(andorra_router.network, andorra_router.truck_weights != FORBIDDEN)
                    ],
                    "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(hours=4)).isoformat(),
                },
            )
            assert r.status_code == 201 and r.json()["status"] == "pending", r.text
            cid = r.json()["id"]
            body = pass_request(
                c, h, name="Race Foods", plate="豫H·13579", origin=ENTERPRISE_POINT, destination=DESTINATION
            )
            r = c.post("/passes", headers=h["dispatcher"], json=body)
            assert r.status_code == 201, r.text
            pass_no, site = r.json()["pass_no"], body["enterprise_id"]

        decisions = [
            (
                "POST",
                f"/closures/{cid}/{'approve' if i % 2 == 0 else 'reject'}",
                h["province_approver"],
                {"note": str(i)},
            )
            for i in range(CALLERS)
        ]
        won, lost = one_winner(at_once(server.base_url, decisions))
        status = won.json()["status"]
        assert all(f"already {status}" in r.json()["detail"] for r in lost), [r.json()["detail"] for r in lost]
        with httpx.Client(base_url=server.base_url, timeout=60) as c:
            events = c.get(f"/closures/{cid}").json()["events"]
        assert [e["action"] for e in events if e["action"] in ("approved", "rejected")] == [status]

        revokes = [("POST", f"/passes/{pass_no}/revoke", h["planner"], {"reason": f"r{i}"}) for i in range(CALLERS)]
        won, lost = one_winner(at_once(server.base_url, revokes))
        reason = won.json()["revoke_reason"]
        assert all("already revoked" in r.json()["detail"] and reason in r.json()["detail"] for r in lost)

        fuses = [("POST", f"/sites/{site}/fuse", h["planner"], {"reason": f"f{i}"}) for i in range(CALLERS)]
        won, lost = one_winner(at_once(server.base_url, fuses))
        assert all("not on the whitelist" in r.json()["detail"] for r in lost)
        unfuses = [("POST", f"/sites/{site}/unfuse", h["planner"], {"reason": f"u{i}"}) for i in range(CALLERS)]
        won, lost = one_winner(at_once(server.base_url, unfuses))
        assert won.json()["whitelist"] is True and won.json()["restored_passes"] == []  # the pass stays revoked
