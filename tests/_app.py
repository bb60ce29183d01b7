"""App fixtures: an app on a temporary database (SQLite and PostgreSQL) over the Andorra extract, one token per role.

Imported as fixtures by the conftest of each test folder that needs them (api, store, services, cli).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests._data import NETWORK_CACHE, shared_file


def make_settings(tmp_path, **overrides):
    from services.settings import Settings

    values = dict(
        data_dir=tmp_path,
        network=str(shared_file("andorra.osm.pbf")),
        cache_dir=NETWORK_CACHE,
        scenario=None,
        allowed_hosts=["testserver", "localhost", "127.0.0.1"],  # TestClient's Host is "testserver"
    )
    values.update(overrides)
    return Settings(**values)


def tokens_for(app) -> dict[str, str]:
    from services import users

    state = app.state.baotong
    with state.sessions() as session:
        return {role: users.add_user(session, f"test-{role}", role, state.settings.secret_key) for role in users.ROLES}


def _postgres_admin_url(request) -> str:
    """The throw-away server's admin URL, or skip (fail with ``BAOTONG_REQUIRE_POSTGRES=1``) without one."""
    admin = os.environ.get("BAOTONG_TEST_POSTGRES_URL")
    if not admin:
        if os.environ.get("BAOTONG_REQUIRE_POSTGRES") == "1":
            pytest.fail("BAOTONG_TEST_POSTGRES_URL is not set; scripts/test_postgres.sh start gives one")
        pytest.skip("no PostgreSQL (set BAOTONG_TEST_POSTGRES_URL, e.g. via scripts/run_tests.sh)")
    return admin


@contextlib.contextmanager
def _new_postgres_database(admin: str) -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"bt_{uuid.uuid4().hex[:16]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


class _Migrated:
    """Databases at the newest schema, made once per run (the migrations and PostgreSQL's
    ``CREATE DATABASE`` take most of a fresh app's start).

    SQLite: one migrated file that each test's database is copied from.  PostgreSQL: migrated
    databases handed out one per test and, after it, emptied (every table but ``alembic_version``
    truncated, sequences restarted, the test's sessions ended) and handed out again; one whose
    tables changed is dropped instead.
    """

    def __init__(self, folder: Path, stack: contextlib.ExitStack):
        from store.db import migrate

        self.sqlite = folder / "baotong.db"
        migrate(f"sqlite:///{self.sqlite}")
        self._stack = stack
        self._free: list[str] = []
        self._tables: dict[str, tuple[str, ...]] = {}

    @contextlib.contextmanager
    def postgres(self, admin: str) -> Iterator[str]:
        from sqlalchemy import create_engine

        from store.db import migrate

        if self._free:
            url = self._free.pop()
        else:
            url = self._stack.enter_context(_new_postgres_database(admin))
            migrate(url)
            self._tables[url] = self._table_names(url)
        yield url
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        name = url.rsplit("/", 1)[-1]
        try:
            with engine.connect() as conn:  # what the test left connected (a killed server's sessions)
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
        finally:
            engine.dispose()
        if self._table_names(url) != self._tables[url]:
            return  # not handed out again (dropped when the run ends)
        tables = ", ".join(f'"{t}"' for t in self._tables[url] if t != "alembic_version")
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        finally:
            engine.dispose()
        self._free.append(url)

    @staticmethod
    def _table_names(url: str) -> tuple[str, ...]:
        from sqlalchemy import create_engine, inspect

        engine = create_engine(url)
        try:
            return tuple(sorted(inspect(engine).get_table_names()))
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def _migrated(tmp_path_factory) -> Iterator[_Migrated]:
    with contextlib.ExitStack() as stack:
        yield _Migrated(tmp_path_factory.mktemp("schema"), stack)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, _migrated):
    """A fresh database of each kind at the newest schema, with no rows: SQLite in the test's folder,
    or a PostgreSQL database of its own (see :class:`_Migrated`); the app's own ``migrate`` at start
    then finds nothing to do.  :func:`empty_database_url` gives one without the schema.

    PostgreSQL comes from ``BAOTONG_TEST_POSTGRES_URL`` (``scripts/run_tests.sh`` starts one); without
    it the PostgreSQL variant is skipped, unless ``BAOTONG_REQUIRE_POSTGRES=1`` makes that a failure.
    """
    if request.param == "sqlite":
        target = tmp_path / "baotong.db"
        with (
            contextlib.closing(sqlite3.connect(_migrated.sqlite)) as src,
            contextlib.closing(sqlite3.connect(target)) as dst,
        ):
            src.backup(dst)
        yield f"sqlite:///{target}"
        return
    with _migrated.postgres(_postgres_admin_url(request)) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A fresh, empty database of each kind (no schema): for the tests of the migrations themselves."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'baotong.db'}"
        return
    with _new_postgres_database(_postgres_admin_url(request)) as url:
        yield url


@pytest.fixture
def settings(tmp_path, database_url):
    return make_settings(tmp_path, database_url=database_url)


@pytest.fixture
def app(settings, andorra_router):
    """The app on the fixture's database, sharing the session's Andorra router (the network is read-only)."""
    from api.main import create_app

    app = create_app(settings, road_router=andorra_router)
    yield app
    app.state.baotong.close()


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def tokens(app) -> dict[str, str]:
    return tokens_for(app)


@pytest.fixture
def auth_headers(tokens):
    def headers(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    return headers
