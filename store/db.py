"""The database: SQLAlchemy 2 engine and sessions, the schema by Alembic migrations, column helpers.

SQLite (WAL, a file under the data directory) is the embedded default;
PostgreSQL is used by URL (``postgresql+psycopg://user:pass@host/db``).
Every write is committed before the API answers.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from geo.errors import NotFoundError

logger = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Base(DeclarativeBase):
    """Declarative base of every table."""


RowT = TypeVar("RowT", bound=Base)


#: The Chinese name of each kind of row :func:`get_row` names in its message.
ROW_NAMES_ZH = {
    "closure": "道路封闭",
    "delivery plan": "配送计划",
    "green channel": "绿色通道",
    "plan": "规划方案",
    "route": "路线",
    "site": "站点",
}


def get_row(session: Session, model: type[RowT], key: str, what: str) -> RowT:
    """The row of ``model`` whose primary key is ``key``.

    Raises
    ------
    NotFoundError
        If there is none; the message names ``what`` and the key.
    """
    row = session.get(model, key)
    if row is None:
        raise NotFoundError(f"no {what} with id {key!r}", zh=f"没有 id 为 {key!r} 的{ROW_NAMES_ZH.get(what, what)}")
    return row


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | str | None) -> datetime | None:
    """A timestamp column as an aware UTC datetime: everything is stored in UTC, but SQLite hands back
    naive datetimes through the ORM and text through the DBAPI; PostgreSQL gives aware datetimes."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def new_id(prefix: str) -> str:
    """A short unique id such as ``zone-3f9a0c1b2d4e``."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def dumps(value: Any) -> str:
    """Compact JSON text for a text column (orjson: fast on large route documents)."""
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS).decode("utf-8")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:  # pragma: no cover - trivial
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema (``alembic upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine`` whose objects stay readable after a commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def changed_rows(session: Session, statement: Any) -> int:
    """Run an ``UPDATE`` (or ``DELETE``) in the session's transaction; how many rows it changed."""
    result = cast(CursorResult[Any], session.execute(statement.execution_options(synchronize_session=False)))
    return int(result.rowcount)


def ping(session: Session) -> None:
    """One round trip to the database (raises if it does not answer)."""
    session.execute(text("SELECT 1"))
