"""``baotong users add|list|disable|passwd``: passwords from stdin, never printed; disabled users stop working."""

from __future__ import annotations

import io

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from cli.main import main
from services.settings import Settings
from store.models import User
from tests._data import NETWORK_CACHE


def _env(monkeypatch, tmp_path):
    monkeypatch.setenv("BAOTONG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BAOTONG_CACHE_DIR", str(NETWORK_CACHE))


def _user(name: str) -> User:
    with Session(create_engine(Settings().database_url)) as s:
        return s.scalar(select(User).where(User.name == name))


def _enterprise(site_id: str) -> None:
    """An enterprise site in the (migrated) database of the settings: a user binds only to one."""
    from shapely.geometry import Point

    from geo.sites import Site
    from store.db import migrate
    from store.sites import add_site

    url = Settings().database_url
    migrate(url)
    with Session(create_engine(url)) as s:
        add_site(
            s, Site(id=site_id, kind="enterprise", name="甲公司", geometry=Point(1.5343, 42.5078)), created_by=None
        )


def test_add_with_a_password_from_stdin_then_list_passwd_disable(monkeypatch, tmp_path, capsys):
    _env(monkeypatch, tmp_path)
    _enterprise("site-1")
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-password\n"))
    assert main(["users", "add", "wang", "--role", "dispatcher", "--enterprise", "site-1", "--password-stdin"]) == 0
    out = capsys.readouterr().out
    assert "s3cret-password" not in out and len(out.strip().splitlines()[-1]) > 30  # the token, printed once
    user = _user("wang")
    assert user.password_hash.startswith("$argon2id$") and user.enterprise_id == "site-1"

    assert main(["users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "wang" in listing and "dispatcher" in listing and "site-1" in listing and "$argon2" not in listing

    old_hash = user.password_hash
    monkeypatch.setattr("sys.stdin", io.StringIO("another-password\n"))
    assert main(["users", "passwd", "wang", "--password-stdin"]) == 0
    assert _user("wang").password_hash != old_hash

    assert main(["users", "disable", "wang"]) == 0
    assert _user("wang").revoked_at is not None
    assert "disabled" in capsys.readouterr().out
    main(["users", "list"])
    assert "disabled" in capsys.readouterr().out


def test_bad_passwords_and_unknown_users_are_refused(monkeypatch, tmp_path, capsys):
    _env(monkeypatch, tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "li", "--role", "planner", "--password-stdin"]) == 2
    assert "password" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-pw\n"))
    assert main(["users", "passwd", "nobody", "--password-stdin"]) == 2
    assert "nobody" in capsys.readouterr().err
    assert main(["users", "disable", "nobody"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["users", "add", "zhao", "--role", "planner"]) == 0  # not a terminal: a token-only user
    assert _user("zhao").password_hash is None
