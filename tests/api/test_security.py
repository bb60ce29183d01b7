"""Every write endpoint refuses a missing token (401) and each wrong role (403); tokens never reach logs."""

from __future__ import annotations

import logging
import re

from fastapi.routing import APIRoute

from services.users import ROLES

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: Writes that are open by design: none.  (POST /passes/verify needs the checkpoint role.)
#: Writes with no role: signing in is how a person gets a role; signing out ends the caller's own session
#: (its CSRF token checked, tests/api/test_signin.py).
OPEN_WRITES: set[tuple[str, str]] = {("POST", "/login"), ("POST", "/logout")}


def _roles_of(route: APIRoute) -> tuple[str, ...] | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if getattr(dep.call, "roles", None) is not None:
            return dep.call.roles
        stack.extend(dep.dependencies)
    return None


def api_routes(routes) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (wrapped as ``original_router`` by newer FastAPI)."""
    out = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.append(route)
        inner = getattr(route, "original_router", None)
        if inner is not None:
            out.extend(api_routes(inner.routes))
    return out


def write_routes(app) -> list[tuple[str, str, tuple[str, ...] | None]]:
    out = []
    for route in api_routes(app.routes):
        for method in sorted(route.methods & WRITE_METHODS):
            out.append((method, route.path, _roles_of(route)))
    return out


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x-unknown", path)


def test_every_write_endpoint_names_its_roles(app):
    routes = write_routes(app)
    assert len(routes) >= 4
    missing = [(m, p) for m, p, roles in routes if roles is None and (m, p) not in OPEN_WRITES]
    assert not missing, f"write endpoints without a role check: {missing}"


def test_missing_token_401_and_wrong_role_403(client, tokens):
    for method, path, roles in write_routes(client.app):
        if roles is None:
            continue
        url = _url(path)
        r = client.request(method, url, json={})
        assert r.status_code == 401, (method, path, r.status_code, r.text)
        r = client.request(method, url, json={}, headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401, (method, path, r.status_code)
        for role in ROLES:
            if role in roles or role == "admin":
                continue
            r = client.request(method, url, json={}, headers={"Authorization": f"Bearer {tokens[role]}"})
            assert r.status_code == 403, (method, path, role, r.status_code, r.text)


def test_tokens_never_appear_in_logs(client, tokens, caplog):
    caplog.set_level(logging.DEBUG)
    for token in tokens.values():
        client.get("/zones", headers={"Authorization": f"Bearer {token}"})
        client.post("/zones", json={}, headers={"Authorization": f"Bearer {token}"})
        client.post("/zones", json={"type": "Feature"}, headers={"Authorization": f"Bearer {token}x"})
    text = caplog.text
    for token in tokens.values():
        assert token not in text
