"""``baotong users add``: add a user and print its token once (only its HMAC is stored)."""

from __future__ import annotations

import argparse

from cli.common import settings_from
from services import users
from services.context import open_database


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = subparsers.add_parser("users", help="users and tokens").add_subparsers(dest="users_command", required=True)
    u = group.add_parser("add", help="add a user and print its token once")
    u.add_argument("name")
    u.add_argument("--role", required=True)
    u.add_argument("--enterprise", help="the enterprise site id a dispatcher acts for")
    u.set_defaults(func=add)


def add(args: argparse.Namespace) -> int:
    settings = settings_from()
    db_engine, sessions = open_database(settings)
    try:
        with sessions() as session:
            token = users.add_user(session, args.name, args.role, settings.secret_key, enterprise_id=args.enterprise)
    finally:
        db_engine.dispose()
    print(f"user {args.name!r} ({args.role}) — token, shown once:\n{token}")
    return 0
