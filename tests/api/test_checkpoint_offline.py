"""What the offline checkpoint page stands on: the revocation list (content, ETag / 304, who reads it), the web
app manifest, the service worker's headers, and the offline-scan upload (stored once per key with both times;
a refused upload changes nothing).

Runs on SQLite and PostgreSQL (the ``settings`` fixture of tests/_app.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.api import test_passes
from tests.api.test_passes import another_vehicle, iso, issue, now, on_route

fleet = test_passes.fleet  # the fixture: an enterprise with a vehicle and two crew


def revocations(client, headers, **extra):
    return client.get("/passes/revocations", headers={**headers, **extra})


def test_the_revocation_list_names_revoked_passes_and_fused_enterprises(client, auth_headers, fleet):
    ckpt = auth_headers("checkpoint")
    r = revocations(client, ckpt)
    assert r.status_code == 200, r.text
    empty = r.json()
    assert empty["revoked"] == [] and empty["fused"] == []
    assert empty["policy"] == {"test_validity_h": 48.0, "mobile_test_validity_h": 24.0, "corridor_buffer_m": 500.0}
    assert datetime.fromisoformat(empty["generated_at"]).tzinfo is not None
    etag = r.headers["etag"]
    assert etag.startswith('"') and r.headers["cache-control"] == "no-cache"
    # unchanged: 304 with the same tag and no body, also among other tags; an old tag gets the list
    same = revocations(client, ckpt, **{"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    assert revocations(client, ckpt, **{"If-None-Match": f'"x", {etag}'}).status_code == 304
    assert revocations(client, ckpt, **{"If-None-Match": '"old"'}).status_code == 200

    kept = issue(client, auth_headers, fleet)
    revoked = issue(client, auth_headers, fleet, **another_vehicle(client, auth_headers, fleet, "豫H·10001"))
    before = now()
    r = client.post(
        f"/passes/{revoked['pass_no']}/revoke", json={"reason": "测试 test"}, headers=auth_headers("planner")
    )
    assert r.status_code == 200, r.text
    changed = revocations(client, ckpt, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    body = changed.json()
    assert [x["pass_no"] for x in body["revoked"]] == [revoked["pass_no"]]
    assert datetime.fromisoformat(body["revoked"][0]["revoked_at"]) >= before - timedelta(seconds=1)
    assert kept["pass_no"] not in str(body) and body["fused"] == []

    # the fuse: the enterprise is listed with the time it was fused, while it holds a pass in its window
    r = client.post(f"/sites/{fleet['site']}/fuse", json={"reason": "测试 test"}, headers=auth_headers("planner"))
    assert r.status_code == 200, r.text
    body = revocations(client, ckpt).json()
    assert [f["enterprise_id"] for f in body["fused"]] == [fleet["site"]]
    assert datetime.fromisoformat(body["fused"][0]["fused_at"]) >= before - timedelta(seconds=1)
    # un-fused: off the list again, and the list's tag is the one it had before the fuse
    tag_revoked = changed.headers["etag"]
    r = client.post(f"/sites/{fleet['site']}/unfuse", json={"reason": "恢复 restored"}, headers=auth_headers("planner"))
    assert r.status_code == 200, r.text
    assert revocations(client, ckpt, **{"If-None-Match": tag_revoked}).status_code == 304


def test_only_checkpoints_read_the_revocation_list(client, auth_headers):
    assert client.get("/passes/revocations").status_code == 401
    for role in ("planner", "dispatcher"):
        r = revocations(client, auth_headers(role))
        assert r.status_code == 403, (role, r.text)
        assert "checkpoint" in r.text
    assert revocations(client, auth_headers("checkpoint")).status_code == 200


def test_the_manifest_installs_the_checkpoint_page(client):
    r = client.get("/checkpoint/manifest.webmanifest")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/manifest+json")
    m = r.json()
    assert m["start_url"] == "/checkpoint" and m["scope"] == "/checkpoint" and m["display"] == "standalone"
    assert "检查站" in m["name"]
    sizes = {i["sizes"] for i in m["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in m["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG\r\n\x1a\n"), icon
        width, height = int.from_bytes(png.content[16:20], "big"), int.from_bytes(png.content[20:24], "big")
        assert f"{width}x{height}" == icon["sizes"]


def test_the_service_worker_is_served_for_the_checkpoint_scope(client):
    r = client.get("/checkpoint/sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == "/checkpoint"
    assert r.headers["cache-control"] == "no-cache"
    csp = r.headers["content-security-policy"]
    assert "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "default-src 'none'" in csp  # nothing else: no other host, no inline script
    assert "/passes/revocations" in r.text and "/.well-known/jwks.json" in r.text
    # the page may register it: its policy allows workers of its own origin
    page_csp = client.get("/login").headers["content-security-policy"]
    assert "worker-src 'self'" in page_csp


def test_the_checkpoint_page_links_the_manifest_and_the_offline_verifier(client, auth_headers):
    r = client.get("/checkpoint", headers=auth_headers("checkpoint"))
    assert r.status_code == 200
    for needle in (
        'rel="manifest" href="/checkpoint/manifest.webmanifest"',
        "/static/checkpoint/verify.js",
        "/static/vendor/geographiclib-geodesic/geographiclib-geodesic.min.js",
        'id="list-age"',
        'id="queue"',
        "data-messages=",
    ):
        assert needle in r.text, needle


def offline(client, auth_headers, body, role="checkpoint"):
    return client.post("/passes/scans/offline", json=body, headers=auth_headers(role))


def scans_of(client, auth_headers, pass_no) -> list[dict]:
    r = client.get(f"/passes/{pass_no}/scans", headers=auth_headers("planner"))
    assert r.status_code == 200, r.text
    return r.json()


def test_an_offline_upload_is_stored_once_with_both_times(client, auth_headers, fleet):
    p = issue(client, auth_headers, fleet)
    point = on_route(client, auth_headers, p)
    device_time = now() - timedelta(minutes=30)
    body = {
        "token": p["token"],
        "checkpoint": point,
        "device_time": iso(device_time),
        "idempotency_key": "6b3e1f0a-2c4d-4e5f-8a9b-0c1d2e3f4a5b",
        "device_verdict": "pass",
        "device_reasons": [],
    }
    start = now()
    first = offline(client, auth_headers, body)
    assert first.status_code == 200, first.text
    one = first.json()
    assert one["mode"] == "uploaded" and one["duplicate"] is False
    assert datetime.fromisoformat(one["device_time"]) == device_time
    assert datetime.fromisoformat(one["recorded_at"]) >= start > device_time
    # the same upload three more times (answers lost on a bad line): the first scan every time, nothing new
    for _ in range(3):
        again = offline(client, auth_headers, body)
        assert again.status_code == 200
        assert again.json()["duplicate"] is True and again.json()["scan_id"] == one["scan_id"]
        assert again.json()["recorded_at"] == one["recorded_at"]
    scans = scans_of(client, auth_headers, p["pass_no"])
    assert len(scans) == 1 and scans[0]["mode"] == "uploaded"
    assert datetime.fromisoformat(scans[0]["device_time"]) == device_time


def test_a_refused_upload_changes_nothing(client, auth_headers, fleet):
    p = issue(client, auth_headers, fleet)
    point = on_route(client, auth_headers, p)
    good = {"token": p["token"], "checkpoint": point, "device_time": iso(now()), "idempotency_key": "refused-0001"}
    refusals = [
        (dict(good, device_time=iso(now() + timedelta(hours=2))), "device_time"),
        (dict(good, device_time=iso(now() - timedelta(days=5))), "device_time"),
        (dict(good, device_time="2026-12-02T08:00:00"), "device_time"),
        (dict(good, checkpoint=[500.0, 42.5]), "checkpoint"),
        (dict(good, idempotency_key="bad key!"), "idempotency_key"),
        (dict(good, device_verdict="maybe"), "device_verdict"),
    ]
    for body, name in refusals:
        r = offline(client, auth_headers, body)
        assert 400 <= r.status_code < 500 and name in r.text, (name, r.status_code, r.text)
    assert scans_of(client, auth_headers, p["pass_no"]) == []
    # the key was not used up by the refusals: the good upload is stored as new
    r = offline(client, auth_headers, good)
    assert r.status_code == 200 and r.json()["duplicate"] is False
    assert len(scans_of(client, auth_headers, p["pass_no"])) == 1
