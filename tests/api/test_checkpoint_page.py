"""The checkpoint page (``GET /checkpoint``) and the verification it makes: in the layout, signed in by session,
the verify call with the session's CSRF token (refused without it), the reasons in the asked language."""

from __future__ import annotations

import json
import re
from datetime import datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient

from api.i18n import CATALOG
from geo.i18n import format_time
from tests.api._server import pass_request
from tests.api.test_signin import add, sign_in

START = [1.5218, 42.5063]
END = [1.5923, 42.5413]


@pytest.fixture
def issued(client, auth_headers) -> tuple[dict, list[float]]:
    """A valid pass on real Andorra streets, and a point in the middle of its route."""
    headers = {role: auth_headers(role) for role in ("planner", "dispatcher")}
    body = pass_request(client, headers, name="甲物流公司", plate="豫H·12345", origin=START, destination=END)
    r = client.post("/passes", json=body, headers=headers["dispatcher"])
    assert r.status_code == 201, r.text
    p = r.json()
    coords = client.get(f"/routes/{p['route_id']}", headers=headers["planner"]).json()["geometry"]["coordinates"]
    return p, coords[len(coords) // 2]


def csrf_in(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def forged(token: str) -> str:
    head, payload, sig = token.split(".")
    return f"{head}.{payload}.{sig[:10]}{'A' if sig[10] != 'A' else 'B'}{sig[11:]}"


def test_not_signed_in_goes_to_sign_in_and_back(client, app):
    r = client.get("/checkpoint", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fcheckpoint"
    add(app, "officer", role="checkpoint")
    back = sign_in(client, "officer", next="/checkpoint")
    assert back.status_code == 303 and back.headers["location"] == "/checkpoint"
    assert client.get("/checkpoint").status_code == 200


@pytest.mark.parametrize("role", ["planner", "dispatcher", "county", "city_approver"])
def test_a_role_that_may_not_verify_is_refused_clearly(client, app, role):
    add(app, "someone", role=role)
    sign_in(client, "someone")
    r = client.get("/checkpoint")
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "无权访问" in r.text and "checkpoint" in r.text and "Traceback" not in r.text
    assert 'id="bt-header"' in r.text and 'id="token"' not in r.text


def test_the_page_is_in_the_layout_one_language_at_a_time_with_no_token_field(client, app):
    add(app, "officer", role="checkpoint")
    sign_in(client, "officer")
    zh = client.get("/checkpoint")
    assert zh.status_code == 200 and 'lang="zh-CN"' in zh.text
    assert 'id="bt-header"' in zh.text and 'id="bt-who"' in zh.text and "检查站执勤人员" in zh.text
    assert 'class="active" aria-current="page">检查站核验<' in zh.text  # its place in the navigation
    assert "通行证核验" in zh.text and "Pass checkpoint" not in zh.text and "Scan or paste" not in zh.text
    assert "officer-token" not in zh.text and "Bearer" not in zh.text and "localStorage" not in zh.text
    assert csrf_in(zh.text)
    texts = json.loads(unescape(re.search(r"data-texts='([^']*)'", zh.text).group(1)))
    assert texts["pass"] == "通行" and texts["stop"] == "停车"
    assert set(texts) == {k.removeprefix("ckpt.js.") for k in CATALOG if k.startswith("ckpt.js.")}
    for tag in re.findall(r"<script\b[^>]*>", zh.text):
        assert 'src="/static/' in tag, tag  # no inline script (the CSP would refuse one)

    en = client.get("/checkpoint?lang=en")
    assert 'lang="en"' in en.text and "Pass checkpoint" in en.text and "通行证核验" not in en.text
    assert json.loads(unescape(re.search(r"data-texts='([^']*)'", en.text).group(1)))["pass"] == "PASS"
    assert 'lang="en"' in client.get("/checkpoint").text  # the switch is remembered


def test_the_script_keeps_no_credential_in_local_storage(client):
    script = client.get("/static/checkpoint/checkpoint.js").text
    assert "Authorization" not in script and "Bearer" not in script
    uses = re.findall(r"localStorage\.(\w+)\(([A-Z_]+)", script)
    assert len(uses) == script.count("localStorage.")  # every use names its key
    assert set(uses) == {("setItem", "LOCATION_KEY"), ("getItem", "LOCATION_KEY"), ("removeItem", "OLD_TOKEN_KEY")}
    assert 'LOCATION_KEY = "baotong.checkpoint.location"' in script


def test_session_verify_needs_the_csrf_token(client, app, auth_headers, issued):
    p, point = issued
    add(app, "officer", role="checkpoint")
    sign_in(client, "officer")
    csrf = csrf_in(client.get("/checkpoint").text)
    body = {"token": p["token"], "checkpoint": point, "plate": "豫H12345"}

    refused = client.post("/passes/verify", json=body)
    assert refused.status_code == 403 and refused.json()["error"] == "CsrfRejected"
    wrong = client.post(
        "/passes/verify", json=body, headers={"X-CSRF-Token": csrf[:-1] + ("A" if csrf[-1] != "A" else "B")}
    )
    assert wrong.status_code == 403
    scans = client.get(f"/passes/{p['pass_no']}/scans", headers=auth_headers("planner"))
    assert scans.json() == []  # a refused call stores nothing

    ok = client.post("/passes/verify", json=body, headers={"X-CSRF-Token": csrf, "Accept-Language": "zh-CN"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["verdict"] == "pass" and ok.json()["reason_texts"] == []
    scans = client.get(f"/passes/{p['pass_no']}/scans", headers=auth_headers("planner"))
    assert [s["verdict"] for s in scans.json()] == ["pass"]


def test_bearer_tokens_keep_working_without_csrf(client, auth_headers, issued):
    p, point = issued
    r = client.post(
        "/passes/verify", json={"token": p["token"], "checkpoint": point}, headers=auth_headers("checkpoint")
    )
    assert r.status_code == 200 and r.json()["verdict"] == "pass"


def test_reasons_come_in_the_asked_language(client, app, auth_headers, issued):
    p, point = issued
    body = {"token": forged(p["token"]), "checkpoint": point}
    program = client.post("/passes/verify", json=body, headers=auth_headers("checkpoint")).json()
    assert program["codes"] == ["bad_signature"]
    assert program["reasons"] == [
        "bad_signature: 签名无效，通行证可能被伪造或篡改 / bad signature: the pass may be forged or altered"
    ]
    assert program["reason_texts"] == ["bad signature: the pass may be forged or altered"]  # none asked: English
    assert program["valid_text"] is None and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", program["checked_at_text"])

    zh = client.post("/passes/verify", json=body, headers={**auth_headers("checkpoint"), "Accept-Language": "zh-CN"})
    assert zh.json()["reason_texts"] == ["签名无效，通行证可能被伪造或篡改"]
    assert zh.json()["reasons"] == program["reasons"]  # the programs' field is the same in every language

    with TestClient(app, cookies={"baotong_lang": "en"}) as english:
        r = english.post(
            "/passes/verify",
            json={"token": p["token"], "checkpoint": point},
            headers={**auth_headers("checkpoint"), "Accept-Language": "zh-CN"},  # the switch's cookie comes first
        ).json()
    assert r["verdict"] == "pass" and r["note_texts"] == ["no plate typed: the plate was not checked"]
    zone = app.state.baotong.settings.tz()
    valid = [format_time(datetime.fromisoformat(p[k]), zone) for k in ("valid_from", "valid_until")]
    assert r["valid_text"] == f"{valid[0]} – {valid[1]}" and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", valid[0])
