"""Sign-in for people: ``GET/POST /login``, ``POST /logout`` (programs keep bearer tokens).

The session cookie is ``HttpOnly``, ``SameSite=Lax``, ``Secure`` when the request came over HTTPS
(or ``BAOTONG_COOKIE_SECURE``), and ends with the session (absolute end); the session row in the
database ends it earlier when idle, at sign-out, or when the user is disabled.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import pages
from api.deps import SESSION_COOKIE, ContextDep, SessionDep, check_csrf, web_session
from api.i18n import page_lang, translate
from geo.errors import RateLimited, SignInFailed
from geo.i18n import format_duration
from services import users

router = APIRouter(tags=["auth"], include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this app only (never another host), default the workspace."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/workspace"
    return target


def client_address(request: Request) -> str | None:
    return request.client.host if request.client is not None else None


def _secure(request: Request, cookie_secure: bool) -> bool:
    return cookie_secure or request.url.scheme == "https"


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, ctx: ContextDep, next: str | None = None) -> Response:
    """The sign-in form (a signed-in user goes straight on)."""
    if web_session(request, ctx) is not None:  # already signed in
        return RedirectResponse(safe_next(next), status_code=303)
    message = translate("login.signed_out", page_lang(request)) if request.query_params.get("out") else None
    return pages.render(
        request, ctx, "login.html", user=None, next=safe_next(next), username="", error=None, message=message
    )


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/workspace",
) -> Response:
    """Check the name and password; on success a new session cookie and a redirect to ``next``.

    A wrong name or password answers 401 with the form again; too many failures for the user or
    from the address within the window answer 429 with ``Retry-After``.
    """
    lang = page_lang(request)
    target = safe_next(next)

    def again(status: int, error: str, headers: dict[str, str] | None = None) -> Response:
        return pages.render(
            request,
            ctx,
            "login.html",
            user=None,
            status_code=status,
            headers=headers,
            next=target,
            username=username,
            error=error,
            message=None,
        )

    if not username.strip() or not password:
        return again(422, translate("login.missing", lang))
    try:
        signed = users.sign_in(ctx, session, username, password, address=client_address(request))
    except RateLimited as err:
        wait = format_duration(err.retry_after_s, lang)
        return again(429, translate("login.rate_limited", lang, wait=wait), {"Retry-After": str(err.retry_after_s)})
    except SignInFailed:
        return again(401, translate("login.failed", lang))
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        users.sign_out(ctx, old)  # a new id at every sign-in: a planted cookie is never promoted
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed.session_id,
        max_age=int(ctx.settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=_secure(request, ctx.settings.cookie_secure),
        path="/",
    )
    return response


@router.post("/logout")
async def logout(request: Request, ctx: ContextDep) -> Response:
    """End the session (CSRF-checked: the form carries the session's token) and clear the cookie."""
    info = web_session(request, ctx)
    if info is not None:
        await check_csrf(request, info)
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            await asyncio.to_thread(users.sign_out, ctx, session_id)
    response = RedirectResponse("/login?out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response
