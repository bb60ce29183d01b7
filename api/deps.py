"""FastAPI dependency types: ``ContextDep``, ``SessionDep``, ``CurrentUser``, role guards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from services.context import AppContext
from services.users import BUREAU_ROLES, authenticate
from store.users import Principal

_bearer = HTTPBearer(auto_error=False)


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


async def get_current_user(
    ctx: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from its bearer token: one indexed lookup, run on the event loop (no thread hop).

    The lookup happens on every request, so a revoked or expired token stops working at once.
    """
    if credentials is None or not credentials.credentials:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    user = authenticate(ctx, credentials.credentials)
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "unknown, revoked or expired token", headers={"WWW-Authenticate": "Bearer"}
        )
    return user


CurrentUser = Annotated[Principal, Depends(get_current_user)]


async def get_optional_user(
    ctx: ContextDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal | None:
    """The caller of a public page that shows more to some roles: ``None`` without a bearer token, 401 for a
    bad one.  Not declared as a security requirement in the schema: the page needs no token."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return await get_current_user(ctx, HTTPAuthorizationCredentials(scheme="Bearer", credentials=token.strip()))


OptionalUser = Annotated[Principal | None, Depends(get_optional_user)]


def require(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through users holding one of ``roles`` (``admin`` always passes)."""

    async def check(user: CurrentUser) -> Principal:
        if user.role not in roles and user.role != "admin":
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"role {user.role!r} may not do this; needs one of {list(roles)}"
            )
        return user

    check.roles = roles  # type: ignore[attr-defined]  # read by the security tests: every write names its roles
    return check


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
#: a stored route and its map (an enterprise-bound dispatcher: its enterprise's routes only)
RouteReader = Annotated[Principal, Depends(require("planner", "dispatcher"))]
#: station plans, closure impacts: the bureau's business
BureauReader = Annotated[Principal, Depends(require(*BUREAU_ROLES))]
#: docking and drop points: the bureau and the dispatchers who deliver there
SiteLogisticsReader = Annotated[Principal, Depends(require(*BUREAU_ROLES, "dispatcher"))]
