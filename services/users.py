"""Users, roles and bearer tokens.  Only an HMAC of each token is stored; a token is shown once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from geo.errors import ConflictError, InvalidInputError, PermissionDeniedError
from services.context import AppContext
from store import users
from store.users import Principal

ROLES = ("planner", "dispatcher", "checkpoint", "county", "city_approver", "province_approver", "admin")
#: The bureau's own roles: they read business data that is not public (plans, closure impacts, the full map).
BUREAU_ROLES = ("planner", "county", "city_approver", "province_approver")


def is_bureau(user: Principal | None) -> bool:
    """Whether ``user`` holds a bureau role (or is an admin): the full map, closures with their impact."""
    return user is not None and (user.role in BUREAU_ROLES or user.role == "admin")


def act_for(user: Principal, enterprise_id: str | None) -> None:
    """Planners and bureau dispatchers act for any enterprise; a dispatcher bound to an enterprise only for
    its own (``enterprise_id`` ``None``: something of the bureau's, which a bound dispatcher does not see).

    Raises
    ------
    PermissionDeniedError
        A dispatcher bound to another enterprise.
    """
    if user.role == "dispatcher" and user.enterprise_id is not None and user.enterprise_id != enterprise_id:
        whose = f"enterprise {enterprise_id!r}" if enterprise_id is not None else "the bureau"
        raise PermissionDeniedError(f"dispatcher {user.name!r} acts for enterprise {user.enterprise_id!r}, not {whose}")


def hash_token(token: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def authenticate(ctx: AppContext, token: str, *, now: datetime | None = None) -> Principal | None:
    """The active user holding ``token`` (``None``: unknown, revoked or expired): one indexed lookup."""
    return ctx.hot.user_by_token_hash(hash_token(token, ctx.settings.secret_key), now or datetime.now(UTC))


def add_user(
    session: Session,
    name: str,
    role: str,
    secret_key: str,
    *,
    enterprise_id: str | None = None,
    expires_at: datetime | None = None,
    replace: bool = False,
) -> str:
    """Create (or with ``replace`` re-key) a user and return the new token, shown once.

    Raises
    ------
    InvalidInputError
        For an unknown role or an empty name.
    ConflictError
        If the name is taken and ``replace`` is false.
    """
    if role not in ROLES:
        raise InvalidInputError(f"`role` was {role!r}; expected one of {list(ROLES)}")
    if not name or len(name) > 100:
        raise InvalidInputError(f"`name` was {name!r}; expected 1..100 characters")
    if not replace and users.user_by_name(session, name) is not None:
        raise ConflictError(f"user {name!r} exists; choose another name")
    token = secrets.token_urlsafe(32)
    users.save_user(
        session, name, role, hash_token(token, secret_key), enterprise_id=enterprise_id, expires_at=expires_at
    )
    return token


def revoke_user(session: Session, name: str) -> None:
    """Revoke a user's token now.

    Raises
    ------
    InvalidInputError
        If there is no user called ``name``.
    """
    user = users.user_by_name(session, name)
    if user is None:
        raise InvalidInputError(f"no user named {name!r}")
    users.revoke_user(session, user, datetime.now(UTC))


def ensure_demo_users(session: Session, secret_key: str) -> dict[str, str]:
    """Dev mode: (re-)key one demo user per role; returns ``{role: token}`` to print."""
    return {role: add_user(session, f"demo-{role}", role, secret_key, replace=True) for role in ROLES}
