"""FastAPI dependency types: ``SessionDep``, ``StateDep``, ``NetworkDep``, ``CurrentUser``, role guards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth import hash_token
from api.hotpath import Principal
from api.state import AppState
from routing.network import RoadNetwork

_bearer = HTTPBearer(auto_error=False)


# Dependencies without blocking I/O are ``async`` so FastAPI runs them on the event loop
# instead of hopping to the thread pool once each.
async def get_state(request: Request) -> AppState:
    return request.app.state.baotong


StateDep = Annotated[AppState, Depends(get_state)]


async def get_session(state: StateDep) -> AsyncIterator[Session]:
    """A session per request; it opens its connection lazily, in the (threaded) endpoint that uses it."""
    session = state.sessions()
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


async def get_network(state: StateDep) -> RoadNetwork:
    return state.network


NetworkDep = Annotated[RoadNetwork, Depends(get_network)]


async def get_current_user(
    state: StateDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, from its bearer token: one indexed lookup, run on the event loop (no thread hop).

    The lookup happens on every request, so a revoked or expired token stops working at once.
    """
    if credentials is None or not credentials.credentials:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing bearer token (Authorization: Bearer <token>)",
                            headers={"WWW-Authenticate": "Bearer"})
    user = state.hot.user(hash_token(credentials.credentials, state.settings.secret_key), datetime.now(UTC))
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown, revoked or expired token",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[Principal, Depends(get_current_user)]


def require(*roles: str):
    """A dependency that lets through users holding one of ``roles`` (``admin`` always passes)."""

    async def check(user: CurrentUser) -> Principal:
        if user.role not in roles and user.role != "admin":
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"role {user.role!r} may not do this; needs one of {list(roles)}")
        return user

    check.roles = roles  # read by the security tests: every write endpoint names its roles
    return check


PlannerUser = Annotated[Principal, Depends(require("planner"))]
DispatcherUser = Annotated[Principal, Depends(require("dispatcher", "planner"))]
