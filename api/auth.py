"""Roles and bearer tokens.  Only an HMAC of each token is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.models import User
from geo.errors import ConflictError, InvalidInputError

ROLES = ("planner", "dispatcher", "checkpoint", "county", "city_approver", "province_approver", "admin")


def hash_token(token: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def add_user(session: Session, name: str, role: str, secret_key: str, *, enterprise_id: str | None = None,
             expires_at: datetime | None = None, replace: bool = False) -> str:
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
    token = secrets.token_urlsafe(32)
    user = session.scalar(select(User).where(User.name == name))
    if user is not None and not replace:
        raise ConflictError(f"user {name!r} exists; choose another name")
    if user is None:
        user = User(name=name, role=role, token_hash=hash_token(token, secret_key), enterprise_id=enterprise_id,
                    expires_at=expires_at)
        session.add(user)
    else:
        user.role, user.token_hash, user.revoked_at = role, hash_token(token, secret_key), None
        user.enterprise_id, user.expires_at = enterprise_id, expires_at
    session.commit()
    return token


def revoke_user(session: Session, name: str) -> None:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise InvalidInputError(f"no user named {name!r}")
    user.revoked_at = datetime.now(UTC)
    session.commit()


def ensure_demo_users(session: Session, secret_key: str) -> dict[str, str]:
    """Dev mode: (re-)key one demo user per role; returns ``{role: token}`` to print."""
    return {role: add_user(session, f"demo-{role}", role, secret_key, replace=True) for role in ROLES}
