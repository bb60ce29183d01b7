"""Tokens: stored hashed, revocable, expiring; placeholder secrets refused outside dev mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services import users
from store.models import User
from tests._app import make_settings


def test_tokens_are_stored_hashed(app, tokens):
    with app.state.baotong.sessions() as session:
        stored = session.scalars(select(User)).all()
    hashes = {u.token_hash for u in stored}
    for token in tokens.values():
        assert token not in hashes
        assert all(token not in h for h in hashes)
        assert users.hash_token(token, app.state.baotong.settings.secret_key) in hashes


def test_revoked_and_expired_tokens_never_work(client, app):
    state = app.state.baotong
    with state.sessions() as s:
        live = users.add_user(s, "live", "planner", state.settings.secret_key)
        gone = users.add_user(s, "gone", "planner", state.settings.secret_key)
        old = users.add_user(
            s, "old", "planner", state.settings.secret_key, expires_at=datetime.now(UTC) - timedelta(seconds=1)
        )
        users.revoke_user(s, "gone")
    body = {
        "type": "Feature",
        "properties": {"risk": "precaution"},
        "geometry": {"type": "Polygon", "coordinates": [[[1.52, 42.5], [1.53, 42.5], [1.53, 42.51], [1.52, 42.5]]]},
    }
    assert client.post("/zones", json=body, headers={"Authorization": f"Bearer {live}"}).status_code == 201
    for token in (gone, old):
        assert client.post("/zones", json=body, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_unknown_role_and_duplicate_name(app):
    from geo.errors import ConflictError, InvalidInputError

    state = app.state.baotong
    with state.sessions() as s:
        with pytest.raises(InvalidInputError, match="role"):
            users.add_user(s, "x", "emperor", state.settings.secret_key)
        users.add_user(s, "dup", "planner", state.settings.secret_key)
        with pytest.raises(ConflictError, match="dup"):
            users.add_user(s, "dup", "planner", state.settings.secret_key)


def test_placeholder_secret_refused_outside_dev(tmp_path):
    from api.main import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(make_settings(tmp_path, dev=False))
    app = create_app(make_settings(tmp_path, dev=False, secret_key="a-real-secret-of-some-length"))
    assert app.state.baotong.settings.dev is False


def test_demo_users_one_per_role(app, tmp_path):
    """Credentials stay those of their file; a fresh file (a fresh data dir) makes new ones and the old stop."""
    state = app.state.baotong
    with state.sessions() as s:
        first = users.ensure_demo_users(s, state.settings.secret_key, credentials_file=tmp_path / "a.json")
        second = users.ensure_demo_users(s, state.settings.secret_key, credentials_file=tmp_path / "b.json")
        assert set(first) == set(users.ROLES) and all(first[r].token != second[r].token for r in first)
    key, now = state.settings.secret_key, datetime.now(UTC)  # the lookup every request makes
    assert all(state.hot.user_by_token_hash(users.hash_token(d.token, key), now) is None for d in first.values())
    assert all(state.hot.user_by_token_hash(users.hash_token(d.token, key), now).role == r for r, d in second.items())
