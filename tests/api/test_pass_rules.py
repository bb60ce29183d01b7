"""One vehicle, one pass, one route: an overlapping pass is a 409 naming the pass the vehicle holds,
unless the request replaces it (superseded in the same transaction); renewal is its own operation
that links the old and the new pass.  Race-free: two concurrent issuances for one vehicle give one
201 and one 409 (SQLite and PostgreSQL, the ``database_url`` fixture).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from tests.api.test_passes import (
    add_crew,
    add_vehicle,
    codes,
    fleet,  # noqa: F401  (fixture)
    iso,
    issue,
    now,
    on_route,
    pass_body,
    verify,
)


def test_overlapping_pass_is_409_naming_the_pass_the_vehicle_holds(client, auth_headers, fleet):  # noqa: F811
    first = issue(client, auth_headers, fleet)
    r = client.post("/passes", json=pass_body(fleet), headers=auth_headers("dispatcher"))
    assert r.status_code == 409, r.text
    detail = r.json()["detail"]
    assert first["pass_no"] in detail and "replaces" in detail and first["plate"] in detail
    # the refusal stored nothing: the first pass is the only one and still valid
    assert client.get(f"/passes/{first['pass_no']}", headers=auth_headers("planner")).json()["status"] == "valid"
    # the same plate by plate instead of vehicle id is the same vehicle
    r = client.post(
        "/passes", json=pass_body(fleet, vehicle_id=None, plate="豫H12345"), headers=auth_headers("dispatcher")
    )
    assert r.status_code == 409 and first["pass_no"] in r.json()["detail"]
    # a window that does not overlap the first is fine (the driver's 48-h test still holds then)
    until = datetime.fromisoformat(first["valid_until"])
    later = issue(
        client,
        auth_headers,
        fleet,
        crew_ids=[fleet["crew"][0]["id"]],
        valid_from=iso(until),
        valid_until=iso(until + timedelta(hours=4)),
    )
    assert later["status"] == "not_yet_valid" and later["replaces"] is None
    # another vehicle of the enterprise gets its own pass
    other = add_vehicle(client, auth_headers, fleet["site"], plate="豫H·77777")
    assert issue(client, auth_headers, fleet, vehicle_id=other["id"])["plate"] == "豫H·77777"


def test_replaces_supersedes_the_old_pass_in_the_same_transaction(client, auth_headers, fleet):  # noqa: F811
    first = issue(client, auth_headers, fleet)
    point = on_route(client, auth_headers, first)
    second = issue(client, auth_headers, fleet, replaces=first["pass_no"])
    assert second["replaces"] == first["pass_no"] and second["status"] == "valid"
    old = client.get(f"/passes/{first['pass_no']}", headers=auth_headers("planner")).json()
    assert old["status"] == "superseded" and old["superseded_by"] == second["pass_no"]
    assert old["revoke_reason"] == f"superseded by {second['pass_no']}" and old["revoked_at"] is not None
    stopped = verify(client, auth_headers, first["token"], point)
    assert codes(stopped) == ["revoked"] and second["pass_no"] in stopped.json()["reasons"][0]
    assert verify(client, auth_headers, second["token"], point).json()["verdict"] == "pass"
    # the old pass cannot be replaced twice, nor revoked again
    r = client.post("/passes", json=pass_body(fleet, replaces=first["pass_no"]), headers=auth_headers("dispatcher"))
    assert r.status_code == 409 and second["pass_no"] in r.json()["detail"]
    r = client.post(f"/passes/{first['pass_no']}/revoke", json={"reason": "x"}, headers=auth_headers("planner"))
    assert r.status_code == 409
    # `replaces` must name a pass of this vehicle
    other = add_vehicle(client, auth_headers, fleet["site"], plate="豫H·88888")
    r = client.post(
        "/passes",
        json=pass_body(fleet, vehicle_id=other["id"], replaces=second["pass_no"]),
        headers=auth_headers("dispatcher"),
    )
    assert r.status_code == 422 and "replaces" in r.text and second["pass_no"] in r.text
    for bad in ("410800999999", "12ab"):
        r = client.post("/passes", json=pass_body(fleet, replaces=bad), headers=auth_headers("dispatcher"))
        assert r.status_code in (404, 422) and bad in r.text, r.text
    assert client.get(f"/passes/{second['pass_no']}", headers=auth_headers("planner")).json()["status"] == "valid"


def test_renewal_extends_validity_with_a_new_crew_test_and_keeps_the_history(client, auth_headers, fleet):  # noqa: F811
    first = issue(
        client, auth_headers, fleet, crew_ids=[fleet["crew"][0]["id"]], valid_until=iso(now() + timedelta(hours=3))
    )
    retested = add_crew(client, auth_headers, fleet["site"], hours_ago=1, name="张三")
    body = {"valid_until": iso(now() + timedelta(hours=30)), "crew_ids": [retested["id"]]}
    r = client.post(f"/passes/{first['pass_no']}/renew", json=body, headers=auth_headers("dispatcher"))
    assert r.status_code == 201, r.text
    renewed = r.json()
    assert renewed["pass_no"] != first["pass_no"] and renewed["replaces"] == first["pass_no"]
    assert renewed["plate"] == first["plate"] and renewed["cargo"] == first["cargo"]
    assert renewed["origin"] == first["origin"] and renewed["destination"] == first["destination"]
    assert datetime.fromisoformat(renewed["valid_until"]) > datetime.fromisoformat(first["valid_until"])
    assert [c["id"] for c in renewed["crew"]] == [retested["id"]]
    old = client.get(f"/passes/{first['pass_no']}", headers=auth_headers("planner")).json()
    assert old["status"] == "superseded" and old["superseded_by"] == renewed["pass_no"]
    point = on_route(client, auth_headers, renewed)
    assert verify(client, auth_headers, renewed["token"], point).json()["verdict"] == "pass"
    # a superseded pass is not renewed again: the answer names its successor
    r = client.post(f"/passes/{first['pass_no']}/renew", json=body, headers=auth_headers("dispatcher"))
    assert r.status_code == 409 and renewed["pass_no"] in r.json()["detail"]
    # renewal is a dispatcher's write, and checks the rules again (a stale crew test is refused)
    assert client.post(f"/passes/{renewed['pass_no']}/renew", json=body).status_code == 401
    r = client.post(f"/passes/{renewed['pass_no']}/renew", json=body, headers=auth_headers("planner"))
    assert r.status_code == 403
    stale = add_crew(client, auth_headers, fleet["site"], hours_ago=50, name="赵六")
    r = client.post(
        f"/passes/{renewed['pass_no']}/renew",
        json={**body, "crew_ids": [stale["id"]]},
        headers=auth_headers("dispatcher"),
    )
    assert r.status_code == 422 and "crew_test_stale" in r.text
    assert client.get(f"/passes/{renewed['pass_no']}", headers=auth_headers("planner")).json()["status"] == "valid"


def test_two_concurrent_issuances_for_one_vehicle_give_one_201_and_one_409(app, auth_headers, fleet):  # noqa: F811
    clients = [TestClient(app), TestClient(app)]
    for trial in range(3):
        vehicle = (
            fleet["vehicle"]
            if trial == 0
            else add_vehicle(clients[0], auth_headers, fleet["site"], plate=f"豫H·4000{trial}")
        )
        body = pass_body(fleet, vehicle_id=vehicle["id"])
        start = threading.Barrier(2)
        answers: list = [None, None]

        def post(i: int, body: dict = body, start: threading.Barrier = start, answers: list = answers) -> None:
            start.wait()
            answers[i] = clients[i].post("/passes", json=body, headers=auth_headers("dispatcher"))

        threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        statuses = sorted(r.status_code for r in answers)
        assert statuses == [201, 409], [r.text for r in answers]
        won = next(r for r in answers if r.status_code == 201).json()
        lost = next(r for r in answers if r.status_code == 409).json()
        assert won["pass_no"] in lost["detail"]
