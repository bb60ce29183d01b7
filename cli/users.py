"""``baotong users add|list|disable|passwd``: users, their roles, sign-in passwords and bearer tokens.

``users add`` prints the new bearer token once (only its HMAC is stored) for programs; with
``--password-stdin`` the sign-in password is read from standard input, else, at a terminal, it
is asked twice (an empty answer: a token-only user, e.g. a program).  Passwords are stored as
argon2 hashes and never printed.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from cli.common import settings_from
from geo.errors import InvalidInputError
from services import users
from services.context import open_database


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = subparsers.add_parser("users", help="users, passwords and tokens").add_subparsers(
        dest="users_command", required=True
    )
    u = group.add_parser("add", help="add a user (sign-in password, and a token printed once)")
    u.add_argument("name")
    u.add_argument("--role", required=True, help=f"one of {', '.join(users.ROLES)}")
    u.add_argument("--enterprise", help="the enterprise site id a dispatcher acts for")
    u.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    u.set_defaults(func=add)
    lst = group.add_parser("list", help="list users (no secrets)")
    lst.set_defaults(func=list_users)
    d = group.add_parser("disable", help="disable a user: its token, password and sessions stop working")
    d.add_argument("name")
    d.set_defaults(func=disable)
    p = group.add_parser("passwd", help="set a user's sign-in password (its sessions end)")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=passwd)


def read_password(from_stdin: bool, *, required: bool) -> str | None:
    """The password from standard input (first line), or asked twice at a terminal; ``None`` for none.

    Raises
    ------
    InvalidInputError
        The two entries differ, or ``required`` and none was given.
    """
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if password and getpass.getpass("password again: ") != password:
            raise InvalidInputError(
                "the two passwords differ; nothing was changed", zh="两次输入的密码不一致；未作修改"
            )
    else:
        password = ""
    if not password:
        if required:
            raise InvalidInputError(
                "no password given (use --password-stdin, or run at a terminal)",
                zh="未提供密码（请使用 --password-stdin，或在终端中运行）",
            )
        return None
    return users.check_password(password)


def _sessions():  # the database of the environment's settings
    settings = settings_from()
    db_engine, sessions = open_database(settings)
    return settings, db_engine, sessions


def add(args: argparse.Namespace) -> int:
    password = read_password(args.password_stdin, required=False)
    settings, db_engine, sessions = _sessions()
    try:
        with sessions() as session:
            token = users.add_user(
                session, args.name, args.role, settings.secret_key, enterprise_id=args.enterprise, password=password
            )
    finally:
        db_engine.dispose()
    sign_in = "may sign in with the password given" if password else "no sign-in password (token only)"
    print(f"user {args.name!r} ({args.role}), {sign_in} — token, shown once:\n{token}")
    return 0


def list_users(args: argparse.Namespace) -> int:
    settings, db_engine, sessions = _sessions()
    try:
        with sessions() as session:
            found = users.list_users(session)
    finally:
        db_engine.dispose()
    print(f"{'name':<24} {'role':<18} {'enterprise':<20} {'password':<9} status")
    for u in found:
        status = "disabled" if u.disabled else "active"
        print(f"{u.name:<24} {u.role:<18} {u.enterprise_id or '-':<20} {'yes' if u.has_password else 'no':<9} {status}")
    return 0


def disable(args: argparse.Namespace) -> int:
    settings, db_engine, sessions = _sessions()
    try:
        with sessions() as session:
            users.disable_user(session, args.name)
    finally:
        db_engine.dispose()
    print(f"user {args.name!r} disabled: its token, password and sessions no longer work")
    return 0


def passwd(args: argparse.Namespace) -> int:
    password = read_password(args.password_stdin, required=True)
    assert password is not None
    settings, db_engine, sessions = _sessions()
    try:
        with sessions() as session:
            users.set_password(session, args.name, password)
    finally:
        db_engine.dispose()
    print(f"new password for {args.name!r}; its open sessions have ended")
    return 0
