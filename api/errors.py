"""One exception handler answers every domain error with the status its class carries.

A 4xx names the offending value; a 5xx (a deployment fault, a write that could not be stored)
says what is wrong and what fixes it, and is logged in full for the operator: no server path
reaches the client.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

from api.deps import LoginRequired, PageRefused
from api.i18n import asked_lang, page_lang, translate
from geo.errors import BaotongError, DatabaseUnavailable, DeploymentError, NotSignedIn

logger = logging.getLogger(__name__)


class ErrorPublic(BaseModel):
    """Every error body: ``detail`` says what was wrong and with which value (or, for a 5xx, what fixes it)."""

    detail: str | list[dict[str, Any]]
    error: str | None = None
    reasons: list[str] | None = None
    detail_en: str | None = None


#: Documented on every router: the error answers any endpoint may give.
_ERRORS = {
    400: "Malformed request",
    401: "Missing, unknown, revoked or expired bearer token or sign-in session",
    403: "The caller's role may not do this (or a write with the sign-in cookie lacks its CSRF token)",
    404: "Unknown id",
    409: "Conflicts with stored state",
    413: "Request body too large",
    422: "Invalid input, naming the field and value",
    500: "A fault of the deployment (files, keys, configuration): the answer says what fixes it",
    503: "The database is not answering (nothing was stored): retry after `Retry-After` seconds",
}
#: Documented on every router: the error answers any endpoint may give, always JSON (also on HTML pages).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {
        "model": ErrorPublic,
        "description": text,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorPublic"}}},
    }
    for code, text in _ERRORS.items()
}


def _flat_routes(routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        out.extend(_flat_routes(inner.routes) if inner is not None else [route])
    return out


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route serves at this path (Starlette's 405 names only the first match's)."""
    matches: list[Any] = []
    for route in _flat_routes(app.routes):
        route_methods = getattr(route, "methods", None)
        if not route_methods:
            continue
        match, _ = route.matches({**scope, "method": next(iter(route_methods))})
        if match == Match.FULL:
            matches.append(route)
    # a literal path (/plans/stations) outranks a template that also matches it (/plans/{plan_id})
    literal = [r for r in matches if r.path == scope.get("path")]
    methods: set[str] = set()
    for route in literal or matches:
        methods |= set(route.methods)
    return sorted(methods)


#: Levels of a bad input echoed back in a 422 (deeper parts read "…"): a body nested hundreds of levels
#: deep is named, not copied.
ECHO_DEPTH = 6


def _printable(value: Any, depth: int = 0) -> Any:
    """JSON-safe copy of validation details: lone surrogates and other unencodable text are escaped, and
    nesting beyond :data:`ECHO_DEPTH` levels is cut to ``"…"``."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, int | float | bool) or value is None:
        return value
    if isinstance(value, dict | list | tuple) and depth >= ECHO_DEPTH:
        return "…"
    if isinstance(value, dict):
        return {_printable(k, depth + 1): _printable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v, depth + 1) for v in value]
    return _printable(str(value), depth)


def _driver_disconnects() -> tuple[type[Exception], ...]:
    """The database drivers' own "cannot reach the database" errors (raised by the hot path's raw connections)."""
    import sqlite3

    found: list[type[Exception]] = [sqlite3.OperationalError, sqlite3.InterfaceError]
    try:
        import psycopg
    except ImportError:  # PostgreSQL support not installed
        pass
    else:
        found += [psycopg.OperationalError, psycopg.InterfaceError]
    return tuple(found)


#: Errors that mean the database is away (stopped, restarting, unreachable, locked), never the request's fault.
DATABASE_AWAY: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    *_driver_disconnects(),
)


def install(app: FastAPI) -> None:
    """Register the handlers: request validation (422), HTTP errors (with ``Allow`` on 405), domain errors."""

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, err: RequestValidationError) -> JSONResponse:
        """422 naming each bad field and value; text that cannot be encoded (a lone surrogate) is escaped."""
        errors_out = [{k: _printable(v) for k, v in e.items() if k != "url"} for e in err.errors()]
        return JSONResponse({"detail": errors_out}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        headers = dict(err.headers or {})
        if err.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope))
        return JSONResponse({"detail": err.detail}, status_code=err.status_code, headers=headers)

    async def _database_away(request: Request, err: Exception) -> Response:
        """503 with ``Retry-After`` while the database is away; the driver's message goes to the log only."""
        return await _domain_error(request, DatabaseUnavailable(f"{type(err).__name__}: {err}"))

    for away in DATABASE_AWAY:
        app.add_exception_handler(away, _database_away)

    @app.exception_handler(BaotongError)
    async def _domain_error(request: Request, err: BaotongError) -> Response:
        if isinstance(err, LoginRequired):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        if isinstance(err, PageRefused):
            return _refusal_page(request, err)
        code = err.status
        # English for programs; the language the client asked for (cookie, switch, Accept-Language) for people
        lang = asked_lang(request)
        detail = err.text(lang) if lang is not None else err.public_detail
        body: dict[str, Any] = {"detail": detail, "error": type(err).__name__}
        if detail != err.public_detail:
            body["detail_en"] = err.public_detail
        if err.reasons is not None:
            body["reasons"] = err.reasons
        headers: dict[str, str] = {}
        if err.retry_after_s is not None:
            headers["Retry-After"] = str(err.retry_after_s)
        if isinstance(err, NotSignedIn):
            headers["WWW-Authenticate"] = "Bearer"
        if code >= 500:
            fix = f"; fix: {err.fix}" if isinstance(err, DeploymentError) else ""
            logger.error("%s %s -> %s %s: %s%s", request.method, request.url.path, code, type(err).__name__, err, fix)
        else:
            logger.info("%s %s -> %s %s", request.method, request.url.path, code, type(err).__name__)
        return JSONResponse(body, status_code=code, headers=headers or None)


def _refusal_page(request: Request, err: PageRefused) -> Response:
    from api import pages

    lang = page_lang(request)
    text = translate("refused.text", lang, role=err.user.role, roles=", ".join(err.roles))
    ctx = request.app.state.baotong
    return pages.render(request, ctx, "refused.html", user=err.user, status_code=403, text=text)
