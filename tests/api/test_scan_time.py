"""A scan's time is the server's: back-dated verifications are refused or are what-if checks never stored;
offline scans uploaded later carry the device's time next to the upload time, stored once per key.

Runs on SQLite and PostgreSQL (the ``settings`` fixture of tests/_app.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.api import test_passes
from tests.api.test_passes import iso, issue, now, on_route, verify

fleet = test_passes.fleet  # the fixture: an enterprise with a vehicle and two crew


def scans_of(client, auth_headers, pass_no) -> list[dict]:
    r = client.get(f"/passes/{pass_no}/scans", headers=auth_headers("planner"))
    assert r.status_code == 200, r.text
    return r.json()


def test_a_back_dated_verification_is_refused_and_stores_nothing(client, auth_headers, fleet):
    p = issue(client, auth_headers, fleet)
    point = on_route(client, auth_headers, p)
    for at in (p["valid_until"], iso(datetime.fromisoformat(p["valid_from"]) - timedelta(hours=1))):
        r = verify(client, auth_headers, p["token"], point, at=at, plate="豫H·12345")
        assert r.status_code == 422, r.text
        assert "at" in r.text and "dry_run" in r.text
    assert scans_of(client, auth_headers, p["pass_no"]) == []


def test_a_what_if_check_answers_and_is_never_stored(client, auth_headers, fleet):
    p = issue(client, auth_headers, fleet)
    point = on_route(client, auth_headers, p)
    r = verify(client, auth_headers, p["token"], point, at=p["valid_until"], plate="豫H·12345", dry_run=True)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dry_run"] is True and body["scan_id"] is None
    assert "expired" in body["codes"] and body["verdict"] == "stop"
    assert datetime.fromisoformat(body["checked_at"]) == datetime.fromisoformat(p["valid_until"])
    # dry_run without `at` checks now, still unstored
    r = verify(client, auth_headers, p["token"], point, plate="豫H·12345", dry_run=True)
    assert r.json()["verdict"] == "pass" and r.json()["scan_id"] is None
    assert scans_of(client, auth_headers, p["pass_no"]) == []
    # a real scan is at the server's time and stored
    before = now()
    r = verify(client, auth_headers, p["token"], point, plate="豫H·12345")
    assert r.status_code == 200 and r.json()["dry_run"] is False and isinstance(r.json()["scan_id"], int)
    assert datetime.fromisoformat(r.json()["checked_at"]) >= before
    assert [s["id"] for s in scans_of(client, auth_headers, p["pass_no"])] == [r.json()["scan_id"]]


def test_no_plate_typed_is_noted_not_a_stop(client, auth_headers, fleet):
    p = issue(client, auth_headers, fleet)
    point = on_route(client, auth_headers, p)
    r = verify(client, auth_headers, p["token"], point)
    assert r.json()["verdict"] == "pass"
    assert [n.split(":")[0] for n in r.json()["notes"]] == ["plate_not_checked"]
    assert "车牌未核对" in r.json()["notes"][0] and "not checked" in r.json()["notes"][0]
    r = verify(client, auth_headers, p["token"], point, plate="豫H·12345")
    assert r.json()["verdict"] == "pass" and r.json()["notes"] == []


def offline(client, auth_headers, body, role="checkpoint"):
    return client.post("/passes/scans/offline", json=body, headers=auth_headers(role))


def test_an_offline_scan_stores_both_times_once_per_key(client, auth_headers, fleet):
    p = issue(client, auth_headers, fleet)
    point = on_route(client, auth_headers, p)
    device_time = datetime.fromisoformat(p["valid_from"]) + timedelta(seconds=1)  # the device scanned, offline
    body = {
        "token": p["token"],
        "checkpoint": point,
        "device_time": iso(device_time),
        "idempotency_key": "3f0c2a4e-7b1d-4c52-9a57-d1b2c3e4f5a6",
        "plate": "豫H·12345",
        "device_verdict": "pass",
        "device_reasons": [],
    }
    start = now()
    r = offline(client, auth_headers, body)
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["duplicate"] is False and first["mode"] == "uploaded"
    assert datetime.fromisoformat(first["device_time"]) == device_time
    assert datetime.fromisoformat(first["recorded_at"]) >= start  # the upload, the server's time
    assert first["verdict"] == "pass" and first["agrees_with_device"] is True
    # the same upload again (a retry after a lost answer): the first scan, nothing new
    again = offline(client, auth_headers, body)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["scan_id"] == first["scan_id"]
    scans = scans_of(client, auth_headers, p["pass_no"])
    assert [s["id"] for s in scans] == [first["scan_id"]]
    assert datetime.fromisoformat(scans[0]["device_time"]) == device_time
    # another key is another scan; the device said pass, the server (with a wrong plate) says stop
    other = dict(body, idempotency_key="second-scan-0001", plate="豫H·99999")
    r = offline(client, auth_headers, other)
    assert r.json()["verdict"] == "stop" and r.json()["agrees_with_device"] is False
    assert len(scans_of(client, auth_headers, p["pass_no"])) == 2


def test_an_offline_scan_is_checked_at_the_device_time_within_bounds(client, auth_headers, fleet):
    p = issue(client, auth_headers, fleet)
    point = on_route(client, auth_headers, p)
    base = {"token": p["token"], "checkpoint": point, "plate": "豫H·12345"}
    # before the pass was valid on the device's clock: a stop, recorded as uploaded
    early = iso(datetime.fromisoformat(p["valid_from"]) - timedelta(minutes=10))
    r = offline(client, auth_headers, dict(base, device_time=early, idempotency_key="early-0001"))
    assert r.status_code == 200 and r.json()["codes"] == ["not_yet_valid"], r.text
    for bad in (iso(now() + timedelta(hours=1)), iso(now() - timedelta(days=4)), "2022-04-20T08:00:00"):
        r = offline(client, auth_headers, dict(base, device_time=bad, idempotency_key="bad-time-0001"))
        assert r.status_code == 422 and "device_time" in r.text, r.text
    r = offline(client, auth_headers, dict(base, device_time=iso(now()), idempotency_key="x"))
    assert r.status_code == 422 and "idempotency_key" in r.text
    # only the checkpoint role uploads scans
    body = dict(base, device_time=iso(now()), idempotency_key="planner-0001")
    assert offline(client, auth_headers, body, role="planner").status_code == 403
    assert client.post("/passes/scans/offline", json=body).status_code == 401


def test_a_pass_at_two_places_no_truck_could_link_is_stopped_on_the_second_scan(client, auth_headers, fleet):
    p = issue(client, auth_headers, fleet)
    route = client.get(f"/routes/{p['route_id']}", headers=auth_headers("planner")).json()
    coords = route["geometry"]["coordinates"]
    start, end = coords[len(coords) // 10], coords[-len(coords) // 10]  # kilometres apart on the route
    first = verify(client, auth_headers, p["token"], start, plate="豫H·12345").json()
    assert first["verdict"] == "pass" and first["flags"] is None
    second = verify(client, auth_headers, p["token"], end, plate="豫H·12345").json()  # seconds later
    assert second["verdict"] == "stop" and second["codes"] == ["impossible_travel"], second
    assert "即采即走即追" in second["reasons"][0] and "no truck" in second["reasons"][0]
    flag = second["flags"]["impossible_travel"]
    assert flag["first"]["scan_id"] == first["scan_id"] and flag["second"]["scan_id"] == second["scan_id"]
    assert flag["first"]["checkpoint"] == first["checkpoint"] and flag["second"]["checkpoint"] == second["checkpoint"]
    assert flag["fastest_s"] > flag["elapsed_s"] >= 0 and flag["distance_m"] >= 1000
    # the trace keeps the flag; a scan again at the same place is no new trip
    again = verify(client, auth_headers, p["token"], end, plate="豫H·12345").json()
    assert again["verdict"] == "pass" and again["flags"] is None
    scans = scans_of(client, auth_headers, p["pass_no"])
    assert [s["flags"] is not None for s in scans] == [False, True, False]
    assert scans[1]["flags"]["impossible_travel"]["second"]["scan_id"] == scans[1]["id"]
    # an uploaded offline scan is judged by the device's time: back at the start a second after the last scan
    soon = datetime.fromisoformat(again["checked_at"]) + timedelta(seconds=1)
    body = {"token": p["token"], "checkpoint": start, "device_time": iso(soon), "idempotency_key": "travel-0001"}
    up = client.post("/passes/scans/offline", json=body, headers=auth_headers("checkpoint")).json()
    assert "impossible_travel" in up["codes"], up
    assert up["flags"]["impossible_travel"]["first"]["scan_id"] == again["scan_id"]
    assert up["flags"]["impossible_travel"]["second"]["scan_id"] == up["scan_id"]
