"""App fixtures: an app on a temporary database (SQLite and PostgreSQL) over the Andorra extract, one token per role.

Imported as fixtures by the conftest of each test folder that needs them (api, store, services, cli).
"""

from __future__ import annotations

import os
import uuid

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


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database of each kind: SQLite in the test's folder, or a new PostgreSQL database.

    PostgreSQL comes from ``BAOTONG_TEST_POSTGRES_URL`` (``scripts/run_tests.sh`` starts one); without
    it the PostgreSQL variant is skipped, unless ``BAOTONG_REQUIRE_POSTGRES=1`` makes that a failure.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'baotong.db'}"
        return
    admin = os.environ.get("BAOTONG_TEST_POSTGRES_URL")
    if not admin:
        if os.environ.get("BAOTONG_REQUIRE_POSTGRES") == "1":
            pytest.fail("BAOTONG_TEST_POSTGRES_URL is not set; scripts/test_postgres.sh start gives one")
        pytest.skip("no PostgreSQL (set BAOTONG_TEST_POSTGRES_URL, e.g. via scripts/run_tests.sh)")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"bt_{uuid.uuid4().hex[:16]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


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
