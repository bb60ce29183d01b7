"""API fixtures: an app on a temporary database over the Andorra extract, and one token per role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests._data import NETWORK_CACHE, shared_file


def make_settings(tmp_path, **overrides):
    from api.config import Settings

    values = dict(data_dir=tmp_path, network=str(shared_file("andorra.osm.pbf")), cache_dir=NETWORK_CACHE,
                  scenario=None)
    values.update(overrides)
    return Settings(**values)


def tokens_for(app) -> dict[str, str]:
    from api import auth

    state = app.state.baotong
    with state.sessions() as session:
        return {role: auth.add_user(session, f"test-{role}", role, state.settings.secret_key) for role in auth.ROLES}


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest.fixture
def app(settings):
    from api.main import create_app

    return create_app(settings)


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
