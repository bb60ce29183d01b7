"""Hardening: security headers and a per-response script nonce on every page, the tiles attribution as text,
an owner-only data directory, users bound only to existing enterprises, and a Host header that steers nothing.

Runs on SQLite and PostgreSQL where a database is involved (the ``settings`` fixture of tests/_app.py).
"""

from __future__ import annotations

import re
import stat

import pytest
from fastapi.testclient import TestClient

from geo.errors import InvalidInputError
from tests._app import make_settings

NONCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]+)'")


def check_headers(r) -> str:
    """The headers every answer carries; returns its Content-Security-Policy."""
    assert r.headers["X-Content-Type-Options"] == "nosniff", r.url
    assert r.headers["Referrer-Policy"] == "no-referrer", r.url
    assert r.headers["X-Frame-Options"] == "DENY", r.url
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp, (r.url, csp)
    return csp


def test_every_answer_carries_the_security_headers(client, auth_headers):
    answers = [
        client.get("/health"),
        client.get("/zones"),
        client.get("/zones", params={"active_at": "not a time"}),  # 422
        client.get("/zones/zone-000000000000"),  # 404
        client.post("/zones", json={}),  # 401
        client.get("/checkpoint", headers=auth_headers("checkpoint")),
        client.get("/map"),
        client.get("/static/checkpoint/checkpoint.js"),
        client.get("/.well-known/jwks.json"),
        client.get("/docs"),
    ]
    for r in answers:
        csp = check_headers(r)
        if r.headers["content-type"].startswith("text/html") and r.url.path != "/docs":
            assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0], csp
        elif not r.headers["content-type"].startswith("text/html"):
            assert csp.startswith("default-src 'none'"), csp


def test_page_scripts_carry_this_answers_nonce(client):
    seen = set()
    for _ in range(2):
        r = client.get("/map")
        assert r.status_code == 200
        nonce = NONCE.search(check_headers(r)).group(1)
        tags = re.findall(r"<script\b[^>]*>", r.text)
        assert tags and all(f'nonce="{nonce}"' in t for t in tags), [t for t in tags if nonce not in t][:3]
        assert "__baotong_csp_nonce__" not in r.text
        assert int(r.headers["content-length"]) == len(r.content)
        seen.add(nonce)
    assert len(seen) == 2  # a fresh nonce per answer


def test_the_checkpoint_page_runs_no_inline_script(client, auth_headers):
    r = client.get("/checkpoint", headers=auth_headers("checkpoint"))
    assert r.status_code == 200 and 'id="verify-btn"' in r.text
    for tag in re.findall(r"<script\b[^>]*>", r.text):
        assert 'src="/static/' in tag, tag


def test_tiles_attribution_is_text_not_html(tmp_path, andorra_router):
    from api.main import create_app

    evil = '<img src=x onerror="alert(1)">OSM'
    settings = make_settings(
        tmp_path, tiles_url="https://{s}.tiles.example.org/{z}/{x}/{y}.png", tiles_attribution=evil
    )
    app = create_app(settings, road_router=andorra_router)
    try:
        with TestClient(app) as c:
            r = c.get("/map")
            assert r.status_code == 200
            # Leaflet writes the attribution as HTML: it arrives escaped (inside the page's JSON), shown as text
            assert "\\u0026lt;img src=x onerror=\\u0026quot;alert(1)\\u0026quot;\\u0026gt;OSM" in r.text
            assert "img-src 'self' data: blob: https://*.tiles.example.org" in r.headers["Content-Security-Policy"]
    finally:
        app.state.baotong.close()


def test_the_data_directory_and_database_are_owner_only(tmp_path, andorra_router):
    from api.main import create_app

    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    db = data / "baotong.db"
    db.touch()
    db.chmod(0o644)
    app = create_app(make_settings(data), road_router=andorra_router)
    try:
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        for f in data.glob("baotong.db*"):
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    finally:
        app.state.baotong.close()


def test_a_user_binds_only_to_an_existing_enterprise(app, client, auth_headers):
    from services import users

    state = app.state.baotong
    hub = client.post(
        "/sites",
        headers=auth_headers("planner"),
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [1.5218, 42.5063]},
            "properties": {"kind": "hub_logistics", "name": "枢纽"},
        },
    ).json()["id"]
    with state.sessions() as s:
        for bad, needle in (("site-doesnotexist", "no site"), (hub, "not an enterprise")):
            with pytest.raises(InvalidInputError, match=needle):
                users.add_user(s, "disp-x", "dispatcher", state.settings.secret_key, enterprise_id=bad)
        assert users.add_user(s, "disp-y", "dispatcher", state.settings.secret_key) is not None


def test_a_foreign_host_header_is_refused_and_steers_no_redirect(client):
    r = client.get("/zones/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert r.status_code == 400 and "evil.example" not in r.headers.get("location", "")
    check_headers(r)
    r = client.get("/zones/", follow_redirects=False)  # the trusted host: FastAPI's slash redirect stays on it
    assert r.status_code in (200, 307)
    assert r.status_code == 200 or r.headers["location"].startswith("http://testserver/")
