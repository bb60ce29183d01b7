"""Sign-in for people: passwords (argon2), server-side sessions, CSRF, rate limits, the pages' redirects and
refusals, the language of pages and errors.  SQLite and PostgreSQL (the ``app`` fixture of tests/_app.py)."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from datetime import UTC, datetime, timedelta
from typing import Annotated

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.deps import page_user
from services import users
from store.models import LoginFailureRow, User, WebSessionRow
from store.users import Principal

PASSWORD = "correct horse battery"
ZONE = {
    "type": "Feature",
    "properties": {"risk": "precaution", "name": "测试区"},
    "geometry": {"type": "Polygon", "coordinates": [[[1.52, 42.5], [1.53, 42.5], [1.53, 42.51], [1.52, 42.5]]]},
}
PlannerPage = Annotated[Principal, Depends(page_user("planner"))]


def add(app, name="alice", role="planner", password=PASSWORD, **kw) -> str:
    state = app.state.baotong
    with state.sessions() as s:
        return users.add_user(s, name, role, state.settings.secret_key, password=password, **kw)


def sign_in(client, name="alice", password=PASSWORD, **kw):
    return client.post("/login", data={"username": name, "password": password, **kw}, follow_redirects=False)


def csrf_of(client) -> str:
    page = client.get("/workspace")
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


def test_passwords_are_stored_as_argon2_hashes(app):
    add(app)
    with app.state.baotong.sessions() as s:
        user = s.scalar(select(User).where(User.name == "alice"))
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_sign_in_sets_a_safe_session_cookie_and_the_row_holds_only_its_hash(client, app):
    add(app)
    r = sign_in(client, next="/map")
    assert r.status_code == 303 and r.headers["location"] == "/map"
    cookie = r.headers["set-cookie"]
    assert "baotong_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain HTTP and BAOTONG_COOKIE_SECURE off
    session_id = client.cookies.get("baotong_session")
    with app.state.baotong.sessions() as s:
        rows = s.scalars(select(WebSessionRow)).all()
    assert len(rows) == 1 and rows[0].id_hash == users.session_hash(session_id) and rows[0].id_hash != session_id
    assert client.get("/workspace").status_code == 200


def test_cookie_is_secure_over_https_or_when_configured(app, settings):
    add(app)
    with TestClient(app, base_url="https://testserver") as https:
        assert "Secure" in sign_in(https).headers["set-cookie"]
    settings.cookie_secure = True
    with TestClient(app) as plain:
        assert "Secure" in sign_in(plain, password=PASSWORD).headers["set-cookie"]


def test_next_never_leaves_the_app(client, app):
    add(app)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil"):
        assert sign_in(client, next=target).headers["location"] == "/workspace"


@pytest.mark.parametrize(
    "name,password", [("alice", "wrong password"), ("nobody", PASSWORD), ("", PASSWORD), ("alice", "")]
)
def test_a_failed_sign_in_makes_no_session(client, app, name, password):
    add(app)
    r = sign_in(client, name, password)
    assert r.status_code in (401, 422) and "baotong_session" not in r.headers.get("set-cookie", "")
    assert "登录" in r.text  # the form again, in Chinese
    with app.state.baotong.sessions() as s:
        assert s.scalars(select(WebSessionRow)).all() == []


def test_session_cookie_reaches_every_endpoint_like_a_bearer_token(client, app):
    add(app, role="dispatcher")
    sign_in(client)
    assert client.get("/passes").status_code == 200  # a role-guarded read with the cookie alone
    assert client.post("/zones", json=ZONE, headers={"X-CSRF-Token": csrf_of(client)}).status_code == 403  # role


def test_writes_with_the_cookie_need_the_csrf_token_bearer_writes_do_not(client, app, auth_headers):
    add(app)
    sign_in(client)
    csrf = csrf_of(client)
    refused = client.post("/zones", json=ZONE)
    assert refused.status_code == 403 and refused.json()["error"] == "CsrfRejected"
    assert client.post("/zones", json=ZONE, headers={"X-CSRF-Token": "not-the-token"}).status_code == 403
    assert client.post("/zones", json=ZONE, headers={"X-CSRF-Token": csrf}).status_code == 201
    with TestClient(app) as program:  # no cookie: a bearer token, no CSRF token
        assert program.post("/zones", json=ZONE, headers=auth_headers("planner")).status_code == 201


def test_logout_needs_the_form_token_and_deletes_the_session(client, app):
    add(app)
    sign_in(client)
    csrf = csrf_of(client)
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    r = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    with app.state.baotong.sessions() as s:
        assert s.scalars(select(WebSessionRow)).all() == []
    assert client.get("/workspace", follow_redirects=False).status_code == 303


def _stolen(client, app) -> str:
    add(app)
    sign_in(client)
    return client.cookies.get("baotong_session")


def test_a_session_ends_when_idle_or_past_its_absolute_end(client, app):
    session_id = _stolen(client, app)
    state = app.state.baotong
    key = users.session_hash(session_id)
    now = datetime.now(UTC)
    idle = state.settings.session_idle_minutes
    assert users.session_user(state, session_id, now=now + timedelta(minutes=idle - 1)) is not None
    assert users.session_user(state, session_id, now=now + timedelta(minutes=2 * idle + 2)) is None  # idle
    with state.sessions() as s:
        row = s.get(WebSessionRow, key)
        row.last_seen_at = now + timedelta(hours=state.settings.session_hours)
        s.commit()
    assert users.session_user(state, session_id, now=now + timedelta(hours=state.settings.session_hours)) is None


def test_the_idle_clock_moves_at_most_once_a_minute(client, app):
    session_id = _stolen(client, app)
    state = app.state.baotong
    key = users.session_hash(session_id)
    with state.sessions() as s:
        first = s.get(WebSessionRow, key).last_seen_at
    later = datetime.now(UTC) + timedelta(seconds=90)
    assert users.session_user(state, session_id, now=later) is not None
    with state.sessions() as s:
        moved = s.get(WebSessionRow, key).last_seen_at
    assert moved.replace(tzinfo=UTC) > first.replace(tzinfo=UTC)


def test_disabling_a_user_or_changing_its_password_ends_its_sessions(client, app):
    add(app)
    sign_in(client)
    state = app.state.baotong
    with state.sessions() as s:
        users.set_password(s, "alice", "a brand new secret")
    assert client.get("/workspace", follow_redirects=False).status_code == 303
    assert sign_in(client).status_code == 401  # the old password
    assert sign_in(client, password="a brand new secret").status_code == 303
    with state.sessions() as s:
        users.disable_user(s, "alice")
    assert client.get("/workspace", follow_redirects=False).status_code == 303
    assert sign_in(client, password="a brand new secret").status_code == 401


def test_failed_sign_ins_are_limited_per_user_with_retry_after(client, app, settings):
    add(app)
    limit = settings.login_max_failures_per_user
    for _ in range(limit):
        assert sign_in(client, password="nope nope nope").status_code == 401
    r = sign_in(client)  # even the right password, until the window has passed
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "请" in r.text and "后再试" in r.text
    with app.state.baotong.sessions() as s:  # counted in the database: every worker agrees
        assert s.query(LoginFailureRow).filter(LoginFailureRow.key == "user:alice").count() == limit
        old = datetime.now(UTC) - timedelta(minutes=settings.login_window_minutes + 1)
        for row in s.scalars(select(LoginFailureRow)):
            row.at = old
        s.commit()
    assert sign_in(client).status_code == 303  # the window has passed


def test_failed_sign_ins_are_limited_per_address(client, app, settings):
    settings.login_max_failures_per_address = 3
    for i in range(3):
        assert sign_in(client, f"guess-{i}", "whatever123").status_code == 401
    add(app, "bob")
    assert sign_in(client, "bob").status_code == 429  # another name, the same address


def test_a_failed_sign_in_is_logged_without_the_password(client, app, caplog):
    add(app)
    caplog.set_level(logging.DEBUG)
    sign_in(client, password="hunter2-is-wrong")
    assert "alice" in caplog.text and "hunter2-is-wrong" not in caplog.text


def test_pages_redirect_to_sign_in_and_refuse_a_wrong_role(client, app):
    r = client.get("/workspace?x=1", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fworkspace%3Fx%3D1"
    add(app, role="checkpoint")
    sign_in(client)

    @app.get("/only-planners")
    async def only(user: PlannerPage) -> dict:
        return {"ok": user.name}

    refused = client.get("/only-planners")
    assert refused.status_code == 403 and "无权访问" in refused.text and "planner" in refused.text
    assert "Traceback" not in refused.text


def test_the_workspace_shows_each_role_its_pages(client, app):
    add(app, "c1", role="checkpoint")
    add(app, "z1", role="county")
    sign_in(client, "c1")
    page = client.get("/workspace").text
    assert 'href="/checkpoint"' in page and "/passes?format=xlsx" in page and "检查站执勤人员" in page
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)})
    sign_in(client, "z1")
    page = client.get("/workspace").text
    assert 'href="/checkpoint"' not in page and "/passes?format=xlsx" not in page
    assert "/closures?format=kml" in page and "区县工作人员" in page


def test_pages_are_chinese_first_and_the_switch_is_remembered(client, app):
    add(app)
    sign_in(client)
    assert 'lang="zh-CN"' in client.get("/workspace").text and "工作台" in client.get("/workspace").text
    english = client.get("/workspace?lang=en")
    assert 'lang="en"' in english.text and "Workspace" in english.text
    assert "baotong_lang=en" in english.headers["set-cookie"]
    assert 'lang="en"' in client.get("/workspace").text  # remembered by the cookie
    with TestClient(app) as browser:
        assert 'lang="en"' in browser.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).text
        assert 'lang="zh-CN"' in browser.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}).text
        assert 'lang="zh-CN"' in browser.get("/login").text


def test_errors_are_english_for_programs_and_chinese_when_asked(client):
    plain = client.get("/passes")
    assert plain.status_code == 401 and plain.json()["detail"].startswith("missing bearer token")
    assert plain.headers["www-authenticate"] == "Bearer"
    zh = client.get("/passes", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).json()
    assert zh["detail"].startswith("缺少令牌") and zh["detail_en"].startswith("missing bearer token")
    bad = client.get("/sites", params={"kind": "castle"}, headers={"Accept-Language": "zh-CN"}).json()
    assert "castle" in bad["detail"] and "无效" in bad["detail"]


def test_demo_users_are_made_once_and_stay_the_same(app, tmp_path):
    state = app.state.baotong
    path = tmp_path / "demo-users.json"
    with state.sessions() as s:
        first = users.ensure_demo_users(s, state.settings.secret_key, credentials_file=path)
        second = users.ensure_demo_users(s, state.settings.secret_key, credentials_file=path)
    assert set(first) == set(users.ROLES) and first == second
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    stored = json.loads(path.read_text())
    assert stored["planner"]["token"] == first["planner"].token
    key, now = state.settings.secret_key, datetime.now(UTC)
    assert all(state.hot.user_by_token_hash(users.hash_token(d.token, key), now).role == r for r, d in first.items())
    with TestClient(app) as c:
        d = first["dispatcher"]
        assert sign_in(c, d.name, d.password).status_code == 303


def test_demo_users_come_back_after_the_database_is_reset(tmp_path, andorra_router):
    from api.main import create_app
    from tests._app import make_settings

    path = tmp_path / "demo-users.json"
    made = []
    for run in ("one", "two"):  # two databases, one credentials file
        app = create_app(
            make_settings(tmp_path / run, database_url=f"sqlite:///{tmp_path / run}.db"), road_router=andorra_router
        )
        state = app.state.baotong
        with state.sessions() as s:
            made.append(users.ensure_demo_users(s, state.settings.secret_key, credentials_file=path))
        with TestClient(app) as c:
            assert sign_in(c, made[-1]["planner"].name, made[-1]["planner"].password).status_code == 303
        state.close()
    assert made[0] == made[1]
