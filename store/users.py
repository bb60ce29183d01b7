"""Users (bearer-token hashes, password hashes), sign-in sessions and failed sign-ins.

The per-request lookups are :meth:`store.hot.HotStore.user_by_token_hash` and
:meth:`store.hot.HotStore.session_by_hash`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from store.models import LoginFailureRow, User, WebSessionRow


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request."""

    id: int
    name: str
    role: str
    enterprise_id: str | None


@dataclass(frozen=True)
class SessionInfo:
    """A live sign-in session as the per-request lookup reads it."""

    user: Principal
    id_hash: str
    csrf_token: str
    last_seen_at: datetime
    expires_at: datetime


def user_by_name(session: Session, name: str) -> User | None:
    """The user row called ``name``, or ``None``."""
    return session.scalar(select(User).where(User.name == name))


def list_users(session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.scalars(select(User).order_by(User.name)).all())


def save_user(
    session: Session,
    name: str,
    role: str,
    token_hash: str,
    *,
    enterprise_id: str | None,
    expires_at: datetime | None,
    password_hash: str | None = None,
    at: datetime | None = None,
) -> None:
    """Create the user ``name``, or re-key it (new role, token hash, binding, expiry and password; no longer
    revoked)."""
    user = user_by_name(session, name)
    if user is None:
        session.add(
            User(
                name=name,
                role=role,
                token_hash=token_hash,
                enterprise_id=enterprise_id,
                expires_at=expires_at,
                password_hash=password_hash,
                password_changed_at=at if password_hash is not None else None,
            )
        )
    else:
        user.role, user.token_hash, user.revoked_at = role, token_hash, None
        user.enterprise_id, user.expires_at = enterprise_id, expires_at
        user.password_hash, user.password_changed_at = password_hash, at if password_hash is not None else None
    session.commit()


def set_password(session: Session, user: User, password_hash: str, at: datetime) -> None:
    """Give ``user`` a new password hash and end every session it has."""
    user.password_hash, user.password_changed_at = password_hash, at
    session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user.id))
    session.commit()


def revoke_user(session: Session, user: User, at: datetime) -> None:
    """Revoke ``user`` from ``at`` on: its token, its password and every session stop working."""
    user.revoked_at = at
    session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user.id))
    session.commit()


# -- sessions ---------------------------------------------------------------------------------------------
def add_session(
    session: Session,
    *,
    id_hash: str,
    user_id: int,
    csrf_token: str,
    at: datetime,
    expires_at: datetime,
    address: str | None,
) -> None:
    """Store a new sign-in session (committed)."""
    session.add(
        WebSessionRow(
            id_hash=id_hash,
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=at,
            last_seen_at=at,
            expires_at=expires_at,
            address=address,
        )
    )
    session.commit()


def delete_session(session: Session, id_hash: str) -> bool:
    """End one session; whether there was one."""
    done = session.execute(delete(WebSessionRow).where(WebSessionRow.id_hash == id_hash))
    session.commit()
    return bool(getattr(done, "rowcount", 0))


def delete_expired_sessions(session: Session, now: datetime, idle_before: datetime) -> int:
    """Remove sessions past their absolute end or idle since ``idle_before``; how many."""
    done = session.execute(
        delete(WebSessionRow).where((WebSessionRow.expires_at <= now) | (WebSessionRow.last_seen_at < idle_before))
    )
    session.commit()
    return int(getattr(done, "rowcount", 0) or 0)


def touch_session(session: Session, id_hash: str, at: datetime) -> None:
    """Move a session's idle clock to ``at``."""
    session.execute(update(WebSessionRow).where(WebSessionRow.id_hash == id_hash).values(last_seen_at=at))
    session.commit()


def count_sessions(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(WebSessionRow).where(WebSessionRow.user_id == user_id)) or 0


# -- failed sign-ins ----------------------------------------------------------------------------------------
def add_failures(session: Session, keys: list[str], at: datetime) -> None:
    """Record a failed sign-in under each of ``keys`` (committed)."""
    session.add_all([LoginFailureRow(key=k, at=at) for k in keys])
    session.commit()


def failures_since(session: Session, key: str, since: datetime) -> tuple[int, datetime | None]:
    """``(count, oldest)`` of the failures of ``key`` at or after ``since``."""
    count, oldest = session.execute(
        select(func.count(), func.min(LoginFailureRow.at)).where(
            LoginFailureRow.key == key, LoginFailureRow.at >= since
        )
    ).one()
    return int(count or 0), oldest


def clear_failures(session: Session, key: str, *, before: datetime | None = None) -> None:
    """Forget the failures of ``key`` (all, or those before ``before``)."""
    q = delete(LoginFailureRow).where(LoginFailureRow.key == key)
    if before is not None:
        q = q.where(LoginFailureRow.at < before)
    session.execute(q)
    session.commit()


def prune_failures(session: Session, before: datetime) -> None:
    """Forget every failure older than ``before`` (outside any window)."""
    session.execute(delete(LoginFailureRow).where(LoginFailureRow.at < before))
    session.commit()
