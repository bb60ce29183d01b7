"""FastAPI dependency types: ``ContextDep``, ``SessionDep``, ``CurrentUser``, role guards, ``PageUser``.

The caller is the holder of a bearer token (programs) or of a sign-in session cookie (people on
the pages), through the one :data:`CurrentUser` dependency every endpoint uses.  A write made
with the session cookie must carry the session's CSRF token, in the ``X-CSRF-Token`` header (the
pages' fetch helper sends it) or as the ``csrf_token`` field of a plain form; bearer-token
requests need none (a browser never adds a bearer header on its own).
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from geo.errors import BaotongError, NotSignedIn, PermissionDeniedError
from services.context import AppContext
from services.users import BUREAU_ROLES, authenticate, session_user
from store.users import Principal, SessionInfo

_bearer = HTTPBearer(auto_error=False)

SESSION_COOKIE = "baotong_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNSET = object()


class CsrfRejected(BaotongError):
    """A write made with the session cookie without the session's CSRF token (HTTP 403)."""

    status = 403


class LoginRequired(BaotongError):
    """A page asked for by a browser that is not signed in: answered with a redirect to ``/login``."""

    status = 401


class PageRefused(BaotongError):
    """A page asked for by a signed-in user whose role may not use it: answered with a refusal page."""

    status = 403

    def __init__(self, user: Principal, roles: tuple[str, ...]):
        super().__init__(f"role {user.role!r} may not use this page; it needs one of {list(roles)}")
        self.user = user
        self.roles = roles


# Dependencies without blocking I/O are ``async`` so FastAPI runs them on the event loop
# instead of hopping to the thread pool once each.
async def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.baotong
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


async def get_session(ctx: ContextDep) -> AsyncIterator[Session]:
    """A session per request; it opens its connection lazily, in the (threaded) endpoint that uses it."""
    session = ctx.sessions()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def web_session(request: Request, ctx: AppContext) -> SessionInfo | None:
    """The live sign-in session of the request's cookie (looked up once per request), or ``None``."""
    found = getattr(request.state, "web_session", _UNSET)
    if found is not _UNSET:
        return found  # type: ignore[return-value]
    session_id = request.cookies.get(SESSION_COOKIE)
    info = session_user(ctx, session_id) if session_id else None
    request.state.web_session = info
    return info


async def check_csrf(request: Request, info: SessionInfo) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()  # parsed once per request (FastAPI reads the same cached form)
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), info.csrf_token.encode()):
        raise CsrfRejected(
            f"a write made with the sign-in cookie needs the session's CSRF token (header {CSRF_HEADER} "
            f"or form field {CSRF_FIELD}); reload the page and try again",
            zh=f"使用登录会话提交的操作缺少 CSRF 令牌（请求头 {CSRF_HEADER} 或表单字段 {CSRF_FIELD}）；请刷新页面后重试",
        )


async def get_current_user(
    request: Request,
    ctx: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from its bearer token or its sign-in session: one indexed lookup on the event loop.

    The lookup happens on every request, so a revoked or expired token, a disabled user or an
    ended session stops working at once.
    """
    if credentials is not None and credentials.credentials:
        user = authenticate(ctx, credentials.credentials)
        if user is None:
            raise NotSignedIn("unknown, revoked or expired token", zh="令牌无效、已撤销或已过期")
        return user
    info = web_session(request, ctx)
    if info is None:
        raise NotSignedIn(
            "missing bearer token (Authorization: Bearer <token>) or sign-in session (sign in at /login)",
            zh="缺少令牌（Authorization: Bearer <token>）或登录会话（请在 /login 登录）",
        )
    if request.method not in SAFE_METHODS:
        await check_csrf(request, info)
    return info.user


CurrentUser = Annotated[Principal, Depends(get_current_user)]


async def get_optional_user(request: Request, ctx: ContextDep) -> Principal | None:
    """The caller if it sent a valid token or session, else ``None`` (public reads that a role may narrow).

    The token is read from the request itself, not through the bearer scheme, so the public operations
    declare no security requirement in the OpenAPI schema (they need none)."""
    credentials = await _bearer(request)
    if credentials is not None and credentials.credentials:
        return authenticate(ctx, credentials.credentials)
    info = web_session(request, ctx)
    return info.user if info is not None else None


OptionalUser = Annotated[Principal | None, Depends(get_optional_user)]


def require(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through users holding one of ``roles`` (``admin`` always passes)."""

    async def check(user: CurrentUser) -> Principal:
        if user.role not in roles and user.role != "admin":
            raise PermissionDeniedError(
                f"role {user.role!r} may not do this; needs one of {list(roles)}",
                zh=f"角色 {user.role!r} 无权执行此操作；需要以下角色之一：{list(roles)}",
            )
        return user

    check.roles = roles  # type: ignore[attr-defined]  # read by the security tests: every write names its roles
    return check


def page_user(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A page's dependency: the signed-in user (else a redirect to ``/login``), holding one of ``roles``
    (none given: any role; ``admin`` always passes), else a refusal page."""

    async def check(request: Request, ctx: ContextDep) -> Principal:
        user = await get_optional_user(request, ctx)
        if user is None:
            raise LoginRequired("sign in first", zh="请先登录")
        if roles and user.role not in roles and user.role != "admin":
            raise PageRefused(user, roles)
        return user

    check.page_roles = roles  # type: ignore[attr-defined]
    return check


PageUser = Annotated[Principal, Depends(page_user())]
PlannerUser = Annotated[Principal, Depends(require("planner"))]
DispatcherUser = Annotated[Principal, Depends(require("dispatcher", "planner"))]
CountyUser = Annotated[Principal, Depends(require("county"))]
ApproverUser = Annotated[Principal, Depends(require("city_approver", "province_approver"))]
EnterpriseStaff = Annotated[Principal, Depends(require("planner", "dispatcher"))]
DispatcherOnly = Annotated[Principal, Depends(require("dispatcher"))]
#: reads a pass by its number (its QR code, print page, map, scans): a checkpoint reads passes only by token
PassReader = Annotated[Principal, Depends(require("planner", "dispatcher"))]
#: reads the pass whose token it holds
PassTokenReader = Annotated[Principal, Depends(require("checkpoint", "planner", "dispatcher"))]
CheckpointUser = Annotated[Principal, Depends(require("checkpoint"))]
#: the checkpoint page: the roles that may call ``POST /passes/verify`` (else a refusal page)
CheckpointPage = Annotated[Principal, Depends(page_user("checkpoint"))]
#: a stored route and its map (an enterprise-bound dispatcher: its enterprise's routes only)
RouteReader = Annotated[Principal, Depends(require("planner", "dispatcher"))]
#: station plans, closure impacts: the bureau's business
BureauReader = Annotated[Principal, Depends(require(*BUREAU_ROLES))]
#: docking and drop points: the bureau and the dispatchers who deliver there
SiteLogisticsReader = Annotated[Principal, Depends(require(*BUREAU_ROLES, "dispatcher"))]
