"""Users, roles, bearer tokens, passwords and sign-in sessions.

* Bearer tokens are for programs: only an HMAC of each is stored; a token is shown once.
* Passwords are for people: hashed with argon2 (argon2-cffi, its recommended parameters); a
  sign-in (:func:`sign_in`) makes a server-side session whose random id travels in a cookie and
  whose SHA-256 is the database row's key, with a per-session CSRF token.  A session ends at its
  absolute end, after an idle spell, at sign-out, or when the user's password changes or the
  user is disabled.
* Failed sign-ins are counted in the database (every worker agrees) per user and per address;
  past the limit within the window the answer is 429 with ``Retry-After``.  The log names the
  user and the address, never the password.
* Dev mode: one demo user per role, made once, with a generated password and bearer token kept in
  an owner-only file of the data dir, so both stay the same across restarts.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from geo.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError, RateLimited, SignInFailed
from services.context import AppContext
from services.settings import Settings
from store import sites, users
from store.users import Principal, SessionInfo

logger = logging.getLogger(__name__)

ROLES = ("planner", "dispatcher", "checkpoint", "county", "city_approver", "province_approver", "admin")
#: Role names for people.
ROLE_LABELS = {
    "planner": {"zh": "交通局规划员", "en": "Transport-bureau planner"},
    "dispatcher": {"zh": "企业调度员", "en": "Dispatcher"},
    "checkpoint": {"zh": "检查站执勤人员", "en": "Checkpoint officer"},
    "county": {"zh": "区县工作人员", "en": "County official"},
    "city_approver": {"zh": "市级审批人", "en": "City approver"},
    "province_approver": {"zh": "省级审批人", "en": "Provincial approver"},
    "admin": {"zh": "系统管理员", "en": "Administrator"},
}
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
#: A session's idle clock is moved at most this often (one UPDATE a minute, not one per request).
TOUCH_EVERY = timedelta(seconds=60)

_hasher = PasswordHasher()
#: Verified against when the user is unknown, so an unknown name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("baotong-no-such-user")


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
        raise PermissionDeniedError(
            f"dispatcher {user.name!r} acts for enterprise {user.enterprise_id!r}, not {whose}",
            zh=f"调度员 {user.name!r} 代表企业 {user.enterprise_id!r}，而不是"
            + (f"企业 {enterprise_id!r}" if enterprise_id is not None else "本局"),
        )


def hash_token(token: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def session_hash(session_id: str) -> str:
    """The stored key of a session id (SHA-256: the database never holds a usable id)."""
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


def authenticate(ctx: AppContext, token: str, *, now: datetime | None = None) -> Principal | None:
    """The active user holding ``token`` (``None``: unknown, revoked or expired): one indexed lookup."""
    return ctx.hot.user_by_token_hash(hash_token(token, ctx.settings.secret_key), now or datetime.now(UTC))


def check_password(password: str) -> str:
    """``password`` if it is acceptable.

    Raises
    ------
    InvalidInputError
        Shorter than :data:`MIN_PASSWORD_LENGTH` or longer than :data:`MAX_PASSWORD_LENGTH` characters.
    """
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInputError(
            f"the password has {len(password)} characters; expected {MIN_PASSWORD_LENGTH}..{MAX_PASSWORD_LENGTH}",
            zh=f"密码长度为 {len(password)} 个字符；应为 {MIN_PASSWORD_LENGTH} 到 {MAX_PASSWORD_LENGTH} 个字符",
        )
    return password


def hash_password(password: str) -> str:
    """The argon2id hash of an acceptable ``password`` (see :func:`check_password`)."""
    return _hasher.hash(check_password(password))


def add_user(
    session: Session,
    name: str,
    role: str,
    secret_key: str,
    *,
    enterprise_id: str | None = None,
    expires_at: datetime | None = None,
    replace: bool = False,
    password: str | None = None,
    token: str | None = None,
) -> str:
    """Create (or with ``replace`` re-key) a user and return its bearer token, shown once.

    ``password`` (optional) lets the user sign in on the pages; ``token`` keeps a given token
    (dev mode's stable demo tokens) instead of a new random one.

    Raises
    ------
    InvalidInputError
        For an unknown role, an empty name or an unacceptable password.
        For an ``enterprise_id`` that names no enterprise site.
    ConflictError
        If the name is taken and ``replace`` is false.
    """
    if role not in ROLES:
        raise InvalidInputError(
            f"`role` was {role!r}; expected one of {list(ROLES)}", zh=f"角色 {role!r} 不存在；应为 {list(ROLES)} 之一"
        )
    if not name or len(name) > 100:
        raise InvalidInputError(
            f"`name` was {name!r}; expected 1..100 characters", zh=f"用户名 {name!r} 无效；应为 1 到 100 个字符"
        )
    if enterprise_id is not None:
        site = sites.find_site(session, enterprise_id)
        if site is None or site.kind != "enterprise":
            found = "no site" if site is None else f"a {site.kind} site, not an enterprise"
            raise InvalidInputError(
                f"`enterprise` was {enterprise_id!r}: {found}; bind the user to an enterprise's site id "
                "(GET /sites?kind=enterprise lists them)",
                zh=f"`enterprise` 为 {enterprise_id!r}："
                + ("没有这个站点" if site is None else f"这是一个 {site.kind} 站点，不是企业")
                + "；请把用户绑定到某个企业的站点 id（GET /sites?kind=enterprise 可列出）",
            )
    if not replace and users.user_by_name(session, name) is not None:
        raise ConflictError(f"user {name!r} exists; choose another name", zh=f"用户 {name!r} 已存在；请换一个名字")
    password_hash = hash_password(password) if password is not None else None
    token = token or secrets.token_urlsafe(32)
    users.save_user(
        session,
        name,
        role,
        hash_token(token, secret_key),
        enterprise_id=enterprise_id,
        expires_at=expires_at,
        password_hash=password_hash,
        at=datetime.now(UTC),
    )
    return token


def _user(session: Session, name: str):  # -> store.models.User
    user = users.user_by_name(session, name)
    if user is None:
        raise NotFoundError(f"no user named {name!r}", zh=f"没有名为 {name!r} 的用户")
    return user


def revoke_user(session: Session, name: str) -> None:
    """Disable a user now: its token, its password and every session stop working.

    Raises
    ------
    NotFoundError
        If there is no user called ``name``.
    """
    users.revoke_user(session, _user(session, name), datetime.now(UTC))
    logger.info("disabled user %s", name)


#: ``users disable`` is the revocation of every credential of a user.
disable_user = revoke_user


def set_password(session: Session, name: str, password: str) -> None:
    """Give a user a new sign-in password; its open sessions end.

    Raises
    ------
    NotFoundError
        If there is no user called ``name``.
    InvalidInputError
        An unacceptable password.
    """
    user = _user(session, name)
    users.set_password(session, user, hash_password(password), datetime.now(UTC))
    logger.info("new password for user %s", name)


@dataclass(frozen=True)
class UserSummary:
    """What ``users list`` shows of a user (no secret)."""

    name: str
    role: str
    enterprise_id: str | None
    has_password: bool
    disabled: bool
    created_at: datetime | None


def list_users(session: Session) -> list[UserSummary]:
    """Every user by name, without secrets."""
    return [
        UserSummary(
            u.name, u.role, u.enterprise_id, u.password_hash is not None, u.revoked_at is not None, u.created_at
        )
        for u in users.list_users(session)
    ]


# -- sign-in --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie's random id (shown to this browser only), its CSRF token, its end."""

    session_id: str
    csrf_token: str
    user: Principal
    expires_at: datetime


def _retry_after(oldest: datetime | None, window: timedelta, now: datetime) -> int:
    if oldest is None:
        return int(window.total_seconds())
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return max(1, int((oldest + window - now).total_seconds()) + 1)


def _check_rate(session: Session, settings: Settings, username: str, address: str | None, now: datetime) -> None:
    window = timedelta(minutes=settings.login_window_minutes)
    since = now - window
    limits = [(f"user:{username}", settings.login_max_failures_per_user, "user")]
    if address:
        limits.append((f"addr:{address}", settings.login_max_failures_per_address, "address"))
    for key, limit, what in limits:
        count, oldest = users.failures_since(session, key, since)
        if count >= limit:
            wait = _retry_after(oldest, window, now)
            logger.warning("sign-in refused for %s (%s): %d failures in %s", username, what, count, window)
            if what == "user":
                raise RateLimited(
                    f"too many failed sign-ins for {username!r}; try again in {wait} s",
                    zh=f"用户 {username!r} 登录失败次数过多；请 {wait} 秒后再试",
                    retry_after_s=wait,
                )
            raise RateLimited(
                f"too many failed sign-ins from this address; try again in {wait} s",
                zh=f"此地址登录失败次数过多；请 {wait} 秒后再试",
                retry_after_s=wait,
            )


def sign_in(
    ctx: AppContext, session: Session, username: str, password: str, *, address: str | None, now: datetime | None = None
) -> SignedIn:
    """Check a name and password and open a session.

    Raises
    ------
    RateLimited
        Too many failures for this user or from this address within the window (429, ``Retry-After``).
    SignInFailed
        An unknown name, a wrong password, a user without a password or a disabled user (one
        message for all, so the answer does not tell which names exist).
    """
    settings = ctx.settings
    now = now or datetime.now(UTC)
    username = username.strip()[:100]
    _check_rate(session, settings, username, address, now)
    user = users.user_by_name(session, username) if username else None
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    ok = _verifies(stored, password[:MAX_PASSWORD_LENGTH])
    expired = user is not None and user.expires_at is not None and _aware(user.expires_at) <= now
    if not ok or user is None or not user.password_hash or user.revoked_at is not None or expired:
        keys = [f"user:{username}"] + ([f"addr:{address}"] if address else [])
        users.add_failures(session, keys, now)
        logger.warning("failed sign-in for user %r from %s", username, address or "?")
        raise SignInFailed(
            "unknown user name or wrong password (or the user is disabled)",
            zh="用户名或密码错误（或该用户已停用）",
        )
    if _hasher.check_needs_rehash(user.password_hash):
        users.set_password(session, user, _hasher.hash(password), now)
    users.clear_failures(session, f"user:{username}")
    users.prune_failures(session, now - timedelta(days=1))
    idle = timedelta(minutes=settings.session_idle_minutes)
    users.delete_expired_sessions(session, now, now - idle)
    session_id = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=settings.session_hours)
    users.add_session(
        session,
        id_hash=session_hash(session_id),
        user_id=user.id,
        csrf_token=csrf,
        at=now,
        expires_at=expires,
        address=address,
    )
    logger.info("user %s signed in from %s", username, address or "?")
    return SignedIn(session_id, csrf, Principal(user.id, user.name, user.role, user.enterprise_id), expires)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def session_user(ctx: AppContext, session_id: str, *, now: datetime | None = None) -> SessionInfo | None:
    """The live session of a cookie's id (one indexed lookup), its idle clock moved at most once a minute."""
    now = now or datetime.now(UTC)
    found = ctx.hot.session_by_hash(session_hash(session_id), now, idle_s=ctx.settings.session_idle_minutes * 60.0)
    if found is not None and now - found.last_seen_at > TOUCH_EVERY:
        with ctx.sessions() as session:
            users.touch_session(session, found.id_hash, now)
    return found


def sign_out(ctx: AppContext, session_id: str) -> bool:
    """End the session of a cookie's id; whether there was one."""
    with ctx.sessions() as session:
        return users.delete_session(session, session_hash(session_id))


# -- dev mode's demo users ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoUser:
    """A demo sign-in of dev mode."""

    role: str
    name: str
    password: str
    token: str


def _read_demo_file(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_owner_only(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def ensure_demo_users(session: Session, secret_key: str, *, credentials_file: Path) -> dict[str, DemoUser]:
    """Dev mode: one demo user per role (``demo-<role>``), with a password and a bearer token.

    The credentials are made once and kept in ``credentials_file`` (mode 0600); later starts read
    them back and make sure each user exists with them, so a saved password or token keeps
    working across restarts (and after the database is reset).  Returns ``{role: DemoUser}``.
    """
    stored = _read_demo_file(credentials_file)
    out: dict[str, DemoUser] = {}
    changed = False
    for role in ROLES:
        entry = stored.get(role) or {}
        name = entry.get("name") or f"demo-{role}"
        password = entry.get("password") or secrets.token_urlsafe(12)
        token = entry.get("token") or secrets.token_urlsafe(32)
        if entry != {"name": name, "password": password, "token": token}:
            changed = True
        demo = DemoUser(role, name, password, token)
        user = users.user_by_name(session, name)
        current = (
            user is not None
            and user.role == role
            and user.revoked_at is None
            and user.token_hash == hash_token(token, secret_key)
            and user.password_hash is not None
            and _verifies(user.password_hash, password)
        )
        if not current:
            add_user(session, name, role, secret_key, replace=True, password=password, token=token)
        out[role] = demo
    if changed or not credentials_file.is_file():
        _write_owner_only(
            credentials_file,
            json.dumps(
                {d.role: {"name": d.name, "password": d.password, "token": d.token} for d in out.values()},
                ensure_ascii=False,
                indent=2,
            ),
        )
    return out


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
