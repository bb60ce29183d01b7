"""Vehicle passes through the API on real Andorra streets: issue, verify, revoke, fuse, rotate keys.

Runs on SQLite and PostgreSQL (the ``settings`` fixture of tests/_app.py).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from passes.keys import KeyRing
from passes.token import make_claims, sign_pass

ENTERPRISE_POINT = [1.5218, 42.5063]  # Andorra la Vella
DESTINATION = [1.5923, 42.5413]  # on the CG-2 near Encamp
FAR_CHECKPOINT = [1.7300, 42.5350]  # Pas de la Casa, far from the route


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(dt: datetime) -> str:
    return dt.isoformat()


def add_enterprise(client, headers, *, whitelist=True, name="Baotong Foods") -> str:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": ENTERPRISE_POINT},
        "properties": {"kind": "enterprise", "name": name, "whitelist": whitelist, "sector": "food"},
    }
    r = client.post("/sites", json=feature, headers=headers("planner"))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def add_vehicle(client, headers, site_id, plate="豫H·12345", role="planner") -> dict:
    r = client.post(f"/sites/{site_id}/vehicles", json={"plate": plate, "ownership": "own"}, headers=headers(role))
    assert r.status_code == 201, r.text
    return r.json()


def add_crew(client, headers, site_id, *, hours_ago=10.0, mobile=False, name="张三", role="driver") -> dict:
    body = {
        "name": name,
        "id_last4": "123X",
        "role": role,
        "tested_at": iso(now() - timedelta(hours=hours_ago)),
        "mobile_role": mobile,
    }
    r = client.post(f"/sites/{site_id}/crew", json=body, headers=headers("planner"))
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def fleet(client, auth_headers):
    site = add_enterprise(client, auth_headers)
    vehicle = add_vehicle(client, auth_headers, site)
    crew = [
        add_crew(client, auth_headers, site),
        add_crew(client, auth_headers, site, hours_ago=6, mobile=True, name="李四", role="loader"),
    ]
    return {"site": site, "vehicle": vehicle, "crew": crew}


def pass_body(fleet, **kw) -> dict:
    body = {
        "enterprise_id": fleet["site"],
        "vehicle_id": fleet["vehicle"]["id"],
        "crew_ids": [c["id"] for c in fleet["crew"]],
        "cargo": "生活物资 daily necessities",
        "origin_site_id": fleet["site"],
        "destination": DESTINATION,
        "valid_until": iso(now() + timedelta(hours=20)),
    }
    body.update(kw)
    return body


def issue(client, auth_headers, fleet, **kw) -> dict:
    r = client.post("/passes", json=pass_body(fleet, **kw), headers=auth_headers("dispatcher"))
    assert r.status_code == 201, r.text
    return r.json()


def on_route(client, auth_headers, p) -> list[float]:
    route = client.get(f"/routes/{p['route_id']}", headers=auth_headers("planner")).json()
    coords = route["geometry"]["coordinates"]
    return coords[len(coords) // 2]


def verify(client, auth_headers, token, checkpoint, **kw):
    return client.post(
        "/passes/verify", json={"token": token, "checkpoint": checkpoint, **kw}, headers=auth_headers("checkpoint")
    )


def codes(r) -> list[str]:
    assert r.status_code == 200, r.text
    return r.json()["codes"]


# -- issue then verify ------------------------------------------------------------------------
def test_issue_then_verify_on_real_streets(client, auth_headers, fleet):
    p = issue(client, auth_headers, fleet)
    assert p["pass_no"] == "410800000001" and p["status"] == "valid" and p["plate"] == "豫H·12345"
    assert any(w.startswith("crew_test_expires") for w in p["warnings"])  # the mobile loader's test lapses at 24 h
    point = on_route(client, auth_headers, p)
    r = verify(client, auth_headers, p["token"], point, plate="豫h 12345")
    assert r.status_code == 200 and r.json()["verdict"] == "pass", r.text
    assert r.json()["pass"]["pass_no"] == p["pass_no"] and r.json()["mode"] == "online"
    scans = client.get(f"/passes/{p['pass_no']}/scans", headers=auth_headers("planner")).json()
    assert [s["verdict"] for s in scans] == ["pass"] and scans[0]["scanned_by"] == "test-checkpoint"
    # reads: the pass, its QR codes, the print page, the map, the public keys
    assert client.get(f"/passes/{p['pass_no']}", headers=auth_headers("dispatcher")).json()["token"] == p["token"]
    svg = client.get(f"/passes/{p['pass_no']}/qr.svg", headers=auth_headers("dispatcher"))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    png = client.get(f"/passes/{p['pass_no']}/qr.png", headers=auth_headers("dispatcher"))
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    page = client.get(f"/passes/{p['pass_no']}/print", headers=auth_headers("dispatcher"))
    assert page.status_code == 200 and p["pass_no"] in page.text and "豫H·12345" in page.text
    assert "<svg" in page.text and "srcdoc=" in page.text and "PASS" in page.text  # QR, map, scan trace
    m = client.get(f"/passes/{p['pass_no']}/map", headers=auth_headers("planner"))
    assert m.status_code == 200 and "核验记录" in m.text  # a client that asks for no language reads Chinese
    m = client.get(f"/passes/{p['pass_no']}/map?lang=en", headers=auth_headers("planner"))
    assert m.status_code == 200 and "Checkpoint scans" in m.text
    jwks = client.get("/.well-known/jwks.json").json()
    assert [k["kid"] for k in jwks["keys"]] == [p["kid"]] and "d" not in jwks["keys"][0]
    scans = "/map/layers/scans?bbox=-180,-90,180,90&zoom=3"
    assert client.get(scans).status_code == 401  # the scan layer is not public
    assert p["pass_no"] in client.get(scans, headers=auth_headers("planner")).text


def test_vehicle_and_crew_registry(client, auth_headers, fleet):
    site = fleet["site"]
    listed = client.get(f"/sites/{site}/vehicles", headers=auth_headers("dispatcher")).json()
    assert listed["count"] == 1 and listed["data"][0]["plate"] == "豫H·12345"
    assert listed["data"][0]["out_of_province"] is False
    out = add_vehicle(client, auth_headers, site, plate="京A·D12345")
    assert out["out_of_province"] is True and out["plate"] == "京A·D12345"
    crew = client.get(f"/sites/{site}/crew", headers=auth_headers("planner")).json()
    assert crew["count"] == 2 and {c["id_last4"] for c in crew["data"]} == {"123X"}
    r = client.post(f"/sites/{site}/vehicles", json={"plate": "豫H12345"}, headers=auth_headers("planner"))
    assert r.status_code == 409
    for plate in ("ABC123", "豫I·12345", "豫H·1234", "", "豫H·123456"):
        r = client.post(f"/sites/{site}/vehicles", json={"plate": plate}, headers=auth_headers("planner"))
        assert r.status_code == 422 and "plate" in r.text, (plate, r.text)
    r = client.post(
        f"/sites/{site}/crew",
        json={"name": "王五", "id_last4": "410823199001011234", "role": "driver", "tested_at": iso(now())},
        headers=auth_headers("planner"),
    )
    assert r.status_code == 422 and "410823199001011234" not in r.text  # never echoes a whole ID number
    r = client.post(
        f"/sites/{site}/crew",
        json={"name": "王五", "id_last4": "1234", "role": "driver", "tested_at": "2022-04-20T08:00:00"},
        headers=auth_headers("planner"),
    )
    assert r.status_code == 422 and "tested_at" in r.text
    assert client.get("/sites/site-nope/vehicles", headers=auth_headers("planner")).status_code == 404
    hub = client.post(
        "/sites",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": ENTERPRISE_POINT},
            "properties": {"kind": "hub_rail"},
        },
        headers=auth_headers("planner"),
    ).json()["id"]
    r = client.post(f"/sites/{hub}/vehicles", json={"plate": "豫H·54321"}, headers=auth_headers("planner"))
    assert r.status_code == 422 and "enterprise" in r.text
    assert client.get(f"/sites/{site}/vehicles", headers=auth_headers("planner")).json()["count"] == 2


# -- each failing verification reason, alone and together ----------------------------------------------
def test_each_verification_reason(client, auth_headers, fleet):
    p = issue(client, auth_headers, fleet)
    point = on_route(client, auth_headers, p)
    t0 = datetime.fromisoformat(p["valid_from"])

    # other times are what-if checks (dry_run): answered, never stored as scans
    early = verify(client, auth_headers, p["token"], point, at=iso(t0 - timedelta(minutes=5)), dry_run=True)
    assert codes(early) == ["not_yet_valid"]
    assert "expired" in codes(verify(client, auth_headers, p["token"], point, at=p["valid_until"], dry_run=True))
    # 19.5 h later: the mobile loader's 24-h test (taken 6 h before issue) has lapsed, the driver's 48-h one not
    later = iso(t0 + timedelta(hours=19, minutes=30))
    stale = codes(verify(client, auth_headers, p["token"], point, at=later, dry_run=True))
    assert stale == ["crew_test_stale"]
    # (a what-if check: a stored scan at Pas de la Casa would make the next one, on the route, impossible travel)
    assert codes(verify(client, auth_headers, p["token"], FAR_CHECKPOINT, dry_run=True)) == ["off_corridor"]
    assert codes(verify(client, auth_headers, p["token"], point, plate="豫H·99999")) == ["plate_mismatch"]
    assert codes(verify(client, auth_headers, p["token"], point, plate="not a plate")) == ["plate_invalid"]
    several = verify(
        client, auth_headers, p["token"], FAR_CHECKPOINT, plate="豫H·99999", at=p["valid_until"], dry_run=True
    )
    assert set(codes(several)) == {"expired", "crew_test_stale", "off_corridor", "plate_mismatch"}
    assert all(" / " in r for r in several.json()["reasons"])  # 中文 / English
    scans = client.get(f"/passes/{p['pass_no']}/scans", headers=auth_headers("planner")).json()
    assert len(scans) == 2 and all(s["verdict"] == "stop" for s in scans)


def test_bad_tokens_are_stops_never_5xx(client, auth_headers, fleet, tmp_path, app):
    from passes.crew import CrewMember

    p = issue(client, auth_headers, fleet)
    point = on_route(client, auth_headers, p)
    head, payload, sig = p["token"].split(".")
    foreign = KeyRing.load_or_create(tmp_path / "foreign-keys")
    flipped = sig[:-2] + ("A" if sig[-2] != "A" else "B") + sig[-1]
    cases = {
        "": "malformed",
        "hello": "malformed",
        "a.b.c": "malformed",
        "x" * 5000: "malformed",
        f"{head}.{payload}": "malformed",
        f"{head}.{payload}.{flipped}": "bad_signature",
        f"{head}.{payload[:-4]}.{sig}": None,
        "é.é.é": "malformed",
    }
    for token, code in cases.items():
        r = verify(client, auth_headers, token, point)
        assert r.status_code == 200, (token[:30], r.text)
        assert r.json()["verdict"] == "stop" and r.json()["pass"] is None, token[:30]
        if code:
            assert r.json()["codes"] == [code], (token[:30], r.json())
    # a pass signed by a foreign key with the same claims: unknown kid
    forged = _resign(p["token"], foreign)
    assert codes(verify(client, auth_headers, forged, point)) == ["unknown_kid"]
    # an unknown pass number signed by the real key: unknown_pass
    state = app.state.baotong
    crew = [CrewMember("x", "0000", "driver", now() - timedelta(hours=1))]
    route = client.get(f"/routes/{p['route_id']}", headers=auth_headers("planner")).json()
    claims = make_claims(
        pass_no="410800777777",
        plate=p["plate"],
        enterprise_id=p["enterprise_id"],
        route_id=p["route_id"],
        corridor=route["geometry"]["coordinates"],
        crew=crew,
        valid_from=now(),
        valid_until=now() + timedelta(hours=5),
    )
    token = sign_pass(claims, state.keys.ring())
    assert codes(verify(client, auth_headers, token, point)) == ["unknown_pass"]
    # bad checkpoint and `at` are the caller's errors: 422 naming them
    r = client.post(
        "/passes/verify", json={"token": p["token"], "checkpoint": [200, 42]}, headers=auth_headers("checkpoint")
    )
    assert r.status_code == 422 and "checkpoint" in r.text
    r = client.post(
        "/passes/verify",
        json={"token": p["token"], "checkpoint": point, "at": "2022-04-20T08:00:00", "dry_run": True},
        headers=auth_headers("checkpoint"),
    )
    assert r.status_code == 422 and "at" in r.text
    r = client.post("/passes/verify", json={"token": 12345, "checkpoint": point}, headers=auth_headers("checkpoint"))
    assert r.status_code == 422
    # unknown or malformed pass numbers
    assert client.get("/passes/410800999999", headers=auth_headers("planner")).status_code == 404
    r = client.get("/passes/12ab", headers=auth_headers("planner"))
    assert r.status_code == 422 and "12ab" in r.text
    assert (
        client.post("/passes/410800999999/revoke", json={"reason": "x"}, headers=auth_headers("planner")).status_code
        == 404
    )


def _resign(token: str, ring: KeyRing) -> str:
    """The same claims signed by another ring (a forger's key)."""
    import base64
    import json

    from passes.token import PassClaims

    payload = token.split(".")[1]
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims = PassClaims.from_payload(data)
    return sign_pass(claims, ring)


# -- revocation and the fuse ------------------------------------------------------------------
def another_vehicle(client, auth_headers, fleet, plate: str) -> dict:
    """Body fields of a pass for another registered vehicle of the fleet's enterprise (one vehicle, one pass)."""
    return {"vehicle_id": add_vehicle(client, auth_headers, fleet["site"], plate=plate)["id"]}


def test_revocation_and_fuse_stop_at_once(client, auth_headers, fleet):
    revoked = issue(client, auth_headers, fleet)
    first = issue(client, auth_headers, fleet, **another_vehicle(client, auth_headers, fleet, "豫H·10001"))
    second = issue(client, auth_headers, fleet, **another_vehicle(client, auth_headers, fleet, "豫H·10002"))
    point = on_route(client, auth_headers, first)
    # revocation: that pass stops, the others still pass
    assert verify(client, auth_headers, revoked["token"], point).json()["verdict"] == "pass"
    r = client.post(
        f"/passes/{revoked['pass_no']}/revoke", json={"reason": "车辆故障 breakdown"}, headers=auth_headers("planner")
    )
    assert (
        r.status_code == 200 and r.json()["status"] == "revoked" and r.json()["revoke_reason"] == "车辆故障 breakdown"
    )
    assert codes(verify(client, auth_headers, revoked["token"], point)) == ["revoked"]
    assert verify(client, auth_headers, first["token"], point).json()["verdict"] == "pass"
    again = client.post(f"/passes/{revoked['pass_no']}/revoke", json={"reason": "x"}, headers=auth_headers("planner"))
    assert again.status_code == 409
    assert client.get(f"/passes/{revoked['pass_no']}", headers=auth_headers("planner")).json()["status"] == "revoked"
    # the fuse: every pass of the enterprise stops
    r = client.post(
        f"/sites/{fleet['site']}/fuse",
        json={"reason": "未落实防疫责任 failed its duties"},
        headers=auth_headers("planner"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["whitelist"] is False and r.json()["affected_passes"] == [first["pass_no"], second["pass_no"]]
    for p in (first, second):
        assert codes(verify(client, auth_headers, p["token"], point)) == ["enterprise_fused"]
    assert set(codes(verify(client, auth_headers, revoked["token"], point))) == {"revoked", "enterprise_fused"}
    assert client.get(f"/passes/{first['pass_no']}", headers=auth_headers("planner")).json()["status"] == "fused"
    site = client.get(f"/sites/{fleet['site']}").json()
    assert site["properties"]["whitelist"] is False
    assert (
        client.post(
            f"/sites/{fleet['site']}/fuse", json={"reason": "again"}, headers=auth_headers("planner")
        ).status_code
        == 409
    )
    refused = client.post("/passes", json=pass_body(fleet), headers=auth_headers("dispatcher"))
    assert refused.status_code == 422 and [r.split(":")[0] for r in refused.json()["reasons"]] == ["not_whitelisted"]
    assert refused.json()["detail"] == "not_whitelisted: 企业不在白名单内 / enterprise is not on the whitelist"
    # a Chinese reader is told the refusal in Chinese; the reasons programs read are the same
    refused_zh = client.post(
        "/passes", json=pass_body(fleet), headers={**auth_headers("dispatcher"), "Accept-Language": "zh-CN"}
    )
    assert refused_zh.status_code == 422 and refused_zh.json()["detail"] == "企业不在白名单内"
    assert refused_zh.json()["reasons"] == refused.json()["reasons"]
    assert refused_zh.json()["detail_en"] == refused.json()["detail"]
    r = client.post(f"/sites/{fleet['site']}/fuse", json={"reason": ""}, headers=auth_headers("planner"))
    assert r.status_code == 422


# -- issuance refusals ------------------------------------------------------------------------------
def test_issuance_refusals_name_every_reason(client, auth_headers, fleet):
    stale = add_crew(client, auth_headers, fleet["site"], hours_ago=50, name="赵六")
    r = client.post("/passes", json=pass_body(fleet, crew_ids=[stale["id"]]), headers=auth_headers("dispatcher"))
    assert r.status_code == 422 and [x.split(":")[0] for x in r.json()["reasons"]] == ["crew_test_stale"]
    # a mobile role is fresh only 24 h
    mobile = add_crew(client, auth_headers, fleet["site"], hours_ago=30, mobile=True, name="钱七")
    r = client.post("/passes", json=pass_body(fleet, crew_ids=[mobile["id"]]), headers=auth_headers("dispatcher"))
    assert r.status_code == 422 and "crew_test_stale" in r.text
    # a bad window
    r = client.post(
        "/passes",
        json=pass_body(fleet, valid_until=iso(now() + timedelta(days=30))),
        headers=auth_headers("dispatcher"),
    )
    assert r.status_code == 422 and [x.split(":")[0] for x in r.json()["reasons"]] == ["window_too_long"]
    r = client.post(
        "/passes",
        json=pass_body(fleet, valid_until=iso(now() - timedelta(hours=1)), valid_from=iso(now() - timedelta(hours=3))),
        headers=auth_headers("dispatcher"),
    )
    assert r.status_code == 422 and "window_invalid" in r.text
    # several together: stale crew and a bad window
    r = client.post(
        "/passes",
        json=pass_body(fleet, crew_ids=[stale["id"]], valid_until=iso(now() + timedelta(days=30))),
        headers=auth_headers("dispatcher"),
    )
    assert r.status_code == 422
    assert {x.split(":")[0] for x in r.json()["reasons"]} == {"crew_test_stale", "window_too_long"}
    # nothing was stored by the refusals: the next pass is serial 1
    assert issue(client, auth_headers, fleet)["pass_no"] == "410800000001"


def test_no_legal_route_refuses_the_pass(client, auth_headers, fleet):
    # the destination sits in a sealed zone whose every boundary road lies inside another sealed zone
    # (a ring around it): no docking point, no legal route
    def box(r):
        x, y = DESTINATION
        return [[x - r, y - r], [x + r, y - r], [x + r, y + r], [x - r, y + r], [x - r, y - r]]

    for name, rings in (("inner", [box(0.004)]), ("ring", [box(0.02), box(0.004)[::-1]])):
        zone = {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": rings},
            "properties": {"risk": "sealed", "name": name},
        }
        r = client.post("/zones", json=zone, headers=auth_headers("planner"))
        assert r.status_code == 201, r.text
    stale = add_crew(client, auth_headers, fleet["site"], hours_ago=60, name="孙八")
    r = client.post("/passes", json=pass_body(fleet, crew_ids=[stale["id"]]), headers=auth_headers("dispatcher"))
    assert r.status_code == 422, r.text
    assert {x.split(":")[0] for x in r.json()["reasons"]} == {"route_not_ok", "crew_test_stale"}
    assert "(" in next(x for x in r.json()["reasons"] if x.startswith("route_not_ok"))  # the router's explanation


def test_issuance_bad_input(client, auth_headers, fleet):
    for kw, needle in (
        ({"vehicle_id": "veh-nope"}, "vehicle_id"),
        ({"crew_ids": ["crew-nope"]}, "crew_ids[0]"),
        ({"vehicle_id": None, "plate": "豫H·00000"}, "plate"),
        ({"vehicle_id": None, "plate": "bad"}, "plate"),
        ({"crew_ids": [fleet["crew"][0]["id"]] * 2}, "twice"),
        ({"valid_until": "2030-01-01T00:00:00"}, "valid_until"),
        ({"destination": [0.5, 10.0]}, "destination"),
        ({"enterprise_id": "site-nope"}, "site-nope"),
    ):
        r = client.post("/passes", json=pass_body(fleet, **kw), headers=auth_headers("dispatcher"))
        assert r.status_code in (404, 422) and needle in r.text, (kw, r.status_code, r.text)
    by_plate = issue(client, auth_headers, fleet, vehicle_id=None, plate="豫H12345")
    assert by_plate["pass_no"] == "410800000001"


# -- roles ----------------------------------------------------------------------------------------------
def test_every_write_needs_its_role(client, auth_headers, fleet, app):
    from services import users

    p = issue(client, auth_headers, fleet)
    site = fleet["site"]
    writes = [
        ("post", f"/sites/{site}/vehicles", {"plate": "豫H·22222"}, {"planner", "dispatcher"}),
        (
            "post",
            f"/sites/{site}/crew",
            {"name": "a", "id_last4": "1111", "role": "driver", "tested_at": iso(now())},
            {"planner", "dispatcher"},
        ),
        ("post", "/passes", pass_body(fleet), {"dispatcher"}),
        ("post", "/passes/verify", {"token": p["token"], "checkpoint": DESTINATION}, {"checkpoint"}),
        ("post", f"/passes/{p['pass_no']}/revoke", {"reason": "x"}, {"planner"}),
        ("post", f"/sites/{site}/fuse", {"reason": "x"}, {"planner"}),
    ]
    for method, url, body, allowed in writes:
        assert getattr(client, method)(url, json=body).status_code == 401, url
        for role in ("planner", "dispatcher", "checkpoint", "county"):
            if role not in allowed:
                r = getattr(client, method)(url, json=body, headers=auth_headers(role))
                assert r.status_code == 403, (url, role, r.text)
    for url in (
        f"/passes/{p['pass_no']}",
        f"/passes/{p['pass_no']}/qr.svg",
        f"/passes/{p['pass_no']}/print",
        f"/sites/{site}/crew",
    ):
        assert client.get(url).status_code == 401
        assert client.get(url, headers=auth_headers("county")).status_code == 403
    # a dispatcher bound to another enterprise may not act for this one; one bound to it may
    other = add_enterprise(client, auth_headers, name="Other Co")
    state = app.state.baotong
    with state.sessions() as s:
        foreign = users.add_user(s, "disp-other", "dispatcher", state.settings.secret_key, enterprise_id=other)
        own = users.add_user(s, "disp-own", "dispatcher", state.settings.secret_key, enterprise_id=site)
    bad = {"Authorization": f"Bearer {foreign}"}
    assert client.post("/passes", json=pass_body(fleet), headers=bad).status_code == 403
    assert client.get(f"/passes/{p['pass_no']}", headers=bad).status_code == 403
    assert client.post(f"/sites/{site}/vehicles", json={"plate": "豫H·33333"}, headers=bad).status_code == 403
    good = {"Authorization": f"Bearer {own}"}
    r = client.post(
        "/passes", json=pass_body(fleet, **another_vehicle(client, auth_headers, fleet, "豫H·10003")), headers=good
    )
    assert r.status_code == 201 and r.json()["pass_no"] == "410800000002"
    assert client.get("/.well-known/jwks.json").status_code == 200
    page = client.get("/checkpoint", follow_redirects=False)  # a page: the sign-in first
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fcheckpoint"


# -- keys --------------------------------------------------------------------------------------------
def test_key_rotation_keeps_old_passes_verifying(client, auth_headers, fleet, app, monkeypatch, capsys):
    from cli.main import main

    old = issue(client, auth_headers, fleet)
    point = on_route(client, auth_headers, old)
    settings = app.state.baotong.settings
    monkeypatch.setenv("BAOTONG_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("BAOTONG_KEYS_DIR", str(settings.keys_dir))
    assert main(["keys", "rotate"]) == 0
    capsys.readouterr()
    new = issue(client, auth_headers, fleet, **another_vehicle(client, auth_headers, fleet, "豫H·10004"))
    assert new["kid"] != old["kid"]
    kids = [k["kid"] for k in client.get("/.well-known/jwks.json").json()["keys"]]
    assert kids == [new["kid"], old["kid"]]
    for p in (old, new):
        assert verify(client, auth_headers, p["token"], point).json()["verdict"] == "pass"
    # offline CLI with only the public keys: a JWKS file, and the local ring's public halves
    jwks = settings.data_dir / "jwks.json"
    jwks.write_text(client.get("/.well-known/jwks.json").text)
    lonlat = f"{point[0]},{point[1]}"
    assert (
        main(["pass", "verify", old["token"], "--jwks", str(jwks), "--checkpoint", lonlat, "--plate", "豫H12345"]) == 0
    )
    assert '"verdict": "pass"' in capsys.readouterr().out
    assert main(["pass", "verify", new["token"], "--checkpoint", lonlat]) == 0
    capsys.readouterr()
    late = iso(datetime.fromisoformat(old["valid_until"]) + timedelta(hours=1))
    assert (
        main(
            [
                "pass",
                "verify",
                old["token"],
                "--jwks",
                str(jwks),
                "--at",
                late,
                "--checkpoint",
                ",".join(map(str, FAR_CHECKPOINT)),
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert "expired" in out and "off_corridor" in out
    mode = (settings.keys_dir / "keyring.json").stat().st_mode & 0o777
    assert mode == 0o600 and (settings.keys_dir.stat().st_mode & 0o777) == 0o700


# -- concurrency ----------------------------------------------------------------------------------------
def test_concurrent_issuance_gives_unique_consecutive_serials(app, auth_headers, fleet):
    setup = TestClient(app)
    bodies = [pass_body(fleet, **another_vehicle(setup, auth_headers, fleet, f"豫H·2{k:04d}")) for k in range(16)]
    results: list = []
    errors: list = []

    def worker(mine: list[dict]):
        try:
            c = TestClient(app)
            for body in mine:
                r = c.post("/passes", json=body, headers=auth_headers("dispatcher"))
                results.append((r.status_code, r.json().get("pass_no")))
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(repr(err))

    threads = [threading.Thread(target=worker, args=(bodies[2 * i : 2 * i + 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert all(code == 201 for code, _ in results), results
    serials = sorted(int(no[6:]) for _, no in results)
    assert serials == list(range(1, 17))
