"""Users and their bearer-token hashes (the per-request lookup is :meth:`store.hot.HotStore.user_by_token_hash`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import User


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request."""

    id: int
    name: str
    role: str
    enterprise_id: str | None


def user_by_name(session: Session, name: str) -> User | None:
    """The user row called ``name``, or ``None``."""
    return session.scalar(select(User).where(User.name == name))


def save_user(
    session: Session, name: str, role: str, token_hash: str, *, enterprise_id: str | None, expires_at: datetime | None
) -> None:
    """Create the user ``name``, or re-key it (new role, token hash, binding and expiry; no longer revoked)."""
    user = user_by_name(session, name)
    if user is None:
        session.add(
            User(name=name, role=role, token_hash=token_hash, enterprise_id=enterprise_id, expires_at=expires_at)
        )
    else:
        user.role, user.token_hash, user.revoked_at = role, token_hash, None
        user.enterprise_id, user.expires_at = enterprise_id, expires_at
    session.commit()


def revoke_user(session: Session, user: User, at: datetime) -> None:
    """Revoke ``user``'s token from ``at`` on."""
    user.revoked_at = at
    session.commit()
